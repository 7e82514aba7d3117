"""Recommendation rows built by the database: the fast read path (issue 12).

On PostgreSQL one query returns each row of a list page as its finished JSON text
(`json_build_object`, with the recommending States, themes, SDGs and affected groups
as arrays from correlated `json_agg` subqueries), so Python only joins the texts.
The filtering stays in RecommendationFilter: the row expression is added to the
filtered queryset, whatever filters it has. On SQLite (`make run`) the rows come from
serializers.build_rows, the same JSON.

To add a column, add an entry to `row_columns()` (key in the API's order, and an ORM
expression that PostgreSQL can put inside json_build_object) and to
serializers.build_rows for the fallback; RecommendationRowSerializer documents it.
"""

import contextlib
import datetime as dt
import functools
import hashlib
from collections.abc import Callable

import orjson
from django.contrib.postgres.aggregates.mixins import OrderableAggMixin
from django.contrib.postgres.search import SearchVectorField
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Aggregate,
    Expression,
    F,
    Func,
    JSONField,
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat

from core import ratelimit

from .models import Recommendation

# Above this many rows, an unfiltered list reports PostgreSQL's estimate (pg_class
# .reltuples, kept by ANALYZE/autovacuum) as its count instead of counting.
ESTIMATE_COUNT_ABOVE = 100_000
# A filtered list counts its rows exactly up to this many (a count stopped there: each
# match is a row to visit); beyond, it reports the planner's estimate of the filter,
# never less than this. The same bound as the unfiltered rule: below it, the list's
# `count`, the export's rows and every analysis figure are one number (issue 21).
EXACT_FILTERED_COUNT_UP_TO = ESTIMATE_COUNT_ABOVE
# A filter matching more rows than this reads its page in the list's order (issue 24:
# PostgreSQL's estimate of "torture protocol" was 1,352 rows for 24,991, so it fetched
# and sorted every match).
ORDERED_READ_ABOVE = 5_000
# How long a filtered count is kept (its key holds the read model's version, which every
# write moves: this only bounds the memory of counts nobody asks again).
COUNT_CACHED_SECONDS = 600


class JSONBuildObject(Func):
    """json_build_object(key, value, ...): keys keep their order (jsonb would sort them)."""

    function = "JSON_BUILD_OBJECT"
    output_field = JSONField()

    def __init__(self, **fields: Expression) -> None:
        args = []
        for key, value in fields.items():
            args += [Value(key), value]
        super().__init__(*args)


class JSONAgg(OrderableAggMixin, Aggregate):
    function = "JSON_AGG"
    template = "%(function)s(%(expressions)s %(order_by)s)"
    output_field = JSONField()


class IsoTimestamp(Func):
    """A timestamp as DRF writes it: ISO 8601 in UTC with `Z`, microseconds if any."""

    template = (
        "CASE WHEN date_trunc('second', %(expressions)s) = %(expressions)s "
        "THEN to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
        "ELSE to_char(%(expressions)s AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') END")
    output_field = TextField()


EMPTY_ARRAY = RawSQL("'[]'::json", (), output_field=JSONField())


def related_array(relation: str, order: str, **fields: str) -> Expression:
    """The rows of an M2M relation of the outer recommendation as a JSON array,
    ordered by `order`; one field gives an array of values, several of objects."""
    through = getattr(Recommendation, relation).through
    if len(fields) == 1:
        (value,) = fields.values()
        item = F(value)
    else:
        item = JSONBuildObject(**{k: F(v) for k, v in fields.items()})
    sub = (through.objects.filter(recommendation_id=OuterRef("pk")).order_by()
           .values("recommendation_id").annotate(items=JSONAgg(item, order_by=order))
           .values("items"))
    return Coalesce(Subquery(sub, output_field=JSONField()), EMPTY_ARRAY)


def row_columns(url_template: str) -> dict[str, Expression]:
    """The API row, key by key, in RecommendationRowSerializer's order."""
    prefix, suffix = url_template.split("{}")
    return {
        "id": F("id"),
        "url": Concat(Value(prefix), Cast("id", TextField()), Value(suffix),
                      output_field=TextField()),
        "paragraph": F("paragraph"),
        "text": F("text"),
        "review": F("review_id"),
        "state_under_review": JSONBuildObject(iso3=F("review__state__iso3"),
                                              name=F("review__state__name")),
        "recommending_states": related_array("recommending_states", "state__name",
                                             iso3="state__iso3", name="state__name"),
        "cycle": F("review__session__cycle__number"),
        "session": F("review__session__number"),
        "wg_report_symbol": F("review__wg_report_symbol"),
        "addendum_symbol": F("review__addendum_symbol"),
        "response": F("response"),
        "response_source": F("response_source"),
        "themes": related_array("themes", "theme__name", slug="theme__slug",
                                name="theme__name"),
        "sdgs": related_array("sdgs", "sdg_id", number="sdg_id"),
        "affected_groups": related_array("affected_groups", "affectedgroup__name",
                                         slug="affectedgroup__slug",
                                         name="affectedgroup__name"),
        "action_category": F("action_category"),
        "government_status": F("government_status"),
        "civil_society_status": F("civil_society_status"),
        "recurring": F("recurring"),
        "uhri_annotation_id": F("uhri_annotation_id"),
        "version": F("version"),
        "created_at": IsoTimestamp("created_at"),
        "updated_at": IsoTimestamp("updated_at"),
    }


