import datetime as dt

import pytest

from recommendations.models import FollowUpActionStatus
from reminders.services import REVIEW_KINDS, reminder_lead, upcoming_deadlines
from tests.factories import FollowUpActionFactory

from .conftest import TODAY, days, make_review

pytestmark = pytest.mark.django_db


def kinds(deadlines) -> set[str]:
    return {d.kind for d in deadlines}


def test_review_deadlines_are_reports_documents_review_and_midterm(france_review):
    found = upcoming_deadlines(today=TODAY, days=2000)
    assert kinds(found) == set(REVIEW_KINDS) - {"stakeholder_submissions"}


def test_past_review_deadlines_are_not_listed(france_review):
    found = upcoming_deadlines(today=TODAY, days=2000)
    assert "stakeholder_submissions" not in kinds(found)


def test_adoption_and_next_review_are_not_reminder_deadlines(france_review):
    found = upcoming_deadlines(today=TODAY, days=5000)
    assert kinds(found) & {"adoption", "next_review"} == set()


def test_submitted_midterm_report_is_no_longer_a_deadline(france_review):
    france_review.midterm_report_submitted = days(-1)
    france_review.save()
    assert "midterm_report" not in kinds(upcoming_deadlines(today=TODAY, days=2000))


def test_deadlines_beyond_the_window_are_left_out(france_review):
    found = upcoming_deadlines(today=TODAY, days=29)
    assert found == []


def test_deadline_on_the_last_day_of_the_window_is_listed(france_review):
    found = upcoming_deadlines(today=TODAY, days=30)
    assert [(d.kind, d.due_date) for d in found] == [("national_report", days(30))]


def test_deadlines_filter_by_state(france_review, germany):
    make_review(germany, national_report_in=10)
    found = upcoming_deadlines(today=TODAY, days=30, state_id=germany.pk)
    assert [d.state_iso3 for d in found] == ["DEU"]


def test_deadlines_come_in_date_order(france_review, germany):
    make_review(germany, national_report_in=10)
    found = upcoming_deadlines(today=TODAY, days=30)
    assert [d.due_date for d in found] == [days(10), days(30)]


def test_open_follow_up_actions_are_deadlines_even_when_overdue(france):
    FollowUpActionFactory(state=france, target_date=days(5))
    FollowUpActionFactory(state=france, target_date=days(-40),
                          status=FollowUpActionStatus.IN_PROGRESS)
    found = upcoming_deadlines(today=TODAY, days=30)
    assert [d.due_date for d in found] == [days(-40), days(5)]


def test_overdue_actions_can_be_left_out(france):
    FollowUpActionFactory(state=france, target_date=days(-40))
    assert upcoming_deadlines(today=TODAY, days=30, overdue_actions=False) == []


@pytest.mark.parametrize("status", [FollowUpActionStatus.COMPLETED,
                                    FollowUpActionStatus.CANCELLED])
def test_closed_follow_up_actions_are_not_deadlines(france, status):
    FollowUpActionFactory(state=france, target_date=days(5), status=status)
    FollowUpActionFactory(state=france, target_date=days(-5), status=status)
    assert upcoming_deadlines(today=TODAY, days=30) == []


def test_deadline_links_are_absolute_from_site_url(france_review):
    (deadline,) = upcoming_deadlines(today=TODAY, days=30)
    assert deadline.url == f"https://upr.example.org/reviews/{france_review.pk}/"


def test_deadlines_run_two_queries_whatever_their_number(france, germany,
                                                         django_assert_num_queries):
    for n, state in enumerate([france, germany]):
        make_review(state, national_report_in=10 + n)
        FollowUpActionFactory(state=state, target_date=days(3 + n))
        FollowUpActionFactory(state=state, target_date=days(-3 - n))
    with django_assert_num_queries(2):
        found = upcoming_deadlines(today=TODAY, days=30)
    assert len(found) == 6


@pytest.mark.parametrize(("days_left", "lead"), [
    (31, None), (30, 30), (20, 30), (8, 30), (7, 7), (2, 7), (1, 1), (0, 1), (-1, None),
])
def test_reminder_lead_is_the_smallest_lead_time_not_yet_passed(days_left, lead):
    assert reminder_lead(days_left) == lead


@pytest.mark.parametrize(("days_left", "lead"), [
    (-1, -1), (-7, -1), (-8, -8), (-14, -8), (-15, -15), (-60, -57),
])
def test_overdue_reminders_repeat_every_period(days_left, lead):
    assert reminder_lead(days_left, repeat_overdue=True) == lead


def test_lead_times_come_from_settings(settings):
    settings.REMINDER_LEAD_DAYS = [14, 3]
    settings.REMINDER_OVERDUE_EVERY_DAYS = 30
    assert (reminder_lead(20), reminder_lead(14), reminder_lead(3),
            reminder_lead(-31, repeat_overdue=True)) == (None, 14, 3, -31)


def test_a_moved_deadline_gets_a_new_reminder_key(france_review):
    (before,) = upcoming_deadlines(today=TODAY, days=30)
    france_review.national_report_due = days(29)
    france_review.save()
    (after,) = upcoming_deadlines(today=TODAY, days=30)
    assert before.reminder_key(30) != after.reminder_key(30)


def test_today_matters_not_the_clock(france_review):
    assert upcoming_deadlines(today=TODAY + dt.timedelta(days=1), days=30)[0].days_left(
        TODAY + dt.timedelta(days=1)) == 29
