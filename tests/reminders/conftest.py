"""Fixtures for the reminder tests: one France review with a deadline 30 days ahead of
TODAY (a Tuesday), people who should or should not hear about it."""

import contextlib
import datetime as dt

import pytest

from accounts.models import Profile, ReminderFrequency
from reviews.models import Review, Session
from states.models import State
from tests.conftest import make_user
from tests.factories import FollowUpActionFactory

TODAY = dt.date(2026, 12, 1)  # a Tuesday; the weekly digest day is Monday by default


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def make_review(state: State, *, national_report_in: int = 30, session: int = 54) -> Review:
    """A review whose only reminder-worthy date within 30 days is its national report."""
    return Review.objects.create(
        state=state, session=Session.objects.get(number=session),
        review_date=days(200), national_report_due=days(national_report_in),
        stakeholder_submissions_due=days(-100), documents_published=days(150),
        adoption_date=days(320), midterm_report_due=days(1200), next_review_due=days(1800))


def follower(username: str, *states: State, frequency: str = ReminderFrequency.IMMEDIATE,
             language: str = "en", **user_fields):
    user = make_user(username)
    for field, value in user_fields.items():
        setattr(user, field, value)
    user.save()
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.reminder_frequency = frequency
    profile.language = language
    profile.save()
    profile.followed_states.set(states)
    return user


@pytest.fixture(autouse=True)
def _reminder_settings(settings):
    settings.SITE_URL = "https://upr.example.org"
    settings.REMINDER_LEAD_DAYS = [30, 7, 1]
    settings.REMINDER_OVERDUE_EVERY_DAYS = 7
    settings.REMINDER_DIGEST_WEEKDAY = 0


@pytest.fixture
def france_review(france) -> Review:
    return make_review(france)


@pytest.fixture
def france_action(france):
    return FollowUpActionFactory(state=france, title="Adopt the national action plan",
                                 target_date=days(7))


@contextlib.contextmanager
def celery_broker(settings, url: str):
    """Celery publishing to `url` for real (not eager) for the duration of the block."""
    from upr_tracker import celery_app

    keys = ("broker_url", "task_always_eager")
    # Celery's conf reads Django's settings live unless a key was set on it: keep what was
    # set (if anything) before touching either, and put exactly that back afterwards.
    celery_app.loader.import_default_modules()  # loads the configuration: `changes` is real
    changes = celery_app.conf.changes
    saved = {k: changes[k] for k in keys if k in changes}
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(broker_url=url, task_always_eager=False)
    celery_app._after_fork()  # drop connection pools bound to the previous broker
    try:
        yield celery_app
    finally:
        for key in keys:
            changes.pop(key, None)
        celery_app.conf.update(saved)
        celery_app._after_fork()
