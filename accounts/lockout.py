"""Login lockouts (django-axes): how long one lasts, said on the page, and an account's
lock as the admin shows and lifts it."""

from __future__ import annotations

import datetime as dt
import math

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def cool_off() -> dt.timedelta:
    return get_cool_off() or dt.timedelta(0)


def duration_text(delta: dt.timedelta) -> str:
    """"15 minutes", "2 hours": whole minutes below two hours, else whole hours."""
    minutes = max(1, math.ceil(delta.total_seconds() / 60))
    if minutes < 120:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}


def lock_of(username: str) -> dict | None:
    """The account's lock, or None: {failures, until} while its failures since the last
    reset reach the limit and the cool-off since the last one has not run out."""
    attempts = AccessAttempt.objects.filter(username=username)
    summary = attempts.aggregate(last=Max("attempt_time"), failures=Max("failures_since_start"))
    if not summary["last"] or (summary["failures"] or 0) < settings.AXES_FAILURE_LIMIT:
        return None
    until = summary["last"] + cool_off()
    if until <= timezone.now():
        return None
    return {"failures": summary["failures"], "until": until}


@transaction.atomic
def unlock(username: str) -> int:
    """Forget the account's failed attempts (the lock goes with them); how many rows."""
    deleted, _ = AccessAttempt.objects.filter(username=username).delete()
    return deleted


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the lockout page (429) saying for how long."""
    delta = cool_off()
    if request.path.startswith("/api/") or (
            request.META.get("HTTP_X_REQUESTED_WITH") == "XMLHttpRequest"):
        return JsonResponse({
            "detail": _("Too many failed logins: try again in %(duration)s.") % {
                "duration": duration_text(delta)} if delta else _("Too many failed logins."),
            "retry_after_seconds": int(delta.total_seconds())},
            status=settings.AXES_HTTP_RESPONSE_CODE,
            headers={"Retry-After": str(int(delta.total_seconds()))} if delta else None)
    retry_at = timezone.now() + delta if delta else None
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_text": duration_text(delta) if delta else "",
        "retry_at": retry_at,
        "retry_at_html": retry_time_html(retry_at) if retry_at else "",
    }, status=settings.AXES_HTTP_RESPONSE_CODE)


def retry_time_html(moment: dt.datetime) -> str:
    """The server's time ("18:49 UTC") in a <time> that static/js/app.js rewrites in the
    reader's own time zone: the server cannot know it, and UTC misleads most readers."""
    return format_html('<time datetime="{}" data-local-time>{}</time>',
                       moment.isoformat(timespec="seconds"),
                       date_format(timezone.localtime(moment), "H:i T"))
