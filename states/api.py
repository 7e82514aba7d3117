from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from core.filters import StrictFilterBackend

from .models import RegionalGroup, State
from .serializers import StateSerializer


class StateFilter(filters.FilterSet):
    region = filters.MultipleChoiceFilter(choices=RegionalGroup.choices,
                                          help_text="Regional group code. Repeatable.")
    is_observer = filters.BooleanFilter()

    class Meta:
        model = State
        fields: list[str] = []


@extend_schema_view(retrieve=extend_schema(summary="One State, by ISO3 code (`FRA`)"))
class StateViewSet(viewsets.ReadOnlyModelViewSet):
    """UN Member States and observer States, with the other names they go by."""

    queryset = State.objects.prefetch_related("aliases")
    serializer_class = StateSerializer
    filterset_class = StateFilter
    filter_backends = [StrictFilterBackend]
    lookup_field = "iso3"
    lookup_value_regex = "[A-Za-z]{3}"
    pagination_class = None  # 195 rows: one page

    def get_object(self) -> State:
        self.kwargs["iso3"] = self.kwargs["iso3"].upper()
        return super().get_object()
