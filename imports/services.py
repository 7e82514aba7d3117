"""Workflows of the way in that span models: confirming the responses proposed from an
addendum."""

from django.db import transaction

from recommendations.models import Recommendation, Response
from reviews.models import Review

from .models import ProposedResponse


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
