"""The deadlines page (/deadlines/) and API (/api/v1/deadlines/)."""

import datetime as dt

import pytest
from django.utils import timezone

from reviews.models import Review
from tests.factories import FollowUpActionFactory

from .conftest import make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def today_reviews(france, germany):
    """National reports due 10 (France) and 60 days (Germany) from the real today (the
    page and the API use the clock), nothing else dated; one overdue French action."""
    today = timezone.localdate()
    for state, n in ((france, 10), (germany, 60)):
        review = make_review(state)
        # update(), not save(): save() would fill the emptied dates in again.
        Review.objects.filter(pk=review.pk).update(
            national_report_due=today + dt.timedelta(days=n), review_date=None,
            stakeholder_submissions_due=None, documents_published=None,
            midterm_report_due=None)
    FollowUpActionFactory(state=france, title="Overdue plan",
                          target_date=today - dt.timedelta(days=3))


def test_api_lists_upcoming_deadlines(api_client, today_reviews):
    data = api_client.get("/api/v1/deadlines/?days=90").json()
    assert [(d["state"], d["kind"]) for d in data["results"]] == [
        ("FRA", "follow_up_action"), ("FRA", "national_report"), ("DEU", "national_report")]


def test_api_filters_by_state(api_client, today_reviews):
    data = api_client.get("/api/v1/deadlines/?state=DEU&days=90").json()
    assert [(d["state"], d["days_left"]) for d in data["results"]] == [("DEU", 60)]


def test_api_filters_by_days_ahead(api_client, today_reviews):
    data = api_client.get("/api/v1/deadlines/?days=30").json()
    assert data["count"] == 2


def test_api_marks_overdue_actions(api_client, today_reviews):
    first = api_client.get("/api/v1/deadlines/").json()["results"][0]
    assert (first["title"], first["overdue"], first["days_left"]) == (
        "France: Overdue plan", True, -3)


def test_api_links_are_absolute_and_built_from_the_request(api_client, today_reviews,
                                                           settings):
    # Whatever SITE_URL says (e-mails need it), the API answers with the host and port
    # the client asked on, and the link is the human page, not API JSON.
    result = api_client.get("/api/v1/deadlines/?state=DEU",
                            HTTP_HOST="localhost:8001").json()["results"][0]
    assert result["url"].startswith("http://localhost:8001/")
    assert "/api/" not in result["url"]


@pytest.mark.parametrize("query", ["state=XXX", "days=-1", "days=abc", "days=100000",
                                   "state=FRANCE"])
def test_api_rejects_bad_filters_with_400(api_client, db, query):
    assert api_client.get(f"/api/v1/deadlines/?{query}").status_code == 400


def test_api_runs_a_fixed_number_of_queries(api_client, today_reviews, france,
                                            django_assert_max_num_queries):
    for n in range(20):
        FollowUpActionFactory(state=france, target_date=timezone.localdate()
                              + dt.timedelta(days=n))
    with django_assert_max_num_queries(3):
        response = api_client.get("/api/v1/deadlines/?state=FRA")
    assert response.json()["count"] == 22


def test_page_lists_deadlines_for_a_state(client, today_reviews):
    response = client.get("/deadlines/?state=FRA&days=90")
    content = response.content.decode()
    assert response.status_code == 200
    assert "France: Overdue plan" in content
    assert "Germany" not in content.split("<tbody>")[1]


def test_page_shows_the_days_filter(client, today_reviews):
    content = client.get("/deadlines/?days=30").content.decode()
    assert "Germany, " not in content


def test_page_tolerates_bad_filters(client, db):
    assert client.get("/deadlines/?days=abc&state=ZZZ").status_code == 200


def test_page_runs_a_fixed_number_of_queries(client, today_reviews, france,
                                             django_assert_max_num_queries):
    for n in range(20):
        FollowUpActionFactory(state=france, target_date=timezone.localdate()
                              + dt.timedelta(days=n))
    with django_assert_max_num_queries(3):
        assert client.get("/deadlines/").status_code == 200
