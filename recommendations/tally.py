"""What the pages count, kept in two small tables (issue 24): ReviewTally (recommendations
per review and response, statuses and recurring flag) and MadeTally (per recommending
State). The home page, the States list, a State's and a review's page read them: a few
hundred rows, where counting the recommendations themselves read them all on the first
view after every write.

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
from django.db.models import Count, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from .models import (
    GOVERNMENT_CHOICES,
    ImplementationStatus,
    MadeTally,
    Recommendation,
    RecommendationRow,
    Response,
    ReviewTally,
    ReviewTallyQuerySet,
    distribution_rows,
)

# Inserted rows per statement: keeps the parameters far below either database's limit.
INSERT_BATCH = 1000
# After about one committed write in this many, the tally is compacted (compact()).
COMPACT_EVERY = 200
REVIEW_KEY = ("review_id", "response", "government_status", "civil_society_status",
              "recurring")
# Of RecommendationRow, what the keys are made of (see readmodel: read as rows go).
ROW_COLUMNS = (*REVIEW_KEY, "recommending_state_ids")

ReviewKey = tuple[int, str, str, str, bool]


def review_key(review_id: int, response: str, government_status: str | None,
               civil_society_status: str | None, recurring) -> ReviewKey:
    return (int(review_id), response, government_status or "", civil_society_status or "",
            bool(recurring))


class Delta:
    """The net change of the tally while list rows are removed and written."""

    def __init__(self) -> None:
        self.reviews: Counter = Counter()
        self.made: Counter = Counter()

    def remove(self, values: Iterable[tuple]) -> None:
        """Rows going: tuples of ROW_COLUMNS (recommending States as stored)."""
        for *key, state_ids in values:
            self.reviews[review_key(*key)] -= 1
            for state_id in _ids(state_ids):
                self.made[state_id] -= 1

    def add(self, rows: Iterable[RecommendationRow]) -> None:
        for row in rows:
            self.reviews[review_key(*(getattr(row, f) for f in REVIEW_KEY))] += 1
            for state_id in row.recommending_state_ids:
                self.made[int(state_id)] += 1

    def apply(self) -> None:
        """Write the non-zero changes (none: no statement), in the caller's transaction."""
        wrote = _insert(ReviewTally, REVIEW_KEY, self.reviews)
        wrote += _insert(MadeTally, ("state_id",), {(k,): n for k, n in self.made.items()})
        self.reviews.clear()
        self.made.clear()
        if wrote and random.random() < 1 / COMPACT_EVERY:
            transaction.on_commit(compact)


def _ids(stored) -> list[int]:
    if isinstance(stored, str):  # SQLite keeps the array as JSON text
        stored = RecommendationRow._meta.get_field("recommending_state_ids").from_db_value(
            stored, None, connection)
    return [int(i) for i in stored or ()]


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
        for model, key in ((ReviewTally, REVIEW_KEY), (MadeTally, ("state_id",))):
            table = connection.ops.quote_name(model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} RETURNING {', '.join(key)}, n")
                sums: Counter = Counter()
                for *values, n in cursor.fetchall():
                    sums[tuple(values)] += n
            _insert(model, key, sums)


def counted() -> tuple[dict[ReviewKey, int], dict[int, int]]:
    """The tally counted from the recommendations now: two queries over all of them."""
    reviews = {review_key(*key): n for *key, n in Recommendation.objects.order_by()
               .values_list(*REVIEW_KEY).annotate(total=Count("id"))}
    through = Recommendation.recommending_states.through
    made = dict(through.objects.order_by().values_list("state_id").annotate(total=Count("id")))
    return reviews, made


def stored() -> tuple[dict[ReviewKey, int], dict[int, int]]:
    """The stored tally, each key's rows summed (keys summing to 0 left out)."""
    reviews = {review_key(*key): n
               for key, n in ReviewTally.objects.counts(*REVIEW_KEY).items()}
    return reviews, stored_made()


def stale() -> dict[tuple, tuple[int, int]]:
    """{key: (stored, counted)} wherever the tally differs from the recommendations;
    review keys are tuples of REVIEW_KEY, made-by keys ("made", state id). Empty when
    exact: what a test or an operator checks."""
    differences = {}
    for prefix, have, want in zip(((), ("made",)), stored(), counted(), strict=True):
        for key in have.keys() | want.keys():
            if have.get(key, 0) != want.get(key, 0):
                full = (*prefix, key) if prefix else key
                differences[full] = (have.get(key, 0), want.get(key, 0))
    return differences


def rebuild() -> None:
    """Count the tally again from the recommendations (readmodel.rebuild, in its
    transaction)."""
    reviews, made = counted()
    ReviewTally.objects.all()._raw_delete(connection.alias)
    MadeTally.objects.all()._raw_delete(connection.alias)
    ReviewTally.objects.bulk_create(
        [ReviewTally(**dict(zip(REVIEW_KEY, key, strict=True)), n=n)
         for key, n in sorted(reviews.items())], batch_size=1000)
    MadeTally.objects.bulk_create(
        [MadeTally(state_id=state_id, n=n) for state_id, n in sorted(made.items())],
        batch_size=1000)


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


def made_count(state_id: int) -> int:
    return MadeTally.objects.filter(state_id=state_id).aggregate(n=Sum("n"))["n"] or 0


def recommendation_count() -> Coalesce:
    """An annotation for a Review queryset: its recommendations, from the tally (a
    `Count("recommendations")` joins every recommendation of the reviews selected)."""
    per_review = (ReviewTally.objects.filter(review_id=OuterRef("pk")).order_by()
                  .values("review_id").annotate(total=Sum("n")).values("total"))
    return Coalesce(Subquery(per_review), 0)
