"""Recurring recommendations: links computed per State, the flag, the task after edits
and imports, the command, the pages, and tag suggestions."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from recommendations import recurrence, services, tally
from recommendations.models import Recommendation, SimilarRecommendation, Theme
from tests.factories import ReviewFactory, session, state

pytestmark = pytest.mark.django_db

OPCAT_3 = "Ratify the Optional Protocol to the Convention against Torture"
OPCAT_4 = "Consider ratifying the Optional Protocol to the Convention against Torture"
NHRI_3 = "Establish a national human rights institution in line with the Paris Principles"
NHRI_4 = "Establish a national human rights institution in accordance with the Paris Principles"


@pytest.fixture
def cycles(db):
    """France in cycle 3 (session 30) and cycle 4 (session 43); Germany in cycle 4."""
    fra3 = ReviewFactory(state=state("FRA"), session=session(30))
    fra4 = ReviewFactory(state=state("FRA"), session=session(43))
    deu4 = ReviewFactory(state=state("DEU"), session=session(43))
    make = services.create_recommendation
    recs = {
        "opcat3": make(review=fra3, paragraph="120.1", text=OPCAT_3, response="supported",
                       recommending_states=[state("DEU")]),
        "nhri3": make(review=fra3, paragraph="120.2", text=NHRI_3, response="noted",
                      recommending_states=[state("BRA")]),
        "prisons3": make(review=fra3, paragraph="120.3", response="supported",
                         text="Reduce overcrowding in prisons",
                         recommending_states=[state("KEN")]),
        "opcat4": make(review=fra4, paragraph="45.1", text=OPCAT_4, response="supported",
                       recommending_states=[state("JPN")]),
        "nhri4": make(review=fra4, paragraph="45.2", text=NHRI_4, response="supported",
                      recommending_states=[state("KEN")]),
        "death4": make(review=fra4, paragraph="45.3", response="noted",
                       text="Abolish the death penalty in all territories",
                       recommending_states=[state("BRA")]),
        # Another State: never linked to France's recommendations.
        "deu_opcat": make(review=deu4, paragraph="9.1", text=OPCAT_4,
                          recommending_states=[state("FRA")]),
    }
    return recs


def test_link_state_links_rewordings_to_the_earlier_cycle_only(cycles):
    result = recurrence.link_state(state("FRA"))
    assert result["recurring"] == 2 and result["method"] == "lexical"
    links = {(link.recommendation_id, link.earlier_id)
             for link in SimilarRecommendation.objects.all()}
    assert links == {(cycles["opcat4"].pk, cycles["opcat3"].pk),
                     (cycles["nhri4"].pk, cycles["nhri3"].pk)}
    flags = dict(Recommendation.objects.values_list("id", "recurring"))
    assert flags[cycles["opcat4"].pk] and flags[cycles["nhri4"].pk]
    assert not flags[cycles["death4"].pk] and not flags[cycles["opcat3"].pk]
    assert not flags[cycles["deu_opcat"].pk]  # Germany was not recomputed, nor linked


def test_recomputing_is_idempotent_and_clears_stale_links(cycles):
    recurrence.link_state(state("FRA"))
    recurrence.link_state(state("FRA"))
    assert SimilarRecommendation.objects.count() == 2
    opcat4 = cycles["opcat4"]
    opcat4.text = "Reduce the backlog of asylum applications"
    opcat4.save()
    recurrence.link_state(state("FRA"))
    opcat4.refresh_from_db()
    assert not opcat4.recurring
    assert SimilarRecommendation.objects.count() == 1


def test_the_flag_is_not_an_edit(cycles):
    """No history row for the flag; but readers see it, so it moves `updated_at` (mirrors
    polling `updated_since` pick it up, issue 21)."""
    before = cycles["opcat4"].history.count()
    updated = Recommendation.objects.get(pk=cycles["opcat4"].pk).updated_at
    recurrence.link_state(state("FRA"))
    rec = Recommendation.objects.get(pk=cycles["opcat4"].pk)
    assert rec.recurring and rec.history.count() == before and rec.updated_at > updated


def test_recurrence_by_cycle_counts_the_share_and_what_was_supported_before(cycles):
    recurrence.link_state(state("FRA"))
    rows = recurrence.recurrence_by_cycle(state("FRA"))
    assert rows == [
        {"cycle": 3, "total": 3, "recurring": 0, "supported_before": 0, "percent": 0.0},
        # OP-CAT and NHRI repeat cycle 3; only OP-CAT was supported then.
        {"cycle": 4, "total": 3, "recurring": 2, "supported_before": 1, "percent": 66.7},
    ]


def test_creating_and_editing_queue_the_task(cycles, django_capture_on_commit_callbacks):
    fra4 = cycles["opcat4"].review
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        new = services.create_recommendation(
            review=fra4, paragraph="45.9", text="Reduce overcrowding in prisons now",
            recommending_states=[state("DEU")])
    # One task queued (besides, about one write in 200, the tally's compaction).
    assert len([c for c in callbacks if c is not tally.compact]) == 1
    new.refresh_from_db()
    assert new.recurring
    assert new.earlier_links.get().earlier == cycles["prisons3"]
    with django_capture_on_commit_callbacks(execute=True):
        services.update_recommendation(new, expected_version=new.version,
                                       text="Protect the rights of older persons")
    new.refresh_from_db()
    assert not new.recurring and not new.earlier_links.exists()


def test_importing_a_file_queues_the_task(cycles, tmp_path, django_capture_on_commit_callbacks):
    from imports.pipeline import import_file

    path = tmp_path / "fra.csv"
    path.write_text(
        "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\n"
        f'France,WEOG,EU,"{OPCAT_4} promptly",Germany,WEOG,EU,Accepted,5,Justice,43\n',
        encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        report = import_file(path)
    assert report.ok and report.created == 1, report.as_dict()
    new = Recommendation.objects.get(text=f"{OPCAT_4} promptly")
    assert new.recurring
    assert cycles["opcat3"].pk in set(new.earlier_links.values_list("earlier_id", flat=True))


def test_link_recurring_command_shows_progress(cycles):
    out = StringIO()
    call_command("link_recurring", stdout=out)
    text = out.getvalue()
    assert "word overlap, TF-IDF (lexical)" in text
    assert "[" in text and "2/2 FRA" in text
    assert "2 States, 7 recommendations, 2 recurring" in text
    out = StringIO()
    call_command("link_recurring", "--state", "fra", stdout=out)
    assert "1/1 FRA" in out.getvalue()
    with pytest.raises(CommandError, match="Unknown State"):
        call_command("link_recurring", "--state", "XXX")


def test_recommendation_page_shows_asked_before_with_both_sides(client, cycles):
    recurrence.link_state(state("FRA"))
    page = client.get(cycles["opcat4"].get_absolute_url()).content.decode()
    section = page[page.index('id="asked-before"'):page.index('id="responses-title"')]
    assert "Asked before" in section
    assert cycles["opcat3"].get_absolute_url() in section
    assert "120.1" in section and "Supported" in section and "Cycle 3" in section
    assert "lexical" in section
    earlier = client.get(cycles["opcat3"].get_absolute_url()).content.decode()
    assert f"?similar_to={cycles['opcat3'].pk}" in earlier  # "asked again later" link
    assert "No similar recommendation" in client.get(
        cycles["death4"].get_absolute_url()).content.decode()


def test_list_shows_the_badge_and_filters(client, cycles):
    recurrence.link_state(state("FRA"))
    page = client.get("/recommendations/?recurring=true").content.decode()
    assert "2 recommendations" in page and "badge-recurring" in page
    assert OPCAT_4 in page and "death penalty" not in page


def test_state_page_shows_the_share_per_cycle(client, cycles):
    recurrence.link_state(state("FRA"))
    page = client.get("/states/FRA/").content.decode()
    assert "Recurring recommendations" in page
    assert "66.7 %" in page
    assert "state_under_review=FRA&amp;cycle=4&amp;recurring=true" in page


def test_tag_suggestions_come_from_the_nearest_tagged_neighbours(cycles, api_client):
    theme = Theme.objects.order_by("slug").first()
    cycles["opcat3"].themes.set([theme])
    relations = Recommendation.themes.through.objects.count()
    response = api_client.get("/api/v1/suggest-tags/", {"text": OPCAT_4 + " soon"})
    assert response.status_code == 200
    body = response.json()
    assert body["method"] == "lexical"
    assert [t["slug"] for t in body["themes"]] == [theme.slug]
    assert body["neighbours"][0]["id"] == cycles["opcat3"].pk
    assert Recommendation.themes.through.objects.count() == relations  # nothing applied
    assert api_client.get("/api/v1/suggest-tags/").status_code == 400
    nothing = api_client.get("/api/v1/suggest-tags/", {"text": "zzzz qqqq"}).json()
    assert nothing["themes"] == []
