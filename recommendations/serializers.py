"""API representations of recommendations, assessments and follow-up actions.

Recommendation rows are built near the database (`recommendation_rows`): one
`values()` query for the rows and one query per multi-valued relation, assembled
in Python. The output serializers below describe those rows for the OpenAPI
schema; the input serializers validate writes, which then go through
`recommendations.services`.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.fields import StrictPrimaryKeyRelatedField
from reviews.models import Review
from states.models import Institution, State
from states.names import state_name

from .models import (
    SDG,
    ActionCategory,
    Actor,
    AffectedGroup,
    Assessment,
    FollowUpAction,
    FollowUpActionStatus,
    ImplementationStatus,
    NameTranslation,
    Recommendation,
    ResponseRecord,
    Theme,
)
from .models import Response as ResponseChoice
from .names import translations

# Columns of one recommendation row, read with values(): no model instances.
ROW_FIELDS = (
    "id", "paragraph", "text", "review_id", "response", "response_source", "action_category",
    "government_status", "civil_society_status", "uhri_annotation_id", "version",
    "created_at", "updated_at", "recurring",
)
ROW_EXPRESSIONS = {
    "state_iso3": F("review__state__iso3"),
    "state_name": F("review__state__name"),
    "state_iso2": F("review__state__iso2"),
    "cycle": F("review__session__cycle__number"),
    "session": F("review__session__number"),
    "wg_report_symbol": F("review__wg_report_symbol"),
    "addendum_symbol": F("review__addendum_symbol"),
}


def isoformat(value: dt.datetime | dt.date | None) -> str | None:
    """What DRF's DateTimeField renders, without a serializer per value."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def detail_url_template(request=None) -> str:
    """The API detail URL of a recommendation with `{}` for the id, reversed once."""
    path = reverse("api-recommendation-detail", args=[0]).replace("/0/", "/{}/")
    if request is not None:
        # Not build_absolute_uri(path): it would percent-encode the braces.
        return request.build_absolute_uri("/").rstrip("/") + path
    return settings.SITE_URL + path


def related_values(ids: list[int]) -> dict[str, dict[int, list]]:
    """The multi-valued relations of the recommendations `ids`: one query each."""
    related: dict[str, dict[int, list]] = {
        name: defaultdict(list)
        for name in ("recommending_states", "themes", "sdgs", "affected_groups")}
    if not ids:
        return related
    theme_names = translations(NameTranslation.Kind.THEME)
    group_names = translations(NameTranslation.Kind.AFFECTED_GROUP)
    through = Recommendation.recommending_states.through
    for rid, iso3, iso2, name in through.objects.filter(recommendation_id__in=ids).order_by(
            "state__name").values_list("recommendation_id", "state__iso3", "state__iso2",
                                       "state__name"):
        related["recommending_states"][rid].append(
            {"iso3": iso3, "name": name, "localized_name": state_name(iso3, iso2, name)})
    through = Recommendation.themes.through
    for rid, slug, name in through.objects.filter(recommendation_id__in=ids).order_by(
            "theme__name").values_list("recommendation_id", "theme__slug", "theme__name"):
        related["themes"][rid].append(
            {"slug": slug, "name": name, "localized_name": theme_names.get(slug, name)})
    through = Recommendation.sdgs.through
    for rid, number in through.objects.filter(recommendation_id__in=ids).order_by(
            "sdg_id").values_list("recommendation_id", "sdg_id"):
        related["sdgs"][rid].append(number)
    through = Recommendation.affected_groups.through
    for rid, slug, name in through.objects.filter(recommendation_id__in=ids).order_by(
            "affectedgroup__name").values_list(
            "recommendation_id", "affectedgroup__slug", "affectedgroup__name"):
        related["affected_groups"][rid].append(
            {"slug": slug, "name": name, "localized_name": group_names.get(slug, name)})
    return related


def _label(choices, value) -> str | None:
    """The choice's label in the active language; None for an empty value."""
    return str(choices(value).label) if value else None


