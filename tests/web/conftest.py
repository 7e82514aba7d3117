"""Data for the page tests: recommendations with everything a page shows."""

import pytest

from recommendations.models import Actor, ImplementationStatus, Response, Theme
from tests.factories import (
    FollowUpActionFactory,
    RecommendationFactory,
    ReviewFactory,
    session,
    state,
)


def make_recommendations(n: int, *, review=None) -> list:
    """`n` recommendations to France, each joint, themed, with a response record, both
    kinds of assessment and a follow-up action, so every prefetch has rows to fetch."""
    review = review or ReviewFactory(state=state("FRA"), session=session(43))
    theme = Theme.objects.get_or_create(slug="web-test-theme", defaults={
        "name": "Web test theme", "source": "user"})[0]
    recs = []
    for i in range(n):
        rec = RecommendationFactory(review=review,
                                    recommending_states=[state("DEU"), state("BRA")])
        rec.themes.add(theme)
        rec.record_response(Response.SUPPORTED if i % 2 else Response.NOTED,
                            source_symbol="A/HRC/54/5/Add.1", source_paragraph=str(i))
        rec.add_assessment(actor=Actor.GOVERNMENT, status=ImplementationStatus.IN_PROGRESS)
        rec.add_assessment(actor=Actor.CIVIL_SOCIETY,
                           status=ImplementationStatus.NOT_IMPLEMENTED, organisation="HRW")
        FollowUpActionFactory(recommendations=[rec])
        recs.append(rec)
    return recs


@pytest.fixture
def recommendations(db) -> list:
    return make_recommendations(3)
