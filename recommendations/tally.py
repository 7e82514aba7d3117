"""What the pages count, kept in small tables (issue 24): ReviewTally (recommendations
per review and response, statuses and recurring flag), MadeTally (per recommending
State) and RegionTally (per session, region under review, recommending region and
response). The home page, the States list, a State's and a review's page and the
regional matrix read them: a few hundred or thousand rows, where counting the
recommendations themselves read them all on the first view after every write.

Written by recommendations.readmodel, in the transaction that rewrites the list's rows:
`Delta` takes the rows it removes and the rows it writes, and `apply()` inserts the net
change per key as rows of their own (one INSERT per table; a key's count is the sum of
its rows). Nothing is updated in place, so no writer waits for another's row lock: a
long import holding its transaction open never stops an edit elsewhere (issue 22's rule,
which an upsert on shared keys broke: an edit waited for the import's commit).
`compact()` folds each key's rows into one, in a short transaction of its own after a
writer commits (now and then) and in `rebuild()`; `rebuild()` counts everything again;
`stale()` compares the stored tally with that count.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from .models import (
    GOVERNMENT_CHOICES,
    ImplementationStatus,
    MadeTally,
    Recommendation,
    RecommendationRow,
    RegionTally,
    Response,
    ReviewTally,
    ReviewTallyQuerySet,
    ThemeTally,
    distribution_rows,
)

# Inserted rows per statement: keeps the parameters far below either database's limit.
INSERT_BATCH = 1000
# After about one committed write in this many, the tally is compacted (compact()).
COMPACT_EVERY = 200
REVIEW_KEY = ("review_id", "response", "government_status", "civil_society_status",
              "recurring")
REGION_KEY = ("session_id", "cycle_id", "region", "recommending_region", "response")
THEME_KEY = ("theme_id", "session_id", "cycle_id", "region", "response")
# Of RecommendationRow, what the keys are made of (see readmodel: read as rows go).
ROW_COLUMNS = (*REVIEW_KEY, "recommending_state_ids", "session_id", "cycle_id", "region",
               "recommending_regions", "theme_ids")

ReviewKey = tuple[int, str, str, str, bool]
RegionKey = tuple[int, int, str, str, str]
TABLES = ((ReviewTally, REVIEW_KEY), (MadeTally, ("state_id",)), (RegionTally, REGION_KEY),
          (ThemeTally, THEME_KEY))


def review_key(review_id: int, response: str, government_status: str | None,
               civil_society_status: str | None, recurring) -> ReviewKey:
    return (int(review_id), response, government_status or "", civil_society_status or "",
            bool(recurring))


def region_keys(session_id: int, cycle_id: int, region: str, response: str,
                recommending_regions: Iterable[str]) -> list[RegionKey]:
    """A recommendation's keys in RegionTally: once under each region of its
    recommending States, once under ALL. A blank region (a State recorded without one)
    is left out: the matrix has no row for it, and "" is ALL's key."""
    return [(int(session_id), int(cycle_id), region or "", recommending, response)
            for recommending in (RegionTally.ALL, *sorted(set(recommending_regions) - {""}))]


class Delta:
    """The net change of the tally while list rows are removed and written."""

    def __init__(self) -> None:
        self.reviews: Counter = Counter()
        self.made: Counter = Counter()
        self.regions: Counter = Counter()
        self.themes: Counter = Counter()

    def remove(self, values: Iterable[tuple]) -> None:
        """Rows going: tuples of ROW_COLUMNS (arrays as stored)."""
        for value in values:
            self._count(dict(zip(ROW_COLUMNS, value, strict=True)), -1)

    def add(self, rows: Iterable[RecommendationRow]) -> None:
        for row in rows:
            self._count({f: getattr(row, f) for f in ROW_COLUMNS}, 1)

    def _count(self, row: dict, sign: int) -> None:
        self.reviews[review_key(*(row[f] for f in REVIEW_KEY))] += sign
        for state_id in _stored("recommending_state_ids", row["recommending_state_ids"]):
            self.made[int(state_id)] += sign
        for key in region_keys(row["session_id"], row["cycle_id"], row["region"],
                               row["response"],
                               _stored("recommending_regions", row["recommending_regions"])):
            self.regions[key] += sign
        for theme_id in set(_stored("theme_ids", row["theme_ids"])):
            self.themes[(int(theme_id), int(row["session_id"]), int(row["cycle_id"]),
                         row["region"] or "", row["response"])] += sign

    def apply(self) -> None:
        """Write the non-zero changes (none: no statement), in the caller's transaction."""
        wrote = _insert(ReviewTally, REVIEW_KEY, self.reviews)
        wrote += _insert(MadeTally, ("state_id",), {(k,): n for k, n in self.made.items()})
        wrote += _insert(RegionTally, REGION_KEY, self.regions)
        wrote += _insert(ThemeTally, THEME_KEY, self.themes)
        self.reviews.clear()
        self.made.clear()
        self.regions.clear()
        self.themes.clear()
        if wrote and random.random() < 1 / COMPACT_EVERY:
            transaction.on_commit(compact)


