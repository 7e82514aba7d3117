"""Indicators and progress reports: how a State measures what it does about its
recommendations, and who reports it when.

An indicator belongs to one State and measures one recommendation, a cluster of them
or a follow-up action. Its reporting rhythm (every `frequency_months` from
`start_date` to `end_date`) gives its due dates, stored as `ReportingDue` rows so that
"overdue", "due before" and the reminders are plain queries. A due date is met by the
government report filed for it; civil society files its own reports on the same
indicators, kept apart (as assessments are).
"""

import calendar
import datetime as dt
import os
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, Min, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recommendations.models import Actor, FollowUpAction, Recommendation
from states.models import Institution, State


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus `months` calendar months, clipped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_dates(start: dt.date | None, end: dt.date | None, frequency_months: int) -> list[dt.date]:
    """The end of each reporting period: start + k × frequency (k ≥ 1) up to `end`. The
    last period is cut short at `end` when the rhythm does not land on it."""
    if not start or not end or frequency_months < 1 or end <= start:
        return []
    found, k = [], 1
    while (day := add_months(start, k * frequency_months)) <= end:
        found.append(day)
        k += 1
    if not found or found[-1] < end:
        found.append(end)
    return found


class IndicatorKind(models.TextChoices):
    PROCESS = "process", _("Process")
    OUTCOME = "outcome", _("Outcome")


class Progress(models.TextChoices):
    """Where an indicator stands, as the progress page counts it."""

    ON_TRACK = "on_track", _("On track")
    LATE = "late", _("Late")
    MET = "met", _("Met")


def _unmet(**filters) -> models.QuerySet:
    """Due dates of the outer indicator without a government report (subquery)."""
    return ReportingDue.objects.filter(indicator_id=OuterRef("pk"), **filters).exclude(
        Exists(ProgressReport.objects.filter(indicator_id=OuterRef("indicator_id"),
                                             due_date=OuterRef("due_date"),
                                             actor=Actor.GOVERNMENT)))


class IndicatorQuerySet(models.QuerySet):
    def for_state(self, state_id: int) -> "IndicatorQuerySet":
        return self.filter(state_id=state_id)

    def for_institution(self, institution_id: int) -> "IndicatorQuerySet":
        return self.filter(institution_id=institution_id)

    def overdue(self, today: dt.date | None = None) -> "IndicatorQuerySet":
        """Indicators with a due date passed and no government report for it."""
        return self.filter(Exists(_unmet(due_date__lt=today or timezone.localdate())))

    def not_overdue(self, today: dt.date | None = None) -> "IndicatorQuerySet":
        return self.exclude(Exists(_unmet(due_date__lt=today or timezone.localdate())))

    def with_next_due(self) -> "IndicatorQuerySet":
        """Annotate `next_due`: the earliest due date without a government report."""
        return self.annotate(next_due=_unmet().order_by().values("indicator_id").annotate(
            first=Min("due_date")).values("first")[:1])

    def due_between(self, after: dt.date | None = None,
                    before: dt.date | None = None) -> "IndicatorQuerySet":
        """Indicators with an unreported due date in [after, before]."""
        filters = {}
        if after:
            filters["due_date__gte"] = after
        if before:
            filters["due_date__lte"] = before
        return self.filter(Exists(_unmet(**filters)))

    def with_related(self) -> "IndicatorQuerySet":
        return self.select_related("state", "institution", "manager", "action").prefetch_related(
            "dues", models.Prefetch("reports", queryset=ProgressReport.objects.select_related(
                "created_by", "institution").prefetch_related("evidence")),
            models.Prefetch("recommendations",
                            queryset=Recommendation.objects.select_related("review__session")))


