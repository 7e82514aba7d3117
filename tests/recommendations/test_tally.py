"""The pages' tally (recommendations.tally, issue 24) stays exact through every kind of
write: after each one, the stored tally equals the tally counted from the
recommendations now (`tally.stale()` is empty). And the pages that read it show the
figures the queries over every recommendation gave: one number on every path.

As in test_read_model.py, the test transaction never commits: a write path that does
not tell the read model inside its transaction leaves the tally stale and fails here.
"""

import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.test.utils import CaptureQueriesContext

from recommendations import readmodel, recurrence, services, tally
from recommendations.models import (
    SDG,
    Actor,
    MadeTally,
    Recommendation,
    RegionTally,
    Response,
    ReviewTally,
    SimilarRecommendation,
    Theme,
)
from reviews.models import Review
from states.models import State
from tests.factories import RecommendationFactory, ReviewFactory, session, state

URL = "/api/v1/recommendations/"
UPR_INFO_HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\n"
RECOMMENDATIONS = re.compile(r'"recommendations_recommendation"(?!\w)')


def assert_exact() -> None:
    assert tally.stale() == {}
    assert readmodel.stale_ids() == []


def stored_reviews() -> dict[tuple, int]:
    """The review tally as the pages read it: each key's rows summed."""
    return tally.stored()[0]


def made() -> dict[str, int]:
    iso3 = dict(State.objects.values_list("pk", "iso3"))
    return {iso3[pk]: n for pk, n in tally.stored_made().items()}


@pytest.fixture
def rec(db):
    review = ReviewFactory(state=state("FRA"), session=session(43),
                           wg_report_symbol="A/HRC/52/14")
    return services.create_recommendation(
        review=review, paragraph="45.1", text="Ratify the optional protocol against torture",
        recommending_states=[state("DEU")], response="supported",
        themes=[Theme.objects.order_by("slug").first()], sdgs=[SDG.objects.get(number=16)])


def test_create_through_the_service_counts_it(rec):
    assert_exact()
    assert stored_reviews() == {(rec.review_id, "supported", "", "", False): 1}
    assert made() == {"DEU": 1}


def test_create_and_edit_through_the_api_keep_the_tally(api_client, ngo_user, rec):
    api_client.force_authenticate(ngo_user)
    response = api_client.post(URL, {
        "review": rec.review_id, "paragraph": "45.2", "text": "Abolish the death penalty",
        "recommending_states": ["BRA", "JPN"], "themes": [], "sdgs": [5]}, format="json")
    assert response.status_code == 201, response.content
    assert_exact()
    response = api_client.patch(f"{URL}{rec.pk}/", {
        "recommending_states": ["KEN", "BRA"], "response": "noted"}, format="json")
    assert response.status_code == 200, response.content
    assert_exact()
    assert "DEU" not in made() and made()["BRA"] == 2


def test_response_and_assessments_keep_the_tally(rec):
    rec.record_response("noted", source_symbol="A/HRC/52/14/Add.1")
    assert_exact()
    rec.add_assessment(actor=Actor.GOVERNMENT, status="in_progress")
    rec.add_assessment(actor=Actor.CIVIL_SOCIETY, status="not_implemented")
    assert_exact()
    assert stored_reviews() == {(rec.review_id, "noted", "in_progress", "not_implemented",
                                 False): 1}


def test_a_status_edit_does_not_write_the_made_by_table(rec):
    with CaptureQueriesContext(connection) as queries:
        rec.add_assessment(actor=Actor.GOVERNMENT, status="in_progress")
    assert_exact()
    table = MadeTally._meta.db_table
    assert not [q["sql"] for q in queries if table in q["sql"]]


def test_changing_the_recommending_states_moves_the_made_counts(rec):
    rec.recommending_states.set([state("BRA"), state("JPN")])
    Recommendation.objects.get(pk=rec.pk).save()  # a write path's own touch
    assert_exact()
    assert made() == {"BRA": 1, "JPN": 1}


