"""API views for recommendations, assessments and follow-up actions (/api/v1/).

Reads are public; who may write is asked of accounts.roles, through
RolePermission (`user_can_write`, `user_can_write_object`) and, where the
answer depends on the request body, in the view before anything is written.
"""

import datetime as dt

import orjson
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from accounts.roles import (
    can_assess,
    can_assess_any,
    can_edit_recommendations,
    can_manage_any_follow_up,
    can_manage_follow_up,
)
from core import conditional
from core.api import PreconditionFailed, etag, expected_version
from core.filters import (
    CodeMultipleChoiceFilter,
    IdFilter,
    StrictFilterBackend,
    reject_unknown_query_params,
    with_valid_values,
)
from core.pagination import KeysetPagination
from states.models import State

from . import export, readmodel, services
from .filters import RecommendationFilter, RecommendationRowFilter
from .models import (
    Actor,
    Assessment,
    FollowUpAction,
    FollowUpActionStatus,
    Recommendation,
    RecommendationRow,
    ResponseRecord,
)
from .rows import FastPage, is_filtered
from .schema import ExportRowSerializer
from .serializers import (
    AssessmentSerializer,
    FollowUpActionSerializer,
    RecommendationBulkSerializer,
    RecommendationCreateSerializer,
    RecommendationDetailSerializer,
    RecommendationRowSerializer,
    RecommendationUpdateSerializer,
    ResponseRecordSerializer,
    StaleSerializer,
    recommendation_rows,
)

ETAG_HEADER = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description=_('The ETag of the version you edited, e.g. `"3"`. A stale one gets 412. '
                  "Without it, the body's `version` is checked the same way."))
STALE = OpenApiResponse(StaleSerializer, description=_("The row changed since that version."))
# What a client needs to know, not how the module streams (export's docstring is for
# developers: cursors, COPY, threads).
EXPORT_DESCRIPTION = gettext_lazy(
    "The whole filtered set in one file, without pagination: the same filters as the "
    "list. Columns: id, url, page_url, state_under_review, state_under_review_name, cycle, "
    "session, paragraph, text, recommending_states, recommending_state_names, response, "
    "response_source, themes, theme_slugs, sdgs, affected_groups, action_category, "
    "government_status, civil_society_status, uhri_annotation_id, wg_report_symbol, "
    "created_at, updated_at, review, addendum_symbol, recurring, version. In CSV and XLSX "
    "a multi-valued column is one cell holding a JSON array; in JSON and JSON Lines it is "
    "an array. CSV is UTF-8 with a byte-order mark. A text cell that would start a "
    "spreadsheet formula gets a leading apostrophe. `lang` (ar, zh-hans, fr, ru, es) "
    "translates the header and the names; codes and slugs never change. The file this "
    "app exports can be imported again.")


