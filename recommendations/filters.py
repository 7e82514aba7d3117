"""The filters of the recommendation list, shared by the API and the browser list page.

Names are the contract in DESIGN.md ("REST API"). Every filter that takes a code
(ISO3, region, theme slug, SDG, cycle or session number) is repeatable
(`state_under_review=FRA&state_under_review=DEU` means either) and validated: an
unknown or malformed value makes the form invalid, which the API turns into a 400
with a message for that field, instead of silently returning everything.
"""

import re

from django import forms
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.filters import CodeMultipleChoiceField, CodeMultipleChoiceFilter
from reviews.models import Cycle, Session
from states.models import RegionalGroup, State

from . import tags
from .models import (
    SDG,
    ActionCategory,
    ImplementationStatus,
    Recommendation,
    RecommendationRow,
    Response,
    SimilarRecommendation,
    Theme,
)


class CachedCodeField(CodeMultipleChoiceField):
    """Codes checked against recommendations.codes' cached table: no query."""

    def clean(self, value):
        if not value and not self.required:
            return []  # not queryset.none(), which each `if not value` would compile
        return super().clean(value)

    def _check_values(self, value):
        from . import codes

        key = self.to_field_name or "pk"
        try:
            value = list(dict.fromkeys(value))
        except TypeError:
            raise forms.ValidationError(self.error_messages["invalid_list"],
                                        code="invalid_list") from None
        for item in value:
            self.validate_no_null_characters(item)
        # Matched as text, as Django's own check does: a value of the wrong type is
        # simply not among the codes (and numbers out of range were refused before).
        rows = codes.table(self.queryset, key)
        for item in value:
            if str(item) not in rows:
                raise forms.ValidationError(self.error_messages["invalid_choice"],
                                            code="invalid_choice", params={"value": item})
        return [rows[str(item)] for item in value]


class CachedCodeFilter(CodeMultipleChoiceFilter):
    field_class = CachedCodeField


class StateCodeField(CachedCodeField):
    """ISO3 codes, or a State's name in any of the six UN languages (`Франция`, `فرنسا`,
    `Allemagne`), as a user may type it in the interface language."""

    def clean(self, value):
        if value:
            value = [_state_code(v) for v in value]
        return super().clean(value)


def _is_code(value: str) -> bool:
    """`FRA`, `fr`: an ISO code, not a name (`法国` is a name, though two characters)."""
    return bool(re.fullmatch(r"[A-Za-z]{2,3}", value.strip()))


def _state_code(value):
    if not isinstance(value, str) or _is_code(value):
        return value
    from . import codes

    state = codes.resolve_state(value)
    return state.iso3 if state else value


class StateCodeFilter(CodeMultipleChoiceFilter):
    field_class = StateCodeField


class RegionField(forms.MultipleChoiceField):
    """Regional group codes, also accepting the labels older data uses (`Asia`, `Africa`)."""

    def to_python(self, value):
        values = super().to_python(value)
        return [(RegionalGroup.parse(v) or v) for v in values]


class RegionFilter(filters.MultipleChoiceFilter):
    field_class = RegionField


class ResponseField(forms.MultipleChoiceField):
    """Responses, also accepting the words the sources use where they are unambiguous
    (`accepted` is supported, `rejected` not supported), as the importers read them."""

    def to_python(self, value):
        return [(Response.parse(v) or v) for v in super().to_python(value)]


class ResponseFilter(filters.MultipleChoiceFilter):
    field_class = ResponseField


# A government never reports "not implemented" (the model forbids it: it says "not
# started"), so its filter does not offer it.
GOVERNMENT_STATUS_CHOICES = [(value, label) for value, label in ImplementationStatus.choices
                             if value != ImplementationStatus.NOT_IMPLEMENTED]


@extend_schema_field(OpenApiTypes.INT)
class RecommendationIdFilter(filters.ModelChoiceFilter):
    """A recommendation by id (unknown id: 400)."""


MAX_IDS = 1000


class IdListField(forms.CharField):
    """`1,2,3` (and/or the parameter repeated): up to MAX_IDS positive ids."""

    widget = forms.Textarea

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return []
        try:
            ids = sorted({int(v) for v in text.split(",") if v.strip()})
        except ValueError:
            raise forms.ValidationError(_("Give recommendation ids separated by commas, "
                                          "e.g. `12,15`.")) from None
        if len(ids) > MAX_IDS or any(not 0 < i < 2**63 for i in ids):
            raise forms.ValidationError(_("Give from 1 to %(max)s positive ids.")
                                        % {"max": MAX_IDS})
        return ids


