""""Asked before" says how alike in words (issue 23), folds weak matches away, and lets a
user mark a match wrong: the mark is kept, survives recomputation and feeds the tuning."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from recommendations import recurrence, similarity
from recommendations.models import Recommendation, SimilarityFeedback, SimilarRecommendation
from tests.conftest import make_user
from tests.factories import state
from tests.recommendations.test_recurrence import cycles  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_likeness_words_follow_the_score():
    assert similarity.likeness(0.9, "lexical") == similarity.SAME
    assert similarity.likeness(0.35, "lexical") == similarity.VERY_SIMILAR
    assert similarity.likeness(0.21, "lexical") == similarity.RELATED


def test_page_says_how_alike_and_hides_weak_matches(client, cycles):  # noqa: F811
    recurrence.link_state(state("FRA"))
    link = SimilarRecommendation.objects.get(recommendation=cycles["opcat4"])
    page = client.get(cycles["opcat4"].get_absolute_url()).content.decode()
    section = page[page.index('id="asked-before"'):page.index('id="responses-title"')]
    word = {"same": "the same", "very_similar": "very similar"}[
        similarity.likeness(link.score, link.method)]
    assert word in section
    assert "weak-matches" not in section
    # Made weak: now under a closed <details>, not in the main table.
    SimilarRecommendation.objects.filter(pk=link.pk).update(score=0.21)
    page = client.get(cycles["opcat4"].get_absolute_url()).content.decode()
    section = page[page.index('id="asked-before"'):page.index('id="responses-title"')]
    assert "only related ones were found" in section
    details = section[section.index('<details class="weak-matches">'):]
    assert cycles["opcat3"].get_absolute_url() in details
    assert "related" in details


def test_marking_a_match_wrong_keeps_the_mark_and_drops_the_link(cycles):  # noqa: F811
    recurrence.link_state(state("FRA"))
    user = make_user("ngo-x", Role.NGO)
    client = Client()
    client.force_login(user)
    later, earlier = cycles["opcat4"], cycles["opcat3"]
    response = client.post(reverse("recommendations:mark_match_wrong",
                                   args=[later.pk, earlier.pk]))
    assert response.status_code == 302
    mark = SimilarityFeedback.objects.get()
    assert (mark.recommendation_id, mark.earlier_id, mark.created_by) == (
        later.pk, earlier.pk, user)
    assert not SimilarRecommendation.objects.filter(recommendation=later).exists()
    assert not Recommendation.objects.get(pk=later.pk).recurring
    # Recomputing does not bring it back.
    recurrence.link_state(state("FRA"))
    assert not SimilarRecommendation.objects.filter(recommendation=later,
                                                    earlier=earlier).exists()
    assert SimilarityFeedback.objects.count() == 1
    out = StringIO()
    call_command("evaluate_similarity", "--feedback", stdout=out)
    assert "1 pairs marked wrong by users added as negatives" in out.getvalue()


def test_anonymous_and_researchers_cannot_mark(cycles):  # noqa: F811
    recurrence.link_state(state("FRA"))
    url = reverse("recommendations:mark_match_wrong",
                  args=[cycles["opcat4"].pk, cycles["opcat3"].pk])
    assert Client().post(url).status_code == 302  # login
    client = Client()
    client.force_login(make_user("res", Role.RESEARCHER))
    assert client.post(url).status_code == 403
    assert not SimilarityFeedback.objects.exists()
