import datetime as dt

import pytest
from django.utils import timezone

from recommendations.models import Recommendation
from recommendations.touch import touched

from .conftest import ids

URL = "/api/v1/recommendations/"


@pytest.mark.parametrize(("query", "expected"), [
    ("state_under_review=FRA", {"torture", "death"}),
    ("state_under_review=fra&state_under_review=DEU", {"torture", "death", "nhri"}),
    ("recommending_state=JPN", {"death"}),
    ("recommending_state=FRA&recommending_state=KEN", {"nhri", "indigenous"}),
    ("cycle=3", {"nhri"}),
    ("cycle=4", {"torture", "death", "indigenous"}),
    ("session=41", {"indigenous"}),
    ("session=43&session=30", {"torture", "death", "nhri"}),
    ("region=WEOG", {"torture", "death", "nhri"}),
    ("region=GRULAC", {"indigenous"}),
    ("recommending_region=AFR", {"indigenous"}),
    ("recommending_region=APG", {"death"}),
    ("response=noted", {"death"}),
    ("response=supported&response=pending", {"torture", "indigenous"}),
    ("sdg=16", {"torture", "death"}),
    ("sdg=5", {"death"}),
    ("action_category=4&action_category=5", {"torture", "nhri"}),
    ("status=in_progress", {"torture"}),
    ("q=death penalty", {"death"}),
    ("q=torture", {"torture"}),
    ("state_under_review=FRA&response=supported", {"torture"}),
])
def test_filter_narrows_results(api_client, corpus, query, expected):
    response = api_client.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert ids(response) == {getattr(corpus, name).pk for name in expected}


def test_theme_filter_matches_recommendations_with_that_theme(api_client, corpus):
    response = api_client.get(URL, {"theme": [corpus.themes[0].slug, corpus.themes[2].slug]})
    assert ids(response) == {corpus.torture.pk, corpus.indigenous.pk}


def test_updated_since_returns_only_recent_changes(api_client, corpus):
    old = timezone.now() - dt.timedelta(days=10)
    Recommendation.objects.exclude(pk=corpus.death.pk).update(updated_at=old)
    touched([r.pk for r in corpus.all])  # touch: a bulk update is a write path too
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    response = api_client.get(URL, {"updated_since": since})
    assert ids(response) == {corpus.death.pk}


def test_filter_with_several_values_does_not_duplicate_rows(api_client, corpus):
    response = api_client.get(URL, {"recommending_state": ["BRA", "JPN"]})
    assert response.json()["count"] == 1


def test_ordering_by_session_descending(api_client, corpus):
    response = api_client.get(URL, {"ordering": "-session"})
    sessions = [row["session"] for row in response.json()["results"]]
    assert sessions == sorted(sessions, reverse=True)


def test_page_size_is_honoured_with_count(api_client, corpus):
    body = api_client.get(URL, {"page_size": 2}).json()
    assert (body["count"], len(body["results"]), body["next"] is not None) == (4, 2, True)


def test_page_size_is_capped_at_1000(api_client, corpus):
    from core.pagination import PageNumberPagination

    assert PageNumberPagination.max_page_size == 1000
    assert api_client.get(URL, {"page_size": 1000}).status_code == 200


@pytest.mark.parametrize("size", ["5000", "1001", "0", "-1", "abc", "1.5"])
@pytest.mark.parametrize("url", ["/api/v1/recommendations/", "/api/v1/states/",
                                 "/api/v1/reviews/", "/api/v1/assessments/",
                                 "/api/v1/follow-up-actions/", "/api/v1/cycles/"])
def test_a_bad_page_size_is_a_400_naming_the_limit(api_client, corpus, url, size):
    response = api_client.get(url, {"page_size": size})
    assert response.status_code == 400, (url, size, response.content[:200])
    assert "1000" in response.json()["page_size"][0]


@pytest.mark.parametrize("url", ["/api/v1/recommendations/", "/api/v1/states/",
                                 "/api/v1/sessions/", "/api/v1/reviews/",
                                 "/api/v1/themes/", "/api/v1/deadlines/"])
