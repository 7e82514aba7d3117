"""API views for institutions, indicators and progress reports (/api/v1/).

Reads are public (private evidence is left out for whoever may not see it); writes are
asked of accounts.roles through the models (`user_can_edit`, `user_can_report`) before
anything is written."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts.roles import (
    can_manage_any_follow_up,
    can_manage_institutions,
    can_report_as_civil_society,
    contributor_institution_id,
)
from core.api import etag, expected_version
from core.filters import CodeMultipleChoiceFilter, IdFilter, StrictFilterBackend
from recommendations.api import IgnoreFormatNegotiation
from recommendations.models import Actor
from states.models import Institution, InstitutionKind, State

from . import export, services
from .models import Evidence, Indicator, ProgressReport
from .serializers import IndicatorSerializer, InstitutionSerializer, ProgressReportSerializer

EXPORT_FORMAT = OpenApiParameter("format", OpenApiTypes.STR, enum=["csv", "xlsx"],
                                 description=_("File format (default csv)"))


class InstitutionFilter(filters.FilterSet):
    state = CodeMultipleChoiceFilter(queryset=State.objects.all(), to_field_name="iso3",
                                     upper=True, help_text=_("ISO3 code. Repeatable."))
    kind = filters.MultipleChoiceFilter(choices=InstitutionKind.choices)

    class Meta:
        model = Institution
        fields: list[str] = []


class InstitutionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         mixins.CreateModelMixin, mixins.UpdateModelMixin,
                         viewsets.GenericViewSet):
    """A State's ministries and agencies; its focal point manages them."""

    queryset = Institution.objects.select_related("state").order_by("state__name", "name")
    serializer_class = InstitutionSerializer
    filterset_class = InstitutionFilter
    filter_backends = [StrictFilterBackend]
    lookup_value_regex = r"\d+"

    def user_can_write(self, user) -> bool:
        return can_manage_any_follow_up(user)

    def user_can_write_object(self, user, obj: Institution) -> bool:
        return can_manage_institutions(user, obj.state_id)

    def _check(self, state: State, name: str, pk: int | None = None) -> None:
        if not can_manage_institutions(self.request.user, state.pk):
            raise PermissionDenied(_("You may not manage the institutions of %(state)s.")
                                   % {"state": state})
        if Institution.objects.filter(state=state, name__iexact=name.strip()).exclude(
                pk=pk).exists():
            raise ValidationError({"name": _("%(state)s already has this institution.")
                                   % {"state": state}})

    def perform_create(self, serializer: InstitutionSerializer) -> None:
        data = serializer.validated_data
        self._check(data["state"], data["name"])
        serializer.save()

    def perform_update(self, serializer: InstitutionSerializer) -> None:
        institution = serializer.instance
        data = serializer.validated_data
        if data.get("state", institution.state) != institution.state:
            raise ValidationError({"state": _("An institution cannot move to another State.")})
        self._check(institution.state, data.get("name", institution.name), institution.pk)
        serializer.save()


class IndicatorFilter(filters.FilterSet):
    state = CodeMultipleChoiceFilter(queryset=State.objects.all(), to_field_name="iso3",
                                     upper=True, help_text=_("ISO3 code. Repeatable."))
    institution = IdFilter(field_name="institution_id", help_text=_("Id of the institution"))
    recommendation = IdFilter(field_name="recommendations", distinct=True,
                              help_text=_("Id of a recommendation measured"))
    action = IdFilter(field_name="action_id", help_text=_("Id of the follow-up action"))
    due_before = filters.DateFilter(method="filter_due_before", help_text=_(
        "Has a due date without a government report on or before this date"))
    due_after = filters.DateFilter(method="filter_due_after", help_text=_(
        "Has a due date without a government report on or after this date"))
    overdue = filters.BooleanFilter(method="filter_overdue", help_text=_(
        "true: a due date passed without a government report; false: none did"))

    class Meta:
        model = Indicator
        fields: list[str] = []

    def filter_due_before(self, queryset, name, value):
        return queryset.due_between(before=value)

    def filter_due_after(self, queryset, name, value):
        return queryset.due_between(after=value)

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue() if value else queryset.not_overdue()


