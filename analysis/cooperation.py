"""Who recommends what to whom: the figures of the cooperation pages and their API.

Counts are of recommendations. A recommendation made jointly by several States counts
once for each of them in a State's profile, and once per recommending *region* in the
regional matrix (two Western European co-sponsors make one WEOG recommendation).
"Support rate" is the share of the counted recommendations the State under review
supported (partially supported ones are not counted as supported).

Every figure takes the recommendation list's own filters (recommendations.filters.
RecommendationFilter, the same parameters as `/api/v1/recommendations/` and the list
page), so a figure and the list it links to count the same rows (`ListFilters`); a
parameter the list does not know is refused (400 in the API).
"""

from __future__ import annotations

from collections import Counter

from django import forms
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from core.widgets import Select
from recommendations import codes, tally
from recommendations.filters import RecommendationFilter, RecommendationRowFilter
from recommendations.models import (
    NameTranslation,
    Recommendation,
    RecommendationRow,
    RegionTally,
    Response,
    Theme,
    ThemeTally,
    translated_name,
)
from reviews.models import Cycle
from states.models import RegionalGroup, State
from states.names import state_name_by_iso3

SUPPORTED = Q(response=Response.SUPPORTED)


class FigureFilterForm(forms.Form):
    """`cycle` (number) and `theme` (slug) for every figure; the API answers 400 on an
    unknown value, the pages show the error."""

    cycle = forms.ModelChoiceField(queryset=Cycle.objects.order_by("number"),
                                   to_field_name="number", required=False, label=_("Cycle"),
                                   empty_label=_("All cycles"), widget=Select)
    # Written in Python (core.widgets): Django's templates took ~0.1 ms a theme.
    theme = forms.ModelChoiceField(queryset=Theme.objects.order_by("name"),
                                   to_field_name="slug", required=False, label=_("Theme"),
                                   empty_label=_("All themes"), widget=Select)

    def query(self) -> dict[str, str]:
        """The filters as list-page parameters."""
        params = {}
        if self.cleaned_data.get("cycle"):
            params["cycle"] = str(self.cleaned_data["cycle"].number)
        if self.cleaned_data.get("theme"):
            params["theme"] = self.cleaned_data["theme"].slug
        return params


class FigureFilter(RecommendationFilter):
    """The list's filters without its order: what every figure takes."""


FigureFilter.base_filters.pop("ordering")
FILTER_NAMES = tuple(FigureFilter.base_filters)


class ListFilters:
    """The list's filters from query parameters (a QueryDict): `recommendations()` is
    what the list shows for them, `query()` the parameters for its links."""

    def __init__(self, params) -> None:
        self.params = params = _query_dict(params)
        data = QueryDict(mutable=True)
        for name in FILTER_NAMES:
            # An empty value (a form's "All themes") filters nothing, as on the list; the
            # figures, their cache key (`query()`) and the list then agree.
            values = [v for v in params.getlist(name) if v not in (None, "")]
            if values:
                data.setlist(name, values)
        self.data = data
        self.filterset = FigureFilter(data, queryset=Recommendation.objects.all())

    def is_valid(self) -> bool:
        return self.filterset.is_valid()

    @property
    def errors(self):
        return self.filterset.form.errors

    def recommendations(self) -> QuerySet:
        return self.filterset.qs if self.is_valid() else Recommendation.objects.none()

    def query(self) -> dict[str, list[str]]:
        out = {}
        for name in FILTER_NAMES:
            values = [v for v in self.params.getlist(name) if v not in (None, "")]
            if values:
                out[name] = values
        return out


def _query_dict(params) -> QueryDict:
    if isinstance(params, QueryDict):
        return params
    data = QueryDict(mutable=True)
    for key, value in (params or {}).items():
        data.setlist(key, [str(v) for v in value] if isinstance(value, list | tuple)
                     else [str(value)])
    return data


def rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def list_url(query: dict | None = None, **params) -> str | None:
    """The list page for the filters `query` (name -> value or values) narrowed by
    `params`; None when a value of `params` is outside what `query` asks for (the
    figure counts nothing there, and no list shows exactly that)."""
    query = query or {}
    for key, value in params.items():
        if key in query:
            allowed = query[key] if isinstance(query[key], list | tuple) else [query[key]]
            if str(value) not in {str(v) for v in allowed}:
                return None
    merged = {**params, **{k: v for k, v in query.items() if k not in params}}
    pairs = []
    for key, value in merged.items():
        for v in value if isinstance(value, list | tuple) else [value]:
            if v not in (None, ""):
                pairs.append((key, v))
    return reverse("recommendations:recommendation_list") + "?" + urlencode(pairs)


REGIONS = list(RegionalGroup.choices)


def list_rows(filters: ListFilters, **also) -> QuerySet:
    """The list's rows (RecommendationRow) that `filters` select, narrowed further by
    `also` (a filter name -> its cleaned value, e.g. `recommending_state=[state]`): the
    rows the list shows for the same parameters, read as the list reads them. An invalid
    filter selects nothing."""
    rows, _form = RecommendationRowFilter.apply(filters.data, RecommendationRow.objects.all())
    if rows is None:
        return RecommendationRow.objects.none()
    for name, value in also.items():
        # ANDed with the same filter given in `filters` (its values are ORed).
        rows = rows.filter(tags__overlap=RecommendationRowFilter.tag_values(name, value))
    return rows.order_by()


def _counted(rows: QuerySet, *fields: str):
    """(values of `fields`, count, supported) per group of `rows`."""
    return (rows.values_list(*fields)
            .annotate(count=Count("id"), supported=Count("id", filter=SUPPORTED)))


def recommending_state_profile(state: State, filters: ListFilters) -> dict:
    """How many recommendations `state` made (of those the list's `filters` select), to
    which regional groups, on which themes, and how often they were supported.

    Counted over the list's rows (issue 24): the rows the list shows for
    `recommending_state=ISO3` and the same filters; the figures and the list they link
    to are one number."""
    query = filters.query()
    # Two grouped reads of the rows: by State under review (its region and cycle with it,
    # a few hundred groups) and by set of themes. Reading the rows whole and counting
    # here cost more (psycopg2 parsing 4,000 arrays) than five grouped queries.
    made = list_rows(filters, recommending_state=[state])
    by_region: Counter = Counter()
    by_cycle: Counter = Counter()
    by_state: Counter = Counter()
    for region, cycle_id, state_id, count, supported in _counted(
            made, "region", "cycle_id", "state_id"):
        for counts, key in ((by_region, region), (by_cycle, cycle_id), (by_state, state_id)):
            counts[key, 0] += count
            counts[key, 1] += supported
    by_themes: Counter = Counter()
    for theme_ids, count, supported in _counted(made, "theme_ids"):
        by_themes[tuple(theme_ids), 0] += count
        by_themes[tuple(theme_ids), 1] += supported
    total = sum(n for (_key, i), n in by_region.items() if i == 0)
    total_supported = sum(n for (_key, i), n in by_region.items() if i == 1)
    regions = []
    for code, label in REGIONS:
        count, supported = by_region[code, 0], by_region[code, 1]
        regions.append({"value": code, "label": str(label), "count": count,
                        "supported": supported, "support_rate": rate(supported, count),
                        "percent": rate(count, total) or 0,
                        "url": list_url(query, recommending_state=state.iso3, region=code)})
    cycles = {int(pk): cycle.number for pk, cycle in codes.table(Cycle.objects, "pk").items()}
    by_cycle_rows = [{"cycle": cycles[cycle_id], "count": by_cycle[cycle_id, 0],
                      "supported": by_cycle[cycle_id, 1],
                      "support_rate": rate(by_cycle[cycle_id, 1], by_cycle[cycle_id, 0])}
                     for cycle_id in sorted({k for k, _i in by_cycle}, key=cycles.get)]
    states = {int(pk): s for pk, s in codes.table(State.objects, "pk").items()}
    top = sorted(((states[state_id], by_state[state_id, 0], by_state[state_id, 1])
                  for state_id in {k for k, _i in by_state}),
                 key=lambda r: (-r[1], r[0].name))[:10]
    return {"state": {"iso3": state.iso3, "name": state.name,
                      "localized_name": state.localized_name, "region": state.region},
            "total": total, "supported": total_supported,
            "support_rate": rate(total_supported, total),
            "by_region_under_review": regions,
            "by_theme": _by_theme(by_themes, state, total, query),
            "by_cycle": by_cycle_rows,
            "states_most_recommended_to": [
                {"iso3": s.iso3, "name": s.name,
                 "localized_name": state_name_by_iso3(s.iso3, s.name), "count": count,
                 "supported": supported, "support_rate": rate(supported, count)}
                for s, count, supported in top]}


