import logging
import socket
import time

import pytest
from django.db import transaction

from core.tasks import enqueue
from reminders.models import Reminder
from reminders.tasks import scan_reminders, send_digest
from upr_tracker import celery_app

from .conftest import celery_broker

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def broker_down(settings):
    """Celery pointed at a port nothing listens on, tasks not run inline."""
    with celery_broker(settings, f"redis://127.0.0.1:{closed_port()}/1"):
        yield


def test_scan_task_sends_the_digests(mailoutbox, focal_point, france_review,
                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        scan_reminders.delay("2026-12-01")  # eager in tests
    assert (len(mailoutbox), Reminder.objects.get().status) == (1, "sent")


def test_enqueue_waits_for_the_commit(mailoutbox, focal_point, france_review,
                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            enqueue(scan_reminders, "2026-12-01")
            assert mailoutbox == []
    assert len(mailoutbox) == 1


def test_enqueue_with_the_broker_down_logs_and_does_not_raise(broker_down, caplog,
                                                                focal_point,
                                                                django_capture_on_commit_callbacks):
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, "core.tasks"), \
            django_capture_on_commit_callbacks(execute=True):
        enqueue(send_digest, focal_point.pk)
    assert "Could not queue reminders.tasks.send_digest" in caplog.text
    assert time.monotonic() - started < 10


def test_reminders_not_queued_while_the_broker_was_down_go_out_on_the_next_scan(
        broker_down, settings, mailoutbox, focal_point, france_review,
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        scan_reminders("2026-12-01")  # the beat's run: digests cannot be queued
    assert Reminder.objects.get().status == "pending"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    celery_app.conf.task_always_eager = True
    with django_capture_on_commit_callbacks(execute=True):
        scan_reminders("2026-12-02")
    assert (len(mailoutbox), Reminder.objects.get().status) == (1, "sent")