@functools.lru_cache(maxsize=16)
def row_expression(url_template: str) -> Expression:
    """The whole row as JSON text; built once per URL template (the expressions are
    copied when a query resolves them, so one object serves every request)."""
    return Cast(JSONBuildObject(**row_columns(url_template)), TextField())


def fast() -> bool:
    return connection.vendor == "postgresql"


def localize_rows(texts: list[str]) -> list[bytes]:
    """Add the names and labels of the active language to rows PostgreSQL built
    (`localized_name` on States, themes and groups; `*_label` after `recurring`), in
    the key order of serializers.build_rows. Labels depend on the request's language,
    so they are added here rather than in SQL: a parse and a dump per row."""
    from states.names import state_name_by_iso3

    from .models import ImplementationStatus, NameTranslation, Response
    from .names import translations

    themes = translations(NameTranslation.Kind.THEME)
    groups = translations(NameTranslation.Kind.AFFECTED_GROUP)
    responses = {value: str(label) for value, label in Response.choices}
    statuses = {value: str(label) for value, label in ImplementationStatus.choices}
    out = []
    for text in texts:
        row = orjson.loads(text)
        sur = row["state_under_review"]
        sur["localized_name"] = state_name_by_iso3(sur["iso3"], sur["name"])
        for state in row["recommending_states"]:
            state["localized_name"] = state_name_by_iso3(state["iso3"], state["name"])
        for theme in row["themes"]:
            theme["localized_name"] = themes.get(theme["slug"], theme["name"])
        for group in row["affected_groups"]:
            group["localized_name"] = groups.get(group["slug"], group["name"])
        ordered = {}
        for key, value in row.items():
            ordered[key] = value
            if key == "recurring":
                ordered["response_label"] = responses.get(row["response"]) or None
                ordered["government_status_label"] = (
                    statuses.get(row["government_status"]) or None)
                ordered["civil_society_status_label"] = (
                    statuses.get(row["civil_society_status"]) or None)
        out.append(orjson.dumps(ordered))
    return out


def json_rows(queryset: QuerySet, url_template: str) -> list[bytes]:
    """Each row of `queryset` (filtered, ordered, sliced) as its JSON text, in order:
    one query on PostgreSQL."""
    if fast():
        return localize_rows(list(queryset.values_list(row_expression(url_template),
                                                       flat=True)))
    from .serializers import build_rows, row_values

    return [orjson.dumps(row) for row in build_rows(row_values(queryset), url_template)]


