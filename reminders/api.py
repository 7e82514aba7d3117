"""GET /api/v1/deadlines/?state=FRA&days=90: the deadlines page as JSON."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.filters import (
    COMMON_QUERY_PARAMS,
    reject_unknown_query_params,
    unpaged_list_params,
)
from states.models import State

from . import services as reminders

DEFAULT_DAYS = 90


class DeadlineQuerySerializer(serializers.Serializer):
    state = serializers.CharField(required=False, max_length=3, min_length=3,
                                  help_text="ISO 3166 alpha-3 code of the State, e.g. FRA")
    days = serializers.IntegerField(required=False, default=DEFAULT_DAYS, min_value=0,
                                    max_value=reminders.MAX_DAYS_AHEAD,
                                    help_text="How many days ahead (default 90)")

    def validate_state(self, value: str) -> State:
        state = State.objects.filter(iso3=value.upper()).first()
        if state is None:
            raise serializers.ValidationError("Unknown State.")
        return state


class DeadlineSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    state = serializers.CharField(source="state_iso3")
    state_name = serializers.CharField()
    title = serializers.CharField()
    due_date = serializers.DateField()
    days_left = serializers.IntegerField()
    overdue = serializers.BooleanField()
    url = serializers.CharField()


class DeadlineListView(APIView):
    """Review deadlines (stakeholder submissions, national report, OHCHR documents, the
    review, the mid-term report) and open follow-up actions due from today to `days`
    ahead, plus open follow-up actions already overdue; earliest first, unpaginated."""

    @extend_schema(
        parameters=[DeadlineQuerySerializer],
        extensions={"x-unpaged-list": True},  # page, page_size, cursor (core.schema)
        responses=inline_serializer("DeadlineList", {
            "count": serializers.IntegerField(),
            "today": serializers.DateField(),
            "results": DeadlineSerializer(many=True),
        }),
    )
    def get(self, request: Request) -> Response:
        reject_unknown_query_params(
            request, [*DeadlineQuerySerializer().fields, *COMMON_QUERY_PARAMS,
                      *unpaged_list_params(request)])
        query = DeadlineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        state = query.validated_data.get("state")
        today = timezone.localdate()
        deadlines = reminders.upcoming_deadlines(
            today=today, days=query.validated_data["days"],
            state_id=state.pk if state else None)
        rows = [d.as_dict(today) for d in deadlines]
        for row in rows:  # from the request, not SITE_URL: the host and port it was asked on
            row["url"] = request.build_absolute_uri(row["path"])
        return Response({"count": len(rows), "today": today,
                         "results": DeadlineSerializer(rows, many=True).data})