class Indicator(models.Model):
    """What is measured, against which baseline and target, by whom and how often."""

    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="indicators",
                              verbose_name=_("State"))
    recommendations = models.ManyToManyField(
        Recommendation, blank=True, related_name="indicators", verbose_name=_("recommendations"),
        help_text=_("One recommendation, or several measured together (a cluster)."))
    action = models.ForeignKey(FollowUpAction, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="measured_by", verbose_name=_("follow-up action"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("type"), max_length=10, choices=IndicatorKind.choices,
                            default=IndicatorKind.PROCESS)
    unit = models.CharField(_("unit"), max_length=60, blank=True,
                            help_text=_("e.g. %, number of cases, yes/no (1/0)"))
    baseline_value = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2,
                                         null=True, blank=True)
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    target_value = models.DecimalField(_("target"), max_digits=14, decimal_places=2,
                                       null=True, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    institution = models.ForeignKey(Institution, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="indicators",
                                    verbose_name=_("responsible institution"))
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="managed_indicators",
                                verbose_name=_("manager"))
    frequency_months = models.PositiveSmallIntegerField(
        _("reporting every (months)"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)])
    start_date = models.DateField(_("reporting starts"))
    end_date = models.DateField(_("reporting ends"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["state", "title", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")),
                                   name="indicator_ends_after_start"),
        ]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("progress:indicator_detail", args=[self.pk])

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": _("Reporting must end after it starts.")})
        if self.institution_id and self.state_id and self.institution.state_id != self.state_id:
            raise ValidationError({"institution": _("Choose an institution of this State.")})

    # The schedule and where the indicator stands: computed from the prefetched rows
    # (with_related), so a list of indicators costs a fixed number of queries.

    def schedule(self) -> list[dt.date]:
        return due_dates(self.start_date, self.end_date, self.frequency_months)

    def government_reports(self) -> list["ProgressReport"]:
        return sorted((r for r in self.reports.all() if r.actor == Actor.GOVERNMENT),
                      key=lambda r: (r.period_end or r.created_at.date(), r.pk))

    def civil_society_reports(self) -> list["ProgressReport"]:
        return sorted((r for r in self.reports.all() if r.actor == Actor.CIVIL_SOCIETY),
                      key=lambda r: (r.period_end or r.created_at.date(), r.pk))

    def due_rows(self, today: dt.date | None = None) -> list[dict]:
        """Each due date with the government report that met it, or overdue."""
        today = today or timezone.localdate()
        by_due = {r.due_date: r for r in self.government_reports() if r.due_date}
        return [{"due_date": d.due_date, "report": by_due.get(d.due_date),
                 "overdue": d.due_date < today and d.due_date not in by_due,
                 "days_left": (d.due_date - today).days}
                for d in sorted(self.dues.all(), key=lambda d: d.due_date)]

    def unmet_due_dates(self) -> list[dt.date]:
        met = {r.due_date for r in self.government_reports()}
        return [d.due_date for d in sorted(self.dues.all(), key=lambda d: d.due_date)
                if d.due_date not in met]

    def next_due_date(self) -> dt.date | None:
        unmet = self.unmet_due_dates()
        return unmet[0] if unmet else None

    def overdue_dates(self, today: dt.date | None = None) -> list[dt.date]:
        today = today or timezone.localdate()
        return [d for d in self.unmet_due_dates() if d < today]

    def latest_value(self, actor: str = Actor.GOVERNMENT) -> Decimal | None:
        reports = (self.government_reports() if actor == Actor.GOVERNMENT
                   else self.civil_society_reports())
        values = [r.value for r in reports if r.value is not None]
        return values[-1] if values else None

    def target_met(self, value: Decimal | None = None) -> bool:
        """The latest government value has reached the target (downwards if the target
        is below the baseline: fewer cases of torture, say)."""
        value = self.latest_value() if value is None else value
        if value is None or self.target_value is None:
            return False
        if self.baseline_value is not None and self.target_value < self.baseline_value:
            return value <= self.target_value
        return value >= self.target_value

    def progress(self, today: dt.date | None = None) -> str:
        """Met (target reached), late (a due date passed without a government report, or
        the target date passed unmet), else on track."""
        today = today or timezone.localdate()
        if self.target_met():
            return Progress.MET
        if self.overdue_dates(today) or (self.target_date and self.target_date < today):
            return Progress.LATE
        return Progress.ON_TRACK

    def progress_label(self) -> str:
        return Progress(self.progress()).label

    def percent_of_target(self) -> int | None:
        """How far the latest value has gone from baseline to target, 0–100."""
        value = self.latest_value()
        if value is None or self.target_value is None:
            return None
        base = self.baseline_value or Decimal(0)
        if self.target_value == base:
            return 100
        share = (value - base) / (self.target_value - base)
        return max(0, min(100, int(share * 100)))

    def responsible_institution_id(self) -> int | None:
        if self.institution_id:
            return self.institution_id
        return self.action.institution_id if self.action_id else None

    # Permissions: one place for the API and the pages (accounts.roles).

    def user_can_edit(self, user) -> bool:
        from accounts.roles import can_manage_institutions

        return can_manage_institutions(user, self.state_id)

    def user_can_report(self, user, actor: str = Actor.GOVERNMENT) -> bool:
        from accounts.roles import can_report_as_civil_society, can_report_progress

        if actor == Actor.CIVIL_SOCIETY:
            return can_report_as_civil_society(user)
        return can_report_progress(user, state_id=self.state_id,
                                   institution_id=self.responsible_institution_id())


class ReportingDueQuerySet(models.QuerySet):
    def unreported(self) -> "ReportingDueQuerySet":
        """Due dates no government report has met yet."""
        return self.exclude(Exists(ProgressReport.objects.filter(
            indicator_id=OuterRef("indicator_id"), due_date=OuterRef("due_date"),
            actor=Actor.GOVERNMENT)))


class ReportingDue(models.Model):
    """One due date of an indicator (derived from its schedule, never edited by hand)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="dues")
    due_date = models.DateField(_("due date"), db_index=True)

    objects = ReportingDueQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "due_date"]
        constraints = [models.UniqueConstraint(fields=["indicator", "due_date"],
                                               name="one_due_row_per_date")]
        verbose_name = _("due date")
        verbose_name_plural = _("due dates")

    def __str__(self) -> str:
        return f"{self.indicator_id} due {self.due_date}"


class ProgressReportQuerySet(models.QuerySet):
    def government(self) -> "ProgressReportQuerySet":
        return self.filter(actor=Actor.GOVERNMENT)

    def civil_society(self) -> "ProgressReportQuerySet":
        return self.filter(actor=Actor.CIVIL_SOCIETY)

    def for_state(self, state_id: int) -> "ProgressReportQuerySet":
        return self.filter(Q(indicator__state_id=state_id) | Q(action__state_id=state_id))

    def in_period(self, start: dt.date | None, end: dt.date | None) -> "ProgressReportQuerySet":
        """Reports whose period ends within [start, end] (either bound optional)."""
        qs = self
        if start:
            qs = qs.filter(period_end__gte=start)
        if end:
            qs = qs.filter(period_end__lte=end)
        return qs


class ProgressReport(models.Model):
    """What was done and measured in a period, against an indicator or an action, by the
    government (a focal point or the responsible institution) or by civil society."""

    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="reports", verbose_name=_("indicator"))
    action = models.ForeignKey(FollowUpAction, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="progress_reports",
                               verbose_name=_("follow-up action"))
    actor = models.CharField(_("reported by"), max_length=15, choices=Actor.choices,
                             default=Actor.GOVERNMENT)
    due_date = models.DateField(_("due date met"), null=True, blank=True,
                                help_text=_("The indicator's due date this report answers"))
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    value = models.DecimalField(_("value measured"), max_digits=14, decimal_places=2,
                                null=True, blank=True)
    narrative = models.TextField(_("narrative"), blank=True)
    institution = models.ForeignKey(Institution, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="progress_reports",
                                    verbose_name=_("institution"))
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="progress_reports",
                                   verbose_name=_("author"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProgressReportQuerySet.as_manager()

    class Meta:
        ordering = ["-period_end", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(indicator__isnull=False, action__isnull=True)
                           | Q(indicator__isnull=True, action__isnull=False)),
                name="report_on_indicator_or_action"),
            # A due date is met once; a correction is a new report for the next one.
            models.UniqueConstraint(fields=["indicator", "due_date"],
                                    condition=Q(actor="government", due_date__isnull=False),
                                    name="one_government_report_per_due_date"),
        ]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")

    def __str__(self) -> str:
        subject = self.indicator or self.action
        return f"{subject} ({self.period_start}–{self.period_end})"

    def get_absolute_url(self) -> str:
        if self.indicator_id:
            return reverse("progress:indicator_detail", args=[self.indicator_id]) + \
                f"#report-{self.pk}"
        return reverse("progress:action_progress", args=[self.action_id]) + f"#report-{self.pk}"

    @property
    def state_id(self) -> int:
        return (self.indicator or self.action).state_id


def evidence_path(instance: "Evidence", filename: str) -> str:
    # Never the user's name as the path: it is shown, not trusted.
    _root, ext = os.path.splitext(filename)
    return f"evidence/{timezone.now():%Y/%m}/{os.urandom(12).hex()}{ext.lower()[:10]}"


class Evidence(models.Model):
    """A link or a file backing a progress report. Private evidence is seen only by the
    State's focal points and institution contributors (and administrators)."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE,
                               related_name="evidence")
    title = models.CharField(_("title"), max_length=300, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    file = models.FileField(_("file"), upload_to=evidence_path, blank=True, max_length=200)
    original_name = models.CharField(max_length=255, blank=True)
    is_public = models.BooleanField(_("public"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(url="") | ~Q(file=""),
                                   name="evidence_has_link_or_file"),
        ]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.title or self.original_name or self.url

    @property
    def label(self) -> str:
        return str(self)

    def get_absolute_url(self) -> str:
        if self.file:
            return reverse("progress:evidence_file", args=[self.pk])
        return self.url

    def user_can_see(self, user) -> bool:
        if self.is_public:
            return True
        from accounts.roles import is_state_user

        return is_state_user(user, self.report.state_id)
