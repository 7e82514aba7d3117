"""Deadline reminders: which deadlines are coming, who is told, and the e-mail digests.

A daily scan (reminders.tasks.scan_reminders, or `manage.py send_reminders`) works in
two phases:

1. **Record** what is owed. For every deadline that has reached a lead time
   (settings.REMINDER_LEAD_DAYS, default 30, 7 and 1 days before) or, for an open
   follow-up action, is overdue (again every REMINDER_OVERDUE_EVERY_DAYS days), and
   every recipient of it, one reminders.Reminder row is inserted with a key unique
   per recipient: `<deadline>:<due date>@<lead>`. Inserting ignores rows that exist,
   so a scan that runs twice, concurrently or after a crash records nothing twice.
   Pending rows that are no longer owed (the deadline moved or passed, the action
   was completed, the user unfollowed or opted out) are cancelled.
2. **Send** one digest per recipient with all their pending rows (send_digest), and
   mark the rows sent in the same transaction, after the SMTP server accepted it.

The rows are the durable state: a digest that could not be sent (SMTP down, broker
down, worker killed) leaves its rows pending, and the next scan sends them.

Who gets what:
- a State's focal points get the reminders for that State's review deadlines and
  follow-up actions, on every day's scan (their deadlines cannot wait a week);
- users who follow a State get the same reminders, by their preference:
  "immediately" = in the digest of the day's scan, "weekly" = collected and sent on
  settings.REMINDER_DIGEST_WEEKDAY (default Monday), each deadline once, those that
  passed meanwhile dropped; "none" = nothing, focal points included;
- inactive users and users without an e-mail address get nothing.
"""

import dataclasses
import datetime as dt
import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Profile, ReminderFrequency
from accounts.roles import contributors_q, focal_points_q
from progress.models import ReportingDue
from recommendations.models import FollowUpAction
from reviews.models import Review
from states.models import State
from states.names import state_name_by_iso3

from .models import Reminder

logger = logging.getLogger(__name__)

# The review steps people are reminded of (Review.deadlines() lists more: the adoption
# and the next review are not something anyone has to prepare on a date).
REVIEW_KINDS = ("stakeholder_submissions", "national_report", "documents", "review",
                "midterm_report")
ACTION_KIND = "follow_up_action"
# An indicator's due date has three reminders, each sent once: before it
# (INDICATOR_REMINDER_DAYS) and when it passed, to its manager and its institution's
# contributors; then, INDICATOR_ESCALATE_DAYS overdue, to the State's focal points.
INDICATOR_DUE = "indicator_due"
INDICATOR_OVERDUE = "indicator_overdue"
INDICATOR_ESCALATION = "indicator_escalation"
INDICATOR_STAGES = {INDICATOR_DUE: "before", INDICATOR_OVERDUE: "overdue",
                    INDICATOR_ESCALATION: "escalation"}
KIND_LABELS = {
    INDICATOR_DUE: _("Indicator report due"),
    INDICATOR_OVERDUE: _("Indicator report overdue"),
    INDICATOR_ESCALATION: _("Indicator report overdue (escalated to the focal point)"),
    "stakeholder_submissions": _("Stakeholder submissions due"),
    "national_report": _("National report due"),
    "documents": _("OHCHR documents published"),
    "review": _("Review in the Working Group"),
    "midterm_report": _("Mid-term report due"),
    ACTION_KIND: _("Follow-up action target date"),
}
# Review date fields behind REVIEW_KINDS, to select reviews with a date in a window.
REVIEW_DATE_FIELDS = ("stakeholder_submissions_due", "national_report_due",
                      "documents_published", "review_date", "midterm_report_due")
MAX_DAYS_AHEAD = 731


@dataclasses.dataclass(frozen=True)
class Deadline:
    """One dated step someone has to act on: a review step or a follow-up action."""

    ident: str  # what the deadline is about, stable across scans: "review:12:national_report"
    kind: str
    state_id: int
    state_iso3: str
    state_name: str
    title: str
    due_date: dt.date
    path: str

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def localized_title(self) -> str:
        """The title with the State's name in the active language."""
        if not self.title.startswith(self.state_name):
            return self.title
        return (state_name_by_iso3(self.state_iso3, self.state_name)
                + self.title[len(self.state_name):])

    @property
    def url(self) -> str:
        return settings.SITE_URL + self.path

    def days_left(self, today: dt.date) -> int:
        return (self.due_date - today).days

    def as_dict(self, today: dt.date) -> dict:
        """What the deadlines page and API show of it."""
        days_left = self.days_left(today)
        return {**dataclasses.asdict(self), "label": self.label, "url": self.url,
                "localized_state_name": state_name_by_iso3(self.state_iso3, self.state_name),
                "localized_title": self.localized_title,
                "days_left": days_left, "overdue_days": -days_left, "overdue": days_left < 0}

    def reminder_key(self, lead: int) -> str:
        # The due date is part of the key: a deadline that moves is reminded afresh.
        return f"{self.ident}:{self.due_date.isoformat()}@{lead}"