@extend_schema_view(
    retrieve=extend_schema(description=_('`ETag` is the row version; send it as If-Match.')),
    export=extend_schema(parameters=[EXPORT_FORMAT], responses={(200, "text/csv"): bytes}),
)
class IndicatorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       mixins.CreateModelMixin, mixins.UpdateModelMixin,
                       viewsets.GenericViewSet):
    """Indicators on recommendations, clusters of them or follow-up actions, with their
    due dates and where they stand (on track, late, met)."""

    queryset = Indicator.objects.with_related().order_by("state__name", "title", "id")
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    filter_backends = [StrictFilterBackend]
    lookup_value_regex = r"\d+"

    def user_can_write(self, user) -> bool:
        return can_manage_any_follow_up(user)

    def user_can_write_object(self, user, obj: Indicator) -> bool:
        return obj.user_can_edit(user)

    def perform_create(self, serializer: IndicatorSerializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("version", None)
        state = data.pop("state")
        if not can_manage_institutions(self.request.user, state.pk):
            raise PermissionDenied(_("You may not add indicators for %(state)s.")
                                   % {"state": state})
        serializer.instance = services.create_indicator(
            state=state, user=self.request.user,
            recommendations=data.pop("recommendations", []), **data)

    def perform_update(self, serializer: IndicatorSerializer) -> None:
        indicator = serializer.instance
        data = dict(serializer.validated_data)
        state = data.pop("state", None)
        if state is not None and state.pk != indicator.state_id:
            raise ValidationError({"state": _("An indicator cannot move to another State.")})
        expected = expected_version(self.request, data.pop("version", None))
        serializer.instance = services.update_indicator(
            indicator, expected_version=expected,
            recommendations=data.pop("recommendations", None), **data)

    def retrieve(self, request, *args, **kwargs) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = etag(response.data["version"])
        return response

    def update(self, request, *args, **kwargs) -> Response:
        response = super().update(request, *args, **kwargs)
        serializer_instance = Indicator.objects.with_related().get(pk=response.data["id"])
        response.data = self.get_serializer(serializer_instance).data
        response["ETag"] = etag(response.data["version"])
        return response

    @action(detail=False, methods=["get"], pagination_class=None,
            content_negotiation_class=IgnoreFormatNegotiation)
    def export(self, request):
        """All the filtered indicators as CSV (`format=csv`) or XLSX (`format=xlsx`)."""
        fmt = request.query_params.get("format", "csv")
        if fmt not in ("csv", "xlsx"):
            raise ValidationError({"format": _("Use csv or xlsx.")})
        queryset = self.filter_queryset(self.get_queryset())
        return export.response("indicators", export.INDICATOR_COLUMNS,
                               export.indicator_rows(queryset), fmt)


class ProgressReportFilter(filters.FilterSet):
    # field_name tells the schema the type (the method filters through either subject).
    state = CodeMultipleChoiceFilter(queryset=State.objects.all(), to_field_name="iso3",
                                     upper=True, method="filter_state",
                                     field_name="indicator__state",
                                     help_text=_("ISO3 code. Repeatable."))
    institution = IdFilter(field_name="institution_id", help_text=_(
        "Id of the institution that reported"))
    indicator = IdFilter(field_name="indicator_id")
    action = IdFilter(field_name="action_id")
    recommendation = IdFilter(method="filter_recommendation", help_text=_(
        "Id of a recommendation the indicator or action is about"))
    actor = filters.ChoiceFilter(choices=Actor.choices)
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte")
    due_after = filters.DateFilter(field_name="due_date", lookup_expr="gte")

    class Meta:
        model = ProgressReport
        fields: list[str] = []

    def filter_state(self, queryset, name, value):
        if not value:
            return queryset
        ids = [s.pk for s in value]
        return queryset.filter(indicator__state_id__in=ids) | queryset.filter(
            action__state_id__in=ids)

    def filter_recommendation(self, queryset, name, value):
        return (queryset.filter(indicator__recommendations=value)
                | queryset.filter(action__recommendations=value)
                | queryset.filter(indicator__action__recommendations=value)).distinct()


@extend_schema_view(
    create=extend_schema(description=_(
        "Government reports by the State's focal point or a contributor of the responsible "
        "institution (one per due date, with the value measured); civil-society reports "
        "(`actor: civil_society`) by NGO staff.")),
    export=extend_schema(parameters=[EXPORT_FORMAT], responses={(200, "text/csv"): bytes}),
)
class ProgressReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Progress reports against indicators and actions, government and civil society
    kept apart (`actor`)."""

    queryset = ProgressReport.objects.select_related(
        "indicator__state", "action__state", "institution", "created_by").prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.select_related(
            "report__indicator", "report__action"))).order_by("-created_at", "-id")
    serializer_class = ProgressReportSerializer
    filterset_class = ProgressReportFilter
    filter_backends = [StrictFilterBackend]
    lookup_value_regex = r"\d+"

    def user_can_write(self, user) -> bool:
        return (can_manage_any_follow_up(user) or can_report_as_civil_society(user)
                or contributor_institution_id(user) is not None)

    def perform_create(self, serializer: ProgressReportSerializer) -> None:
        data = dict(serializer.validated_data)
        indicator, action_obj = data.pop("indicator", None), data.pop("action", None)
        actor = data.pop("actor")
        subject = indicator or action_obj
        if subject is not None:
            allowed = (subject.user_can_report(self.request.user, actor) if indicator
                       else (can_report_as_civil_society(self.request.user)
                             if actor == Actor.CIVIL_SOCIETY
                             else subject.user_can_report(self.request.user)))
            if not allowed:
                raise PermissionDenied(_("You may not report progress on this %(what)s.") % {
                    "what": _("indicator") if indicator else _("follow-up action")})
        links = data.pop("links", [])
        serializer.instance = services.file_report(
            user=self.request.user, actor=actor, indicator=indicator, action=action_obj,
            evidence=links, **data)

    @action(detail=False, methods=["get"], pagination_class=None,
            content_negotiation_class=IgnoreFormatNegotiation)
    def export(self, request):
        """All the filtered reports as CSV (`format=csv`) or XLSX (`format=xlsx`)."""
        fmt = request.query_params.get("format", "csv")
        if fmt not in ("csv", "xlsx"):
            raise ValidationError({"format": _("Use csv or xlsx.")})
        queryset = self.filter_queryset(self.get_queryset()).select_related("indicator")
        return export.response("progress-reports", export.REPORT_COLUMNS,
                               export.report_rows(queryset), fmt)
