import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from states.models import State


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later, clamped to the end of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


# Dates a review can plausibly have (the UPR began in 2008). Outside them the derived
# deadlines (years later or earlier) would overflow Python's date range.
EARLIEST_DATE = dt.date(1990, 1, 1)
LATEST_DATE = dt.date(2200, 12, 31)
DATE_VALIDATORS = [
    MinValueValidator(EARLIEST_DATE, _("Enter a date from 1990 on.")),
    MaxValueValidator(LATEST_DATE, _("Enter a date before 2201.")),
]

# Default deadlines, from OHCHR's working methods (DESIGN.md, "Deadlines").
NATIONAL_REPORT_WEEKS_BEFORE = 12
STAKEHOLDER_MONTHS_BEFORE = 6
DOCUMENTS_WEEKS_BEFORE = 6
ADOPTION_MONTHS_AFTER = 4
MIDTERM_MONTHS_AFTER_ADOPTION = 30
NEXT_REVIEW_MONTHS_AFTER = 54


class Cycle(models.Model):
    number = models.PositiveSmallIntegerField(_("cycle"), unique=True)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")

    def __str__(self) -> str:
        return _("Cycle %(number)s") % {"number": self.number}


class SessionQuerySet(models.QuerySet):
    def for_date(self, day: dt.date) -> "SessionQuerySet":
        return self.filter(start_date__lte=day, end_date__gte=day)


class Session(models.Model):
    """A session of the UPR Working Group; numbers run on across cycles."""

    number = models.PositiveSmallIntegerField(_("session"), unique=True)
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="sessions")
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("Working Group session")
        verbose_name_plural = _("Working Group sessions")

    def __str__(self) -> str:
        return _("Session %(number)s") % {"number": self.number}


class ReviewQuerySet(models.QuerySet):
    def for_state(self, iso3: str) -> "ReviewQuerySet":
        return self.filter(state__iso3=iso3)

    def with_related(self) -> "ReviewQuerySet":
        return self.select_related("state", "session__cycle")


