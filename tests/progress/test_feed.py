"""Institutions, indicators and progress reports in the change feed (`/api/v1/changes/`,
issue 21), as issue 25 asks: each write and each deletion, with its kind, `?kind=`, and
the kinds in the OpenAPI schema."""

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Max

from progress import services
from progress.models import Indicator, ProgressReport
from recommendations.change_feed import Change, committed_frontier
from states.models import Institution

# The feed serves only committed changes: every write here must commit.
pytestmark = pytest.mark.django_db(transaction=True)


def wait_until_servable(timeout: float = 10) -> None:
    """The feed serves a change once every older transaction of the database has ended
    (recommendations.change_feed); a transaction of someone else (autovacuum, a thread
    of an earlier test finishing) may hold it back a moment. Wait for that."""
    if connection.vendor != "postgresql":
        return
    last = Change.objects.aggregate(last=Max("xid"))["last"]
    deadline = time.monotonic() + timeout
    while last is not None and committed_frontier() <= last:
        if time.monotonic() > deadline:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pid, state, backend_xid, query FROM pg_stat_activity "
                               "WHERE backend_xid IS NOT NULL")
                raise AssertionError(f"the feed is held back by {cursor.fetchall()}")
        time.sleep(0.05)


def feed(api_client, **params) -> list[tuple[str, int, str]]:
    """(kind, id, action) of every change from the beginning."""
    wait_until_servable()
    response = api_client.get("/api/v1/changes/", {"after": "0", **params})
    assert response.status_code == 200, response.content[:500]
    return [(c["kind"], c["id"], c["action"]) for c in response.json()["results"]]


def test_an_institution_created_by_the_api_is_in_the_feed(api_client, world):
    api_client.force_authenticate(world.focal)
    created = api_client.post("/api/v1/institutions/", {"state": "FRA", "name": "Ombudsman",
                                                        "kind": "nhri"}, format="json")
    assert created.status_code == 201, created.content
    assert ("institution", created.json()["id"], "changed") in feed(api_client)


def test_a_renamed_institution_is_in_the_feed_again(api_client, world):
    before = feed(api_client, kind="institution")
    world.interior.name = "Ministry of the Interior and Overseas"
    world.interior.save()
    assert feed(api_client, kind="institution")[len(before):] == [
        ("institution", world.interior.pk, "changed")]


def test_a_new_indicator_is_in_the_feed(api_client, world):
    assert ("indicator", world.indicator.pk, "changed") in feed(api_client)


def test_a_filed_report_is_in_the_feed_with_its_indicator(api_client, world):
    before = feed(api_client)
    report = services.file_report(user=world.justice_contributor, indicator=world.indicator,
                                  value=Decimal(90), narrative="First quarter")
    after = feed(api_client)[len(before):]
    assert ("progress_report", report.pk, "changed") in after
    assert ("indicator", world.indicator.pk, "changed") in after


def test_an_updated_indicator_is_in_the_feed_again(api_client, world):
    before = feed(api_client, kind="indicator")
    services.update_indicator(world.indicator, expected_version=world.indicator.version,
                              title="Prisoners in overcrowded cells")
    assert feed(api_client, kind="indicator")[len(before):] == [
        ("indicator", world.indicator.pk, "changed")]


def test_a_deleted_indicator_and_its_reports_are_deleted_in_the_feed(api_client, world):
    report = services.file_report(user=world.justice_contributor, indicator=world.indicator,
                                  value=Decimal(90))
    indicator_id = world.indicator.pk
    before = feed(api_client)
    Indicator.objects.get(pk=indicator_id).delete()
    after = feed(api_client)[len(before):]
    assert ("progress_report", report.pk, "deleted") in after
    # The last word on the indicator is its deletion, whatever came before it.
    assert [c for c in after if c[:2] == ("indicator", indicator_id)][-1][2] == "deleted"


def test_deleting_a_follow_up_action_deletes_its_indicators_in_the_feed(api_client, world):
    from recommendations.models import FollowUpAction

    action = FollowUpAction.objects.create(
        state=world.france, title="Build two prisons", institution=world.justice)
    action.recommendations.set(world.recommendations[:1])
    indicator = services.create_indicator(
        state=world.france, title="Places in prisons", action=action,
        start_date=world.start, end_date=world.start + dt.timedelta(days=365))
    before = feed(api_client)
    action.delete()
    assert ("indicator", indicator.pk, "deleted") in feed(api_client)[len(before):]


def test_a_deleted_institution_is_deleted_and_its_indicators_changed(api_client, world):
    report = services.file_report(user=world.interior_contributor,
                                  indicator=world.other_indicator, value=Decimal(90))
    before = feed(api_client)
    Institution.objects.get(pk=world.interior.pk).delete()
    after = feed(api_client)[len(before):]
    assert ("institution", world.interior.pk, "deleted") in after
    assert ("indicator", world.other_indicator.pk, "changed") in after
    assert ("progress_report", report.pk, "changed") in after
    assert ProgressReport.objects.get(pk=report.pk).institution_id is None


def test_indicators_of_a_deleted_recommendation_change_in_the_feed(api_client, world):
    from recommendations.services import delete_recommendations

    before = feed(api_client, kind="indicator")
    delete_recommendations([world.recommendations[0]])
    after = feed(api_client, kind="indicator")[len(before):]
    assert sorted(after) == sorted([("indicator", world.indicator.pk, "changed"),
                                    ("indicator", world.other_indicator.pk, "changed")])


def test_deleting_a_recommendation_nothing_measures_changes_no_indicator(api_client, world):
    from recommendations.services import delete_recommendations
    from tests.factories import RecommendationFactory

    lone = RecommendationFactory(review=world.recommendations[0].review)
    before = feed(api_client, kind="indicator")
    delete_recommendations([lone])
    assert feed(api_client, kind="indicator") == before


def test_kind_filter_keeps_only_that_kind(api_client, world):
    kinds = {kind for kind, _id, _action in feed(api_client, kind="indicator")}
    assert kinds == {"indicator"}


def test_kind_filter_takes_several_kinds(api_client, world):
    both = feed(api_client, kind="institution,indicator")
    assert {kind for kind, _id, _action in both} == {"institution", "indicator"}


def test_kind_filter_rejects_an_unknown_kind(api_client, world):
    response = api_client.get("/api/v1/changes/", {"kind": "prison"})
    assert response.status_code == 400
    assert "kind" in response.json()


def test_a_rolled_back_report_is_not_in_the_feed(api_client, world):
    before = feed(api_client)
    with pytest.raises(Exception, match="value"):
        services.file_report(user=world.justice_contributor, indicator=world.indicator)
    assert feed(api_client) == before


def test_the_openapi_schema_names_every_kind(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    kinds = {"recommendation", "institution", "indicator", "progress_report"}
    change = schema["components"]["schemas"]["Change"]["properties"]["kind"]
    enum = change.get("enum") or schema["components"]["schemas"][
        change["$ref"].rsplit("/", 1)[-1]]["enum"]
    assert set(enum) == kinds
    parameters = schema["paths"]["/api/v1/changes/"]["get"]["parameters"]
    kind = next(p for p in parameters if p["name"] == "kind")
    assert set(kind["schema"]["items"]["enum"]) == kinds