# --- Deadlines --------------------------------------------------------------------------


def _path(obj, iso3: str) -> str:
    """The object's page; the deadlines page of its State if that page does not exist."""
    try:
        return obj.get_absolute_url()
    except NoReverseMatch:
        return f"{reverse('reminders:deadlines')}?state={iso3}"


def _review_deadlines(reviews: Iterable[Review], start: dt.date | None,
                      end: dt.date) -> list[Deadline]:
    found = []
    for review in reviews:
        path = _path(review, review.state.iso3)
        for kind, _label, day in review.deadlines():
            if kind in REVIEW_KINDS and (start is None or day >= start) and day <= end:
                found.append(Deadline(
                    ident=f"review:{review.pk}:{kind}", kind=kind, state_id=review.state_id,
                    state_iso3=review.state.iso3, state_name=review.state.name,
                    title=f"{review.state.name}, {review.session}", due_date=day, path=path))
    return found


def _action_deadlines(actions: Iterable[FollowUpAction]) -> list[Deadline]:
    return [
        Deadline(ident=f"action:{a.pk}", kind=ACTION_KIND, state_id=a.state_id,
                 state_iso3=a.state.iso3, state_name=a.state.name,
                 title=f"{a.state.name}: {a.title}", due_date=a.target_date,
                 path=_path(a, a.state.iso3))
        for a in actions
    ]


def upcoming_deadlines(*, today: dt.date, days: int, state_id: int | None = None,
                       overdue_actions: bool = True) -> list[Deadline]:
    """Deadlines from `today` to `today + days`, plus (by default) the open follow-up
    actions already overdue, in date order. Two queries whatever the number of rows;
    the reminder scan, the deadlines page and the API all use this."""
    end = today + dt.timedelta(days=days)
    in_window = Q()
    for field in REVIEW_DATE_FIELDS:
        in_window |= Q(**{f"{field}__gte": today, f"{field}__lte": end})
    reviews = Review.objects.filter(in_window).select_related("state", "session")
    actions = FollowUpAction.objects.open().filter(target_date__lte=end).select_related("state")
    if not overdue_actions:
        actions = actions.filter(target_date__gte=today)
    if state_id is not None:
        reviews = reviews.filter(state_id=state_id)
        actions = actions.filter(state_id=state_id)
    found = _review_deadlines(reviews, today, end) + _action_deadlines(actions)
    return sorted(found, key=lambda d: (d.due_date, d.state_name, d.ident))


