"""The cooperation figures as JSON: the same dicts as the pages (analysis.cooperation)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from recommendations.models import Theme
from states.models import State

from . import cooperation

FILTER_PARAMETERS = [
    OpenApiParameter("cycle", int, description="UPR cycle number"),
    OpenApiParameter("theme", str, description="Theme slug"),
]


def _form(request) -> cooperation.FigureFilterForm:
    form = cooperation.FigureFilterForm(request.query_params)
    if not form.is_valid():
        raise ValidationError({name: [str(e) for e in errors]
                               for name, errors in form.errors.items()})
    return form


class RegionalMatrixView(APIView):
    """Recommending region × region under review: counts, supported, support rates (%),
    and the list URL of each cell."""

    @extend_schema(parameters=FILTER_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        form = _form(request)
        return Response(cooperation.regional_matrix(form.recommendations(), form.query()))


class RecommendingStateView(APIView):
    """A recommending State's profile: recommendations made, by region under review,
    by theme, by cycle, with support rates."""

    @extend_schema(parameters=FILTER_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request, iso3: str):
        state = get_object_or_404(State, iso3=iso3.upper())
        form = _form(request)
        return Response(cooperation.recommending_state_profile(
            state, form.recommendations(), form.query()))


class ThemeOverTimeView(APIView):
    """Recommendations on a theme per cycle and region under review, with support rates."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, slug: str):
        theme = get_object_or_404(Theme, slug=slug)
        return Response(cooperation.theme_over_time(theme, cooperation.filtered()))