class Review(models.Model):
    """One State under Review in one Working Group session, with its documents and deadlines.

    Deadline fields left empty are filled from the review and adoption dates with
    OHCHR's usual lead times; an admin can override any of them.
    """

    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="reviews",
                              verbose_name=_("State under review"))
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="reviews",
                                verbose_name=_("session"))
    review_date = models.DateField(_("date of the review"), null=True, blank=True,
                                   validators=DATE_VALIDATORS)
    adoption_date = models.DateField(_("adoption by the Council"), null=True, blank=True,
                                     validators=DATE_VALIDATORS)

    national_report_symbol = models.CharField(_("national report"), max_length=60, blank=True)
    un_compilation_symbol = models.CharField(_("UN compilation"), max_length=60, blank=True)
    stakeholder_summary_symbol = models.CharField(_("stakeholder summary"), max_length=60,
                                                  blank=True)
    wg_report_symbol = models.CharField(_("Working Group report"), max_length=60, blank=True)
    addendum_symbol = models.CharField(_("addendum (responses)"), max_length=60, blank=True)

    national_report_due = models.DateField(_("national report due"), null=True, blank=True,
                                           validators=DATE_VALIDATORS)
    stakeholder_submissions_due = models.DateField(_("stakeholder submissions due"),
                                                   null=True, blank=True,
                                                   validators=DATE_VALIDATORS)
    documents_published = models.DateField(_("OHCHR documents published"), null=True,
                                           blank=True, validators=DATE_VALIDATORS)
    midterm_report_due = models.DateField(_("mid-term report due"), null=True, blank=True,
                                          validators=DATE_VALIDATORS)
    midterm_report_submitted = models.DateField(_("mid-term report submitted"), null=True,
                                                blank=True, validators=DATE_VALIDATORS)
    next_review_due = models.DateField(_("next review"), null=True, blank=True,
                                       validators=DATE_VALIDATORS)

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords()
    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-session__number", "state__name"]
        constraints = [
            models.UniqueConstraint(fields=["state", "session"], name="one_review_per_session"),
        ]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.state} – {self.session}"

    def get_absolute_url(self) -> str:
        return reverse("front:review_detail", args=[self.pk])

    def clean(self) -> None:
        if self.review_date and self.adoption_date and self.adoption_date < self.review_date:
            raise ValidationError({"adoption_date": _("Adoption cannot precede the review.")})

    def save(self, *args, **kwargs) -> None:
        self.fill_defaults()
        super().save(*args, **kwargs)

    def fill_defaults(self) -> None:
        """Fill empty symbols and deadlines from the session and the review date."""
        iso3 = self.state.iso3 if self.state_id else ""
        number = self.session.number if self.session_id else None
        if number and iso3:
            prefix = f"A/HRC/WG.6/{number}/{iso3}"
            self.national_report_symbol = self.national_report_symbol or f"{prefix}/1"
            self.un_compilation_symbol = self.un_compilation_symbol or f"{prefix}/2"
            self.stakeholder_summary_symbol = self.stakeholder_summary_symbol or f"{prefix}/3"
        if self.wg_report_symbol and not self.addendum_symbol:
            self.addendum_symbol = f"{self.wg_report_symbol}/Add.1"
        if not self.review_date and self.session_id and self.session.start_date:
            self.review_date = self.session.start_date
        if self.review_date:
            day = self.review_date
            self.national_report_due = self.national_report_due or day - dt.timedelta(
                weeks=NATIONAL_REPORT_WEEKS_BEFORE)
            self.stakeholder_submissions_due = self.stakeholder_submissions_due or add_months(
                day, -STAKEHOLDER_MONTHS_BEFORE)
            self.documents_published = self.documents_published or day - dt.timedelta(
                weeks=DOCUMENTS_WEEKS_BEFORE)
            self.adoption_date = self.adoption_date or add_months(day, ADOPTION_MONTHS_AFTER)
            self.next_review_due = self.next_review_due or add_months(
                day, NEXT_REVIEW_MONTHS_AFTER)
        if self.adoption_date:
            self.midterm_report_due = self.midterm_report_due or add_months(
                self.adoption_date, MIDTERM_MONTHS_AFTER_ADOPTION)

    DERIVED_FROM_DATES = ("national_report_due", "stakeholder_submissions_due",
                          "documents_published", "adoption_date", "next_review_due",
                          "midterm_report_due")

    def move_review_date(self, day: dt.date) -> bool:
        """Set the date the review was held (the one its report gives) and let the
        deadlines follow it: each deadline still at the value derived from the old date
        is derived again; one an admin set by hand is kept. Saves; False if unchanged."""
        if day is None or day == self.review_date:
            return False
        derived = Review(state=self.state, session=self.session, review_date=self.review_date)
        derived.fill_defaults()
        for name in self.DERIVED_FROM_DATES:
            if getattr(self, name) in (None, getattr(derived, name)):
                setattr(self, name, None)
        self.review_date = day
        self.save()
        return True

    @property
    def cycle_number(self) -> int:
        return self.session.cycle.number

    def deadlines(self) -> list[tuple[str, str, dt.date]]:
        """(kind, label, date) of every dated step of this review, in date order."""
        steps = [
            ("stakeholder_submissions", _("Stakeholder submissions due"),
             self.stakeholder_submissions_due),
            ("national_report", _("National report due"), self.national_report_due),
            ("documents", _("OHCHR documents published"), self.documents_published),
            ("review", _("Review in the Working Group"), self.review_date),
            ("adoption", _("Adoption by the Human Rights Council"), self.adoption_date),
            ("midterm_report", _("Mid-term report due"),
             None if self.midterm_report_submitted else self.midterm_report_due),
            ("next_review", _("Next review"), self.next_review_due),
        ]
        return sorted(((k, str(label), d) for k, label, d in steps if d), key=lambda s: s[2])