def _by_theme(by_themes: Counter, state: State, total: int, query: dict) -> list[dict]:
    """The 15 canonical themes most counted in `by_themes` ((a row's theme ids, 0) ->
    rows, (…, 1) -> supported ones): a source label counted with the theme it means,
    each recommendation once per theme (what the list's `theme` filter finds for that
    slug; a row holds its labels and their canonical themes)."""
    themes = {int(pk): t for pk, t in codes.table(Theme.objects, "pk").items()}
    counts: dict[int, list[int]] = {}
    for (theme_ids, i), n in by_themes.items():
        for theme_id in {themes[t].canonical_id or t for t in theme_ids if t in themes}:
            counts.setdefault(theme_id, [0, 0])[i] += n
    ranked = sorted(counts.items(), key=lambda item: (-item[1][0], themes[item[0]].name))
    return [{"value": theme.slug, "count": count,
             "label": translated_name(NameTranslation.Kind.THEME, theme.slug, theme.name),
             "supported": supported, "support_rate": rate(supported, count),
             "percent": rate(count, total) or 0,
             "url": list_url(query, recommending_state=state.iso3, theme=theme.slug)}
            for theme, (count, supported) in ((themes[i], c) for i, c in ranked[:15])]


# The list's filters that RegionTally has columns for, under the names of
# RecommendationRow's (see regional_matrix).
TALLIED_FILTERS = frozenset({"cycle", "session", "region", "response"})


def regional_matrix(filters: ListFilters) -> dict:
    """Recommending region × region under review for the list's `filters`: counts and
    support rates; each cell links to the list it counts.

    Counted with the list's own filters of its rows (RecommendationRowFilter), where
    counting every link of every recommendation took 0.2 s at 40,000 recommendations and
    1.5 s at 500,000 (issue 24): filtered by nothing but cycle, session, region under
    review and response, over RegionTally (a few thousand rows; those columns bear the
    same names there); by any other filter, over the rows it selects."""
    query = filters.query()
    table = RegionTally if set(query) <= TALLIED_FILTERS else RecommendationRow
    found, _form = RecommendationRowFilter.apply(filters.data, table.objects.all())
    found = found if found is not None else table.objects.none()
    if table is RegionTally:
        cells, columns = tally.regional(found)
    else:
        cells, columns = _regional_rows(found)
    return matrix_figures(cells, columns, query)


def _regional_rows(rows: QuerySet) -> tuple[dict, dict]:
    """tally.regional's counts over list rows, in one query: grouped by the row's set of
    recommending regions (a few hundred groups, where grouping by each region took a
    join of every link), each group then counted once under each region of its set."""
    cells: dict[tuple[str, str], dict] = {}
    columns: dict[str, dict] = {}

    def add(counts: dict, key, count: int, supported: int) -> None:
        found = counts.setdefault(key, {"count": 0, "supported": 0})
        found["count"] += count
        found["supported"] += supported

    for recommending, region, count, supported in (
            rows.order_by().values_list("recommending_regions", "region")
            .annotate(count=Count("id"), supported=Count("id", filter=SUPPORTED))):
        add(columns, region, count, supported)
        for other in recommending:
            add(cells, (other, region), count, supported)
    return cells, columns