@extend_schema_field({"type": "array", "items": {"type": "integer", "minimum": 1},
                      "maxItems": MAX_IDS})
class IdListFilter(filters.Filter):
    field_class = IdListField

    def filter(self, qs, value):
        return qs.filter(pk__in=value) if value else qs


# PostgreSQL takes time-zone offsets up to ±15:59 (Python up to ±23:59).
MAX_OFFSET_SECONDS = 15 * 3600 + 59 * 60


class OffsetCheckedDateTimeField(filters.IsoDateTimeFilter.field_class):
    def to_python(self, value):
        found = super().to_python(value)
        offset = found.utcoffset() if found is not None and found.tzinfo else None
        if offset is not None and abs(offset.total_seconds()) > MAX_OFFSET_SECONDS:
            raise forms.ValidationError(_("Time-zone offsets go from -15:59 to +15:59."))
        return found


class UpdatedSinceFilter(filters.IsoDateTimeFilter):
    field_class = OffsetCheckedDateTimeField


@extend_schema_field(OpenApiTypes.BOOL)
class BooleanTextFilter(filters.TypedChoiceFilter):
    """`true` or `false`, documented as a boolean."""


def _ids(objects) -> list[int]:
    return [obj.pk for obj in objects]


def _through_exists(relation: str, **lookups) -> Exists:
    """EXISTS over an M2M table of Recommendation: no join fan-out, so no DISTINCT."""
    through = getattr(Recommendation, relation).through
    return Exists(through.objects.filter(recommendation_id=OuterRef("pk"), **lookups))


ORDERING_FIELDS = (
    ("paragraph_sort", "paragraph"),
    ("review__state__iso3", "state_under_review"),
    ("review__session__number", "session"),
    ("response", "response"),
    ("action_category", "action_category"),
    ("government_status", "status"),
    ("civil_society_status", "civil_society_status"),
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
    ("id", "id"),
)


# What the "Order by" choices say, in the page's language (django-filters would show the
# parameter names, prettified in English).
ORDERING_LABELS = {
    "paragraph": _("Paragraph"),
    "state_under_review": _("State under review"),
    "session": _("Session"),
    "response": _("Response"),
    "action_category": _("Action category"),
    "status": _("Government status"),
    "civil_society_status": _("Civil-society assessment"),
    "created_at": _("Date added"),
    "updated_at": _("Updated"),
    "id": _("Id"),
}


def _descending_text(label: str) -> str:
    return gettext("%s (descending)") % label


_descending = lazy(_descending_text, str)


class StableOrderingFilter(filters.OrderingFilter):
    """Ordering with the primary key as the last key, so pages never overlap."""

    def build_choices(self, fields: dict, labels: dict) -> list:
        # django-filter formats "%s (descending)" once, at import, in English: format
        # each label lazily instead, in the language of the page that shows it.
        choices = []
        for field, param in fields.items():
            label = labels.get(field) or ORDERING_LABELS.get(param) or param
            choices += [(param, label), (f"-{param}", _descending(label))]
        return choices

    def filter(self, qs: QuerySet, value) -> QuerySet:
        qs = super().filter(qs, value)
        if value:
            keys = [self.get_ordering_value(v) for v in value if v not in ("", None)]
            if not any(k.lstrip("-") == "id" for k in keys):
                qs = qs.order_by(*keys, "id")
        return qs


