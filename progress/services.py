"""Workflows on indicators and progress reports that span rows: the schedule's due
dates, linked recommendations, reports with their evidence. The API, the pages and
the demo data call these; permissions are asked before (Indicator.user_can_*)."""

import datetime as dt
import os
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.versioning import StaleEdit, claim_version
from recommendations.models import Actor, FollowUpAction, Recommendation
from recommendations.touch import touched
from states.models import Institution, State

from .models import Evidence, Indicator, ProgressReport, ReportingDue, add_months

__all__ = ["StaleEdit", "create_indicator", "file_report", "update_indicator"]

EVIDENCE_EXTENSIONS = {".pdf", ".doc", ".docx", ".odt", ".xls", ".xlsx", ".ods", ".csv",
                       ".txt", ".png", ".jpg", ".jpeg"}


def _check(state: State, *, recommendations: Sequence[Recommendation] | None,
           action: FollowUpAction | None, institution: Institution | None, manager) -> None:
    errors = {}
    if recommendations:
        foreign = [r.pk for r in recommendations if r.review.state_id != state.pk]
        if foreign:
            errors["recommendations"] = _("Recommendations %(ids)s are not addressed to "
                                          "%(state)s.") % {
                "ids": ", ".join(map(str, foreign)), "state": state.name}
    if action is not None and action.state_id != state.pk:
        errors["action"] = _("This follow-up action is not one of %(state)s.") % {
            "state": state.name}
    if not recommendations and action is None:
        errors["recommendations"] = _("Measure at least one recommendation or a follow-up "
                                      "action.")
    if institution is not None and institution.state_id != state.pk:
        errors["institution"] = _("%(institution)s is not an institution of %(state)s.") % {
            "institution": institution.name, "state": state.name}
    if manager is not None:
        from accounts.roles import is_state_user

        if not is_state_user(manager, state.pk):
            errors["manager"] = _("The manager must be a focal point or institution "
                                  "contributor of %(state)s.") % {"state": state.name}
    if errors:
        raise ValidationError(errors)


def _touch(indicator: Indicator, extra: Sequence[int] = ()) -> None:
    ids = set(indicator.recommendations.values_list("pk", flat=True)) | set(extra)
    if indicator.action_id:
        ids |= set(indicator.action.recommendations.values_list("pk", flat=True))
    touched(ids)


def sync_due_dates(indicator: Indicator) -> None:
    """Make the ReportingDue rows match the schedule. Rows that already carry a report
    stay, so a changed rhythm never hides a report that was filed."""
    wanted = set(indicator.schedule())
    existing = set(indicator.dues.values_list("due_date", flat=True))
    reported = set(indicator.reports.filter(actor=Actor.GOVERNMENT, due_date__isnull=False)
                   .values_list("due_date", flat=True))
    ReportingDue.objects.filter(indicator=indicator).exclude(
        due_date__in=wanted | reported).delete()
    ReportingDue.objects.bulk_create(
        [ReportingDue(indicator=indicator, due_date=d) for d in sorted(wanted - existing)],
        ignore_conflicts=True)


@transaction.atomic
def create_indicator(*, state: State, title: str, start_date: dt.date, end_date: dt.date,
                     recommendations: Sequence[Recommendation] = (),
                     action: FollowUpAction | None = None, user=None,
                     **fields) -> Indicator:
    """An indicator of `state` on recommendations and/or an action, with its due dates.
    Without an institution it is the action's."""
    institution = fields.get("institution")
    if institution is None and action is not None and action.institution_id:
        fields["institution"] = institution = action.institution
    _check(state, recommendations=recommendations, action=action, institution=institution,
           manager=fields.get("manager"))
    indicator = Indicator(state=state, title=title, start_date=start_date, end_date=end_date,
                          action=action, created_by=user, **fields)
    indicator.full_clean()
    indicator.save()
    indicator.recommendations.set(recommendations)
    sync_due_dates(indicator)
    _touch(indicator)
    return indicator


@transaction.atomic
def update_indicator(indicator: Indicator, *, expected_version: int | None,
                     recommendations: Sequence[Recommendation] | None = None,
                     **fields) -> Indicator:
    before = set(indicator.recommendations.values_list("pk", flat=True))
    _check(indicator.state,
           recommendations=(recommendations if recommendations is not None
                            else list(indicator.recommendations.select_related("review"))),
           action=fields.get("action", indicator.action),
           institution=fields.get("institution", indicator.institution),
           manager=fields.get("manager", indicator.manager))
    claim_version(indicator, expected_version)
    for name, value in fields.items():
        setattr(indicator, name, value)
    indicator.full_clean()
    indicator.save(update_fields=[*fields, "version", "updated_at"])
    if recommendations is not None:
        indicator.recommendations.set(recommendations)
    sync_due_dates(indicator)
    _touch(indicator, before)
    return indicator