def matrix_figures(cells: dict, columns: dict, query: dict) -> dict:
    """The matrix from its counts (tally.regional's shapes), with rates, shades and the
    list URL of each figure."""
    rows = []
    for code, label in REGIONS:
        row_cells = []
        for col, col_label in REGIONS:
            cell = cells.get((code, col), {"count": 0, "supported": 0})
            row_cells.append({
                "region_under_review": col, "label": str(col_label), "count": cell["count"],
                "supported": cell["supported"],
                "support_rate": rate(cell["supported"], cell["count"]),
                "url": list_url(query, recommending_region=code, region=col)})
        total = sum(c["count"] for c in row_cells)
        supported = sum(c["supported"] for c in row_cells)
        rows.append({"recommending_region": code, "label": str(label), "cells": row_cells,
                     "count": total, "supported": supported,
                     "support_rate": rate(supported, total),
                     "url": list_url(query, recommending_region=code)})
    peak = max((c["count"] for r in rows for c in r["cells"]), default=0)
    for r in rows:
        for c in r["cells"]:
            # Shade 0–5 for the heat map; the number is always printed in the cell.
            c["level"] = 0 if not c["count"] else 1 + (4 * c["count"]) // max(peak, 1)
    return {
        "regions": [{"value": code, "label": str(label)} for code, label in REGIONS],
        "rows": rows,
        "columns": [{"region_under_review": code, "label": str(label),
                     "count": columns.get(code, {}).get("count", 0),
                     "supported": columns.get(code, {}).get("supported", 0),
                     "support_rate": rate(columns.get(code, {}).get("supported", 0),
                                          columns.get(code, {}).get("count", 0)),
                     "url": list_url(query, region=code)}
                    for code, label in REGIONS],
    }


def theme_over_time(theme: Theme, filters: ListFilters) -> dict:
    """Recommendations on `theme` (and its source labels, as the list's `theme` filter)
    per cycle, by region under review, with support rates, in one query (issue 24): over
    ThemeTally when filtered by nothing but cycle, session, region and response (at
    500,000 rows the biggest theme's 19,000 rows took ~100 ms to read after each write),
    else over the list's rows."""
    query = {**filters.query(), "theme": theme.slug}
    numbers = {int(pk): cycle.number for pk, cycle in codes.table(Cycle.objects, "pk").items()}
    if set(filters.query()) <= TALLIED_FILTERS:
        # ThemeTally: a row counts under its themes and their canonical themes, so the
        # list's `theme=X` finds the rows counted under X's canonical theme (or X's own).
        found, _form = RecommendationRowFilter.apply(
            filters.data, ThemeTally.objects.filter(theme_id=theme.canonical_id or theme.pk))
        counted = [] if found is None else (
            found.order_by().values_list("cycle_id", "region")
            .annotate(count=Sum("n"), supported=Coalesce(Sum("n", filter=SUPPORTED), 0)))
    else:
        counted = _counted(list_rows(filters, theme=[theme]), "cycle_id", "region")
    cells = {(numbers[cycle_id], region): {"count": count, "supported": supported}
             for cycle_id, region, count, supported in counted if count}
    cycles = sorted({c for c, _ in cells})
    total_all = sum(r["count"] for r in cells.values())
    rows = []
    for cycle in cycles:
        regions = []
        for code, label in REGIONS:
            cell = cells.get((cycle, code), {"count": 0, "supported": 0})
            regions.append({"region": code, "label": str(label), "count": cell["count"],
                            "supported": cell["supported"],
                            "support_rate": rate(cell["supported"], cell["count"]),
                            "url": list_url(query, cycle=cycle, region=code)})
        count = sum(r["count"] for r in regions)
        supported = sum(r["supported"] for r in regions)
        rows.append({"cycle": cycle, "value": cycle,
                     "label": _("Cycle %(n)s") % {"n": cycle},
                     "count": count, "supported": supported,
                     "support_rate": rate(supported, count), "regions": regions,
                     "percent": rate(count, total_all) or 0,
                     "url": list_url(query, cycle=cycle)})
    return {"theme": {"slug": theme.slug, "name": theme.name}, "total": total_all,
            "regions": [{"value": code, "label": str(label)} for code, label in REGIONS],
            "cycles": rows}
