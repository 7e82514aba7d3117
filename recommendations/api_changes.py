"""`GET /api/v1/changes/?after=<position>`: the change feed for mirrors (issue 21).

Each change names its `kind`: `recommendation`, or (issue 25) `institution`,
`indicator` or `progress_report`; fetch the row from the endpoint of that kind
(`recommendations/`, `institutions/`, `indicators/`, `progress-reports/`). `?kind=`
(repeatable, or comma-separated) keeps only those kinds.

See recommendations.change_feed for why positions never skip a committed change.
A mirror stores `next` and asks `?after=<next>` again; for each result it fetches the
row (`recommendations/?id=1,2,3` or the detail) when `action` is `changed`, and drops
it when `action` is `deleted`. Results come in commit order: applying them in order
leaves the mirror equal to the database once it has read up to the end (`more` false).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.filters import COMMON_QUERY_PARAMS, reject_unknown_query_params
from core.pagination import page_size_from

from .change_feed import KINDS, changes_after, parse_position
from .touch import ACTIONS

DEFAULT_LIMIT = 1000
MAX_LIMIT = 1000

ChangeSerializer = inline_serializer("Change", {
    "position": serializers.CharField(help_text=_("Opaque; pass the last one (or `next`) "
                                                  "as `after`.")),
    "kind": serializers.ChoiceField(choices=list(KINDS)),
    "id": serializers.IntegerField(help_text=_("Id of the row of that kind")),
    "action": serializers.ChoiceField(choices=list(ACTIONS)),
    "at": serializers.DateTimeField(help_text=_("When it was written (not committed)")),
})
ChangePageSerializer = inline_serializer("ChangePage", {
    "results": type(ChangeSerializer)(many=True),
    "next": serializers.CharField(help_text=_(
        "The position to ask from next time (`?after=<next>`); the same as `after` when "
        "nothing new has committed.")),
    "more": serializers.BooleanField(help_text=_("More changes are ready now: ask again "
                                                 "at once.")),
})


class ChangeFeedView(APIView):
    """Committed changes to recommendations, institutions, indicators and progress
    reports, deletions included, in commit order."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="changes_list",
        summary=_("The change feed for mirrors"),
        description=__doc__,
        auth=[{}, {"tokenAuth": []}, {"cookieAuth": []}],
        parameters=[
            OpenApiParameter("after", str, description=_(
                "A position from an earlier answer (`next`); `0` or nothing: from the "
                "beginning.")),
            OpenApiParameter("kind", str, enum=list(KINDS), many=True, explode=True,
                             description=_("Only changes of these kinds. Repeatable.")),
            OpenApiParameter("page_size", int, description=_(
                "Changes per answer, 1–%(max)s (default %(max)s).") % {"max": MAX_LIMIT}),
        ],
        responses={200: ChangePageSerializer})
    def get(self, request):
        reject_unknown_query_params(request, {"after", "kind", "page_size",
                                              *COMMON_QUERY_PARAMS})
        position = parse_position(request.query_params.get("after"))
        if position is None:
            raise ValidationError({"after": [_("Invalid position: use `next` of an earlier "
                                               "answer, or 0.")]})
        kinds = {k.strip() for value in request.query_params.getlist("kind")
                 for k in value.split(",") if k.strip()}
        unknown = kinds - set(KINDS)
        if unknown:
            raise ValidationError({"kind": [_("Unknown kind %(kinds)s: use %(known)s.") % {
                "kinds": ", ".join(sorted(unknown)), "known": ", ".join(KINDS)}]})
        limit = page_size_from(request, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
        found, last = changes_after(position, limit + 1, kinds)
        more = len(found) > limit
        found = found[:limit]
        if more:
            last = found[-1].position
        return Response({
            "results": [{"position": c.position, "kind": c.kind, "id": c.object_id,
                         "action": c.action, "at": c.at} for c in found],
            "next": last,
            "more": more,
        })