def validate_evidence_file(upload: UploadedFile) -> None:
    _root, ext = os.path.splitext(upload.name or "")
    if ext.lower() not in EVIDENCE_EXTENSIONS:
        raise ValidationError(_("Evidence files may be %(kinds)s.") % {
            "kinds": ", ".join(sorted(EVIDENCE_EXTENSIONS))})
    if upload.size > settings.EVIDENCE_MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is too large (at most %(mb)s MB).") % {
            "mb": settings.EVIDENCE_MAX_UPLOAD_BYTES // (1024 * 1024)})


def period_of(indicator: Indicator, due_date: dt.date) -> tuple[dt.date, dt.date]:
    """The reporting period that ends on `due_date`: back one rhythm, not before the start."""
    start = max(indicator.start_date, add_months(due_date, -indicator.frequency_months))
    return start, due_date


@transaction.atomic
def file_report(*, user, actor: str = Actor.GOVERNMENT, indicator: Indicator | None = None,
                action: FollowUpAction | None = None, due_date: dt.date | None = None,
                period_start: dt.date | None = None, period_end: dt.date | None = None,
                value: Decimal | None = None, narrative: str = "", organisation: str = "",
                evidence: Sequence[dict] = ()) -> ProgressReport:
    """A progress report with its evidence (dicts of title, url or file, is_public).

    A government report on an indicator answers one of its due dates that has no report
    yet (the earliest when none is given) and carries the value measured; the period is
    the one that ends on that date. Civil society's reports answer no due date."""
    if (indicator is None) == (action is None):
        raise ValidationError(_("Report on an indicator or on a follow-up action."))
    errors = {}
    institution = None
    if actor == Actor.GOVERNMENT:
        from accounts.roles import contributor_institution_id

        own = contributor_institution_id(user)
        institution_id = own or (indicator.responsible_institution_id() if indicator
                                 else action.institution_id)
        institution = Institution.objects.filter(pk=institution_id).first()
    if indicator is not None and actor == Actor.GOVERNMENT:
        # Lock the indicator: two reports for one due date at once, one wins cleanly.
        Indicator.objects.select_for_update().filter(pk=indicator.pk).first()
        unmet = list(indicator.dues.exclude(
            due_date__in=indicator.reports.filter(actor=Actor.GOVERNMENT, due_date__isnull=False)
            .values("due_date")).order_by("due_date").values_list("due_date", flat=True))
        if due_date is None:
            due_date = unmet[0] if unmet else None
        if due_date is None:
            errors["due_date"] = _("Every due date of this indicator has its report.")
        elif due_date not in unmet:
            errors["due_date"] = _("%(date)s is not a due date of this indicator waiting for a "
                                   "report.") % {"date": due_date.isoformat()}
        if value is None:
            errors["value"] = _("Give the value measured for this period.")
        if not errors:
            period_start, period_end = period_of(indicator, due_date)
    else:
        due_date = None
        period_end = period_end or timezone.localdate()
    if period_start and period_end and period_start > period_end:
        errors["period_start"] = _("The period must start before it ends.")
    for item in evidence:
        if not (item.get("url") or item.get("file")):
            errors["evidence"] = _("Each piece of evidence needs a link or a file.")
        elif item.get("file"):
            try:
                validate_evidence_file(item["file"])
            except ValidationError as exc:
                errors["evidence"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    report = ProgressReport.objects.create(
        indicator=indicator, action=action, actor=actor, due_date=due_date,
        period_start=period_start, period_end=period_end, value=value,
        narrative=narrative.strip(), institution=institution,
        organisation=organisation.strip(), created_by=user)
    for item in evidence:
        upload = item.get("file")
        Evidence.objects.create(
            report=report, title=(item.get("title") or "").strip()[:300],
            url=item.get("url") or "", file=upload or "",
            original_name=(upload.name[:255] if upload else ""),
            is_public=bool(item.get("is_public", True)))
    if indicator is not None:
        _touch(indicator)
    else:
        touched(action.recommendations.values_list("pk", flat=True))
    return report
