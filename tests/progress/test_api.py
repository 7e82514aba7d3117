"""institutions/, indicators/, progress-reports/: filters, permissions, schema, exports."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from progress.models import Indicator, ProgressReport
from states.models import Institution

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content[:500]
    return {row["id"] for row in response.json()["results"]}


def test_institutions_filter_by_state(api_client, world, germany):
    Institution.objects.create(state=germany, name="Bundesministerium der Justiz")
    found = ids(api_client.get("/api/v1/institutions/?state=fra"))
    assert found == {world.justice.pk, world.interior.pk}


def test_focal_point_adds_an_institution_to_their_state_only(api_client, world, germany):
    api_client.force_authenticate(world.focal)
    created = api_client.post("/api/v1/institutions/", {"state": "FRA", "name": "Ombudsman",
                                                        "kind": "nhri"}, format="json")
    assert created.status_code == 201, created.content
    refused = api_client.post("/api/v1/institutions/", {"state": "DEU", "name": "BMJ"},
                              format="json")
    assert refused.status_code == 403
    assert not Institution.objects.filter(state=germany).exists()


def test_contributor_cannot_create_institutions_or_indicators(api_client, world):
    api_client.force_authenticate(world.justice_contributor)
    assert api_client.post("/api/v1/institutions/", {"state": "FRA", "name": "X"},
                           format="json").status_code == 403
    before = Indicator.objects.count()
    response = api_client.post("/api/v1/indicators/", {
        "state": "FRA", "title": "x", "recommendations": [world.recommendations[0].pk],
        "start_date": "2026-01-01", "end_date": "2027-01-01"}, format="json")
    assert response.status_code == 403
    assert Indicator.objects.count() == before


def test_focal_point_creates_a_cluster_indicator_with_due_dates(api_client, world):
    api_client.force_authenticate(world.focal)
    response = api_client.post("/api/v1/indicators/", {
        "state": "FRA", "title": "Cases heard within a year", "kind": "outcome",
        "recommendations": [r.pk for r in world.recommendations],
        "institution": world.justice.pk, "manager": world.justice_contributor.username,
        "baseline_value": "40", "target_value": "80", "frequency_months": 3,
        "start_date": "2026-01-01", "end_date": "2027-01-01"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert sorted(body["recommendations"]) == sorted(r.pk for r in world.recommendations)
    assert [d["due_date"] for d in body["due_dates"]] == [
        "2026-04-01", "2026-07-01", "2026-10-01", "2027-01-01"]


def test_indicator_filters(api_client, world):
    assert ids(api_client.get(f"/api/v1/indicators/?institution={world.justice.pk}")) == {
        world.indicator.pk}
    rec = world.recommendations[1]
    assert ids(api_client.get(f"/api/v1/indicators/?recommendation={rec.pk}")) == {
        world.indicator.pk}
    assert ids(api_client.get("/api/v1/indicators/?overdue=true")) == {
        world.indicator.pk, world.other_indicator.pk}
    first = world.indicator.schedule()[0]
    assert ids(api_client.get(f"/api/v1/indicators/?due_before={first - dt.timedelta(1)}")) \
        == set()
    assert ids(api_client.get(f"/api/v1/indicators/?due_after={first}&state=FRA")) == {
        world.indicator.pk, world.other_indicator.pk}


def test_an_unknown_filter_is_a_400_naming_it(api_client, world):
    response = api_client.get("/api/v1/indicators/?overdu=true")
    assert response.status_code == 400
    assert "overdu" in response.json()["unknown_parameters"]


def test_contributor_reports_on_own_indicator_and_is_refused_on_another(api_client, world):
    api_client.force_authenticate(world.justice_contributor)
    ok = api_client.post("/api/v1/progress-reports/", {
        "indicator": world.indicator.pk, "value": "95", "narrative": "Two new prisons",
        "links": [{"url": "https://example.org/stats", "is_public": True}]}, format="json")
    assert ok.status_code == 201, ok.content
    assert ok.json()["institution"] == world.justice.pk
    refused = api_client.post("/api/v1/progress-reports/", {
        "indicator": world.other_indicator.pk, "value": "3"}, format="json")
    assert refused.status_code == 403
    assert not world.other_indicator.reports.exists()


def test_anonymous_and_researchers_cannot_report(api_client, world, researcher):
    body = {"indicator": world.indicator.pk, "value": "95"}
    assert api_client.post("/api/v1/progress-reports/", body,
                           format="json").status_code in (401, 403)
    api_client.force_authenticate(researcher)
    assert api_client.post("/api/v1/progress-reports/", body, format="json").status_code == 403
    assert not ProgressReport.objects.exists()


def test_ngo_files_civil_society_report_but_not_a_government_one(api_client, world, ngo_user):
    api_client.force_authenticate(ngo_user)
    gov = api_client.post("/api/v1/progress-reports/", {
        "indicator": world.indicator.pk, "value": "95"}, format="json")
    assert gov.status_code == 403
    cs = api_client.post("/api/v1/progress-reports/", {
        "indicator": world.indicator.pk, "value": "130", "actor": "civil_society",
        "organisation": "Prison watch"}, format="json")
    assert cs.status_code == 201, cs.content
    listed = api_client.get(f"/api/v1/progress-reports/?indicator={world.indicator.pk}"
                            "&actor=civil_society").json()["results"]
    assert [r["organisation"] for r in listed] == ["Prison watch"]


def test_private_evidence_links_are_hidden_from_the_public(api_client, world):
    api_client.force_authenticate(world.justice_contributor)
    api_client.post("/api/v1/progress-reports/", {
        "indicator": world.indicator.pk, "value": "95", "links": [
            {"url": "https://example.org/public", "is_public": True},
            {"url": "https://example.org/internal", "is_public": False}]}, format="json")
    api_client.force_authenticate(None)
    (report,) = api_client.get("/api/v1/progress-reports/").json()["results"]
    assert [e["url"] for e in report["evidence"]] == ["https://example.org/public"]
    api_client.force_authenticate(world.focal)
    (report,) = api_client.get("/api/v1/progress-reports/").json()["results"]
    assert len(report["evidence"]) == 2


def test_indicator_list_runs_a_fixed_number_of_queries(api_client, world):
    from tests.progress.conftest import quarterly_indicator

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api_client.get("/api/v1/indicators/").status_code == 200
        return len(queries)

    first = count()
    for n in range(3):
        quarterly_indicator(world.france, world.recommendations, world.justice,
                            start=world.start, title=f"Extra {n}")
    assert count() == first


def test_endpoints_are_in_the_openapi_schema(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    for path in ("/api/v1/institutions/", "/api/v1/indicators/", "/api/v1/progress-reports/",
                 "/api/v1/indicators/export/", "/api/v1/progress-reports/export/"):
        assert path in schema["paths"], path
    names = {p["name"] for p in schema["paths"]["/api/v1/indicators/"]["get"]["parameters"]}
    assert {"state", "institution", "recommendation", "due_before", "due_after",
            "overdue"} <= names


def test_indicator_export_csv_and_xlsx(api_client, world):
    response = api_client.get("/api/v1/indicators/export/?state=FRA&format=csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["title"] for r in rows} == {world.indicator.title, world.other_indicator.title}
    assert {r["progress"] for r in rows} == {"late"}
    xlsx = api_client.get("/api/v1/indicators/export/?format=xlsx")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert sheet.max_row == 3


def test_report_export_guards_formulas(api_client, world):
    api_client.force_authenticate(world.focal)
    api_client.post("/api/v1/progress-reports/", {
        "indicator": world.indicator.pk, "value": "95", "narrative": "=HYPERLINK(1)"},
        format="json")
    response = api_client.get("/api/v1/progress-reports/export/?format=csv")
    (row,) = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert row["narrative"] == "'=HYPERLINK(1)"
