"""Celery tasks for reminders: they take ids and dates, call one function, and are
idempotent (the reminder rows make a second run a no-op; see reminders.services)."""

import datetime as dt
import smtplib

from celery import shared_task
from django.conf import settings

from core.tasks import enqueue

from . import services as reminders


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@shared_task
def scan_reminders(today: str | None = None) -> int:
    """Record the reminders owed on `today` (ISO date, default: today) and queue one
    digest task per recipient due. Returns the number of digests queued."""

    def dispatch(user_id: int, day: dt.date) -> None:
        enqueue(send_digest, user_id, day.isoformat())

    return len(reminders.scan(today=_day(today), dispatch=dispatch).recipients)


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=getattr(settings, "REMINDER_RETRY_BACKOFF", 60),
    retry_backoff_max=6 * 3600,
    retry_jitter=True,
    # After these, the rows stay pending and tomorrow's scan queues the digest again.
    max_retries=8,
)
def send_digest(user_id: int, today: str | None = None) -> int:
    return reminders.send_digest(user_id=user_id, today=_day(today))


# The tasks were named reviews.tasks.* until the reminders app was split out of reviews.
# Messages already queued, and beat schedules written, under the old names still run:
# remove these aliases in the release after next.
shared_task(name="reviews.tasks.scan_reminders")(scan_reminders.run)
shared_task(name="reviews.tasks.send_digest", autoretry_for=(smtplib.SMTPException, OSError),
            retry_backoff=getattr(settings, "REMINDER_RETRY_BACKOFF", 60),
            retry_backoff_max=6 * 3600, retry_jitter=True, max_retries=8)(send_digest.run)