def build_rows(values: Iterable[dict], url_template: str) -> list[dict]:
    """API rows from `row_values()` dicts plus their relations (a few queries)."""
    values = list(values)
    related = related_values([v["id"] for v in values])
    return [{
        "id": v["id"],
        "url": url_template.format(v["id"]),
        "paragraph": v["paragraph"],
        "text": v["text"],
        "review": v["review_id"],
        "state_under_review": {
            "iso3": v["state_iso3"], "name": v["state_name"],
            "localized_name": state_name(v["state_iso3"], v["state_iso2"], v["state_name"])},
        "recommending_states": related["recommending_states"].get(v["id"], []),
        "cycle": v["cycle"],
        "session": v["session"],
        "wg_report_symbol": v["wg_report_symbol"],
        "addendum_symbol": v["addendum_symbol"],
        "response": v["response"],
        "response_source": v["response_source"],
        "themes": related["themes"].get(v["id"], []),
        "sdgs": related["sdgs"].get(v["id"], []),
        "affected_groups": related["affected_groups"].get(v["id"], []),
        "action_category": v["action_category"],
        "government_status": v["government_status"],
        "civil_society_status": v["civil_society_status"],
        "recurring": v["recurring"],
        "response_label": _label(ResponseChoice, v["response"]),
        "government_status_label": _label(ImplementationStatus, v["government_status"]),
        "civil_society_status_label": _label(ImplementationStatus, v["civil_society_status"]),
        "uhri_annotation_id": v["uhri_annotation_id"],
        "version": v["version"],
        "created_at": isoformat(v["created_at"]),
        "updated_at": isoformat(v["updated_at"]),
    } for v in values]


def row_values(queryset: QuerySet) -> QuerySet:
    return queryset.values(*ROW_FIELDS, **ROW_EXPRESSIONS)


class PagedRows:
    """values() rows for a paginator, counted on the filtered queryset itself: its
    COUNT(*) then needs none of the joins the rows read (review, State, session)."""

    ordered = True

    def __init__(self, queryset: QuerySet) -> None:
        self.queryset = queryset
        self.rows = row_values(queryset)

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, key):
        return self.rows[key]


def recommendation_rows(queryset: QuerySet, request=None) -> list[dict]:
    """The rows of an (already sliced or small) queryset, in a fixed number of queries."""
    return build_rows(row_values(queryset), detail_url_template(request))


def iter_row_chunks(queryset: QuerySet, chunk_size: int = 2000,
                    url_template: str | None = None) -> Iterator[list[dict]]:
    """The rows of a queryset of any size, chunk by chunk, in flat memory: a streaming
    cursor over values(), and the relations fetched per chunk."""
    chunk: list[dict] = []
    url_template = url_template or detail_url_template()
    for value in row_values(queryset).iterator(chunk_size=chunk_size):
        chunk.append(value)
        if len(chunk) >= chunk_size:
            yield build_rows(chunk, url_template)
            chunk = []
    if chunk:
        yield build_rows(chunk, url_template)


# Output serializers: they document the rows above in the schema.

LOCALIZED_HELP = _("The name in the language asked for with `lang` or Accept-Language; "
                   "`name` stays English.")


class StateRefSerializer(serializers.Serializer):
    iso3 = serializers.CharField(help_text=_("ISO 3166 alpha-3 code"))
    name = serializers.CharField()
    localized_name = serializers.CharField(help_text=LOCALIZED_HELP)


class SlugRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    localized_name = serializers.CharField(help_text=LOCALIZED_HELP)


class RecommendationRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    paragraph = serializers.CharField(help_text=_("Paragraph in the Working Group report"))
    text = serializers.CharField()
    review = serializers.IntegerField(help_text=_("Id of the review (`/api/v1/reviews/{id}/`)"))
    state_under_review = StateRefSerializer()
    recommending_states = StateRefSerializer(many=True)
    cycle = serializers.IntegerField()
    session = serializers.IntegerField(help_text=_("Working Group session number"))
    wg_report_symbol = serializers.CharField(help_text=_("Working Group report, e.g. A/HRC/43/15"))
    addendum_symbol = serializers.CharField(help_text=_("Addendum with the responses"))
    response = serializers.ChoiceField(choices=ResponseChoice.choices)
    response_source = serializers.CharField(
        help_text=_("Document (and paragraph) the current response comes from"))
    themes = SlugRefSerializer(many=True)
    sdgs = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=17))
    affected_groups = SlugRefSerializer(many=True)
    action_category = serializers.ChoiceField(choices=ActionCategory.choices, allow_null=True)
    government_status = serializers.ChoiceField(
        choices=ImplementationStatus.choices, allow_blank=True,
        help_text=_("The government's latest status; empty if none reported"))
    civil_society_status = serializers.ChoiceField(
        choices=ImplementationStatus.choices, allow_blank=True,
        help_text=_("Civil society's latest assessment; empty if none"))
    recurring = serializers.BooleanField(
        help_text=_("Asks again what an earlier recommendation to the same State asked "
                    "(`?similar_to=<id>` lists them)"))
    response_label = serializers.CharField(help_text=LOCALIZED_HELP)
    government_status_label = serializers.CharField(allow_null=True, help_text=LOCALIZED_HELP)
    civil_society_status_label = serializers.CharField(allow_null=True,
                                                       help_text=LOCALIZED_HELP)
    uhri_annotation_id = serializers.CharField(allow_null=True)
    version = serializers.IntegerField(
        help_text=_("Row version; send it back (or the ETag as If-Match) when editing"))
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ResponseRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResponseRecord
        fields = ["response", "source_symbol", "source_paragraph", "date", "created_at"]


class AssessmentSerializer(serializers.ModelSerializer):
    """An implementation assessment; `actor` says whose (government or civil society)."""

    recommendation = StrictPrimaryKeyRelatedField(queryset=Recommendation.objects.all())
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True,
                                              allow_null=True)
    assessed_on = serializers.DateField(required=False)

    class Meta:
        model = Assessment
        fields = ["id", "recommendation", "actor", "status", "comment", "evidence_url",
                  "organisation", "assessed_on", "created_by", "created_at"]
        read_only_fields = ["id", "created_by", "created_at"]

    def validate(self, attrs: dict) -> dict:
        if (attrs.get("actor") == Actor.GOVERNMENT
                and attrs.get("status") == ImplementationStatus.NOT_IMPLEMENTED):
            raise serializers.ValidationError({"status": _(
                "A government status is one of not started, in progress, partially or "
                "fully implemented.")})
        return attrs


class FollowUpActionSerializer(serializers.ModelSerializer):
    state = serializers.SlugRelatedField(slug_field="iso3", queryset=State.objects.all(),
                                         help_text=_("ISO3 code of the State acting"))
    recommendations = StrictPrimaryKeyRelatedField(
        # The State checks read each recommendation's review.
        many=True, queryset=Recommendation.objects.select_related("review"),
        help_text=_("Ids of the recommendations addressed; all must be to this State"))
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1,
        help_text=_("On update: the version you edited; a stale one gets 412"))
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True,
                                              allow_null=True)
    institution = serializers.PrimaryKeyRelatedField(
        queryset=Institution.objects.all(), required=False, allow_null=True,
        help_text=_("Id of the responsible institution (institutions/); or name it in "
                    "`responsible_institution` and it is matched or added"))

    class Meta:
        model = FollowUpAction
        fields = ["id", "state", "recommendations", "title", "description", "institution",
                  "responsible_institution", "target_date", "status", "indicators",
                  "evidence", "version", "created_by", "created_at", "updated_at"]
        read_only_fields = ["id", "created_by", "created_at", "updated_at"]
        extra_kwargs = {"status": {"default": FollowUpActionStatus.PLANNED}}


class RecommendationDetailSerializer(RecommendationRowSerializer):
    responses = ResponseRecordSerializer(many=True, help_text=_("History of positions"))
    assessments = AssessmentSerializer(many=True, help_text=_("Both actors, oldest first"))
    follow_up_actions = FollowUpActionSerializer(many=True)


# Input serializers.

