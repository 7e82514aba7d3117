"""End to end: Celery worker (subprocess) + Redis broker + SMTP server on loopback +
PostgreSQL shared by the test and the worker. Needs all three services."""

import email
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.db import connection

from accounts.models import ReminderFrequency
from reminders.models import Reminder
from reminders.tasks import scan_reminders
from tests.conftest import make_user, need_service

from .conftest import TODAY, celery_broker, follower, make_review

BROKER_URL = "redis://127.0.0.1:6379/1"
pytestmark = pytest.mark.django_db(transaction=True)


class Inbox:
    """aiosmtpd handler keeping what the server accepted."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(
            envelope.original_content or envelope.content)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [m for rcpt, m in self.messages if address in rcpt]


class SMTPServer:
    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None


def wait_for(condition: Callable[[], object], timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or condition}")


def text_part(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text/plain part")


@pytest.fixture(scope="module")
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, django_db_blocker, smtp_server, tmp_path_factory):
    """`celery worker --pool=solo` on the test database, Redis DB 1 and the SMTP server."""
    if connection.vendor != "postgresql":
        need_service("PostgreSQL", "the worker is another process and needs the same "
                                   "database (DATABASE_URL=postgres://...)")
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError as exc:
        need_service("Redis", f"127.0.0.1:6379: {exc}")
    db = connection.settings_dict
    database_url = (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
                    f"{db['PORT'] or 5432}/{db['NAME']}")
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": BROKER_URL,
           "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}", "REMINDER_RETRY_BACKOFF": "1",
           "SITE_URL": "https://upr.example.org", "CONN_MAX_AGE": "0",
           "DJANGO_SETTINGS_MODULE": "upr_tracker.settings"}
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "upr_tracker", "worker", "--pool=solo",
             "-l", "info", "--without-heartbeat", "--without-gossip", "--without-mingle",
             "--purge", "-n", f"reminders-test-{os.getpid()}@%h"],
            cwd=django_settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        # Tasks sent before the worker is ready would be purged: wait for it.
        wait_for(lambda: "ready." in log.read_text() or process.poll() is not None, 60,
                 "the worker to start")
        assert process.poll() is None, log.read_text()
        yield log
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def scan_through_celery(settings, log: Path) -> None:
    """scan_reminders.delay() for real, then wait until the worker ran it."""
    with celery_broker(settings, BROKER_URL):
        task_id = scan_reminders.delay(TODAY.isoformat()).id
    wait_for(lambda: f"[{task_id}] succeeded" in log.read_text(), 60, "the scan to run")


def test_worker_sends_each_recipient_one_digest_once(settings, celery_worker, smtp_server,
                                                     focal_point, france, germany,
                                                     france_review, france_action):
    smtp_server.inbox.messages.clear()
    make_review(germany, national_report_in=7)
    fan = follower("fan", germany)
    follower("weekly", france, frequency=ReminderFrequency.WEEKLY)  # Tuesday: not today
    follower("gone", france, is_active=False)

    scan_through_celery(settings, celery_worker)
    wait_for(lambda: len(smtp_server.inbox.messages) >= 2, 60, "two digests")
    wait_for(lambda: not Reminder.objects.filter(
        recipient__in=[focal_point, fan], status="pending").exists(), 10, "rows marked sent")

    (to_focal,) = smtp_server.inbox.to(focal_point.email)
    body = text_part(to_focal)
    assert "National report due: France" in body
    assert "Adopt the national action plan" in body
    assert f"https://upr.example.org/reviews/{france_review.pk}/" in body
    (to_fan,) = smtp_server.inbox.to(fan.email)
    assert "National report due: Germany" in text_part(to_fan)
    assert len(smtp_server.inbox.messages) == 2

    scan_through_celery(settings, celery_worker)
    time.sleep(1)  # a digest queued by that scan would be delivered within this
    assert len(smtp_server.inbox.messages) == 2


def test_digest_refused_by_smtp_stays_pending_and_goes_out_once_it_is_back(
        settings, celery_worker, smtp_server, france):
    smtp_server.inbox.messages.clear()
    smtp_server.stop()
    try:
        user = make_user("focal-late", "focal-point", state=france)
        make_review(france, national_report_in=1)
        scan_through_celery(settings, celery_worker)
        wait_for(lambda: Reminder.objects.filter(recipient=user, attempts__gte=1).exists(),
                 20, "a failed attempt to be recorded")
        row = Reminder.objects.get(recipient=user)
        assert row.status == "pending"
        assert "Connection refused" in row.last_error or "Errno" in row.last_error
    finally:
        smtp_server.start()
    wait_for(lambda: Reminder.objects.filter(recipient=user, status="sent").exists(), 60,
             "the retry to send the digest")
    time.sleep(1)
    assert len(smtp_server.inbox.to(user.email)) == 1
    assert Reminder.objects.get(recipient=user).attempts >= 2