def reminder_lead(days_left: int, *, lead_days: Iterable[int] | None = None,
                  overdue_every: int | None = None, repeat_overdue: bool = False) -> int | None:
    """The lead time whose reminder is owed for a deadline `days_left` days away, or None.

    It is the smallest lead time not yet passed (with 30, 7, 1: 20 days left -> 30,
    5 -> 7, 0 or 1 -> 1), so a scan that missed a day catches up without sending the
    lead times already overtaken. Overdue items (only if `repeat_overdue`) get one
    reminder per period of `overdue_every` days, numbered by the first overdue day of
    the period as a negative lead: -1, -8, -15...
    """
    leads = sorted(settings.REMINDER_LEAD_DAYS if lead_days is None else lead_days)
    every = overdue_every or settings.REMINDER_OVERDUE_EVERY_DAYS
    if days_left >= 0:
        return next((lead for lead in leads if days_left <= lead), None)
    if not repeat_overdue:
        return None
    overdue = -days_left
    return -(1 + (overdue - 1) // every * every)


# --- Recipients and reminder rows --------------------------------------------------------


def recipients_by_state(state_ids: Iterable[int]) -> dict[int, set[int]]:
    """State id -> ids of the users to remind of its deadlines (focal points and
    followers; active, with an e-mail address, not opted out). Two queries."""
    state_ids = set(state_ids)
    reachable = _reachable_profiles()
    found: dict[int, set[int]] = defaultdict(set)
    focal = reachable.filter(focal_points_q("user__"), state_id__in=state_ids)
    for user_id, state_id in focal.values_list("user_id", "state_id"):
        found[state_id].add(user_id)
    followers = reachable.filter(followed_states__in=state_ids)
    for user_id, state_id in followers.values_list("user_id", "followed_states"):
        found[state_id].add(user_id)
    return found


def _reachable_profiles():
    return (Profile.objects.filter(user__is_active=True).exclude(user__email="")
            .exclude(reminder_frequency=ReminderFrequency.NONE))


def indicator_stages(days_left: int) -> list[str]:
    """The reminder stages an unreported due date `days_left` days away is owed: before
    it, once in the last INDICATOR_REMINDER_DAYS; once overdue, the overdue one, and
    from INDICATOR_ESCALATE_DAYS overdue also the escalation. A stage stays owed while
    its condition holds, so its row is never cancelled before it is sent."""
    if days_left >= 0:
        return [INDICATOR_DUE] if days_left <= settings.INDICATOR_REMINDER_DAYS else []
    stages = [INDICATOR_OVERDUE]
    if -days_left >= settings.INDICATOR_ESCALATE_DAYS:
        stages.append(INDICATOR_ESCALATION)
    return stages


def owed_indicator_reminders(*, today: dt.date) -> list[Reminder]:
    """The indicator reminders owed on `today` (unsaved). Three queries: the unreported
    due dates up to the reminder horizon, the reachable contributors and managers, and
    the focal points of the States concerned."""
    horizon = today + dt.timedelta(days=settings.INDICATOR_REMINDER_DAYS)
    # A due date more than a year overdue is left to the pages: nobody is told again.
    dues = list(ReportingDue.objects.unreported().filter(
        due_date__lte=horizon, due_date__gte=today - dt.timedelta(days=366)).select_related(
        "indicator__state", "indicator__action"))
    if not dues:
        return []
    institutions = {d.indicator.responsible_institution_id() for d in dues} - {None}
    reachable = _reachable_profiles()
    contributors: dict[int, set[int]] = defaultdict(set)
    for user_id, institution_id in reachable.filter(
            contributors_q("user__"), institution_id__in=institutions).values_list(
            "user_id", "institution_id"):
        contributors[institution_id].add(user_id)
    managers = set(reachable.filter(user_id__in={d.indicator.manager_id for d in dues})
                   .values_list("user_id", flat=True))
    focal: dict[int, set[int]] = defaultdict(set)
    for user_id, state_id in reachable.filter(
            focal_points_q("user__"),
            state_id__in={d.indicator.state_id for d in dues}).values_list("user_id",
                                                                          "state_id"):
        focal[state_id].add(user_id)
    rows = []
    for due in dues:
        indicator = due.indicator
        days_left = (due.due_date - today).days
        for stage in indicator_stages(days_left):
            if stage == INDICATOR_ESCALATION:
                users = focal.get(indicator.state_id, set())
            else:
                users = set(contributors.get(indicator.responsible_institution_id(), ()))
                if indicator.manager_id in managers:
                    users.add(indicator.manager_id)
            key = (f"indicator:{indicator.pk}:{due.due_date.isoformat()}"
                   f"@{INDICATOR_STAGES[stage]}")
            lead = (settings.INDICATOR_REMINDER_DAYS if stage == INDICATOR_DUE
                    else -1 if stage == INDICATOR_OVERDUE else -settings.INDICATOR_ESCALATE_DAYS)
            for user_id in users:
                rows.append(Reminder(
                    recipient_id=user_id, key=key, kind=stage,
                    title=f"{indicator.state.name}: {indicator.title}"[:300],
                    url=indicator.get_absolute_url()[:300], due_date=due.due_date,
                    lead_days=lead))
    return rows


def owed_reminders(*, today: dt.date) -> list[Reminder]:
    """The reminder rows owed on `today` (unsaved), one per recipient and deadline."""
    horizon = max(settings.REMINDER_LEAD_DAYS, default=0)
    deadlines = upcoming_deadlines(today=today, days=horizon)
    recipients = recipients_by_state({d.state_id for d in deadlines})
    rows = {}
    for deadline in deadlines:
        lead = reminder_lead(deadline.days_left(today),
                             repeat_overdue=deadline.kind == ACTION_KIND)
        if lead is None:
            continue
        key = deadline.reminder_key(lead)
        for user_id in recipients.get(deadline.state_id, ()):
            rows[user_id, key] = Reminder(
                recipient_id=user_id, key=key, kind=deadline.kind, title=deadline.title[:300],
                url=deadline.path[:300], due_date=deadline.due_date, lead_days=lead)
    for row in owed_indicator_reminders(today=today):
        rows[row.recipient_id, row.key] = row
    # Sorted, so that two scans inserting at once take row locks in the same order.
    return [rows[k] for k in sorted(rows)]


@dataclasses.dataclass
class ScanResult:
    created: int = 0
    cancelled: int = 0
    recipients: list[int] = dataclasses.field(default_factory=list)
    # Dry runs only: recipient id -> the reminders their digest would list.
    preview: dict[int, list[Reminder]] = dataclasses.field(default_factory=dict)


def record_reminders(*, today: dt.date, dry_run: bool = False) -> ScanResult:
    """Phase 1: insert the owed rows that do not exist yet, cancel pending rows no
    longer owed, and say which recipients get a digest today. A dry run writes
    nothing and fills `preview` instead."""
    owed = owed_reminders(today=today)
    owed_keys = {(r.recipient_id, r.key) for r in owed}
    pending = list(Reminder.objects.filter(status=Reminder.Status.PENDING))
    obsolete = [r.pk for r in pending if (r.recipient_id, r.key) not in owed_keys]
    result = ScanResult(cancelled=len(obsolete))
    if dry_run:
        existing = set(Reminder.objects.filter(
            recipient_id__in={r.recipient_id for r in owed}).values_list("recipient_id", "key"))
        new = [r for r in owed if (r.recipient_id, r.key) not in existing]
        result.created = len(new)
        result.recipients = recipients_due(today=today, user_ids={r.recipient_id for r in new})
        kept = [r for r in pending if r.pk not in set(obsolete)] + new
        for row in kept:
            if row.recipient_id in result.recipients:
                result.preview.setdefault(row.recipient_id, []).append(row)
        result.recipients = sorted(result.preview)
        return result
    with transaction.atomic():
        # Scans record one after another: two interleaved INSERTs could each commit part
        # of one recipient's reminders, and the two scans then send that recipient two
        # digests of a part each (no reminder twice, but two e-mails). Under the lock the
        # second scan finds every row the first recorded, all committed at once.
        _lock_scans()
        before = Reminder.objects.count()
        # ON CONFLICT DO NOTHING on (recipient, key): this is what records a reminder
        # once, however many scans run, at the same time or one after a crashed other.
        Reminder.objects.bulk_create(owed, ignore_conflicts=True, batch_size=1000)
        result.created = Reminder.objects.count() - before
        if obsolete:
            # status=pending again in the WHERE: a row that a digest being sent holds
            # locked is re-checked once that digest commits, and stays "sent".
            result.cancelled = Reminder.objects.filter(
                pk__in=obsolete, status=Reminder.Status.PENDING).update(
                status=Reminder.Status.CANCELLED, last_error="No longer due")
    result.recipients = recipients_due(today=today)
    return result


# pg_advisory_xact_lock's key for the reminder scan's recording phase (any constant
# that no other lock of this database uses: "UPRR" in ASCII).
SCAN_LOCK = 0x55505252


def _lock_scans() -> None:
    """Holds the scan lock until the transaction ends (PostgreSQL; SQLite serialises
    write transactions by itself)."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCAN_LOCK])


def _lock_recipient(user_id: int) -> bool:
    """Takes the lock on `user_id`'s digest until the transaction ends, or says another
    transaction holds it. SKIP LOCKED alone lets two workers that select at the same
    instant lock one row each (rows are locked one by one): two digests of a part each."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        # The two-key form: its keys never meet the one-key SCAN_LOCK's.
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [SCAN_LOCK, user_id % 2**31])
        return cursor.fetchone()[0]


