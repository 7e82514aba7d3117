"""Institutions, indicators and progress reports in the change feed (issue 25).

Model signals rather than calls in `services`: these rows are also written by the admin,
by the pages' forms, by `add_user --institution` and by cascades (deleting a follow-up
action deletes its indicators and their reports), and the feed must never miss one.
The receivers write the Change row in the writer's transaction, as `touched()` does
for recommendations. Bulk writes (`QuerySet.update`, `bulk_create`) send no signal:
write these rows one by one, or call `change_feed.record` beside them.
"""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from recommendations.change_feed import (
    KIND_INDICATOR,
    KIND_INSTITUTION,
    KIND_PROGRESS_REPORT,
    record,
)
from recommendations.touch import CHANGED, DELETED, on_touch
from states.models import Institution

from .models import Indicator, ProgressReport


@receiver(post_save, sender=Institution, dispatch_uid="feed_institution_saved")
def institution_saved(sender, instance: Institution, raw: bool = False, **kwargs) -> None:
    if not raw:
        record(KIND_INSTITUTION, [instance.pk], CHANGED)


@receiver(pre_delete, sender=Institution, dispatch_uid="feed_institution_deleting")
def institution_deleting(sender, instance: Institution, **kwargs) -> None:
    # Their institution is set to null by an UPDATE that sends no signal: announce the
    # indicators and reports it leaves while they can still be found.
    record(KIND_INDICATOR, Indicator.objects.filter(institution=instance)
           .values_list("pk", flat=True), CHANGED)
    record(KIND_PROGRESS_REPORT, ProgressReport.objects.filter(institution=instance)
           .values_list("pk", flat=True), CHANGED)


@receiver(post_delete, sender=Institution, dispatch_uid="feed_institution_deleted")
def institution_deleted(sender, instance: Institution, **kwargs) -> None:
    record(KIND_INSTITUTION, [instance.pk], DELETED)


@receiver(post_save, sender=Indicator, dispatch_uid="feed_indicator_saved")
def indicator_saved(sender, instance: Indicator, raw: bool = False, **kwargs) -> None:
    if not raw:
        record(KIND_INDICATOR, [instance.pk], CHANGED)


@receiver(post_delete, sender=Indicator, dispatch_uid="feed_indicator_deleted")
def indicator_deleted(sender, instance: Indicator, **kwargs) -> None:
    record(KIND_INDICATOR, [instance.pk], DELETED)


@receiver(post_save, sender=ProgressReport, dispatch_uid="feed_report_saved")
def report_saved(sender, instance: ProgressReport, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    record(KIND_PROGRESS_REPORT, [instance.pk], CHANGED)
    # The indicator's latest value, progress and unmet due dates follow from its reports.
    if instance.indicator_id:
        record(KIND_INDICATOR, [instance.indicator_id], CHANGED)


@receiver(post_delete, sender=ProgressReport, dispatch_uid="feed_report_deleted")
def report_deleted(sender, instance: ProgressReport, **kwargs) -> None:
    record(KIND_PROGRESS_REPORT, [instance.pk], DELETED)
    if instance.indicator_id:
        # In a cascade from the indicator, its own deletion follows this in the feed.
        record(KIND_INDICATOR, [instance.indicator_id], CHANGED)


@on_touch
def recommendations_deleted(ids: list[int], action: str) -> None:
    """A deleted recommendation leaves the `recommendations` of the indicators that
    measured it (their link rows go with it, sending no signal of the indicator's):
    they changed. Called before the rows go, in the deleting transaction."""
    if action != DELETED:
        return
    record(KIND_INDICATOR, Indicator.objects.filter(recommendations__in=ids)
           .values_list("pk", flat=True).distinct(), CHANGED)
