"""Every role against every write endpoint: allowed writes succeed, the others get
401/403 (never 500) and write nothing."""

import pytest
from rest_framework.test import APIClient

from recommendations.models import Assessment, FollowUpAction, Recommendation
from reviews.models import Review
from tests.factories import FollowUpActionFactory, session, state

ROLES = ["anonymous", "plain_user", "researcher", "ngo_user", "focal_point", "admin_user"]


def snapshot() -> tuple:
    """Everything a refused write could have changed."""
    return (
        Review.objects.count(), Recommendation.objects.count(), Assessment.objects.count(),
        FollowUpAction.objects.count(),
        sorted(Recommendation.objects.values_list("id", "version", "text", "government_status")),
        sorted(Review.objects.values_list("id", "version", "wg_report_symbol")),
        sorted(FollowUpAction.objects.values_list("id", "version", "title")),
    )


def new_item(n: int) -> dict:
    return {"paragraph": f"77.{n}", "text": f"Adopt law number {n}",
            "recommending_states": ["DEU"], "response": "supported"}


def fra_action(corpus):
    return FollowUpActionFactory(state=state("FRA"), recommendations=[corpus.torture])


# (name, method, url(corpus), body(corpus), roles allowed)
ENDPOINTS = [
    ("create review", "post", lambda c: "/api/v1/reviews/",
     lambda c: {"state": "ITA", "session": 43}, {"ngo_user", "admin_user"}),
    ("edit review", "patch", lambda c: f"/api/v1/reviews/{c.fra43.pk}/",
     lambda c: {"wg_report_symbol": "A/HRC/53/1"}, {"ngo_user", "admin_user"}),
    ("create recommendation", "post", lambda c: "/api/v1/recommendations/",
     lambda c: {"review": c.fra43.pk, **new_item(1)}, {"ngo_user", "admin_user"}),
    ("bulk create", "post", lambda c: "/api/v1/recommendations/bulk/",
     lambda c: {"review": c.fra43.pk, "items": [new_item(1), new_item(2)]},
     {"ngo_user", "admin_user"}),
    ("edit recommendation", "patch", lambda c: f"/api/v1/recommendations/{c.torture.pk}/",
     lambda c: {"text": "Ratify it now"}, {"ngo_user", "admin_user"}),
    ("civil-society assessment", "post", lambda c: "/api/v1/assessments/",
     lambda c: {"recommendation": c.torture.pk, "actor": "civil_society",
                "status": "in_progress"}, {"ngo_user", "admin_user"}),
    ("government assessment", "post", lambda c: "/api/v1/assessments/",
     lambda c: {"recommendation": c.torture.pk, "actor": "government",
                "status": "fully_implemented"}, {"focal_point", "admin_user"}),
    ("create follow-up action", "post", lambda c: "/api/v1/follow-up-actions/",
     lambda c: {"state": "FRA", "recommendations": [c.torture.pk], "title": "Draft a bill"},
     {"focal_point", "admin_user"}),
    ("edit follow-up action", "patch",
     lambda c: f"/api/v1/follow-up-actions/{fra_action(c).pk}/",
     lambda c: {"status": "completed"}, {"focal_point", "admin_user"}),
]


@pytest.fixture
def client_as(request, db):
    def make(role: str) -> APIClient:
        client = APIClient()
        if role != "anonymous":
            client.force_authenticate(request.getfixturevalue(role))
        return client
    return make


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "url", "body", "allowed"), ENDPOINTS,
                         ids=[e[0] for e in ENDPOINTS])
def test_write_permission_matrix(client_as, corpus, role, name, method, url, body, allowed):
    client = client_as(role)
    target = url(corpus)
    before = snapshot()
    response = getattr(client, method)(target, body(corpus), format="json")
    if role in allowed:
        assert response.status_code in (200, 201), response.content
        assert snapshot() != before
    else:
        assert response.status_code in ((401, 403) if role == "anonymous" else (403,))
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_reference_data_is_read_only_for_everyone(client_as, role, db):
    client = client_as(role)
    assert client.post("/api/v1/states/", {"iso3": "XXX"}).status_code in (401, 403, 405)
    assert client.delete("/api/v1/cycles/4/").status_code in (401, 403, 405)


# A focal point for France reaching for Germany's recommendations by id.

def test_focal_point_cannot_edit_other_states_recommendation(client_as, corpus):
    before = snapshot()
    response = client_as("focal_point").patch(
        f"/api/v1/recommendations/{corpus.nhri.pk}/", {"text": "x"}, format="json")
    assert response.status_code == 403
    assert snapshot() == before


