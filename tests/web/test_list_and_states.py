"""The recommendations list and States pages as a new user meets them (issue 13)."""

import pytest
from django.urls import reverse

from recommendations import services
from tests.factories import ReviewFactory, session, state

pytestmark = pytest.mark.django_db
LIST = "/recommendations/"


@pytest.fixture
def recs(db):
    fra = ReviewFactory(state=state("FRA"), session=session(43))
    a = services.create_recommendation(
        review=fra, paragraph="140.2", text="Abolish the death penalty",
        recommending_states=[state("BRA")], response="supported")
    b = services.create_recommendation(
        review=fra, paragraph="140.20", text="Protect journalists", response="noted",
        recommending_states=[state("DEU")])
    c = services.create_recommendation(
        review=fra, paragraph="14.1", text="Ratify the convention on migrant workers",
        recommending_states=[state("DEU"), state("KEN")], response="pending")
    return a, b, c


def listed(client, **params) -> list[str]:
    page = client.get(LIST, params)
    assert page.status_code == 200
    return [r.paragraph for r in page.context["recommendations"]]


def test_search_matches_paragraph_numbers_and_recommending_states(client, recs):
    assert listed(client, q="140.2") == ["140.2"]
    assert sorted(listed(client, q="Germany")) == ["14.1", "140.20"]
    assert listed(client, q="Brazil") == ["140.2"]
    assert listed(client, q="journalists") == ["140.20"]


def test_column_headers_sort_and_say_so(client, recs):
    page = client.get(LIST, {"response": ["supported", "noted", "pending"]})
    html = page.content.decode()
    assert 'aria-sort="none"' in html and "ordering=response" in html
    assert "response=supported&amp;response=noted" in html  # filters kept in the links
    assert listed(client, ordering="response") == ["140.20", "14.1", "140.2"]
    page = client.get(LIST, {"ordering": "response"})
    header = page.context["sort"]["response"]
    assert header["sort"] == "ascending" and header["url"].endswith("ordering=-response")
    assert listed(client, ordering="-paragraph")[0] == "140.20"


def test_filters_fold_behind_a_count_of_active_ones(client, recs):
    html = client.get(LIST, {"response": "noted", "cycle": "4"}).content.decode()
    assert "Filters (2 active)" in html and "data-collapse-below" in html


def test_states_list_shows_counts_and_marks_states_without_data(client, recs):
    html = client.get(reverse("front:state_list")).content.decode()
    assert "3 received · 0 made" in html  # France
    assert "0 received · 2 made" in html  # Germany
    assert "no data yet" in html  # e.g. Japan


def test_empty_state_page_says_so_instead_of_zero_charts(client, recs):
    html = client.get(reverse("front:state_detail", args=["DEU"])).content.decode()
    assert "No recommendation to Germany has been recorded yet" in html
    assert 'id="chart-responses-title"' not in html
    assert "See the 2 recommendations Germany made." in html
    assert 'id="chart-responses-title"' in client.get(
        reverse("front:state_detail", args=["FRA"])).content.decode()
