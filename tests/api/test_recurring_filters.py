"""`recurring` and `similar_to` on the recommendations API (and its export)."""

import pytest

from recommendations import recurrence
from tests.factories import RecommendationFactory, ReviewFactory, session, state

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(db):
    fra3 = ReviewFactory(state=state("FRA"), session=session(30))
    fra4 = ReviewFactory(state=state("FRA"), session=session(43))
    old = RecommendationFactory(review=fra3, text="Ratify the Optional Protocol to the "
                                                  "Convention against Torture")
    new = RecommendationFactory(review=fra4, text="Consider ratifying the Optional Protocol "
                                                  "to the Convention against Torture")
    other = RecommendationFactory(review=fra4, text="Abolish the death penalty")
    recurrence.link_state(state("FRA"))
    return old, new, other


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_recurring_filter(api_client, linked):
    old, new, other = linked
    assert ids(api_client.get("/api/v1/recommendations/?recurring=true")) == {new.pk}
    assert ids(api_client.get("/api/v1/recommendations/?recurring=false")) == {old.pk, other.pk}
    rows = api_client.get("/api/v1/recommendations/").json()["results"]
    assert {row["id"]: row["recurring"] for row in rows} == {
        old.pk: False, new.pk: True, other.pk: False}


def test_similar_to_works_both_ways(api_client, linked):
    old, new, other = linked
    assert ids(api_client.get(f"/api/v1/recommendations/?similar_to={new.pk}")) == {old.pk}
    assert ids(api_client.get(f"/api/v1/recommendations/?similar_to={old.pk}")) == {new.pk}
    assert ids(api_client.get(f"/api/v1/recommendations/?similar_to={other.pk}")) == set()


@pytest.mark.parametrize("query", ["recurring=maybe", "similar_to=999999", "similar_to=abc"])
def test_invalid_values_are_400_naming_the_field(api_client, linked, query):
    response = api_client.get(f"/api/v1/recommendations/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_the_export_applies_the_same_filters(api_client, linked):
    old, new, other = linked
    response = api_client.get("/api/v1/recommendations/export/?recurring=true&format=json")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"Consider ratifying" in body and b"death penalty" not in body
