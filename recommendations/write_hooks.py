"""The model-level write paths that call `touch.touched()` (issue 21).

Every save of a recommendation (services, pages, admin, importers' single-row paths,
model methods such as record_response and add_assessment) passes through
`Recommendation.save()`, which calls `touched()`; deletions (one row, a queryset, a
cascade from its review, the admin's bulk delete) through `pre_delete`; the M2M sets a
row shows (recommending States, themes, SDGs, affected groups, follow-up links) through
`m2m_changed`; and the things the detail shows (responses, assessments, follow-up
actions) and the review fields the row carries (symbols, session) through their saves.
Bulk writes that bypass signals (`bulk_create`, `QuerySet.update`: importers' write,
recurrence, corpus) call `touched()` themselves.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from reviews.models import Review

from .models import Assessment, FollowUpAction, Recommendation, ResponseRecord
from .touch import CHANGED, DELETED, touched


def _recommendation_deleted(sender, instance: Recommendation, **kwargs) -> None:
    touched([instance.pk], DELETED)


def _relation_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if not action.startswith("post_") and action != "pre_clear":
        return
    if isinstance(instance, Recommendation):
        if action != "pre_clear":
            touched([instance.pk])
        return
    # The other side (theme.recommendations.add(...), action.recommendations.set(...)):
    # the recommendations are pk_set, or all linked ones before a clear.
    if action == "pre_clear":
        instance._cleared_recommendations = list(
            instance.recommendations.values_list("pk", flat=True))
        return
    if action == "post_clear":
        touched(getattr(instance, "_cleared_recommendations", []))
        return
    touched(pk_set or [])


def _child_saved(sender, instance, **kwargs) -> None:
    touched([instance.recommendation_id])


def _review_saved(sender, instance: Review, created: bool, **kwargs) -> None:
    if not created:
        touched(instance.recommendations.values_list("pk", flat=True))


def _action_saved(sender, instance: FollowUpAction, created: bool, **kwargs) -> None:
    if not created:
        touched(instance.recommendations.values_list("pk", flat=True))


def connect() -> None:
    pre_delete.connect(_recommendation_deleted, sender=Recommendation,
                       dispatch_uid="touch-recommendation-deleted")
    for relation in ("recommending_states", "themes", "sdgs", "affected_groups"):
        m2m_changed.connect(_relation_changed, sender=getattr(Recommendation, relation).through,
                            dispatch_uid=f"touch-m2m-{relation}")
    m2m_changed.connect(_relation_changed, sender=FollowUpAction.recommendations.through,
                        dispatch_uid="touch-m2m-follow-up")
    for model in (ResponseRecord, Assessment):
        post_save.connect(_child_saved, sender=model, dispatch_uid=f"touch-{model.__name__}")
        post_delete.connect(_child_saved, sender=model,
                            dispatch_uid=f"touch-{model.__name__}-deleted")
    post_save.connect(_review_saved, sender=Review, dispatch_uid="touch-review-saved")
    post_save.connect(_action_saved, sender=FollowUpAction, dispatch_uid="touch-action-saved")


__all__ = ["CHANGED", "connect"]
