"""Workflows that change a review; the API and the editing pages call these."""

from django.db import transaction

from core.versioning import claim_version

from .models import Review


@transaction.atomic
def update_review(review: Review, *, expected_version: int | None, **fields) -> Review:
    claim_version(review, expected_version)
    for name, value in fields.items():
        setattr(review, name, value)
    review.full_clean(exclude=["state", "session"])
    review.save()
    return review