def regions() -> dict[tuple, int]:
    """The regional tally as the matrix reads it: {(recommending region or "", region
    under review, response): recommendations}."""
    return RegionTally.objects.counts("recommending_region", "region", "response")


def test_co_sponsors_count_once_per_region_and_once_in_all(rec):
    RecommendationFactory(review=rec.review, paragraph="45.2", response="noted",
                          recommending_states=[state("DEU"), state("GBR"), state("BRA")])
    assert_exact()
    assert regions() == {("", "WEOG", "supported"): 1, ("WEOG", "WEOG", "supported"): 1,
                         ("", "WEOG", "noted"): 1, ("WEOG", "WEOG", "noted"): 1,
                         ("GRULAC", "WEOG", "noted"): 1}


def test_a_recommendation_without_recommending_states_counts_in_all_only(rec):
    rec.recommending_states.clear()
    Recommendation.objects.get(pk=rec.pk).save()
    assert_exact()
    assert regions() == {("", "WEOG", "supported"): 1}


def test_a_states_new_region_moves_the_regional_counts(rec):
    RecommendationFactory(review=ReviewFactory(state=state("DEU"), session=session(41)),
                          recommending_states=[state("JPN")])
    germany = state("DEU")
    germany.region = "EEG"
    germany.save()
    assert_exact()
    assert regions() == {("", "WEOG", "supported"): 1, ("EEG", "WEOG", "supported"): 1,
                         ("", "EEG", "supported"): 1, ("APG", "EEG", "supported"): 1}


def test_moving_a_recommendation_to_another_review_moves_its_count(rec):
    other = ReviewFactory(state=state("BRA"), session=session(41))
    rec.review = other
    rec.save()
    assert_exact()
    assert {key[0]: n for key, n in stored_reviews().items()} == {other.pk: 1}


def test_deleting_recommendations_uncounts_them(rec, api_client, ngo_user):
    second = RecommendationFactory(review=rec.review, paragraph="45.2")
    third = RecommendationFactory(review=rec.review, paragraph="45.3")
    services.delete_recommendations([rec], reason="test")
    assert_exact()
    api_client.force_authenticate(ngo_user)
    assert api_client.delete(f"{URL}{second.pk}/?confirm=true").status_code == 204
    assert_exact()
    Recommendation.objects.get(pk=third.pk).delete()  # the ORM alone: post_delete
    assert_exact()
    assert stored_reviews() == {} and made() == {}


@pytest.fixture
def without_the_deletion_touch():
    """No touch before a recommendation goes: readmodel's post_delete alone drops its
    row (the net under a path that forgets to tell)."""
    from django.db.models.signals import pre_delete

    from recommendations import write_hooks

    uid = "touch-recommendation-deleted"
    pre_delete.disconnect(sender=Recommendation, dispatch_uid=uid)
    yield
    pre_delete.connect(write_hooks._recommendation_deleted, sender=Recommendation,
                       dispatch_uid=uid)


def test_a_deletion_nobody_touched_is_uncounted_by_the_signal(rec, without_the_deletion_touch):
    second = RecommendationFactory(review=rec.review, paragraph="45.2")
    Recommendation.objects.get(pk=second.pk).delete()
    assert_exact()
    rec.review.delete()
    assert_exact()
    assert stored_reviews() == {} and made() == {}


def test_deleting_a_review_through_the_orm_cascade_uncounts_it(rec):
    RecommendationFactory(review=rec.review, paragraph="45.2", response="noted")
    kept = RecommendationFactory(review=ReviewFactory(state=state("BRA"), session=session(41)))
    rec.review.delete()
    assert_exact()
    assert {key[0] for key in stored_reviews()} == {kept.review_id}