def _stored(field: str, stored) -> list:
    if isinstance(stored, str):  # SQLite keeps the array as JSON text
        stored = RecommendationRow._meta.get_field(field).from_db_value(
            stored, None, connection)
    return list(stored or ())


def _insert(model, key: tuple[str, ...], changes: dict[tuple, int]) -> int:
    """Insert each non-zero change as a row; how many rows were written."""
    changes = sorted((k, n) for k, n in changes.items() if n)
    if not changes:
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(key)
    row = "(" + ", ".join(["%s"] * (len(key) + 1)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(changes), INSERT_BATCH):
            batch = changes[start:start + INSERT_BATCH]
            cursor.execute(
                f"INSERT INTO {table} ({columns}, n) VALUES {', '.join([row] * len(batch))}",
                [value for k, n in batch for value in (*k, n)])
    return len(changes)


def compact() -> None:
    """Fold each key's rows into one row (none where they sum to 0), in a transaction
    of its own: the rows it deletes are those committed when it starts; rows inserted
    meanwhile stay as they are, so the sums never change. Two compactions at once: the
    second finds the first's rows gone and folds only what it deleted."""
    with transaction.atomic():
        for model, key in TABLES:
            table = connection.ops.quote_name(model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} RETURNING {', '.join(key)}, n")
                sums: Counter = Counter()
                for *values, n in cursor.fetchall():
                    sums[tuple(values)] += n
            _insert(model, key, sums)


def counted() -> tuple[dict, dict, dict, dict]:
    """The tally counted from the recommendations now: five queries over all of them."""
    reviews = {review_key(*key): n for *key, n in Recommendation.objects.order_by()
               .values_list(*REVIEW_KEY).annotate(total=Count("id"))}
    through = Recommendation.recommending_states.through
    made = dict(through.objects.order_by().values_list("state_id").annotate(total=Count("id")))
    return reviews, made, counted_regions(), counted_themes()


def counted_regions() -> dict[RegionKey, int]:
    """RegionTally counted from the recommendations and their recommending States (as
    the matrix counted them before it read the tally: distinct recommendations per
    region of their States)."""
    review = ("review__session_id", "review__session__cycle_id", "review__state__region")
    regions = {}
    for session_id, cycle_id, region, response, n in (
            Recommendation.objects.order_by().values_list(*review, "response")
            .annotate(total=Count("id"))):
        regions[(session_id, cycle_id, region or "", RegionTally.ALL, response)] = n
    through = Recommendation.recommending_states.through
    for session_id, cycle_id, region, recommending, response, n in (
            through.objects.exclude(state__region="").order_by()
            .values_list(*(f"recommendation__{f}" for f in review), "state__region",
                         "recommendation__response")
            .annotate(total=Count("recommendation_id", distinct=True))):
        regions[(session_id, cycle_id, region or "", recommending, response)] = n
    return regions


def counted_themes() -> dict[tuple, int]:
    """ThemeTally counted from the recommendations and their themes: each recommendation
    once under each of its themes and their canonical themes (a set per recommendation)."""
    through = Recommendation.themes.through
    keys: dict[int, set] = {}
    where: dict[int, tuple] = {}
    for rid, theme_id, canonical_id, session_id, cycle_id, region, response in (
            through.objects.order_by().values_list(
                "recommendation_id", "theme_id", "theme__canonical_id",
                "recommendation__review__session_id",
                "recommendation__review__session__cycle_id",
                "recommendation__review__state__region", "recommendation__response")):
        keys.setdefault(rid, set()).update(t for t in (theme_id, canonical_id) if t)
        where[rid] = (session_id, cycle_id, region or "", response)
    themes: Counter = Counter()
    for rid, ids in keys.items():
        for theme_id in ids:
            themes[(theme_id, *where[rid])] += 1
    return dict(themes)


def stored() -> tuple[dict, dict, dict, dict]:
    """The stored tally, each key's rows summed (keys summing to 0 left out)."""
    reviews = {review_key(*key): n
               for key, n in ReviewTally.objects.counts(*REVIEW_KEY).items()}
    return (reviews, stored_made(), RegionTally.objects.counts(*REGION_KEY),
            ThemeTally.objects.counts(*THEME_KEY))


