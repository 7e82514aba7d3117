"""A France with two institutions, a contributor for each, three recommendations and a
quarterly indicator on them (the cluster), assigned to the Ministry of Justice."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import Role, assign_role
from progress import services
from progress.models import Indicator
from states.models import Institution, State
from tests.conftest import make_user
from tests.factories import RecommendationFactory, ReviewFactory


def make_contributor(username: str, institution: Institution):
    user = make_user(username)
    assign_role(user, Role.CONTRIBUTOR, institution=institution)
    return user


@dataclasses.dataclass
class World:
    france: State
    justice: Institution
    interior: Institution
    focal: object
    justice_contributor: object
    interior_contributor: object
    recommendations: list
    indicator: Indicator
    other_indicator: Indicator
    start: dt.date


def quarterly_indicator(state, recommendations, institution, *, start, title, manager=None,
                        user=None) -> Indicator:
    return services.create_indicator(
        state=state, title=title, kind="outcome", unit="cases", recommendations=recommendations,
        institution=institution, manager=manager, baseline_value=Decimal(100),
        baseline_date=start, target_value=Decimal(40), target_date=start + dt.timedelta(days=730),
        frequency_months=3, start_date=start, end_date=start + dt.timedelta(days=365),
        user=user)


@pytest.fixture
def world(db, settings, tmp_path, france, focal_point) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    justice = Institution.objects.create(state=france, name="Ministry of Justice",
                                         short_name="MoJ", kind="ministry")
    interior = Institution.objects.create(state=france, name="Ministry of the Interior",
                                          kind="ministry")
    justice_contributor = make_contributor("contrib-justice", justice)
    interior_contributor = make_contributor("contrib-interior", interior)
    review = ReviewFactory(state=france)
    recs = [RecommendationFactory(review=review) for _ in range(3)]
    start = timezone.localdate() - dt.timedelta(days=120)
    indicator = quarterly_indicator(france, recs, justice, start=start,
                                    title="Prisoners held in overcrowded cells",
                                    manager=justice_contributor, user=focal_point)
    other = quarterly_indicator(france, recs[:1], interior, start=start,
                                title="Complaints about police conduct handled")
    return World(france, justice, interior, focal_point, justice_contributor,
                 interior_contributor, recs, indicator, other, start)
