"""Workflows of the way in that span models: confirming the responses proposed from an
addendum, and a paste recorded as an import job that can be undone."""

from django.db import transaction
from django.utils import timezone

from recommendations.models import Recommendation, Response
from reviews.models import Review

from .models import ImportJob, ProposedResponse


def confirm_proposed_responses(review: Review, choices: dict[int, str], *, user=None) -> int:
    """Record the responses a person confirmed (or corrected) for readings the importer
    proposed from an addendum's sentences; `choices` maps ProposedResponse id → response.

    Each confirmed reading becomes the recommendation's response, with the addendum as
    its source, in the response history; the proposal is then gone. Returns how many.
    """
    valid = set(Response.values)
    with transaction.atomic():
        proposals = list(ProposedResponse.objects.select_for_update().filter(
            review=review, pk__in=list(choices)))
        recommendations = {r.paragraph: r for r in Recommendation.objects.filter(
            review=review, paragraph__in=[p.paragraph for p in proposals])}
        done = 0
        for proposal in proposals:
            response = choices[proposal.pk]
            recommendation = recommendations.get(proposal.paragraph)
            if response not in valid or recommendation is None:
                continue
            recommendation.record_response(response, source_symbol=proposal.source_symbol,
                                           source_paragraph=proposal.source_paragraph,
                                           user=user)
            proposal.delete()
            done += 1
    return done


@transaction.atomic
def paste_recommendations(*, review: Review, items: list[dict], user=None):
    """Create pasted recommendations (recommendations.services.create_recommendations)
    and keep the paste as a finished import job, with its journal, so that it can be
    undone as one step like a file (imports.undo). Returns (created, job)."""
    from recommendations import services as recommendation_services

    from .undo import recording

    with recording() as journal:
        journal.capture_reviews(review_ids=[review.pk])
        created = recommendation_services.create_recommendations(review=review, items=items,
                                                                 user=user)
        undo = journal.as_dict()
    now = timezone.now()
    job = ImportJob.objects.create(
        file="", original_name=f"paste: {review}"[:255], format="paste",
        detected_format="paste", state=review.state, session_number=review.session.number,
        dry_run=False, status=ImportJob.Status.SUCCEEDED, rows_total=len(created),
        rows_done=len(created), created_by=user, started_at=now, finished_at=now,
        report={"ok": True, "created": len(created), "rows_read": len(created)}, undo=undo)
    return created, job