def stale() -> dict[tuple, tuple[int, int]]:
    """{key: (stored, counted)} wherever the tally differs from the recommendations;
    review keys are tuples of REVIEW_KEY, made-by keys ("made", state id), theme keys
    ("theme", *THEME_KEY), region keys
    ("region", *REGION_KEY). Empty when exact: what a test or an operator checks."""
    differences = {}
    names = (lambda k: k, lambda k: ("made", k), lambda k: ("region", *k),
             lambda k: ("theme", *k))
    for name, have, want in zip(names, stored(), counted(), strict=True):
        for key in have.keys() | want.keys():
            if have.get(key, 0) != want.get(key, 0):
                differences[name(key)] = (have.get(key, 0), want.get(key, 0))
    return differences


def rebuild() -> None:
    """Count the tally again from the recommendations (readmodel.rebuild, in its
    transaction)."""
    reviews, made, regions, themes = counted()
    _refill(ReviewTally, REVIEW_KEY, reviews)
    _refill(MadeTally, ("state_id",), {(k,): n for k, n in made.items()})
    _refill(RegionTally, REGION_KEY, regions)
    _refill(ThemeTally, THEME_KEY, themes)


def rebuild_regions() -> None:
    """RegionTally alone counted again (migration 0022, which adds it)."""
    _refill(RegionTally, REGION_KEY, counted_regions())


def _refill(model, key: tuple[str, ...], counts: dict[tuple, int]) -> None:
    model.objects.all()._raw_delete(connection.alias)
    model.objects.bulk_create(
        [model(**dict(zip(key, values, strict=True)), n=n)
         for values, n in sorted(counts.items())], batch_size=1000)


# Reads: what the pages show, in the shapes the recommendation querysets give.

def overview(tallies: ReviewTallyQuerySet | None = None) -> dict:
    """From one query over the tally (of every review, or of `tallies`): `per_cycle` as
    RecommendationQuerySet.counts_by_cycle_and_response gives it, and the `responses`,
    `government` and `civil_society` distributions as its *_distribution() methods."""
    tallies = ReviewTally.objects.all() if tallies is None else tallies
    per_cycle: dict[int, dict[str, int]] = {}
    responses: Counter = Counter()
    government: Counter = Counter()
    civil_society: Counter = Counter()
    for (number, response, status, assessment), n in tallies.counts(
            "review__session__cycle__number", "response", "government_status",
            "civil_society_status").items():
        slot = per_cycle.setdefault(number, {})
        slot[response] = slot.get(response, 0) + n
        responses[response] += n
        government[status] += n
        civil_society[assessment] += n
    return {"per_cycle": per_cycle,
            "responses": distribution_rows(dict(responses), Response.choices),
            "government": distribution_rows(dict(government), GOVERNMENT_CHOICES),
            "civil_society": distribution_rows(dict(civil_society),
                                               ImplementationStatus.choices)}


def received_and_made_by_state() -> dict[int, tuple[int, int]]:
    """{state id: (recommendations received, recommendations made)}, two small queries
    (services.received_and_made_by_state counts the same over every recommendation)."""
    received = {key[0]: n for key, n in ReviewTally.objects.counts("review__state_id").items()}
    made = stored_made()
    return {pk: (received.get(pk, 0), made.get(pk, 0)) for pk in {*received, *made}}


def stored_made() -> dict[int, int]:
    """{State id: recommendations made}, each State's rows summed."""
    return {state_id: n for state_id, n in MadeTally.objects.order_by()
            .values_list("state_id").annotate(total=Sum("n")) if n}


def regional(tallies: QuerySet | None = None) -> tuple[dict, dict]:
    """From one query over RegionTally (all of it, or `tallies`): the regional matrix's
    cells {(recommending region, region under review): {"count", "supported"}} and
    columns {region under review: {"count", "supported"}}, each recommendation counted
    once per recommending region in a cell and once in a column."""
    tallies = RegionTally.objects.all() if tallies is None else tallies
    cells: dict[tuple[str, str], dict] = {}
    columns: dict[str, dict] = {}
    for recommending, region, count, supported in (
            tallies.order_by().values_list("recommending_region", "region")
            .annotate(count=Sum("n"), supported=Sum("n", filter=Q(response=Response.SUPPORTED)))):
        found = {"count": count or 0, "supported": supported or 0}
        if recommending == RegionTally.ALL:
            columns[region] = found
        else:
            cells[(recommending, region)] = found
    return cells, columns


def made_count(state_id: int) -> int:
    return MadeTally.objects.filter(state_id=state_id).aggregate(n=Sum("n"))["n"] or 0


def recommendation_count() -> Coalesce:
    """An annotation for a Review queryset: its recommendations, from the tally (a
    `Count("recommendations")` joins every recommendation of the reviews selected)."""
    per_review = (ReviewTally.objects.filter(review_id=OuterRef("pk")).order_by()
                  .values("review_id").annotate(total=Sum("n")).values("total"))
    return Coalesce(Subquery(per_review), 0)