def test_deleting_a_review_in_the_admin_uncounts_it(rec, client, admin_user):
    client.force_login(admin_user)
    response = client.post(f"/admin/reviews/review/{rec.review_id}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content[:2000]
    assert_exact()
    assert stored_reviews() == {}


def test_a_rolled_back_write_leaves_the_tally_as_it_was(rec):
    before = tally.stored()
    with pytest.raises(RuntimeError), transaction.atomic():
        rec.record_response("noted")
        RecommendationFactory(review=rec.review, paragraph="45.2",
                              recommending_states=[state("JPN")])
        assert tally.stored() != before
        raise RuntimeError
    assert tally.stored() == before
    assert_exact()


def test_recurrence_flags_are_counted(db, settings):
    settings.SIMILARITY_METHOD = "lexical"
    text = "Ratify the optional protocol to the convention against torture without delay"
    RecommendationFactory(review=ReviewFactory(state=state("FRA"), session=session(30)),
                          text=text)
    later = RecommendationFactory(review=ReviewFactory(state=state("FRA"), session=session(43)),
                                  text=text)
    recurrence.link_state(state("FRA").pk)
    assert_exact()
    assert [key[-1] for key in stored_reviews() if key[0] == later.review_id] == [True]
    earlier_id = later.earlier_links.get().earlier_id
    recurrence.mark_wrong(Recommendation.objects.get(pk=later.pk), earlier_id)
    assert_exact()


def test_an_import_and_its_reimport_keep_the_tally(db, tmp_path):
    from imports.pipeline import import_file

    path = tmp_path / "upr-info.csv"
    path.write_text(UPR_INFO_HEADER + (
        'France,WEOG,EU,"Ratify the optional protocol to the convention against torture",'
        'Brazil,GRULAC,,Accepted,5,"Torture and other CID",43\n'
        'France,WEOG,EU,"Abolish the death penalty in all territories",'
        '"Japan, Brazil",Asia,,Noted,4,"Death penalty",43\n'), encoding="utf-8")
    report = import_file(path)
    assert report.ok and report.created == 2, report.errors
    assert_exact()
    path.write_text(UPR_INFO_HEADER + (
        'France,WEOG,EU,"Ratify the optional protocol to the convention against torture",'
        'Brazil,GRULAC,,Noted,5,"Torture and other CID",43\n'), encoding="utf-8")
    assert import_file(path).ok
    assert_exact()


def test_undoing_imports_keeps_the_tally(db, tmp_path, ngo_user, settings):
    from imports import undo
    from tests.recommendations.test_read_model import _import_job

    settings.MEDIA_ROOT = tmp_path
    first = _import_job(tmp_path, ngo_user, (
        'France,WEOG,EU,"Ratify the optional protocol to the convention against torture",'
        'Brazil,GRULAC,,Accepted,5,"Torture and other CID",43\n'))
    second = _import_job(tmp_path, ngo_user, (
        'France,WEOG,EU,"Ratify the optional protocol to the convention against torture",'
        'Brazil,GRULAC,,Noted,5,"Torture and other CID",43\n'
        'France,WEOG,EU,"Abolish the death penalty in all territories",'
        'Japan,Asia,,Noted,4,"Death penalty",43\n'))
    assert_exact()
    undo.undo(second, user=ngo_user)
    assert_exact()
    undo.undo(first, user=ngo_user)
    assert_exact()
    assert stored_reviews() == {} and made() == {}


def test_rebuild_list_rows_counts_the_tally_again(rec):
    tally.compact()  # one row per key, then spoilt
    ReviewTally.objects.update(n=7)
    MadeTally.objects.all().delete()
    MadeTally.objects.create(state=state("JPN"), n=3)
    RegionTally.objects.filter(recommending_region="").delete()
    key = (rec.review.session_id, rec.review.session.cycle_id, "WEOG", "", "supported")
    assert set(tally.stale()) == {
        (rec.review_id, "supported", "", "", False), ("made", state("DEU").pk),
        ("made", state("JPN").pk), ("region", *key)}
    call_command("rebuild_list_rows")
    assert_exact()


# One number on every path: each page shows, from the tally, what the queries over every
# recommendation count.

@pytest.fixture
def corpus(db, settings):
    from recommendations.corpus import generate_corpus

    settings.SIMILARITY_METHOD = "lexical"
    generate_corpus(700, seed=24)
    text = "Ratify the optional protocol to the convention against torture without delay"
    RecommendationFactory(review=ReviewFactory(state=state("FRA"), session=session(30)),
                          text=text, response=Response.SUPPORTED)
    RecommendationFactory(review=ReviewFactory(state=state("FRA"), session=session(43)),
                          text=text, response=Response.NOTED,
                          recommending_states=[state("BRA"), state("JPN")])
    recurrence.link_state(state("FRA").pk)
    assert_exact()
    cache.clear()


def test_the_home_page_shows_the_figures_of_every_recommendation(corpus, client):
    context = client.get("/").context
    everything = Recommendation.objects.all()
    per_cycle = everything.counts_by_cycle_and_response()
    assert {row["cycle"].number: row["total"] for row in context["cycles"]} == {
        number: sum(per_cycle.get(number, {}).values()) for number in (1, 2, 3, 4)}
    assert {row["cycle"].number: row["supported"] for row in context["cycles"]} == {
        number: per_cycle.get(number, {}).get("supported", 0) for number in (1, 2, 3, 4)}
    assert context["total"] == everything.count()
    assert context["government"] == everything.government_distribution()
    assert context["civil_society"] == everything.civil_society_distribution()
    assert [(r.pk, r.recommendation_count) for r in context["recent_reviews"]] == [
        (r.pk, r.recommendation_count) for r in Review.objects.annotate(
            recommendation_count=Count("recommendations")).order_by("-review_date", "-pk")[:10]]


def test_the_states_list_shows_the_figures_of_every_recommendation(corpus, client):
    groups = client.get("/states/").context["groups"]
    shown = {s.pk: (s.received_count, s.made_count) for g in groups for s in g["states"]}
    received = dict(Recommendation.objects.order_by().values_list("review__state_id")
                    .annotate(n=Count("id")))
    through = Recommendation.recommending_states.through
    made = dict(through.objects.order_by().values_list("state_id").annotate(n=Count("id")))
    assert shown == {pk: (received.get(pk, 0), made.get(pk, 0)) for pk in shown}
    assert sum(r for r, _m in shown.values()) == Recommendation.objects.count()


def test_a_state_page_shows_the_figures_of_its_recommendations(corpus, client):
    context = client.get("/states/FRA/").context
    received = Recommendation.objects.for_state("FRA")
    assert context["received_count"] == received.count()
    assert context["made_count"] == Recommendation.objects.made_by("FRA").count()
    assert context["responses"] == received.response_distribution()
    assert context["government"] == received.government_distribution()
    assert context["civil_society"] == received.civil_society_distribution()
    supported_before = Exists(SimilarRecommendation.objects.filter(
        recommendation_id=OuterRef("pk"), earlier__response=Response.SUPPORTED))
    rows = (received.order_by().values("review__session__cycle__number")
            .annotate(total=Count("id"), recurring=Count("id", filter=Q(recurring=True)),
                      supported_before=Count("id", filter=Q(supported_before)))
            .order_by("review__session__cycle__number"))
    assert [(r["cycle"], r["total"], r["recurring"], r["supported_before"])
            for r in context["recurrence"]] == [
        (r["review__session__cycle__number"], r["total"], r["recurring"],
         r["supported_before"]) for r in rows]
    assert [r["recurring"] for r in context["recurrence"]] == [0, 1]
    assert {r.pk: r.recommendation_count for c in context["by_cycle"] for r in c["reviews"]} \
        == dict(Review.objects.filter(state__iso3="FRA").annotate(n=Count("recommendations"))
                .values_list("pk", "n"))


def test_a_review_page_shows_the_figures_of_its_recommendations(corpus, client):
    review = Review.objects.annotate(n=Count("recommendations")).order_by("-n").first()
    context = client.get(f"/reviews/{review.pk}/").context
    assert context["responses"] == review.recommendations.all().response_distribution()
    assert context["recommendation_count"] == review.n


def test_the_home_page_after_a_write_reads_no_recommendation(corpus, client):
    client.get("/")
    RecommendationFactory(review=Review.objects.first(), paragraph="99.1", response="noted")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert len(queries) <= 5
    assert [q["sql"] for q in queries if RECOMMENDATIONS.search(q["sql"])] == []


def test_the_states_list_and_a_state_page_after_a_write_scan_no_recommendations(corpus,
                                                                              client):
    RecommendationFactory(review=Review.objects.first(), paragraph="99.1", response="noted")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/states/").status_code == 200
        assert client.get("/states/FRA/").status_code == 200
    unfiltered = [q["sql"] for q in queries
                  if RECOMMENDATIONS.search(q["sql"]) and " WHERE " not in q["sql"]]
    assert unfiltered == []


def test_compacting_folds_each_keys_rows_and_keeps_every_count(rec):
    rec.add_assessment(actor=Actor.GOVERNMENT, status="in_progress")
    rec.recommending_states.set([state("BRA")])
    Recommendation.objects.get(pk=rec.pk).save()
    before = tally.stored()
    assert ReviewTally.objects.count() > len(before[0])  # a row per change, until folded
    tally.compact()
    assert tally.stored() == before
    assert ReviewTally.objects.count() == len(before[0])
    assert MadeTally.objects.count() == len(before[1])  # DEU's +1 and -1: gone
    assert RegionTally.objects.count() == len(before[2])
    assert_exact()


@pytest.mark.django_db(transaction=True)
def test_an_open_import_never_makes_an_edit_of_the_same_review_wait(rec):
    """Issue 22's rule: a writer's transaction held open (a long import) takes no lock
    another writer of the same review, response and statuses needs (an upsert of one
    shared count row did: the edit waited for the import's commit)."""
    import threading

    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer at a time (make run's database)")
    opened, release, done = threading.Event(), threading.Event(), []

    def long_writer() -> None:
        try:
            with transaction.atomic():
                RecommendationFactory(review=rec.review, paragraph="45.2",
                                      recommending_states=[state("DEU")])
                opened.set()
                release.wait(30)
        finally:
            opened.set()
            connection.close()

    worker = threading.Thread(target=long_writer)
    worker.start()
    try:
        assert opened.wait(30)
        edit = threading.Thread(target=lambda: (
            RecommendationFactory(review=rec.review, paragraph="45.3",
                                  recommending_states=[state("DEU")]),
            done.append(True), connection.close()))
        edit.start()
        edit.join(10)
        assert done == [True], "the edit waited for the open transaction"
    finally:
        release.set()
        worker.join(30)
    assert_exact()


def test_themes_and_their_mapping_keep_the_theme_tally(rec):
    """ThemeTally counts a recommendation under each of its themes and their canonical
    themes; tagging, untagging and mapping a label onto another canonical theme keep it
    equal to a recount."""
    canonical, other = Theme.objects.order_by("slug")[1:3]
    label = Theme.objects.create(name="A source label", slug="a-source-label-x",
                                 canonical=canonical)
    rec.themes.add(label)
    assert_exact()
    themes = {key[0] for key in tally.stored()[3]}
    assert {label.pk, canonical.pk} <= themes
    label.canonical = other
    label.save()
    assert_exact()
    themes = {key[0]: n for key, n in tally.stored()[3].items()}
    assert other.pk in themes and canonical.pk not in themes
    rec.themes.remove(label)
    assert_exact()
    assert other.pk not in {key[0] for key in tally.stored()[3]}