def recipients_due(*, today: dt.date, user_ids: Iterable[int] = ()) -> list[int]:
    """Ids of the users whose pending reminders (and `user_ids`) are sent on `today`:
    focal points and "immediately" users every day, everyone on the weekly digest day."""
    pending = Reminder.objects.filter(status=Reminder.Status.PENDING)
    candidates = set(pending.values_list("recipient_id", flat=True)) | set(user_ids)
    if today.weekday() != settings.REMINDER_DIGEST_WEEKDAY:
        # Institution contributors report on a rhythm: their due dates cannot wait a week.
        daily = get_user_model().objects.filter(pk__in=candidates).filter(
            focal_points_q() | contributors_q()
            | Q(profile__reminder_frequency=ReminderFrequency.IMMEDIATE))
        candidates = set(daily.values_list("pk", flat=True))
    return sorted(candidates)


# --- Digests ----------------------------------------------------------------------------


SESSION_TITLE = re.compile(r"^Session (\d+)$")


def localized_title(title: str, states: dict[str, State]) -> str:
    """A reminder title stored in English (`France, Session 43`, `France: Draft the plan`)
    in the active language: the State's name and the session label; the rest is data."""
    for separator in (", ", ": "):
        head, found, rest = title.partition(separator)
        state = states.get(head) if found else None
        if state is None:
            continue
        session = SESSION_TITLE.match(rest) if separator == ", " else None
        if session:
            rest = _("Session %(number)s") % {"number": session.group(1)}
        return f"{state.localized_name}{separator}{rest}"
    return title


