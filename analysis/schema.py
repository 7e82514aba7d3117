"""The shapes of the figures' JSON (analysis.cooperation), for the OpenAPI document only."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers as s

# Public reads: no credentials needed (a token or a session is accepted too).
PUBLIC = [{}, {"tokenAuth": []}, {"cookieAuth": []}]


def _url() -> s.CharField:
    return s.CharField(allow_null=True, help_text="The list page of the figure; null where no "
                       "list shows exactly it (outside the filters asked for)")


def _rate() -> s.FloatField:
    return s.FloatField(allow_null=True, help_text="Percent supported; null when nothing counted")


Choice = inline_serializer("FigureChoice", {"value": s.CharField(), "label": s.CharField()})

MatrixCell = inline_serializer("RegionalMatrixCell", {
    "region_under_review": s.CharField(), "label": s.CharField(), "count": s.IntegerField(),
    "supported": s.IntegerField(), "support_rate": _rate(), "url": _url(),
    "level": s.IntegerField(help_text="Shade 0–5 for the heat map")})
MatrixRow = inline_serializer("RegionalMatrixRow", {
    "recommending_region": s.CharField(), "label": s.CharField(),
    "cells": type(MatrixCell)(many=True), "count": s.IntegerField(),
    "supported": s.IntegerField(), "support_rate": _rate(), "url": _url()})
MatrixColumn = inline_serializer("RegionalMatrixColumn", {
    "region_under_review": s.CharField(), "label": s.CharField(), "count": s.IntegerField(),
    "supported": s.IntegerField(), "support_rate": _rate(), "url": _url()})
RegionalMatrixSerializer = inline_serializer("RegionalMatrix", {
    "regions": type(Choice)(many=True), "rows": type(MatrixRow)(many=True),
    "columns": type(MatrixColumn)(many=True)})

_Counted = {"count": s.IntegerField(), "supported": s.IntegerField(),
            "support_rate": _rate()}
ProfileRegion = inline_serializer("ProfileRegion", {
    "value": s.CharField(), "label": s.CharField(), **_Counted,
    "percent": s.FloatField(), "url": _url()})
ProfileTheme = inline_serializer("ProfileTheme", {
    "value": s.CharField(), "label": s.CharField(), **_Counted,
    "percent": s.FloatField(), "url": _url()})
ProfileCycle = inline_serializer("ProfileCycle", {"cycle": s.IntegerField(), **_Counted})
ProfileTop = inline_serializer("ProfileTopState", {
    "iso3": s.CharField(), "name": s.CharField(), **_Counted})
RecommendingStateProfileSerializer = inline_serializer("RecommendingStateProfile", {
    "state": inline_serializer("ProfileState", {"iso3": s.CharField(), "name": s.CharField(),
                                                "region": s.CharField()}),
    "total": s.IntegerField(), "supported": s.IntegerField(), "support_rate": _rate(),
    "by_region_under_review": type(ProfileRegion)(many=True),
    "by_theme": type(ProfileTheme)(many=True),
    "by_cycle": type(ProfileCycle)(many=True),
    "states_most_recommended_to": type(ProfileTop)(many=True)})

ThemeRegion = inline_serializer("ThemeOverTimeRegion", {
    "region": s.CharField(), "label": s.CharField(), **_Counted, "url": _url()})
ThemeCycle = inline_serializer("ThemeOverTimeCycle", {
    "cycle": s.IntegerField(), "value": s.IntegerField(), "label": s.CharField(), **_Counted,
    "regions": type(ThemeRegion)(many=True), "percent": s.FloatField(),
    "url": _url()})
ThemeOverTimeSerializer = inline_serializer("ThemeOverTime", {
    "theme": inline_serializer("ThemeOverTimeTheme", {"slug": s.CharField(),
                                                      "name": s.CharField()}),
    "total": s.IntegerField(), "regions": type(Choice)(many=True),
    "cycles": type(ThemeCycle)(many=True)})


def add_list_filters(result, generator, request, public):
    """OpenAPI post-processing: the figures take the list's filters, so their operations
    get the query parameters of the list operation (without order and paging)."""
    paths = result.get("paths", {})
    source = next((item["get"] for path, item in paths.items()
                   if path.endswith("/recommendations/") and "get" in item), None)
    if source is None:
        return result
    skip = {"ordering", "page", "page_size", "cursor"}
    filters = [p for p in source.get("parameters", [])
               if p.get("in") == "query" and p["name"] not in skip]
    for path, item in paths.items():
        operation = item.get("get")
        if operation and "/analysis/" in path:
            have = {(p.get("in"), p["name"]) for p in operation.get("parameters", [])}
            operation.setdefault("parameters", []).extend(
                p for p in filters if ("query", p["name"]) not in have)
    return result
