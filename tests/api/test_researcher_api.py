"""The API as a researcher meets it (issue 13): no silently ignored parameter, bad values
answered with the valid ones, the sources' words accepted, a State's counts."""

import pytest

from tests.api.conftest import ids

pytestmark = pytest.mark.django_db

LIST_ENDPOINTS = ["/api/v1/recommendations/", "/api/v1/recommendations/export/",
                  "/api/v1/states/", "/api/v1/cycles/", "/api/v1/sessions/",
                  "/api/v1/reviews/", "/api/v1/assessments/", "/api/v1/follow-up-actions/",
                  "/api/v1/deadlines/"]


@pytest.mark.parametrize("url", LIST_ENDPOINTS)
def test_unknown_parameter_is_a_400_naming_it_and_the_valid_ones(client, url):
    response = client.get(url, {"stat": "FRA"})
    assert response.status_code == 400
    body = response.json()
    assert body["unknown_parameters"] == ["stat"]
    assert "stat" in body["detail"] and body["valid_parameters"]
    assert "stat" not in body["valid_parameters"]


def test_state_on_recommendations_names_state_under_review(client, corpus):
    response = client.get("/api/v1/recommendations/", {"state": "FRA"})
    assert response.status_code == 400
    assert "state_under_review" in response.json()["valid_parameters"]
    # Known parameters still work, pagination and format included.
    ok = client.get("/api/v1/recommendations/",
                    {"state_under_review": "FRA", "page": 1, "page_size": 10, "format": "json"})
    assert ok.status_code == 200 and ids(ok) == {corpus.torture.pk, corpus.death.pk}


def test_bad_value_lists_the_valid_values(client, corpus):
    response = client.get("/api/v1/recommendations/", {"response": "maybe"})
    assert response.status_code == 400
    messages = response.json()["response"]
    assert any("supported" in m and "noted" in m and "Valid values" in m for m in messages)
    region = client.get("/api/v1/recommendations/", {"region": "EUROPE"}).json()["region"]
    assert any("WEOG" in m for m in region)


def test_source_words_are_synonyms(client, corpus):
    accepted = client.get("/api/v1/recommendations/", {"response": "accepted"})
    assert accepted.status_code == 200
    assert ids(accepted) == {corpus.torture.pk}
    assert ids(client.get("/api/v1/recommendations/", {"response": "Supported"})) == {
        corpus.torture.pk}


def test_government_status_filter_offers_only_what_a_government_can_say(client, corpus):
    response = client.get("/api/v1/recommendations/", {"status": "not_implemented"})
    assert response.status_code == 400
    page = client.get("/recommendations/")
    assert b'value="not_implemented"' not in page.content
    assert b'value="not_started"' in page.content


def test_state_detail_gives_counts_with_links(client, corpus):
    response = client.get("/api/v1/states/FRA/")
    assert response.status_code == 200
    body = response.json()
    received, made = body["recommendations_received"], body["recommendations_made"]
    assert received["count"] == 2 and made["count"] == 1
    assert {r["response"]: r["count"] for r in received["by_response"]} == {
        "supported": 1, "noted": 1}
    [cycle] = received["by_cycle"]
    assert cycle["count"] == 2 and cycle["url"].startswith("http://testserver/api/v1/")
    # The links give exactly what they count.
    for row in [received, made, cycle, *received["by_response"], *cycle["by_response"]]:
        listed = client.get(row["url"])
        assert listed.status_code == 200 and listed.json()["count"] == row["count"]
        assert client.get(row["page_url"]).status_code == 200
    assert client.get(body["page_url"]).status_code == 200
    empty = client.get("/api/v1/states/JPN/").json()["recommendations_received"]
    assert empty["count"] == 0 and empty["by_cycle"] == []
