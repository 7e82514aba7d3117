"""Bad input is a 400 or a 404 with a message, never a 500 (issue 10), including a
property-based sweep (Hypothesis) over the review forms, the API and the filters."""

import datetime as dt

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from recommendations.filters import RecommendationFilter
from recommendations.models import Recommendation
from reviews.forms import ReviewForm
from reviews.models import Review

pytestmark = pytest.mark.django_db

SWEEP = hsettings(max_examples=40, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.function_scoped_fixture,
                                         HealthCheck.too_slow])


@pytest.fixture
def admin_api(admin_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_review_dates_past_the_range_are_a_400(admin_api, corpus, day):
    response = admin_api.post("/api/v1/reviews/", {"state": "JPN", "session": 43,
                                                   "review_date": day}, format="json")
    assert response.status_code == 400
    assert "review_date" in response.json()
    patch = admin_api.patch(f"/api/v1/reviews/{corpus.fra43.pk}/", {"review_date": day},
                            format="json")
    assert patch.status_code == 400
    assert not Review.objects.filter(state__iso3="JPN").exists()


def test_review_form_refuses_a_date_past_the_range(corpus):
    form = ReviewForm(data={"state": corpus.fra43.state_id, "session": corpus.fra43.session_id,
                            "review_date": "9999-12-31"})
    assert not form.is_valid()
    assert "review_date" in form.errors


def test_deeply_nested_json_is_a_400(admin_api, corpus):
    for url in ("/api/v1/reviews/", "/api/v1/recommendations/"):
        response = admin_api.generic("POST", url, "[" * 2000,
                                     content_type="application/json")
        assert response.status_code == 400
        assert "nested too deeply" in response.json()["detail"]


@pytest.mark.parametrize("url", ["/states/%00/", "/my-state/?state=%00",
                                 "/recommendations/follow-up/new/?state=%00",
                                 "/recommendations/?q=%00", "/api/v1/recommendations/?q=a%00b"])
def test_a_nul_in_the_address_is_a_400_with_a_message(admin_user, url):
    client = Client()
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    if url.startswith("/api/"):
        assert "NUL" in response.json()["q"][0]


@pytest.mark.parametrize("bad", [3.5, True, "3.5", "three", [3]])
def test_a_review_id_that_is_not_an_integer_is_refused(admin_api, corpus, bad):
    body = {"review": bad, "paragraph": "99.1", "text": "A new recommendation",
            "recommending_states": ["DEU"], "response": "pending"}
    before = Recommendation.objects.count()
    response = admin_api.post("/api/v1/recommendations/", body, format="json")
    assert response.status_code == 400
    assert "review" in response.json()
    assert Recommendation.objects.count() == before


# --- property-based sweeps --------------------------------------------------------------

ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["\x00", "%00", "-1", "99999999999999999999", "1e309", "NaN", "'; DROP TABLE x; --",
     "2024-02-30", "9999-12-31T23:59:59Z", "0001-01-01", " ", "FRA,", ",,,"])


@given(day=st.dates())
@SWEEP
def test_any_review_date_is_accepted_or_refused_never_a_500(admin_api, corpus, day):
    response = admin_api.patch(f"/api/v1/reviews/{corpus.fra43.pk}/",
                               {"review_date": day.isoformat()}, format="json")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert dt.date(1990, 1, 1) <= day <= dt.date(2200, 12, 31)


@given(data=st.dictionaries(st.sampled_from(["review_date", "adoption_date",
                                             "national_report_due", "next_review_due",
                                             "wg_report_symbol", "version"]),
                            ANY_TEXT | st.dates().map(dt.date.isoformat)))
@SWEEP
def test_the_review_form_never_raises(corpus, data):
    form = ReviewForm(data=data, instance=corpus.fra43)
    if form.is_valid():
        for value in form.edited_fields().values():
            assert value is None or not isinstance(value, dt.date) or \
                dt.date(1990, 1, 1) <= value <= dt.date(2200, 12, 31)


@given(name=st.sampled_from(sorted(RecommendationFilter.base_filters)), value=ANY_TEXT)
@SWEEP
def test_every_filter_with_any_value_is_never_a_500(corpus, name, value):
    api = APIClient().get("/api/v1/recommendations/", {name: value})
    assert api.status_code in (200, 400), (name, value, api.status_code)
    page = Client().get("/recommendations/", {name: value})
    assert page.status_code in (200, 400), (name, value, page.status_code)
