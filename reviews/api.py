from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from accounts.roles import can_edit_recommendations
from core.api import etag, expected_version
from core.filters import CodeMultipleChoiceFilter, StrictFilterBackend
from states.models import State

from .models import Cycle, Review, Session
from .serializers import (
    CycleSerializer,
    ReviewSerializer,
    ReviewUpdateSerializer,
    SessionSerializer,
)
from .services import update_review


class CycleViewSet(viewsets.ReadOnlyModelViewSet):
    """UPR cycles, looked up by number (`cycles/4/`)."""

    queryset = Cycle.objects.all()
    serializer_class = CycleSerializer
    lookup_field = "number"
    lookup_value_regex = "[0-9]{1,4}"  # ASCII digits: \d takes "٣" too
    pagination_class = None
    filter_backends = [StrictFilterBackend]


class SessionFilter(filters.FilterSet):
    cycle = CodeMultipleChoiceFilter(queryset=Cycle.objects.all(), to_field_name="number",
                                     help_text=_("Cycle number. Repeatable."))

    class Meta:
        model = Session
        fields: list[str] = []


class SessionViewSet(viewsets.ReadOnlyModelViewSet):
    """Working Group sessions, looked up by number (`sessions/43/`)."""

    queryset = Session.objects.select_related("cycle")
    serializer_class = SessionSerializer
    lookup_field = "number"
    lookup_value_regex = "[0-9]{1,4}"  # ASCII digits: \d takes "٣" too
    pagination_class = None
    filterset_class = SessionFilter
    filter_backends = [StrictFilterBackend]


class ReviewFilter(filters.FilterSet):
    state = CodeMultipleChoiceFilter(queryset=State.objects.all(), to_field_name="iso3",
                                     upper=True, help_text=_("ISO3 code. Repeatable."))
    session = CodeMultipleChoiceFilter(queryset=Session.objects.all(), to_field_name="number",
                                       help_text=_("Session number. Repeatable."))
    cycle = CodeMultipleChoiceFilter(queryset=Cycle.objects.all(), to_field_name="number",
                                     field_name="session__cycle",
                                     help_text=_("Cycle number. Repeatable."))
    updated_since = filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Review
        fields: list[str] = []


@extend_schema_view(
    retrieve=extend_schema(description=_('`ETag` is the row version; send it as If-Match.')),
    update=extend_schema(request=ReviewUpdateSerializer, responses=ReviewSerializer),
    partial_update=extend_schema(request=ReviewUpdateSerializer, responses=ReviewSerializer),
)
class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Reviews: one State under review in one session. NGO staff and admins write."""

    queryset = Review.objects.with_related()
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter
    filter_backends = [StrictFilterBackend]
    lookup_value_regex = "[0-9]+"  # ASCII digits: \d takes "٣" too

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return ReviewUpdateSerializer
        return ReviewSerializer

    def user_can_write(self, user) -> bool:
        return can_edit_recommendations(user)

    def user_can_write_object(self, user, obj: Review) -> bool:
        return can_edit_recommendations(user)

    def perform_create(self, serializer: ReviewSerializer) -> None:
        serializer.validated_data.pop("version", None)
        serializer.save()

    def perform_update(self, serializer: ReviewSerializer) -> None:
        data = dict(serializer.validated_data)
        expected = expected_version(self.request, data.pop("version", None))
        serializer.instance = update_review(serializer.instance, expected_version=expected,
                                            **data)

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = etag(response.data["version"])
        return response

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        response["ETag"] = etag(response.data["version"])
        return response
