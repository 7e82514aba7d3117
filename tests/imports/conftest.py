"""Helpers for the importer tests: a canonical dump to compare databases."""

from pathlib import Path

import pytest

from imports.models import RecommendationSource
from recommendations.models import Recommendation, RecommendationRow, ResponseRecord
from reviews.models import Review


def flush_recommendations() -> None:
    """Delete every recommendation and review fast: a plain DELETE per table, not Django's
    cascade with a history row per deleted object (minutes for the UPR Info sample)."""
    for name in ("recommending_states", "themes", "sdgs", "affected_groups"):
        through = getattr(Recommendation, name).through
        through.objects.all()._raw_delete(through.objects.db)
    for model in (RecommendationRow, RecommendationSource, ResponseRecord, Recommendation,
                  Review):
        model.objects.all()._raw_delete(model.objects.db)


def canonical_dump() -> list[tuple]:
    """Every recommendation with its States, themes, SDGs, groups and response, no ids."""
    rows = []
    for rec in Recommendation.objects.with_related().order_by("pk"):
        rows.append((
            rec.review.state.iso3, rec.review.session.number, rec.paragraph, rec.text,
            tuple(sorted(s.iso3 for s in rec.recommending_states.all())),
            tuple(sorted((t.source, t.slug) for t in rec.themes.all())),
            tuple(sorted(g.number for g in rec.sdgs.all())),
            tuple(sorted(g.slug for g in rec.affected_groups.all())),
            rec.response, rec.response_source, rec.action_category, rec.uhri_annotation_id,
        ))
    return sorted(rows, key=repr)


@pytest.fixture
def upr_info_csv(shared_data) -> Path:
    return shared_data / "upr-info-2015" / "sessions-01-05.csv"


@pytest.fixture
def slovenia_c3(shared_data) -> Path:
    return shared_data / "ohchr-thematic-lists" / "slovenia-cycle3-session34.docx"


@pytest.fixture
def slovenia_c4(shared_data) -> Path:
    return shared_data / "ohchr-thematic-lists" / "slovenia-cycle4-session48.docx"