def estimated_total() -> int:
    """PostgreSQL's estimate of the number of recommendations (-1 if never analysed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                       [Recommendation._meta.db_table])
        row = cursor.fetchone()
    return int(row[0]) if row else -1


def planned_rows(queryset: QuerySet) -> int:
    """PostgreSQL's estimate of how many rows `queryset` returns (EXPLAIN, no run)."""
    plan = orjson.loads(queryset.order_by().values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class FastPage:
    """What DRF's and Django's paginators need: count() and slices of JSON rows.

    The count is exact, except on PostgreSQL for a set above ESTIMATE_COUNT_ABOVE
    (unfiltered) or EXACT_FILTERED_COUNT_UP_TO (filtered, the same bound) rows, where it
    is the planner's estimate (`count_is_estimate`)."""

    ordered = True

    def __init__(self, queryset: QuerySet, url_template: str, *, filtered: bool,
                 build: Callable[[QuerySet, str], list] = json_rows,
                 total: int | None = None, version: str | None = None) -> None:
        self.queryset, self.url_template, self.filtered = queryset, url_template, filtered
        self.build = build
        self.total = total  # the unfiltered count, when the caller knows it
        # The read model's version (readmodel.versions: rows, codes and the time of the
        # last change, so that a rolled-back change's number never names other data),
        # when the caller read it: a filtered count is then kept in the cache under it
        # and the filter's SQL.
        self.version = version
        self.count_is_estimate = False
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            if not self.filtered and self.total is not None and (
                    self.total <= ESTIMATE_COUNT_ABOVE or not fast()):
                self._count = self.total
                return self.total
            if not self.filtered and fast():
                estimate = estimated_total()
                if estimate > ESTIMATE_COUNT_ABOVE:
                    self.count_is_estimate = True
                    self._count = estimate
                    return estimate
            if self.filtered and fast():
                self._count = self._cached_count()
                return self._count
            self._count = self.queryset.count()
        return self._count

    def _cached_count(self) -> int:
        """`_capped_count()`, kept in the cache while the read model's version stays:
        every write of a list row moves the version in its own transaction, so a cached
        count is the count of the rows a reader sees. A filter matching many rows is a row
        to visit per match (24,991 heap rows for "torture protocol" at 500,000: 120-200
        ms); paging through its results, or many readers of one list, count it once."""
        if self.version is None:
            return self._capped_count()
        sql, params = self.queryset.order_by().values("pk").query.sql_with_params()
        key = "listcount:" + hashlib.blake2b(repr((self.version, sql, params)).encode(),
                                             digest_size=16).hexdigest()
        # A cache that is down (core.ratelimit.guarded logs it) means counting every time.
        found = ratelimit.guarded(cache.get, key, default=None)
        if found is None:
            found = (self._capped_count(), self.count_is_estimate)
            ratelimit.guarded(cache.set, key, found, COUNT_CACHED_SECONDS)
        self.count_is_estimate = found[1]
        return found[0]

    def _capped_count(self) -> int:
        """Exact up to EXACT_FILTERED_COUNT_UP_TO (a count of a LIMIT subquery, which
        stops there), else the planner's estimate of the filter (one EXPLAIN)."""
        cap = EXACT_FILTERED_COUNT_UP_TO
        counted = self.queryset.order_by().values("pk")[:cap + 1].count()
        if counted <= cap:
            return counted
        self.count_is_estimate = True
        return max(cap + 1, planned_rows(self.queryset))

    @contextlib.contextmanager
    def page_plan(self):
        """Around the page's query, once counted, PostgreSQL is told what its estimates
        of a full-text or array filter get wrong (issue 24), both ways:

        - a filter matching more rows than ORDERED_READ_ABOVE reads its page in the
          list's order (the default index), stopping at the page's end, instead of
          fetching and sorting every match: its estimate of "torture protocol" was 20
          times too low (words that go together), and it picked the bitmap scan of all
          23,000 matches;
        - a full-text or array filter matching fewer reads its matches through their GIN
          index and sorts them: estimating "girls detention" at 2,600 rows (words that
          never go together: 0), it walked the list's order through all 500,000 rows to
          fill a page, 480 ms (3 ms this way). Other filters keep the planner's choice:
          their b-tree indexes (State under review + cycle) are in the list's order."""
        if not (self.filtered and fast()):
            yield
            return
        if self.count_is_estimate or (self._count or 0) > ORDERED_READ_ABOVE:
            setting = "enable_bitmapscan"
        elif _gin_filtered(self.queryset.query.where):
            setting = "enable_indexscan"
        else:
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute(f"SET {setting} = off")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"RESET {setting}")

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        return self.build(self.queryset[key], self.url_template)


def _gin_filtered(node) -> bool:
    """Whether a WHERE tree has a full-text (`search_vector @@`) or array-overlap
    (`&&`) condition: those that only a GIN index serves, never in the list's order."""
    for child in getattr(node, "children", ()):
        if hasattr(child, "children"):
            if _gin_filtered(child):
                return True
        elif getattr(child, "lookup_name", None) == "overlap" or isinstance(
                getattr(getattr(child, "lhs", None), "output_field", None),
                SearchVectorField):
            return True
    return False


def newest_change() -> dt.datetime | None:
    """The last time anything a recommendation list shows changed: a recommendation or
    review saved, or a recommendation deleted (its audit history says when). Three
    index lookups in one query."""
    from django.utils.dateparse import parse_datetime

    from reviews.models import Review

    from .change_feed import Change

    tables = [(Recommendation._meta.db_table, "updated_at"),
              (Review._meta.db_table, "updated_at"),
              (Recommendation.history.model._meta.db_table, "history_date"),
              (Change._meta.db_table, "at")]
    sql = "SELECT " + ", ".join(f"(SELECT max({c}) FROM {t})" for t, c in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        values = cursor.fetchone()
    found = []
    for value in values:
        if isinstance(value, str):  # SQLite
            value = parse_datetime(value)
            value = value.replace(tzinfo=dt.UTC) if value and value.tzinfo is None else value
        if value is not None:
            found.append(value)
    return max(found) if found else None


def json_rows_with_keys(queryset: QuerySet, url_template: str,
                        keys: list[str]) -> list[tuple[bytes, tuple]]:
    """Like json_rows, with each row's values of `keys` (for a keyset cursor)."""
    if fast():
        found = list(queryset.values_list(row_expression(url_template), *keys))
        texts = localize_rows([row[0] for row in found])
        return [(text, row[1:]) for text, row in zip(texts, found, strict=True)]
    keyed = list(queryset.values_list("id", *keys))
    ids = sorted(k[0] for k in keyed)
    texts = dict(zip(ids, json_rows(Recommendation.objects.filter(pk__in=ids).order_by("id"),
                                    url_template), strict=True))
    return [(texts[k[0]], k[1:]) for k in keyed]


def is_filtered(request) -> bool:
    """Whether the request narrows the list (any filter of RecommendationFilter given)."""
    from .filters import RecommendationFilter

    names = set(RecommendationFilter.base_filters) - {"ordering"}
    return any(v for name in names for v in request.GET.getlist(name))
