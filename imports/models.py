"""What the way in keeps: import jobs (an uploaded file and its report), responses read
from an addendum that wait for their recommendation or for a person, and the provenance
of each imported recommendation.

The tables kept their names from when these models lived in `recommendations`
(migration imports/0001 moved them without touching the database).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from recommendations.models import Recommendation, Response
from reviews.models import Review
from states.models import State


class RecommendationSource(models.Model):
    """Provenance: a file (and its format) a recommendation was imported from, and when.

    One row per recommendation and file name; importing the same file again keeps the
    first date. Several rows = several sources merged into one record.
    """

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE,
                                       related_name="sources")
    source = models.CharField(_("source format"), max_length=20)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    rows = models.CharField(_("rows"), max_length=200, blank=True,
                            help_text=_("Rows of the file this recommendation came from"))
    match = models.CharField(_("how it was matched"), max_length=20, blank=True)
    imported_at = models.DateTimeField(_("imported"))

    class Meta:
        db_table = "recommendations_recommendationsource"
        ordering = ["recommendation", "imported_at", "id"]
        verbose_name = _("recommendation source")
        verbose_name_plural = _("recommendation sources")
        constraints = [models.UniqueConstraint(fields=["recommendation", "source", "file_name"],
                                               name="recommendation_source_once_per_file")]

    def __str__(self) -> str:
        return f"{self.source}: {self.file_name}"


class ImportJob(models.Model):
    """An uploaded file and the report of importing it (dry run or for real)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")

    # In URLs instead of the sequential pk, so one user's jobs cannot be enumerated.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    format = models.CharField(max_length=20, default="auto")
    detected_format = models.CharField(max_length=20, blank=True)
    state = models.ForeignKey(State, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    session_number = models.PositiveSmallIntegerField(null=True, blank=True)
    dry_run = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="import_jobs")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "recommendations_importjob"
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.original_name

    @property
    def progress(self) -> int:
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0


class ProposedResponse(models.Model):
    """A response read from a State's addendum that is not on its recommendation yet.

    Either the addendum came before the Working Group report (the numbers are clear and
    the response is applied as soon as the report is imported), or the addendum answers
    in sentences (cycle 1) and the reading must be confirmed by a person first.
    """

    review = models.ForeignKey(Review, on_delete=models.CASCADE,
                               related_name="proposed_responses", verbose_name=_("review"))
    paragraph = models.CharField(_("paragraph"), max_length=30)
    response = models.CharField(_("response"), max_length=20, choices=Response.choices)
    source_symbol = models.CharField(_("source document"), max_length=60)
    source_paragraph = models.CharField(_("paragraph of the source"), max_length=30,
                                        blank=True)
    wording = models.TextField(_("the State's words"), blank=True)
    needs_confirmation = models.BooleanField(_("needs confirmation"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        db_table = "recommendations_proposedresponse"
        ordering = ["review", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "paragraph"],
                                    name="one_proposed_response_per_paragraph"),
        ]
        verbose_name = _("proposed response")
        verbose_name_plural = _("proposed responses")

    def __str__(self) -> str:
        return f"{self.paragraph}: {self.get_response_display()} ({self.source_symbol})"