def test_paging_parameters_are_valid_on_every_list(api_client, corpus, url):
    assert api_client.get(url, {"page_size": "20", "page": "1"}).status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/recommendations/", "/api/v1/states/",
                                 "/api/v1/cycles/", "/api/v1/sessions/", "/api/v1/reviews/",
                                 "/api/v1/themes/", "/api/v1/sdgs/", "/api/v1/affected-groups/",
                                 "/api/v1/deadlines/", "/api/v1/assessments/"])
@pytest.mark.parametrize("page", ["2", "999", "0", "abc"])
def test_a_page_past_the_last_is_a_404_on_every_list(api_client, corpus, url, page):
    # As DRF's pagination answers: a client looping on `page=N` must be told to stop,
    # not be served the first page again (lists without pages have only page 1).
    response = api_client.get(url, {"page": page})
    assert response.status_code == 404, (url, page, response.content[:200])
    assert response.json() == {"detail": "Invalid page."}


@pytest.mark.parametrize("url", ["/api/v1/states/", "/api/v1/themes/", "/api/v1/cycles/"])
@pytest.mark.parametrize("page", ["1", "last"])
def test_the_first_page_of_a_list_without_pages_is_every_row(api_client, corpus, url, page):
    assert (api_client.get(url, {"page": page}).json()
            == api_client.get(url).json())


@pytest.mark.parametrize(("value", "code"), [
    ("2024-01-01T00:00:00+20:01", 400), ("2024-01-01T00:00:00-16:00", 400),
    ("2024-01-01T00:00:00+15:59", 200), ("2024-01-01T00:00:00-15:59", 200),
    ("2024-01-01", 200)])
def test_time_zone_offsets_outside_postgresql_range_are_a_400(api_client, corpus, value, code):
    response = api_client.get(URL, {"updated_since": value})
    assert response.status_code == code, response.content[:300]


@pytest.mark.parametrize(("query", "field"), [
    ("state_under_review=XXX", "state_under_review"),
    ("recommending_state=ZZZ", "recommending_state"),
    ("cycle=abc", "cycle"),
    ("cycle=99", "cycle"),
    ("session=-1", "session"),
    ("region=NOWHERE", "region"),
    ("recommending_region=XX", "recommending_region"),
    ("response=maybe", "response"),
    ("theme=no-such-theme", "theme"),
    ("sdg=18", "sdg"),
    ("sdg=x", "sdg"),
    ("action_category=9", "action_category"),
    ("status=done", "status"),
    ("updated_since=yesterday", "updated_since"),
    ("updated_since=2024-13-45", "updated_since"),
    ("ordering=password", "ordering"),
    ("state_under_review=FR%00A", "state_under_review"),
    ("cycle=9223372036854775808", "cycle"),
    ("session=99999999999999999999", "session"),
])
def test_invalid_filter_value_is_a_400_naming_the_field(api_client, corpus, query, field):
    response = api_client.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_invalid_filter_value_on_export_is_a_400(api_client, corpus):
    response = api_client.get(f"{URL}export/?format=csv&state_under_review=XXX")
    assert response.status_code == 400
    assert "state_under_review" in response.json()


def test_region_accepts_older_labels(api_client, corpus):
    response = api_client.get(URL, {"recommending_region": "Asia"})
    assert ids(response) == {corpus.death.pk}


def test_review_filters_validate_state(api_client, corpus):
    assert api_client.get("/api/v1/reviews/", {"state": "XXX"}).status_code == 400
    body = api_client.get("/api/v1/reviews/", {"state": "deu"}).json()
    assert [r["id"] for r in body["results"]] == [corpus.deu30.pk]


def test_state_is_looked_up_by_iso3(api_client, db):
    body = api_client.get("/api/v1/states/FRA/").json()
    assert (body["name"], body["region"]) == ("France", "WEOG")


def test_unknown_recommendation_is_a_json_404(api_client, db):
    response = api_client.get(f"{URL}999999/")
    assert response.status_code == 404
    assert "detail" in response.json()
