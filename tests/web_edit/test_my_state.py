"""The focal point's "my State" page: content, and a query count that does not grow
with the number of recommendations and actions."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import FollowUpActionFactory, RecommendationFactory, ReviewFactory, session


def fill(review, n: int, start: int) -> None:
    today = timezone.localdate()
    for i in range(n):
        rec = RecommendationFactory(review=review, paragraph=f"45.{start + i}")
        rec.add_assessment(actor="government", status="in_progress")
        FollowUpActionFactory(recommendations=[rec], target_date=today - dt.timedelta(days=3))
        FollowUpActionFactory(recommendations=[rec], target_date=today + dt.timedelta(days=5))


def count_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("front:my_state")).status_code == 200
    return len(ctx.captured_queries)


def test_my_state_runs_a_fixed_number_of_queries(client_as, review):
    client = client_as("focal-fra")
    fill(review, 2, 1)
    few = count_queries(client)
    fill(review, 30, 10)
    assert count_queries(client) == few


def test_my_state_shows_statuses_overdue_and_due_soon_actions(client_as, review):
    today = timezone.localdate()
    rec = RecommendationFactory(review=review)
    rec.add_assessment(actor="government", status="partially_implemented")
    FollowUpActionFactory(recommendations=[rec], title="Late action",
                          target_date=today - dt.timedelta(days=1))
    FollowUpActionFactory(recommendations=[rec], title="Soon action",
                          target_date=today + dt.timedelta(days=3))
    FollowUpActionFactory(recommendations=[rec], title="Done action", status="completed",
                          target_date=today - dt.timedelta(days=1))
    response = client_as("focal-fra").get(reverse("front:my_state"))
    assert [a.title for a in response.context["overdue"]] == ["Late action"]
    assert [a.title for a in response.context["due_soon"]] == ["Soon action"]
    partially = {r["value"]: r["count"] for r in response.context["statuses"]}
    assert partially["partially_implemented"] == 1


def test_my_state_lists_upcoming_review_deadlines(client_as, france):
    future = timezone.localdate() + dt.timedelta(days=200)
    ReviewFactory(state=france, session=session(50), review_date=future)
    upcoming = client_as("focal-fra").get(reverse("front:my_state")).context["upcoming"]
    assert upcoming and all(day >= timezone.localdate() for day, _label, _review in upcoming)


def test_my_state_filters_by_status(client_as, review):
    started = RecommendationFactory(review=review, paragraph="45.1")
    started.add_assessment(actor="government", status="in_progress")
    RecommendationFactory(review=review, paragraph="45.2")
    client = client_as("focal-fra")
    in_progress = client.get(reverse("front:my_state"), {"status": "in_progress"})
    assert [r.paragraph for r in in_progress.context["page_obj"]] == ["45.1"]
    none = client.get(reverse("front:my_state"), {"status": "none"})
    assert [r.paragraph for r in none.context["page_obj"]] == ["45.2"]


def test_my_state_shows_only_own_states_recommendations(client_as, recommendation,
                                                        german_recommendation):
    page = client_as("focal-fra").get(reverse("front:my_state")).context["page_obj"]
    assert list(page) == [recommendation]


def test_admin_can_look_at_any_state(client_as, german_recommendation):
    response = client_as("admin").get(reverse("front:my_state"), {"state": "DEU"})
    assert list(response.context["page_obj"]) == [german_recommendation]


def test_focal_point_cannot_look_at_another_state_with_the_parameter(client_as,
                                                                     german_recommendation):
    response = client_as("focal-fra").get(reverse("front:my_state"), {"state": "DEU"})
    assert response.context["state"].iso3 == "FRA"
