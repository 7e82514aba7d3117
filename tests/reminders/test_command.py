from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reminders.models import Reminder

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_dry_run_prints_what_would_be_sent_and_writes_nothing(mailoutbox, focal_point,
                                                              france_review, france_action):
    output = run("--dry-run", "--today", "2026-12-01")
    assert f"Would send {focal_point.email}: 2 reminder(s)" in output
    assert (Reminder.objects.count(), mailoutbox) == (0, [])


def test_command_sends_and_prints_each_digest(mailoutbox, focal_point, france_review,
                                              france_action):
    output = run("--today", "2026-12-01")
    assert f"Sent {focal_point.email}: 2 reminder(s)" in output
    assert len(mailoutbox) == 1


def test_command_run_twice_sends_once(mailoutbox, focal_point, france_review):
    run("--today", "2026-12-01")
    output = run("--today", "2026-12-01")
    assert "0 digest(s) sent" in output
    assert len(mailoutbox) == 1


def test_dry_run_after_a_real_run_would_send_nothing(mailoutbox, focal_point, france_review):
    run("--today", "2026-12-01")
    assert "0 digest(s) sent" in run("--dry-run", "--today", "2026-12-01")


def test_bad_date_is_a_command_error(db):
    with pytest.raises(CommandError):
        run("--today", "2026-13-01")
