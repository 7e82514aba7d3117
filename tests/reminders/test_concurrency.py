"""Two scans at the same moment against the real PostgreSQL: one digest each recipient."""

import threading
import time

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, connections

from reminders import services as reminders
from reminders.models import Reminder
from tests.conftest import need_service

from .conftest import TODAY, follower


class SlowBackend(EmailBackend):
    """The in-memory backend with an SMTP server's latency, so the two scans overlap
    while a digest is being sent."""

    def send_messages(self, messages):
        time.sleep(0.3)
        return super().send_messages(messages)


def run_concurrently(target, n: int = 2) -> list[BaseException]:
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            target()
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        need_service("PostgreSQL", "the concurrent-scan test needs row locks (DATABASE_URL)")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scans_send_one_digest_per_recipient(
        postgres, settings, mailoutbox, focal_point, france, france_review, france_action):
    settings.EMAIL_BACKEND = "tests.reminders.test_concurrency.SlowBackend"
    fans = [follower(f"fan{n}", france) for n in range(3)]
    errors = run_concurrently(lambda: reminders.scan(today=TODAY), n=2)
    assert errors == []
    recipients = sorted(m.to[0] for m in mailoutbox)
    assert recipients == sorted([focal_point.email, *(f.email for f in fans)])
    assert all(m.body.count("\n- ") == 2 for m in mailoutbox)
    assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_of_one_digest_send_it_once(
        postgres, settings, mailoutbox, focal_point, france_review):
    settings.EMAIL_BACKEND = "tests.reminders.test_concurrency.SlowBackend"
    reminders.record_reminders(today=TODAY)
    errors = run_concurrently(
        lambda: reminders.send_digest(user_id=focal_point.pk, today=TODAY), n=4)
    assert (errors, len(mailoutbox)) == ([], 1)
    assert Reminder.objects.get().attempts == 1


def hold_lock(sql: str, params: list, release: threading.Event, held: threading.Event):
    """A thread with its own connection that takes an advisory lock in a transaction and
    keeps it until `release` is set."""
    from django.db import transaction

    def run() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                held.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    assert held.wait(10)
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_digest_being_sent_by_another_worker_is_not_sent_again(
        postgres, mailoutbox, focal_point, france_review, france_action):
    # Rows are locked one by one under SKIP LOCKED: two workers selecting at one instant
    # could each lock a part. The recipient's lock makes the second one step aside whole.
    reminders.record_reminders(today=TODAY)
    release, held = threading.Event(), threading.Event()
    thread = hold_lock("SELECT pg_advisory_xact_lock(%s, %s)",
                       [reminders.SCAN_LOCK, focal_point.pk], release, held)
    try:
        assert reminders.send_digest(user_id=focal_point.pk, today=TODAY) == 0
        assert mailoutbox == []
    finally:
        release.set()
        thread.join(30)
    assert reminders.send_digest(user_id=focal_point.pk, today=TODAY) == 2
    assert len(mailoutbox) == 1 and mailoutbox[0].body.count("\n- ") == 2


@pytest.mark.django_db(transaction=True)
def test_a_scan_records_only_after_the_scan_before_it_committed(
        postgres, mailoutbox, focal_point, france_review, france_action):
    # While another scan holds the recording lock, a scan records nothing (it waits),
    # then records every owed row in one commit.
    release, held = threading.Event(), threading.Event()
    thread = hold_lock("SELECT pg_advisory_xact_lock(%s)", [reminders.SCAN_LOCK],
                       release, held)
    results = []
    scan = threading.Thread(target=lambda: (
        results.append(reminders.record_reminders(today=TODAY)), connections.close_all()))
    scan.start()
    try:
        scan.join(1)
        assert scan.is_alive() and Reminder.objects.count() == 0
    finally:
        release.set()
        thread.join(30)
        scan.join(30)
    assert [r.created for r in results] == [2]
    assert Reminder.objects.filter(status="pending").count() == 2
