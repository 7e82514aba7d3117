"""The scan and the digests, with Django's in-memory mail backend (mailoutbox)."""

import datetime as dt
import smtplib

import pytest
from django.core.mail.backends.locmem import EmailBackend

from accounts.models import ReminderFrequency
from recommendations.models import FollowUpActionStatus
from reminders import services as reminders
from reminders.models import Reminder
from tests.factories import FollowUpActionFactory

from .conftest import TODAY, days, follower, make_review

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2026, 12, 7)


class RefusingBackend(EmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def scan(day: dt.date = TODAY) -> reminders.ScanResult:
    return reminders.scan(today=day)


def test_each_recipient_gets_one_digest_with_all_their_items(
        mailoutbox, focal_point, france_review, france_action, germany):
    make_review(germany, national_report_in=7)
    fan = follower("fan", germany)
    scan()
    assert sorted(m.to[0] for m in mailoutbox) == sorted([focal_point.email, fan.email])
    (to_focal,) = [m for m in mailoutbox if m.to == [focal_point.email]]
    assert "National report due: France" in to_focal.body
    assert "Adopt the national action plan" in to_focal.body
    assert "Germany" not in to_focal.body


def test_digest_links_are_absolute(mailoutbox, focal_point, france_review):
    scan()
    assert f"https://upr.example.org/reviews/{france_review.pk}/" in mailoutbox[0].body


def test_digest_has_plain_text_and_html(mailoutbox, focal_point, france_review):
    scan()
    ((html, mimetype),) = mailoutbox[0].alternatives
    assert mimetype == "text/html"
    assert f'href="https://upr.example.org/reviews/{france_review.pk}/"' in html


def test_digest_subject_counts_the_items(mailoutbox, focal_point, france_review, france_action):
    scan()
    assert mailoutbox[0].subject == "UPR Tracker: 2 deadlines to watch"


def test_digest_says_how_far_each_deadline_is(mailoutbox, focal_point, france_review,
                                              france_action):
    scan()
    assert ("in 30 days" in mailoutbox[0].body, "in 7 days" in mailoutbox[0].body) == (
        True, True)


def test_digest_is_in_the_recipients_language(mailoutbox, france, france_review):
    follower("lecteur", france, language="fr")
    scan()
    message = mailoutbox[0]
    assert "31 décembre 2026" in message.body  # the national report, 30 days ahead
    assert message.extra_headers["Content-Language"] == "fr"
    assert '<html lang="fr" dir="ltr">' in message.alternatives[0][0]


def test_digest_in_spanish(mailoutbox, france, france_review):
    follower("lector", france, language="es")
    scan()
    assert "31 de diciembre de 2026" in mailoutbox[0].body


def test_second_scan_the_same_day_sends_nothing(mailoutbox, focal_point, france_review):
    scan()
    scan()
    assert len(mailoutbox) == 1


def test_next_days_within_the_same_lead_time_send_nothing(mailoutbox, focal_point,
                                                          france_review):
    for n in range(0, 23):  # 30 days left down to 8
        scan(TODAY + dt.timedelta(days=n))
    assert len(mailoutbox) == 1


def test_each_lead_time_sends_once(mailoutbox, focal_point, france_review):
    for n in range(0, 35):
        scan(TODAY + dt.timedelta(days=n))
    leads = list(Reminder.objects.filter(status="sent").order_by("lead_days")
                 .values_list("lead_days", flat=True))
    assert (len(mailoutbox), leads) == (3, [1, 7, 30])


def test_scan_that_missed_days_sends_only_the_current_lead_time(mailoutbox, focal_point,
                                                                 france_review):
    scan(TODAY + dt.timedelta(days=25))  # 5 days left: the 30-day reminder was missed
    assert list(Reminder.objects.values_list("lead_days", flat=True)) == [7]


def test_overdue_action_is_reminded_weekly(mailoutbox, focal_point, france):
    FollowUpActionFactory(state=france, target_date=days(-1))
    for n in range(0, 14):
        scan(TODAY + dt.timedelta(days=n))
    assert len(mailoutbox) == 2
    assert "overdue by 1 day" in mailoutbox[0].body
    assert "overdue by 8 days" in mailoutbox[1].body


def test_sent_reminders_are_logged(mailoutbox, focal_point, france_review):
    scan()
    row = Reminder.objects.get()
    assert (row.recipient, row.status, row.attempts, row.lead_days, row.kind) == (
        focal_point, "sent", 1, 30, "national_report")
    assert row.sent_at is not None


def test_weekly_follower_waits_for_the_digest_day(mailoutbox, france, france_review):
    follower("weekly", france, frequency=ReminderFrequency.WEEKLY)
    scan(TODAY)
    assert (len(mailoutbox), Reminder.objects.get().status) == (0, "pending")


def test_weekly_digest_collects_the_week_and_lists_each_deadline_once(mailoutbox, france,
                                                                      france_review,
                                                                      france_action):
    follower("weekly", france, frequency=ReminderFrequency.WEEKLY)
    for day in range(1, 7):  # Tuesday to Sunday
        scan(dt.date(2026, 11, 30) + dt.timedelta(days=day))
    scan(MONDAY)
    (message,) = mailoutbox
    assert message.body.count("Adopt the national action plan") == 1
    assert message.body.count("National report due") == 1


def test_weekly_digest_drops_deadlines_that_passed_meanwhile(mailoutbox, france):
    follower("weekly", france, frequency=ReminderFrequency.WEEKLY)
    make_review(france, national_report_in=1)  # due Wednesday
    scan(TODAY)
    scan(MONDAY)
    assert (len(mailoutbox), Reminder.objects.get().status) == (0, "cancelled")


def test_focal_points_get_their_digest_daily_even_if_weekly(mailoutbox, focal_point,
                                                            france_review):
    focal_point.profile.reminder_frequency = ReminderFrequency.WEEKLY
    focal_point.profile.save()
    scan(TODAY)
    assert len(mailoutbox) == 1


def test_completed_action_is_not_reminded_anymore(mailoutbox, france, france_action):
    follower("weekly", france, frequency=ReminderFrequency.WEEKLY)
    scan(TODAY)
    france_action.status = FollowUpActionStatus.COMPLETED
    france_action.save()
    scan(MONDAY)
    assert (len(mailoutbox), Reminder.objects.get().status) == (0, "cancelled")


def test_inactive_user_gets_nothing(mailoutbox, france, france_review):
    follower("gone", france, is_active=False)
    scan()
    assert (mailoutbox, Reminder.objects.count()) == ([], 0)


def test_smtp_failure_keeps_the_reminder_pending(settings, focal_point, france_review):
    settings.EMAIL_BACKEND = "tests.reminders.test_digest.RefusingBackend"
    with pytest.raises(smtplib.SMTPServerDisconnected):
        scan()
    row = Reminder.objects.get()
    assert (row.status, row.attempts) == ("pending", 1)
    assert "SMTPServerDisconnected" in row.last_error


def test_pending_reminder_is_sent_once_smtp_is_back(settings, mailoutbox, focal_point,
                                                    france_review):
    settings.EMAIL_BACKEND = "tests.reminders.test_digest.RefusingBackend"
    with pytest.raises(smtplib.SMTPServerDisconnected):
        scan()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    scan(TODAY + dt.timedelta(days=1))
    scan(TODAY + dt.timedelta(days=2))
    row = Reminder.objects.get()
    assert (len(mailoutbox), row.status, row.attempts, row.last_error) == (1, "sent", 2, "")


def test_send_digest_without_pending_reminders_sends_nothing(mailoutbox, focal_point):
    assert reminders.send_digest(user_id=focal_point.pk, today=TODAY) == 0
    assert mailoutbox == []


def test_redelivered_digest_would_carry_the_same_message_id(focal_point, france_review):
    reminders.record_reminders(today=TODAY)
    rows = list(Reminder.objects.all())
    first = reminders.build_digest(user=focal_point, rows=rows, today=TODAY)
    again = reminders.build_digest(user=focal_point, rows=rows, today=TODAY)
    assert first.extra_headers["Message-ID"] == again.extra_headers["Message-ID"]


def test_reminders_recorded_by_a_scan_that_died_go_out_on_the_next(mailoutbox, focal_point,
                                                                   france_review):
    reminders.record_reminders(today=TODAY)  # the worker dies before sending anything
    scan(TODAY)
    assert (len(mailoutbox), Reminder.objects.get().status) == (1, "sent")


def test_a_retried_send_task_sends_nothing_more(mailoutbox, focal_point, france_review):
    scan(TODAY)
    assert reminders.send_digest(user_id=focal_point.pk, today=TODAY) == 0
    assert len(mailoutbox) == 1


def test_recipient_who_lost_their_address_before_sending_is_cancelled(mailoutbox, focal_point,
                                                                      france_review):
    reminders.record_reminders(today=TODAY)
    focal_point.email = ""
    focal_point.save()
    assert reminders.send_digest(user_id=focal_point.pk, today=TODAY) == 0
    assert (mailoutbox, Reminder.objects.get().status) == ([], "cancelled")