class IgnoreFormatNegotiation(DefaultContentNegotiation):
    """On the export, `format` is the file format, not DRF's renderer override."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class RecommendationPagination(KeysetPagination):
    keyset_fields = {"review_id": int, "paragraph_sort": str, "id": int,
                     "created_at": dt.datetime, "updated_at": dt.datetime}


def _stored_rows(queryset, _template: str = "") -> list[bytes]:
    return readmodel.localize(queryset.values_list("row_json", flat=True))


def _stored_rows_with_keys(queryset, keys: list[str]) -> list[tuple[bytes, tuple]]:
    found = list(queryset.values_list("row_json", *keys))
    texts = readmodel.localize([row[0] for row in found])
    return [(text, row[1:]) for text, row in zip(texts, found, strict=True)]


def _follow_up_queryset():
    return FollowUpAction.objects.select_related("state", "created_by").prefetch_related(
        Prefetch("recommendations", queryset=Recommendation.objects.only("id")))


@extend_schema_view(
    list=extend_schema(
        summary=_("List recommendations"),
        description=_("Filter with the parameters below (repeat a parameter to match any of "
                      "several values); `page_size` up to 1000."),
        responses=RecommendationRowSerializer(many=True)),
    retrieve=extend_schema(
        summary=_("One recommendation with its response history, assessments and follow-up "
                  "actions"),
        description=_('The `ETag` header is the row version (`"3"`): send it back as '
                      "If-Match when editing."),
        responses=RecommendationDetailSerializer),
    create=extend_schema(request=RecommendationCreateSerializer,
                         responses={201: RecommendationDetailSerializer}),
    update=extend_schema(parameters=[ETAG_HEADER], request=RecommendationUpdateSerializer,
                         responses={200: RecommendationDetailSerializer, 412: STALE}),
    partial_update=extend_schema(parameters=[ETAG_HEADER], request=RecommendationUpdateSerializer,
                                 responses={200: RecommendationDetailSerializer, 412: STALE}),
)
class RecommendationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Recommendation.objects.all()
    filterset_class = RecommendationFilter
    filter_backends = [StrictFilterBackend]
    serializer_class = RecommendationRowSerializer
    pagination_class = RecommendationPagination
    lookup_value_regex = "[0-9]+"  # ASCII digits: \d takes "٣" too

    @property
    def extra_query_params(self) -> tuple[str, ...]:
        return ("end_marker",) if self.action == "export" else ()

    def user_can_write(self, user) -> bool:
        return can_edit_recommendations(user)

    def user_can_write_object(self, user, obj: Recommendation) -> bool:
        return obj.user_can_edit(user)

    def get_serializer_class(self):
        return {
            "create": RecommendationCreateSerializer,
            "update": RecommendationUpdateSerializer,
            "partial_update": RecommendationUpdateSerializer,
            "bulk": RecommendationBulkSerializer,
            "retrieve": RecommendationDetailSerializer,
        }.get(self.action, RecommendationRowSerializer)

    def list(self, request, *args, **kwargs) -> HttpResponse:
        """The hot path (issues 12, 24): one table, RecommendationRow, filtered by
        RecommendationRowFilter (RecommendationFilter's parameters on its columns), its
        stored JSON rows joined with orjson; no serializer or renderer. The ETag is the
        read model's version, read in one query before anything else: a client that has
        this list already gets 304 after that one query."""
        row_version, codes, changed, total = readmodel.versions()
        try:
            queryset = self.filter_rows(request)
            tag = conditional.list_etag(request, None, str(row_version))
            if conditional.not_modified(request, tag, changed):
                return conditional.not_modified_response(tag, changed)
            paginator: RecommendationPagination = self.paginator
            source = FastPage(queryset, "", filtered=is_filtered(request), build=_stored_rows,
                              total=total, version=f"{row_version}.{codes}.{changed}")
            count = source.count()  # first: how the page is best read depends on it
            with source.page_plan():
                if paginator.uses_cursor(request, queryset):
                    rows = paginator.paginate_keyset(queryset, request, _stored_rows_with_keys)
                    next_link, previous_link = paginator.get_cursor_next_link(), None
                else:
                    rows = paginator.paginate_queryset(source, request, view=self)
                    next_link = paginator.get_next_link()
                    previous_link = paginator.get_previous_link()
        finally:
            readmodel.end_request()
        head = orjson.dumps({"count": count, "count_is_estimate": source.count_is_estimate,
                             "next": next_link, "previous": previous_link})
        rows = readmodel.with_origin(rows, request.build_absolute_uri("/").rstrip("/"))
        # The page is copied once: the opening and closing travel with the first and
        # last rows (each extra copy of a 1 MB page is a fresh buffer to fault in).
        opening = head[:-1] + b',"results":['
        if rows:
            rows[0] = opening + rows[0]
            rows[-1] += b"]}"
            body = b",".join(rows)
        else:
            body = opening + b"]}"
        response = HttpResponse(body, content_type="application/json")
        conditional.set_validators(response, tag, changed)
        return response

    def filter_rows(self, request):
        """RecommendationRowFilter on the read model, with the checks of
        StrictFilterBackend (unknown parameters, bad values: 400)."""
        backend = StrictFilterBackend()
        reject_unknown_query_params(request, backend.valid_params(request, self))
        queryset, form = RecommendationRowFilter.apply(request.query_params,
                                                       RecommendationRow.objects.all())
        if queryset is None:
            raise ValidationError(with_valid_values(form))
        return queryset

    def detail_response(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        rows = recommendation_rows(Recommendation.objects.filter(pk=pk), self.request)
        if not rows:
            return Response({"detail": _("No recommendation matches the given query.")},
                            status=status.HTTP_404_NOT_FOUND)
        row = rows[0]
        row["responses"] = ResponseRecordSerializer(
            ResponseRecord.objects.filter(recommendation_id=pk),
            many=True).data
        row["assessments"] = AssessmentSerializer(
            Assessment.objects.filter(recommendation_id=pk).select_related("created_by"),
            many=True).data
        row["follow_up_actions"] = FollowUpActionSerializer(
            _follow_up_queryset().filter(recommendations=pk), many=True).data
        headers = {"ETag": etag(row["version"])}
        if status_code == status.HTTP_201_CREATED:
            headers["Location"] = row["url"]
        return Response(row, status=status_code, headers=headers)

    def retrieve(self, request, pk: str) -> Response:
        return self.detail_response(int(pk))

    def create(self, request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        recommendation = services.create_recommendation(user=request.user,
                                                        **serializer.validated_data)
        return self.detail_response(recommendation.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Create many recommendations of one review, all or nothing"),
        description=_("If any item is invalid nothing is created; errors are keyed by item."),
        responses={201: RecommendationRowSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def bulk(self, request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.create_recommendations(
            review=serializer.validated_data["review"],
            items=serializer.validated_data["items"], user=request.user)
        rows = recommendation_rows(
            Recommendation.objects.filter(pk__in=[r.pk for r in created]), request)
        return Response(rows, status=status.HTTP_201_CREATED)

    def update(self, request, pk: str, partial: bool = False) -> Response:
        recommendation = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=partial,
                                         context={**self.get_serializer_context(),
                                                  "recommendation": recommendation})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        expected = expected_version(request, data.pop("version", None))
        services.update_recommendation(recommendation, expected_version=expected,
                                       user=request.user, **data)
        return self.detail_response(recommendation.pk)

    def partial_update(self, request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(
        summary=_("Delete a recommendation (NGO staff and admins)"),
        description=_(
            "Its response history, sources and assessments go with it; linked follow-up "
            "actions stay, unlinked. When it has assessments entered by someone else or "
            "follow-up actions, the answer is 409 listing them, and nothing is deleted "
            "until the request is repeated with `?confirm=true`. The deletion appears in "
            "the change feed and the audit history."),
        parameters=[OpenApiParameter("confirm", OpenApiTypes.BOOL, required=False,
                                     description=_("Delete even what is listed in a 409"))],
        responses={204: None, 409: OpenApiTypes.OBJECT})
    def destroy(self, request, pk: str) -> Response:
        recommendation = self.get_object()
        impact = services.deletion_impact([recommendation], user=request.user)
        confirmed = request.query_params.get("confirm", "").lower() in ("1", "true", "yes")
        if impact["needs_confirmation"] and not confirmed:
            return Response({
                "detail": _("This recommendation has entries of others or follow-up actions; "
                            "repeat with ?confirm=true to delete it with them."),
                "assessments": [{"id": a.pk, "actor": a.actor, "status": a.status,
                                 "created_by": getattr(a.created_by, "username", None)}
                                for a in impact["others_assessments"]],
                "follow_up_actions": [{"id": a.pk, "title": a.title,
                                       "left_without_recommendation": a.orphaned}
                                      for a in impact["follow_up_actions"]],
            }, status=status.HTTP_409_CONFLICT)
        services.delete_recommendations([recommendation], user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def get_object(self) -> Recommendation:
        obj = get_object_or_404(Recommendation.objects.select_related("review"),
                                pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, obj)
        return obj

    @extend_schema(
        summary=_("Export the whole filtered set (CSV, XLSX or JSON), streamed"),
        description=EXPORT_DESCRIPTION,
        parameters=[OpenApiParameter(
            "format", OpenApiTypes.STR, enum=[*export.FORMATS], default="csv",
            description=_("File format")),
            OpenApiParameter("end_marker", OpenApiTypes.STR, enum=["0", "1"], default="0",
                             description=_("1: end the CSV with the row `#END,<rows>` and "
                                           "JSON Lines with `{\"_end\": true, ...}`"))],
        responses={(200, "text/csv"): OpenApiTypes.STR,
                   (200, "application/json"): ExportRowSerializer,
                   (200, "application/jsonl"): OpenApiTypes.STR,
                   (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                       OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"], pagination_class=None,
            content_negotiation_class=IgnoreFormatNegotiation)
    def export(self, request):
        # How the file streams: recommendations/export.py. HEAD gives the headers only.
        fmt = request.query_params.get("format", "csv").lower()
        if fmt not in export.FORMATS:
            raise ValidationError({"format": _("Choose one of: %(f)s.") % {
                "f": ", ".join(export.FORMATS)}})
        marker = request.query_params.get("end_marker", "0")
        if marker not in ("0", "1", "true", "false"):
            raise ValidationError({"end_marker": _("Give 1 (add the end row) or 0.")})
        queryset = self.filter_queryset(self.get_queryset())
        return export.export_response(queryset, fmt, request.query_params.get("lang"),
                                      request=request, end_marker=marker in ("1", "true"),
                                      total=queryset.count())

    # What OPTIONS and the browsable API say of the export: the client's text, as in the
    # schema (@action takes the docstring, which would be a note for developers).
    export.kwargs["description"] = EXPORT_DESCRIPTION


class AssessmentFilter(filters.FilterSet):
    recommendation = IdFilter(field_name="recommendation_id",
                                          help_text=_("Id of the recommendation"))
    actor = filters.ChoiceFilter(choices=Actor.choices)
    state_under_review = CodeMultipleChoiceFilter(
        queryset=State.objects.all(), to_field_name="iso3", upper=True,
        field_name="recommendation__review__state", help_text=_("ISO3 code. Repeatable."))
    since = filters.DateFilter(field_name="assessed_on", lookup_expr="gte",
                               help_text=_("Assessed on or after this date"))

    class Meta:
        model = Assessment
        fields: list[str] = []


@extend_schema_view(
    create=extend_schema(description=_(
        "Civil-society assessments by NGO staff; government ones by the focal point of "
        "the State under review (and admins).")),
)
class AssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Implementation assessments, government and civil society, kept apart."""

    queryset = Assessment.objects.select_related("created_by").order_by("-assessed_on", "-id")
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter
    filter_backends = [StrictFilterBackend]
    lookup_value_regex = "[0-9]+"  # ASCII digits: \d takes "٣" too

    def user_can_write(self, user) -> bool:
        return can_assess_any(user)

    def perform_create(self, serializer: AssessmentSerializer) -> None:
        data = dict(serializer.validated_data)
        recommendation = Recommendation.objects.select_related("review").get(
            pk=data.pop("recommendation").pk)
        if not can_assess(self.request.user, data["actor"], recommendation.review.state_id):
            raise PermissionDenied(_("You may not add this assessment to a recommendation "
                                     "to %(state)s.") % {"state": recommendation.review.state})
        serializer.instance = recommendation.add_assessment(user=self.request.user, **data)


class FollowUpActionFilter(filters.FilterSet):
    state = CodeMultipleChoiceFilter(queryset=State.objects.all(), to_field_name="iso3",
                                     upper=True, help_text=_("ISO3 code. Repeatable."))
    status = filters.MultipleChoiceFilter(choices=FollowUpActionStatus.choices)
    recommendation = IdFilter(field_name="recommendations", distinct=True,
                                          help_text=_("Id of a recommendation addressed"))
    target_before = filters.DateFilter(field_name="target_date", lookup_expr="lte")

    class Meta:
        model = FollowUpAction
        fields: list[str] = []


@extend_schema_view(
    retrieve=extend_schema(description=_('`ETag` is the row version; send it as If-Match.')),
    update=extend_schema(parameters=[ETAG_HEADER], responses={200: FollowUpActionSerializer,
                                                              412: STALE}),
    partial_update=extend_schema(parameters=[ETAG_HEADER],
                                 responses={200: FollowUpActionSerializer, 412: STALE}),
)
class FollowUpActionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            mixins.CreateModelMixin, mixins.UpdateModelMixin,
                            viewsets.GenericViewSet):
    """What a government does about its recommendations; its focal point edits them."""

    queryset = _follow_up_queryset()
    serializer_class = FollowUpActionSerializer
    filterset_class = FollowUpActionFilter
    filter_backends = [StrictFilterBackend]
    lookup_value_regex = "[0-9]+"  # ASCII digits: \d takes "٣" too

    def user_can_write(self, user) -> bool:
        return can_manage_any_follow_up(user)

    def user_can_write_object(self, user, obj: FollowUpAction) -> bool:
        return obj.user_can_edit(user)

    def check_recommendations(self, recommendations) -> None:
        # Asked before services check consistency: a focal point naming another State's
        # recommendation is refused (403), not told it is invalid.
        for recommendation in recommendations or ():
            if not can_manage_follow_up(self.request.user, recommendation.review.state_id):
                raise PermissionDenied(_("Recommendation %(id)s is not addressed to a State "
                                         "you act for.") % {"id": recommendation.pk})

    def retrieve(self, request, *args, **kwargs) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = etag(response.data["version"])
        return response

    def perform_create(self, serializer: FollowUpActionSerializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("version", None)
        state = data.pop("state")
        if not can_manage_follow_up(self.request.user, state.pk):
            raise PermissionDenied(_("You may not plan actions for %(state)s.")
                                   % {"state": state})
        self.check_recommendations(data["recommendations"])
        serializer.instance = services.create_follow_up_action(
            state=state, user=self.request.user, **data)

    def perform_update(self, serializer: FollowUpActionSerializer) -> None:
        action_obj: FollowUpAction = serializer.instance
        data = dict(serializer.validated_data)
        state = data.pop("state", None)
        if state is not None and state.pk != action_obj.state_id:
            raise ValidationError({"state": _("An action cannot move to another State.")})
        self.check_recommendations(data.get("recommendations"))
        expected = expected_version(self.request, data.pop("version", None))
        serializer.instance = services.update_follow_up_action(
            action_obj, expected_version=expected, **data)

    def update(self, request, *args, **kwargs) -> Response:
        response = super().update(request, *args, **kwargs)
        response["ETag"] = etag(response.data["version"])
        return response


__all__ = ["AssessmentViewSet", "FollowUpActionViewSet", "PreconditionFailed",
           "RecommendationViewSet"]