def test_focal_point_cannot_assess_other_states_recommendation(client_as, corpus):
    before = snapshot()
    response = client_as("focal_point").post("/api/v1/assessments/", {
        "recommendation": corpus.nhri.pk, "actor": "government", "status": "in_progress"},
        format="json")
    assert response.status_code == 403
    assert snapshot() == before


def test_focal_point_cannot_link_other_states_recommendation_to_own_action(client_as, corpus):
    before = snapshot()
    response = client_as("focal_point").post("/api/v1/follow-up-actions/", {
        "state": "FRA", "recommendations": [corpus.torture.pk, corpus.nhri.pk],
        "title": "Sneak"}, format="json")
    assert response.status_code == 403
    assert snapshot() == before


def test_focal_point_cannot_plan_actions_for_another_state(client_as, corpus):
    before = snapshot()
    response = client_as("focal_point").post("/api/v1/follow-up-actions/", {
        "state": "DEU", "recommendations": [corpus.nhri.pk], "title": "Sneak"}, format="json")
    assert response.status_code == 403
    assert snapshot() == before


def test_focal_point_cannot_edit_another_states_action(client_as, corpus):
    action = FollowUpActionFactory(state=state("DEU"), recommendations=[corpus.nhri])
    before = snapshot()
    response = client_as("focal_point").patch(
        f"/api/v1/follow-up-actions/{action.pk}/", {"title": "Hijacked"}, format="json")
    assert response.status_code == 403
    assert snapshot() == before


def test_ngo_cannot_add_a_government_status(client_as, corpus):
    before = snapshot()
    response = client_as("ngo_user").post("/api/v1/assessments/", {
        "recommendation": corpus.torture.pk, "actor": "government", "status": "in_progress"},
        format="json")
    assert response.status_code == 403
    assert snapshot() == before


def test_government_assessment_updates_current_status(client_as, corpus):
    client_as("focal_point").post("/api/v1/assessments/", {
        "recommendation": corpus.torture.pk, "actor": "government",
        "status": "fully_implemented", "assessed_on": "2025-06-01"}, format="json")
    corpus.torture.refresh_from_db()
    assert corpus.torture.government_status == "fully_implemented"


def test_bulk_create_is_all_or_nothing(client_as, corpus):
    before = snapshot()
    bad = {**new_item(2), "recommending_states": ["ZZZ"]}
    response = client_as("ngo_user").post("/api/v1/recommendations/bulk/", {
        "review": corpus.fra43.pk, "items": [new_item(1), bad]}, format="json")
    assert response.status_code == 400
    assert snapshot() == before


def test_bulk_create_duplicate_paragraph_rolls_back_everything(client_as, corpus):
    before = snapshot()
    response = client_as("ngo_user").post("/api/v1/recommendations/bulk/", {
        "review": corpus.fra43.pk, "items": [new_item(1), new_item(1)]}, format="json")
    assert response.status_code == 400
    assert "items[1]" in response.json()
    assert snapshot() == before


def test_bulk_create_returns_rows_with_states(client_as, corpus):
    response = client_as("ngo_user").post("/api/v1/recommendations/bulk/", {
        "review": corpus.deu30.pk, "items": [new_item(1), new_item(2)]}, format="json")
    assert [r["recommending_states"][0]["iso3"] for r in response.json()] == ["DEU", "DEU"]


def test_create_recommendation_records_response_history(client_as, corpus):
    response = client_as("ngo_user").post("/api/v1/recommendations/", {
        "review": corpus.deu30.pk, **new_item(5), "source_symbol": "A/HRC/39/9/Add.1"},
        format="json")
    body = response.json()
    assert body["responses"][0]["source_symbol"] == "A/HRC/39/9/Add.1"


def test_create_review_with_unknown_state_is_a_400(client_as, db):
    response = client_as("ngo_user").post("/api/v1/reviews/", {"state": "XXX",
                                                               "session": 43}, format="json")
    assert response.status_code == 400
    assert "state" in response.json()


def test_duplicate_review_is_a_400(client_as, corpus):
    response = client_as("ngo_user").post("/api/v1/reviews/", {"state": "FRA",
                                                               "session": 43}, format="json")
    assert response.status_code == 400


def test_new_review_gets_default_symbols(client_as, db):
    response = client_as("ngo_user").post("/api/v1/reviews/", {"state": "ITA",
                                                               "session": session(44).number},
                                          format="json")
    assert response.json()["national_report_symbol"] == "A/HRC/WG.6/44/ITA/1"