INDICATOR_SENTENCES = {
    INDICATOR_DUE: _("A progress report on the indicator “%(indicator)s” (%(institution)s) "
                     "is due for the period ending %(date)s."),
    INDICATOR_OVERDUE: _("The progress report on the indicator “%(indicator)s” "
                         "(%(institution)s) for the period ending %(date)s has not been "
                         "filed."),
    INDICATOR_ESCALATION: _("%(institution)s has not filed the progress report on the "
                            "indicator “%(indicator)s” for the period ending %(date)s, "
                            "though it was reminded."),
}


def _indicator_details(rows: list[Reminder]) -> dict[int, object]:
    """Indicator id -> indicator (with its institution) of the indicator rows: one query."""
    from progress.models import Indicator

    ids = {int(r.key.split(":")[1]) for r in rows if r.kind in INDICATOR_STAGES}
    if not ids:
        return {}
    return {i.pk: i for i in Indicator.objects.filter(pk__in=ids).select_related(
        "institution", "action__institution")}


def _indicator_item(row: Reminder, indicator) -> dict:
    """What an indicator reminder says in a digest: what is due, for which indicator and
    institution, and where to file it (the report form; the indicator for the focal
    point, who follows up rather than files)."""
    institution_id = indicator.responsible_institution_id()
    institution = next((i for i in (indicator.institution,
                                    indicator.action.institution if indicator.action else None)
                        if i is not None and i.pk == institution_id), None)
    sentence = INDICATOR_SENTENCES[row.kind] % {
        "indicator": indicator.title,
        "institution": institution.name if institution else _("no institution"),
        "date": date_format(row.due_date, "DATE_FORMAT")}
    report_url = ("" if row.kind == INDICATOR_ESCALATION else settings.SITE_URL
                  + reverse("progress:report_create", args=[indicator.pk]))
    return {"sentence": sentence, "report_url": report_url}


def _digest_items(rows: list[Reminder], today: dt.date) -> list[dict]:
    """One item per deadline (a weekly digest may hold several lead times of one)."""
    items: dict[str, dict] = {}
    states = ({s.name: s for s in State.objects.all()}
              if translation.get_language() != "en" else {})
    indicators = _indicator_details(rows)
    for row in sorted(rows, key=lambda r: (r.due_date, r.title, r.pk or 0)):
        deadline = row.key.rsplit("@", 1)[0]
        days_left = (row.due_date - today).days
        items[deadline] = {
            "label": str(KIND_LABELS.get(row.kind, row.kind)),
            "title": localized_title(row.title, states) if states else row.title,
            "due_date": row.due_date, "days_left": days_left, "overdue_days": -days_left,
            "url": settings.SITE_URL + row.url if row.url.startswith("/") else row.url,
            "sentence": "", "report_url": "",
        }
        indicator = (indicators.get(int(row.key.split(":")[1]))
                     if row.kind in INDICATOR_STAGES else None)
        if indicator is not None:
            items[deadline].update(_indicator_item(row, indicator))
    return list(items.values())


