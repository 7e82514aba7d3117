"""The recommendations page reads the API list's read model (issue 24): the same rows
for the same filters, from RecommendationRow, in a fixed number of queries; its filter
choices are cached per version of the reference data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations import services
from recommendations.models import SDG, Theme, ThemeGroup, ThemeSource
from tests.factories import ReviewFactory, session, state

pytestmark = pytest.mark.django_db
LIST = "/recommendations/"
API = "/api/v1/recommendations/"
ROW_TABLE = "recommendations_recommendationrow"
MODEL_TABLE = '"recommendations_recommendation"'


@pytest.fixture
def recs(db):
    fra, deu, bra = state("FRA"), state("DEU"), state("BRA")
    fra43 = ReviewFactory(state=fra, session=session(43))
    deu30 = ReviewFactory(state=deu, session=session(30))
    bra41 = ReviewFactory(state=bra, session=session(41))
    themes = list(Theme.objects.pickable().order_by("slug")[:2])
    sdg16, sdg5 = SDG.objects.get(number=16), SDG.objects.get(number=5)
    return [
        services.create_recommendation(
            review=fra43, paragraph="45.1", text="Ratify the protocol against torture",
            recommending_states=[deu], response="supported", themes=[themes[0]],
            sdgs=[sdg16]),
        services.create_recommendation(
            review=fra43, paragraph="45.2", text="Abolish the death penalty",
            recommending_states=[bra, state("JPN")], response="noted",
            themes=[themes[1]], sdgs=[sdg5, sdg16]),
        services.create_recommendation(
            review=deu30, paragraph="120.7", text="Strengthen the national institution",
            recommending_states=[fra], response="partially_supported"),
        services.create_recommendation(
            review=bra41, paragraph="9.3", text="Protect indigenous land from torture",
            recommending_states=[deu, state("KEN")], response="noted", themes=[themes[0]]),
    ]


def page_ids(client, params: dict) -> list[int]:
    page = client.get(LIST, params)
    assert page.status_code == 200
    return [row.pk for row in page.context["recommendations"]]


def api_ids(client, params: dict) -> list[int]:
    response = client.get(API, params)
    assert response.status_code == 200
    return [row["id"] for row in response.json()["results"]]


def first_theme_slug() -> str:
    return Theme.objects.pickable().order_by("slug").first().slug


@pytest.mark.parametrize("params", [
    {},
    {"region": "WEOG"},
    {"recommending_state": "DEU", "response": "noted"},
    {"sdg": "16", "theme": "first"},
    {"q": "torture"},
    {"ordering": "-paragraph"},
    {"ordering": "state_under_review", "response": ["noted", "supported"]},
])
def test_page_lists_the_rows_of_the_api_list(client, recs, params):
    if params.get("theme") == "first":
        params = {**params, "theme": first_theme_slug()}
    assert page_ids(client, params) == api_ids(client, params)


def test_page_counts_what_the_api_counts(client, recs):
    page = client.get(LIST, {"recommending_state": "DEU"})
    api = client.get(API, {"recommending_state": "DEU"}).json()
    assert page.context["page_obj"].paginator.count == api["count"] == 2


def test_invalid_filter_shows_its_error_and_no_rows(client, recs):
    page = client.get(LIST, {"region": "NOWHERE"})
    assert page.context["recommendations"] == []
    assert [e["label"] for e in page.context["filter_errors"]] == [
        "Region of the State under review"]
    assert client.get(API, {"region": "NOWHERE"}).status_code == 400


@pytest.mark.parametrize("params", [
    {"region": "WEOG", "recommending_state": "DEU", "ordering": "-updated_at"},
    {"q": "torture", "theme": "first"},
])
def test_page_reads_the_read_model_not_the_recommendations(client, recs, params):
    if "q" in params and connection.vendor != "postgresql":
        pytest.skip("on SQLite full-text `q` searches the recommendations (filter_q)")
    if params.get("theme") == "first":
        params = {**params, "theme": first_theme_slug()}
    with CaptureQueriesContext(connection) as queries:
        client.get(LIST, params)
    sql = [q["sql"] for q in queries.captured_queries]
    assert any(ROW_TABLE in s for s in sql)
    assert not any(MODEL_TABLE in s for s in sql)


def test_page_queries_do_not_grow_with_its_rows(client, recs):
    client.get(LIST)  # the filter choices, built once and cached
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    review = ReviewFactory(state=state("JPN"), session=session(44))
    for n in range(30):
        services.create_recommendation(review=review, paragraph=f"1.{n}", text=f"Ask {n}",
                                       recommending_states=[state("FRA"), state("DEU")],
                                       response="supported")
    client.get(LIST)  # rows were written, not reference data: the choices stay cached
    with CaptureQueriesContext(connection) as many:
        page = client.get(LIST)
    assert len(page.context["recommendations"]) == 34
    assert len(many) == len(few) <= 3


def test_renamed_state_shows_its_new_name_in_the_filters(client, recs):
    assert "Federal Republic of Testland" not in client.get(LIST).content.decode()
    germany = state("DEU")
    germany.name = "Federal Republic of Testland"
    germany.save()
    html = client.get(LIST).content.decode()
    assert '<option value="DEU">Federal Republic of Testland</option>' in html


def test_added_theme_shows_in_the_theme_filter(client, recs):
    client.get(LIST)
    Theme.objects.create(name="Zebra crossings", slug="zebra-crossings",
                         source=ThemeSource.USER, group=ThemeGroup.OTHER)
    html = client.get(LIST).content.decode()
    assert '<option value="zebra-crossings">Zebra crossings</option>' in html


def test_each_selection_shows_its_own_option_selected(client, recs):
    fra = client.get(LIST, {"state_under_review": "FRA"}).content.decode()
    deu = client.get(LIST, {"state_under_review": "DEU"}).content.decode()
    assert '<option value="FRA" selected>' in fra
    assert '<option value="DEU" selected>' in deu
    assert '<option value="FRA" selected>' not in deu


def test_a_filter_given_twice_shows_a_multiple_select_even_with_a_wrong_value(client, recs):
    html = client.get(LIST, {"region": ["WEOG", "NOWHERE"]}).content.decode()
    assert 'name="region" id="id_region" multiple size="4"' in html
    assert '<option value="WEOG" selected>' in html


def test_french_page_shows_french_choices(client, recs):
    html = client.get(LIST, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<option value="DEU">Allemagne</option>' in html
    english = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="DEU">Germany</option>' in english