class RecommendationFilter(filters.FilterSet):
    state_under_review = StateCodeFilter(
        queryset=State.objects.all(), to_field_name="iso3", upper=True,
        field_name="review__state", method="filter_state_under_review",
        label=_("State under review"),
        help_text=_("ISO 3166 alpha-3 code of the State under review, e.g. `FRA`. "
                    "Repeat to match any of several."))
    recommending_state = StateCodeFilter(
        queryset=State.objects.all(), to_field_name="iso3", upper=True,
        field_name="recommending_states", method="filter_recommending_state",
        label=_("Recommending State"),
        help_text=_("ISO3 code of a State that made (or joined) the recommendation. "
                    "Repeat to match any of several."))
    cycle = CachedCodeFilter(
        queryset=Cycle.objects.all(), to_field_name="number", method="filter_cycle",
        field_name="review__session__cycle",
        label=_("Cycle"), help_text=_("UPR cycle number (1, 2, 3, 4...). Repeatable."))
    session = CachedCodeFilter(
        queryset=Session.objects.all(), to_field_name="number", method="filter_session",
        field_name="review__session",
        label=_("Session"),
        help_text=_("Working Group session number (sessions run on across cycles: 1–54...). "
                    "Repeatable."))
    region = RegionFilter(
        choices=RegionalGroup.choices, field_name="review__state__region",
        distinct=False, label=_("Region of the State under review"),
        help_text=_("Regional group code of the State under review. Repeatable."))
    recommending_region = RegionFilter(
        choices=RegionalGroup.choices, method="filter_recommending_region", distinct=False,
        label=_("Region of a recommending State"),
        help_text=_("Regional group code of a recommending State. Repeatable."))
    response = ResponseFilter(
        choices=Response.choices, distinct=False, label=_("Response"),
        help_text=_("The State's current response. Repeatable. The sources' words are "
                    "accepted too: `accepted` means `supported`."))
    theme = CachedCodeFilter(
        queryset=Theme.objects.all(), to_field_name="slug", method="filter_theme",
        field_name="themes",
        label=_("Theme"), help_text=_("Theme slug (see the `theme_slugs` column of the export); "
                                      "also finds the source labels mapped onto that theme. "
                                      "Repeat to match any of several."))
    sdg = CachedCodeFilter(
        queryset=SDG.objects.all(), to_field_name="number", field_name="sdgs",
        method="filter_sdg", label=_("SDG"),
        help_text=_("Sustainable Development Goal number, 1–17. Repeatable."))
    action_category = filters.TypedMultipleChoiceFilter(
        choices=ActionCategory.choices, coerce=int, distinct=False,
        label=_("Action category"),
        help_text=_("UPR Info action category, 1 (minimal) to 5 (specific action). Repeatable."))
    status = filters.MultipleChoiceFilter(
        field_name="government_status", choices=GOVERNMENT_STATUS_CHOICES,
        distinct=False, label=_("Government status"),
        help_text=_("The government's current implementation status. Repeatable."))
    q = filters.CharFilter(
        method="filter_q", label=_("Search"),
        help_text=_("Full-text search in the text. Web-search syntax on PostgreSQL: "
                    "`\"exact phrase\"`, `or`, `-excluded`."))
    recurring = BooleanTextFilter(
        choices=[("true", "true"), ("false", "false")], coerce=lambda v: v == "true",
        method="filter_recurring", label=_("Recurring"),
        help_text=_("`true`: only recommendations that ask again what an earlier "
                    "recommendation to the same State asked; `false`: only new asks."))
    similar_to = RecommendationIdFilter(
        queryset=Recommendation.objects.all(), method="filter_similar_to",
        label=_("Similar to"),
        help_text=_("Id of a recommendation: the recommendations to the same State, in "
                    "earlier or later cycles, that ask the same thing."))
    updated_since = UpdatedSinceFilter(
        field_name="updated_at", lookup_expr="gte", label=_("Updated since"),
        help_text=_("Only recommendations created or changed at or after this ISO 8601 "
                    "datetime (or date), e.g. `2024-05-01T00:00:00Z`, by write time (a row "
                    "written in a transaction that commits later carries the earlier time: "
                    "mirrors follow `/api/v1/changes/` instead). Offsets up to ±15:59."))
    id = IdListFilter(
        label=_("Ids"),
        help_text=_("Only these recommendations: ids separated by commas (up to 1000), "
                    "e.g. the ids of a page of the change feed."))
    ordering = StableOrderingFilter(
        fields=ORDERING_FIELDS, field_labels={
            field: ORDERING_LABELS[param] for field, param in ORDERING_FIELDS},
        label=_("Order by"),
        help_text=_("Sort key; prefix with `-` for descending. Default: review, then "
                    "paragraph."))

    class Meta:
        model = Recommendation
        fields: list[str] = []

    def filter_state_under_review(self, qs: QuerySet, name: str, value) -> QuerySet:
        return qs.filter(review__state_id__in=_ids(value)) if value else qs

    def filter_recommending_state(self, qs: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return qs
        return qs.filter(_through_exists("recommending_states", state_id__in=_ids(value)))

    def filter_recommending_region(self, qs: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return qs
        return qs.filter(_through_exists("recommending_states", state__region__in=value))

    def filter_cycle(self, qs: QuerySet, name: str, value) -> QuerySet:
        return qs.filter(review__session__cycle_id__in=_ids(value)) if value else qs

    def filter_session(self, qs: QuerySet, name: str, value) -> QuerySet:
        return qs.filter(review__session_id__in=_ids(value)) if value else qs

    def filter_theme(self, qs: QuerySet, name: str, value) -> QuerySet:
        """A theme also finds the recommendations tagged with any of its source labels."""
        if not value:
            return qs
        ids = _ids(value)
        roots = Theme.objects.filter(pk__in=ids).values("canonical_id")
        themes = Theme.objects.filter(
            Q(pk__in=ids) | Q(pk__in=roots) | Q(canonical_id__in=ids)
            | Q(canonical_id__in=roots)).values("pk")
        return qs.filter(_through_exists("themes", theme_id__in=themes))

    def filter_sdg(self, qs: QuerySet, name: str, value) -> QuerySet:
        return qs.filter(_through_exists("sdgs", sdg_id__in=_ids(value))) if value else qs

    def filter_recurring(self, qs: QuerySet, name: str, value) -> QuerySet:
        return qs if value in ("", None) else qs.filter(recurring=value)

    def filter_similar_to(self, qs: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return qs
        links = SimilarRecommendation.objects
        return qs.filter(
            Exists(links.filter(recommendation_id=value.pk, earlier_id=OuterRef("pk")))
            | Exists(links.filter(earlier_id=value.pk, recommendation_id=OuterRef("pk"))))

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """Full text on the (English) texts whatever the interface language; a box holding
        just a State's name, in any UN language, also finds what it received or made."""
        if not value:
            return qs
        from . import codes

        state = None if _is_code(value) else codes.resolve_state(value)
        if state is None:
            return qs.search(value)
        return qs.search(value) | qs.filter(
            Q(review__state=state) | _through_exists("recommending_states", state=state))


class _SharedFields(dict):
    """A form's fields that each form instance shares instead of deep-copying them."""

    def __deepcopy__(self, memo) -> "_SharedFields":
        return self


ROW_ORDERING_FIELDS = (
    ("paragraph_sort", "paragraph"),
    ("state_iso3", "state_under_review"),
    ("session_number", "session"),
    ("response", "response"),
    ("action_category", "action_category"),
    ("government_status", "status"),
    ("civil_society_status", "civil_society_status"),
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
    ("id", "id"),
)


# Filters on the read model's GIN indexes (arrays, search vector): beside one of these,
# `response` is left unindexed.
ARRAY_FILTERS = ("recommending_state", "recommending_region", "theme", "sdg", "q")


class RecommendationRowFilter(RecommendationFilter):
    """RecommendationFilter's parameters, validation and meaning, on the list's read model
    (RecommendationRow): each filter is a condition on one column of one table. The API
    list uses it; tests/api/test_fast_paths.py holds it to the model's filter."""

    region = RegionFilter(
        choices=RegionalGroup.choices, field_name="region", distinct=False,
        label=_("Region of the State under review"),
        help_text=_("Regional group code of the State under review. Repeatable."))
    ordering = StableOrderingFilter(
        fields=ROW_ORDERING_FIELDS, label=_("Order by"),
        help_text=_("Sort key; prefix with `-` for descending. Default: review, then "
                    "paragraph."))

    response = ResponseFilter(
        choices=Response.choices, distinct=False, method="filter_response",
        label=_("Response"),
        help_text=_("The State's current response. Repeatable. The sources' words are "
                    "accepted too: `accepted` means `supported`."))

    class Meta:
        model = RecommendationRow
        fields: list[str] = []

    _shared: "RecommendationRowFilter | None" = None
    _form_class: type | None = None

    @classmethod
    def apply(cls, data, queryset: QuerySet) -> tuple[QuerySet | None, forms.Form]:
        """What `cls(data, queryset).qs` gives (None and the form if invalid), without
        building a filter set and a form's fields per request: one filter set and its
        form's fields serve every request (they hold no request state)."""
        if cls._form_class is None:
            shared = cls(queryset=RecommendationRow.objects.none())
            form_class = shared.get_form_class()
            form_class.base_fields = _SharedFields(form_class.base_fields)
            cls._shared, cls._form_class = shared, form_class
        form = cls._form_class(data)
        if not form.is_valid():
            return None, form
        data = form.cleaned_data
        beside_array = any(data.get(name) for name in ARRAY_FILTERS)
        on_tags = any(data.get(name) for name in tags.ARRAY_KINDS)
        for name, value in data.items():
            if on_tags and value and name in tags.KINDS:
                # One GIN index for them all (recommendations.tags).
                queryset = queryset.filter(tags__overlap=cls.tag_values(name, value))
                continue
            if name == "response" and value and not beside_array:
                # Alone or beside scalar filters, on its index: the planner's estimate of
                # the column is right (a count beyond the exact range is that estimate).
                queryset = queryset.filter(response__in=list(value))
                continue
            queryset = cls._shared.filters[name].filter(queryset, value)
        return queryset, form

    @staticmethod
    def tag_values(name: str, value) -> list[int]:
        """The tags a filter's cleaned value matches (any of them): the same rows as the
        filter's own method below."""
        if name == "theme":
            values = _theme_ids(value)
        elif name in ("response", "status", "region", "recommending_region"):
            values = list(value)
        else:
            values = _ids(value)
        return tags.tags_of(name, values)

    def filter_state_under_review(self, qs: QuerySet, name: str, value) -> QuerySet:
        return qs.filter(state_id__in=_ids(value)) if value else qs

    def filter_recommending_state(self, qs: QuerySet, name: str, value) -> QuerySet:
        return qs.filter(recommending_state_ids__overlap=_ids(value)) if value else qs

    def filter_response(self, qs: QuerySet, name: str, value) -> QuerySet:
        """Beside an array filter (see `apply`), on `response || ''`, which no index
        serves: four values, none rare enough for its index to help there. Given the
        index, PostgreSQL built a bitmap of every `noted` row (90,000 of 500,000, 30 ms)
        to AND it with the 3,900 rows of one recommending State (1 ms), where checking
        those rows is cheaper (issue 24: recommending State + response)."""
        if not value:
            return qs
        return qs.alias(response_unindexed=Concat("response", Value(""))).filter(
            response_unindexed__in=list(value))

    def filter_recommending_region(self, qs: QuerySet, name: str, value) -> QuerySet:
        return qs.filter(recommending_regions__overlap=value) if value else qs

    def filter_cycle(self, qs: QuerySet, name: str, value) -> QuerySet:
        return qs.filter(cycle_id__in=_ids(value)) if value else qs

    def filter_session(self, qs: QuerySet, name: str, value) -> QuerySet:
        return qs.filter(session_id__in=_ids(value)) if value else qs

    def filter_theme(self, qs: QuerySet, name: str, value) -> QuerySet:
        """A row holds its themes and their canonical themes: asking for a theme or its
        canonical theme finds every label mapped onto the same one."""
        return qs.filter(theme_ids__overlap=_theme_ids(value)) if value else qs

    def filter_sdg(self, qs: QuerySet, name: str, value) -> QuerySet:
        return qs.filter(sdg_ids__overlap=_ids(value)) if value else qs

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """What RecommendationQuerySet.search and RecommendationFilter.filter_q find, on
        the row's own search vector (PostgreSQL); on SQLite, by the same search."""
        from . import codes
        from .models import PARAGRAPH_QUERY

        q = (value or "").strip()
        if not q:
            return qs
        if connection.vendor != "postgresql":
            found = RecommendationFilter.filter_q(self, Recommendation.objects.all(), name,
                                                  value)
            return qs.filter(id__in=found.values("id"))
        match = Q(search_vector=SearchQuery(q, config="english", search_type="websearch"))
        paragraph = q.rstrip(".")
        if PARAGRAPH_QUERY.match(paragraph):
            match |= Q(paragraph=paragraph) | Q(paragraph__startswith=paragraph + ".")
        named = codes.resolve_state(q) if '"' not in q else None
        if named is not None:
            match |= Q(recommending_state_ids__overlap=[named.pk])
        state = None if _is_code(value) else codes.resolve_state(value)
        if state is not None:
            match |= Q(state_id=state.pk) | Q(recommending_state_ids__overlap=[state.pk])
        return qs.filter(match)


def _theme_ids(themes) -> list[int]:
    """Themes asked for and their canonical themes: a row holds both, so asking for a theme
    or its canonical theme finds every label mapped onto the same one."""
    return sorted({t.pk for t in themes} | {t.canonical_id for t in themes if t.canonical_id})
