"""The review page reads its rows from the read model (issue 24), as the list page does:
the same recommendations, in the same groups, as the recommendations themselves give,
in a fixed number of queries."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recommendations.models import Recommendation, Theme
from reviews.models import Review
from tests.factories import RecommendationFactory, ReviewFactory, state
from tests.web.conftest import make_recommendations

pytestmark = pytest.mark.django_db


def model_groups(review: Review, group_by: str) -> dict[str, list[int]]:
    """The groups as the page built them from the recommendations before the read model:
    by the paragraph's head, or by the canonical themes' names (sorted), "No theme" last."""
    recs = Recommendation.objects.filter(review=review).order_by("paragraph_sort", "id")
    groups: dict[str, list[int]] = {}
    if group_by == "theme":
        no_theme = []
        for rec in recs:
            names = list(dict.fromkeys(t.canonical_theme.name for t in rec.themes.all()))
            for name in names:
                groups.setdefault(name, []).append(rec.pk)
            if not names:
                no_theme.append(rec.pk)
        groups = dict(sorted(groups.items(), key=lambda item: item[0].lower()))
        if no_theme:
            groups["No theme"] = no_theme
        return groups
    for rec in recs:
        head = rec.paragraph.split(".")[0]
        groups.setdefault(f"Paragraph {head}" if head else "No paragraph", []).append(rec.pk)
    return groups


def page_groups(client, review: Review, group_by: str) -> dict[str, list[int]]:
    cache.clear()
    response = client.get(reverse("front:review_detail", args=[review.pk]),
                          {"group": group_by})
    return {label: [row.pk for row in rows]
            for label, rows in response.context["groups"].items()}


@pytest.fixture
def themed_review() -> Review:
    review = ReviewFactory()
    rights = Theme.objects.create(slug="zeta-rights", name="Zeta rights", source="user")
    label = Theme.objects.create(slug="a-label", name="A label for zeta", source="upr-info",
                                 canonical=rights)
    alpha = Theme.objects.create(slug="alpha", name="alpha", source="user")
    RecommendationFactory(review=review, paragraph="12.4").themes.set([label, rights])
    RecommendationFactory(review=review, paragraph="7.1").themes.set([alpha, label])
    RecommendationFactory(review=review, paragraph="12.3").themes.set([alpha])
    RecommendationFactory(review=review, paragraph="")  # no paragraph, no theme
    return review


@pytest.mark.parametrize("group_by", ["paragraph", "theme"])
def test_review_page_groups_the_recommendations_as_the_model_does(
        client, themed_review, group_by):
    assert page_groups(client, themed_review, group_by) == model_groups(themed_review,
                                                                        group_by)


def test_review_page_groups_a_theme_label_under_its_canonical_theme(client, themed_review):
    groups = page_groups(client, themed_review, "theme")
    assert list(groups) == ["alpha", "Zeta rights", "No theme"]


def test_review_page_groups_paragraphs_in_number_order_with_no_paragraph_first(
        client, themed_review):
    groups = page_groups(client, themed_review, "paragraph")
    assert list(groups) == ["No paragraph", "Paragraph 7", "Paragraph 12"]


@pytest.mark.parametrize("group_by", ["paragraph", "theme"])
def test_review_page_reads_its_rows_from_the_read_model(client, themed_review, group_by):
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("front:review_detail", args=[themed_review.pk]),
                   {"group": group_by})
    sql = [q["sql"] for q in queries.captured_queries]
    assert any('"recommendations_recommendationrow"' in s for s in sql)
    assert not any('"recommendations_recommendation"' in s
                   or '"recommendations_recommendation_' in s for s in sql)


@pytest.mark.parametrize("group_by", ["paragraph", "theme"])
def test_review_page_query_count_does_not_grow_with_recommendations(client, group_by):
    review = make_recommendations(2)[0].review
    counts = []
    for more in (0, 28):
        make_recommendations(more, review=review)
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("front:review_detail", args=[review.pk]), {"group": group_by})
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_a_write_elsewhere_keeps_the_review_pages_rendered_rows(client, themed_review):
    """The rows' fragment is keyed by this review's stored rows: a recommendation written
    in another review leaves it (the groups are never built), one written here renders
    again and shows the change."""
    url = reverse("front:review_detail", args=[themed_review.pk])
    other = ReviewFactory(state=state("DEU"))

    def grouped(response) -> bool:
        return "groups" in response.context  # the groups' template was rendered

    cache.clear()
    assert grouped(client.get(url))
    assert not grouped(client.get(url))
    RecommendationFactory(review=other, paragraph="3.1")
    assert not grouped(client.get(url))
    rec = Recommendation.objects.get(review=themed_review, paragraph="7.1")
    rec.text = "Changed wording of this recommendation"
    rec.save()
    response = client.get(url)
    assert grouped(response)
    assert "Changed wording of this recommendation" in response.content.decode()
    assert not grouped(client.get(url))
