"""The cooperation figures as JSON: the same dicts as the pages (analysis.cooperation).

Each takes the recommendation list's filters (the parameters of
`/api/v1/recommendations/`, without `ordering` and paging): a figure counts the rows the
list shows for the same parameters. Any other parameter is a 400 naming it.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from core.filters import (
    COMMON_QUERY_PARAMS,
    StrictFilterBackend,
    reject_unknown_query_params,
    with_valid_values,
)
from recommendations.models import Recommendation, Theme
from states.models import State

from . import cooperation
from .schema import (
    PUBLIC,
    RecommendingStateProfileSerializer,
    RegionalMatrixSerializer,
    ThemeOverTimeSerializer,
)


def _filters(request) -> cooperation.ListFilters:
    reject_unknown_query_params(request, {*cooperation.FILTER_NAMES, *COMMON_QUERY_PARAMS})
    filters = cooperation.ListFilters(request.query_params)
    if not filters.is_valid():
        raise ValidationError(with_valid_values(filters.filterset.form))
    return filters


class _FiguresView(GenericAPIView):
    permission_classes = [AllowAny]
    # For the schema: the list's filters (drf-spectacular reads them from the filterset);
    # the views read them through cooperation.ListFilters.
    queryset = Recommendation.objects.none()
    filterset_class = cooperation.FigureFilter
    filter_backends = [StrictFilterBackend]
    pagination_class = None


class RegionalMatrixView(_FiguresView):
    """Recommending region × region under review: counts, supported, support rates (%),
    and the list URL of each cell."""

    @extend_schema(auth=PUBLIC, responses=RegionalMatrixSerializer)
    def get(self, request):
        filters = _filters(request)
        return Response(cooperation.regional_matrix(filters))


class RecommendingStateView(_FiguresView):
    """A recommending State's profile: recommendations made, by region under review,
    by theme, by cycle, with support rates."""

    @extend_schema(auth=PUBLIC, responses=RecommendingStateProfileSerializer)
    def get(self, request, iso3: str):
        state = get_object_or_404(State, iso3=iso3.upper())
        filters = _filters(request)
        return Response(cooperation.recommending_state_profile(state, filters))


class ThemeOverTimeView(_FiguresView):
    """Recommendations on a theme (and the source labels mapped onto it, as the list's
    `theme` filter) per cycle and region under review, with support rates."""

    @extend_schema(auth=PUBLIC, responses=ThemeOverTimeSerializer)
    def get(self, request, slug: str):
        theme = get_object_or_404(Theme, slug=slug)
        filters = _filters(request)
        return Response(cooperation.theme_over_time(theme, filters))
