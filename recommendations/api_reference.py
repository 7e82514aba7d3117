"""`GET /api/v1/themes/`, `/sdgs/`, `/affected-groups/`: the codes the filters take,
with their names in every language (issue 21).

Themes: every theme slug the `theme` filter accepts; `canonical` is the slug of the
canonical theme a source label means (null for a canonical theme: filtering by it also
finds its labels). Names: `{"en": …, "fr": …, "es": …, "ar": …, "ru": …, "zh-hans": …}`,
English where no translation was entered. One page, no paging (a few hundred rows).
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.filters import (
    COMMON_QUERY_PARAMS,
    reject_unknown_query_params,
    unpaged_list_params,
)

from .models import SDG, AffectedGroup, NameTranslation, Theme
from .names import translations

LANGUAGES = [code for code, _name in settings.LANGUAGES]
NamesSerializer = inline_serializer("Names", {
    code: serializers.CharField() for code in LANGUAGES})
PUBLIC = [{}, {"tokenAuth": []}, {"cookieAuth": []}]


def _names(kind: str, key: str, english: str) -> dict[str, str]:
    return {code: (english if code == "en" else translations(kind, code).get(key) or english)
            for code in LANGUAGES}


class _ReferenceView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        reject_unknown_query_params(request, {*COMMON_QUERY_PARAMS,
                                              *unpaged_list_params(request)})
        return Response(self.rows())


class ThemeListView(_ReferenceView):
    """Every theme slug, canonical themes and source labels, with names in each language."""

    @extend_schema(operation_id="themes_list", auth=PUBLIC, responses=inline_serializer(
        "ThemeEntry", {"slug": serializers.SlugField(), "name": serializers.CharField(),
                       "names": NamesSerializer,
                       "source": serializers.CharField(),
                       "group": serializers.CharField(),
                       "canonical": serializers.SlugField(allow_null=True)}, many=True))
    def get(self, request):
        return super().get(request)

    def rows(self) -> list[dict]:
        kind = NameTranslation.Kind.THEME
        return [{"slug": t.slug, "name": t.name, "names": _names(kind, t.slug, t.name),
                 "source": t.source, "group": t.group,
                 "canonical": t.canonical.slug if t.canonical_id else None}
                for t in Theme.objects.select_related("canonical").order_by("slug")]


class SDGListView(_ReferenceView):
    """The 17 Sustainable Development Goals, with titles in each language."""

    @extend_schema(operation_id="sdgs_list", auth=PUBLIC, responses=inline_serializer(
        "SDGEntry", {"number": serializers.IntegerField(), "title": serializers.CharField(),
                     "names": NamesSerializer}, many=True))
    def get(self, request):
        return super().get(request)

    def rows(self) -> list[dict]:
        kind = NameTranslation.Kind.SDG
        return [{"number": s.number, "title": s.title,
                 "names": _names(kind, str(s.number), s.title)}
                for s in SDG.objects.order_by("number")]


class AffectedGroupListView(_ReferenceView):
    """The affected persons and groups, with names in each language."""

    @extend_schema(operation_id="affected_groups_list", auth=PUBLIC,
                   responses=inline_serializer(
                       "AffectedGroupEntry", {"slug": serializers.SlugField(),
                                              "name": serializers.CharField(),
                                              "names": NamesSerializer}, many=True))
    def get(self, request):
        return super().get(request)

    def rows(self) -> list[dict]:
        kind = NameTranslation.Kind.AFFECTED_GROUP
        return [{"slug": g.slug, "name": g.name, "names": _names(kind, g.slug, g.name)}
                for g in AffectedGroup.objects.order_by("slug")]


__all__ = ["AffectedGroupListView", "SDGListView", "ThemeListView", "_"]