class CodeListField(serializers.ListField):
    """A list of codes resolved to model rows; unknown codes are a field error."""

    def __init__(self, *, model, field: str, upper: bool = False, **kwargs) -> None:
        self.model, self.lookup, self.upper = model, field, upper
        kwargs.setdefault("child", serializers.CharField(max_length=200))
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> list:
        codes = [str(c).strip() for c in super().to_internal_value(data)]
        if self.upper:
            codes = [c.upper() for c in codes]
        if self.lookup != "pk" and any("\x00" in c for c in codes):
            raise serializers.ValidationError(_("Null characters are not allowed."))
        try:
            found = {str(getattr(o, self.lookup)): o
                     for o in self.model.objects.filter(**{f"{self.lookup}__in": codes})}
        except (ValueError, TypeError) as exc:
            raise serializers.ValidationError(_("Invalid value.")) from exc
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise serializers.ValidationError(
                _("Unknown: %(codes)s.") % {"codes": ", ".join(unknown[:20])})
        return list(dict.fromkeys(found[c] for c in codes))


class RecommendationItemSerializer(serializers.Serializer):
    """One recommendation to create (without its review, in a bulk request)."""

    paragraph = serializers.CharField(max_length=30, required=False, allow_blank=True)
    text = serializers.CharField(max_length=20000)
    recommending_states = CodeListField(model=State, field="iso3", upper=True,
                                        allow_empty=False,
                                        help_text=_("ISO3 codes, at least one"))
    response = serializers.ChoiceField(choices=ResponseChoice.choices,
                                       default=ResponseChoice.PENDING)
    source_symbol = serializers.CharField(max_length=60, required=False, allow_blank=True,
                                          help_text=_("Document the response comes from"))
    source_paragraph = serializers.CharField(max_length=30, required=False, allow_blank=True)
    response_date = serializers.DateField(required=False, allow_null=True)
    themes = CodeListField(model=Theme, field="slug", required=False,
                           help_text=_("Theme slugs"))
    sdgs = CodeListField(model=SDG, field="pk",
                         child=serializers.IntegerField(min_value=1, max_value=17),
                         required=False, help_text=_("SDG numbers 1–17"))
    affected_groups = CodeListField(model=AffectedGroup, field="slug", required=False,
                                    help_text=_("Affected group slugs"))
    action_category = serializers.ChoiceField(choices=ActionCategory.choices, required=False,
                                              allow_null=True)
    uhri_annotation_id = serializers.CharField(max_length=64, required=False, allow_null=True,
                                               allow_blank=True)

    def validate_paragraph(self, value: str) -> str:
        return value.strip().rstrip(".")

    def validate_uhri_annotation_id(self, value: str | None) -> str | None:
        return value or None

    def validate(self, attrs: dict) -> dict:
        """Uniqueness the services do not check for an edit (the database would say 500)."""
        current: Recommendation | None = self.context.get("recommendation")
        uhri = attrs.get("uhri_annotation_id")
        if uhri:
            others = Recommendation.objects.filter(uhri_annotation_id=uhri)
            if current is not None:
                others = others.exclude(pk=current.pk)
            if others.exists():
                raise serializers.ValidationError({"uhri_annotation_id": _(
                    "Another recommendation has this UHRI annotation id.")})
        paragraph = attrs.get("paragraph")
        if current is not None and paragraph and paragraph != current.paragraph:
            if current.review.recommendations.filter(paragraph=paragraph).exists():
                raise serializers.ValidationError({"paragraph": _(
                    "This review already has a recommendation with paragraph %(p)s.")
                    % {"p": paragraph}})
        return attrs


class RecommendationCreateSerializer(RecommendationItemSerializer):
    review = StrictPrimaryKeyRelatedField(queryset=Review.objects.all())


class RecommendationBulkSerializer(serializers.Serializer):
    review = StrictPrimaryKeyRelatedField(queryset=Review.objects.all())
    items = RecommendationItemSerializer(many=True, allow_empty=False, max_length=2000)

    def validate_items(self, items: list[dict]) -> list[dict]:
        ids = [i["uhri_annotation_id"] for i in items if i.get("uhri_annotation_id")]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError(_("Two items have the same UHRI annotation id."))
        return items


class RecommendationUpdateSerializer(RecommendationItemSerializer):
    """An edit; with PATCH every field is optional. `version` guards against lost
    updates when the client does not send If-Match."""

    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    # No default: a PUT without a response leaves it as it is.
    response = serializers.ChoiceField(choices=ResponseChoice.choices, required=False)


class StaleSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current_version = serializers.IntegerField(
        required=False, help_text=_("The row's version now (absent if If-Match was malformed)"))
