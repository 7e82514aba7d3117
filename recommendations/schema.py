"""Shapes for the OpenAPI document only: the State detail with counts and the export's
JSON rows (issue 21); the responses themselves are built elsewhere."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers as s

from states.serializers import StateSerializer

_Links = {"url": s.URLField(help_text="The filtered list in the API"),
          "page_url": s.URLField(help_text="The same list as a page")}
_ByResponse = inline_serializer("StateCountByResponse", {
    "response": s.CharField(), "count": s.IntegerField(), **_Links})
_ByCycle = inline_serializer("StateCountByCycle", {
    "cycle": s.IntegerField(), "count": s.IntegerField(), **_Links,
    "by_response": type(_ByResponse)(many=True)})
_Block = inline_serializer("StateCounts", {
    "count": s.IntegerField(), **_Links, "by_response": type(_ByResponse)(many=True),
    "by_cycle": type(_ByCycle)(many=True)})


class StateWithCountsSerializer(StateSerializer):
    recommendations_received = type(_Block)(read_only=True)
    recommendations_made = type(_Block)(read_only=True)
    page_url = s.URLField(read_only=True)

    class Meta(StateSerializer.Meta):
        fields = [*StateSerializer.Meta.fields, "recommendations_received",
                  "recommendations_made", "page_url"]
        ref_name = "StateWithCounts"


def _nullable_text() -> s.CharField:
    return s.CharField(allow_null=True, allow_blank=True)


# One object per recommendation in the JSON and JSON Lines exports (export.COLUMNS).
ExportRowSerializer = inline_serializer("ExportRow", {
    "id": s.IntegerField(), "url": s.URLField(), "page_url": s.URLField(),
    "state_under_review": s.CharField(), "state_under_review_name": s.CharField(),
    "cycle": s.IntegerField(), "session": s.IntegerField(), "paragraph": s.CharField(),
    "text": s.CharField(),
    "recommending_states": s.ListField(child=s.CharField()),
    "recommending_state_names": s.ListField(child=s.CharField()),
    "response": s.CharField(), "response_source": s.CharField(allow_blank=True),
    "themes": s.ListField(child=s.CharField()),
    "theme_slugs": s.ListField(child=s.CharField()),
    "sdgs": s.ListField(child=s.IntegerField()),
    "affected_groups": s.ListField(child=s.CharField()),
    "action_category": s.IntegerField(allow_null=True),
    "government_status": s.CharField(allow_blank=True),
    "civil_society_status": s.CharField(allow_blank=True),
    "uhri_annotation_id": _nullable_text(), "wg_report_symbol": s.CharField(allow_blank=True),
    "created_at": s.DateTimeField(), "updated_at": s.DateTimeField(),
    "review": s.IntegerField(), "addendum_symbol": s.CharField(allow_blank=True),
    "recurring": s.BooleanField(), "version": s.IntegerField(),
}, many=True)