def build_digest(*, user, rows: list[Reminder], today: dt.date) -> EmailMultiAlternatives:
    """The e-mail listing `rows` for `user`, plain text and HTML, in the user's language."""
    profile = getattr(user, "profile", None)
    language = profile.language if profile else settings.LANGUAGE_CODE
    with translation.override(language):
        items = _digest_items(rows, today)
        from accounts.roles import contributor_institution_id

        institution_id = contributor_institution_id(user)
        context = {"user": user, "items": items, "today": today,
                   "institution": (profile.institution if institution_id else None),
                   "site_url": settings.SITE_URL, "language": language,
                   "deadlines_url": settings.SITE_URL + reverse("reminders:deadlines")}
        subject = ngettext("UPR Tracker: %(count)d deadline to watch",
                           "UPR Tracker: %(count)d deadlines to watch",
                           len(items)) % {"count": len(items)}
        text = render_to_string("emails/reminder_digest.txt", context)
        html = render_to_string("emails/reminder_digest.html", context)
    ids = ",".join(str(r.pk) for r in sorted(rows, key=lambda r: r.pk or 0))
    digest_id = hashlib.sha1(f"{user.pk}:{ids}".encode()).hexdigest()[:20]
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email],
        # A Message-ID derived from the rows: if a digest is ever sent twice (see
        # send_digest), both copies carry the same id and mail clients can fold them.
        headers={"Message-ID": f"<reminders.{digest_id}@{domain}>",
                 "Content-Language": language})
    message.attach_alternative(html, "text/html")
    return message


def send_digest(*, user_id: int, today: dt.date | None = None) -> int:
    """Phase 2: send `user_id` one digest of all their pending reminders and mark them
    sent. Returns the number of reminders sent (0 when there was nothing to send or
    another worker holds them); raises the SMTP error after recording it on the rows.

    Exactly once, and the one window left: the rows are locked (FOR UPDATE SKIP
    LOCKED on PostgreSQL; SQLite serialises write transactions) for the whole
    transaction, the message is handed to the SMTP server inside it, and they turn
    "sent" in the same commit. A concurrent scan or a retried task either skips the
    locked rows or, once we committed, no longer finds them pending: no digest goes
    out twice. If the SMTP server refuses, the rows stay pending with the attempt
    and error recorded, and the task's retry or the next scan sends them: nothing is
    lost. Only if the process dies between the server's "250 OK" and our COMMIT (a
    window of milliseconds, no I/O but the commit) is the digest sent again later.
    We chose that at-least-once over the alternative (commit "sending" before SMTP),
    which would silently lose every digest whose worker dies before the server
    answered; the deterministic Message-ID lets mail clients fold such a duplicate.
    """
    today = today or timezone.localdate()
    user = (get_user_model().objects.select_related("profile").filter(pk=user_id).first())
    error: Exception | None = None
    with transaction.atomic():
        if not _lock_recipient(user_id):
            return 0  # another worker is sending this recipient's digest
        rows = list(Reminder.objects.select_for_update(skip_locked=True).filter(
            recipient_id=user_id, status=Reminder.Status.PENDING).order_by("due_date", "pk"))
        if not rows:
            return 0
        ids = [r.pk for r in rows]
        if user is None or not user.is_active or not user.email:
            Reminder.objects.filter(pk__in=ids).update(
                status=Reminder.Status.CANCELLED, last_error="Recipient cannot receive e-mail")
            return 0
        message = build_digest(user=user, rows=rows, today=today)
        try:
            message.send()
        except Exception as exc:  # recorded on the rows, then re-raised below
            error = exc
            Reminder.objects.filter(pk__in=ids).update(
                attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000])
        else:
            Reminder.objects.filter(pk__in=ids).update(
                status=Reminder.Status.SENT, sent_at=timezone.now(),
                attempts=F("attempts") + 1, last_error="")
    if error is not None:
        logger.warning("Reminder digest to user %s failed: %s", user_id, error)
        raise error
    logger.info("Sent a digest of %d reminders to user %s", len(rows), user_id)
    return len(rows)


def scan(*, today: dt.date | None = None,
         dispatch: Callable[[int, dt.date], object] | None = None) -> ScanResult:
    """The daily scan: record owed reminders, then hand each recipient due today to
    `dispatch(user_id, today)` (a Celery task in production, send_digest in the
    command). Runs again safely at any time."""
    today = today or timezone.localdate()
    result = record_reminders(today=today)
    for user_id in result.recipients:
        (dispatch or _send_now)(user_id, today)
    return result


def _send_now(user_id: int, today: dt.date) -> None:
    send_digest(user_id=user_id, today=today)
