"""The list's read model (issue 24): RecommendationRow, one row per recommendation.

Every value the list filters or sorts on sits in one column of that row (the
recommending States, themes with their canonical themes, SDGs and affected groups as
arrays, GIN-indexed on PostgreSQL), next to the finished API row as JSON, so a list
page is one indexed scan of one table: no joins, no per-row subqueries.

Kept exact by the write path: `refresh()` is a listener of `touch.touched`, so it runs
in the transaction of every write of a recommendation and commits or rolls back with
it; so does the pages' tally (recommendations.tally), which gains what the rows removed
and written change in it. Reviews and reference data (a State, theme, group, session or
cycle renamed) are followed by signals here, since what they change is shown on many
rows. The same transaction bumps ListVersion.rows (of one of a few shards, summed when
read): the list's ETag is that sum, read in one small query. `manage.py
rebuild_list_rows` rebuilds the whole table, and the tally.

One builder for PostgreSQL and SQLite: the API row comes from serializers.build_rows,
in English (other languages are applied when a page is read: `localize`), and the
array columns are ValuesField, integer[] on PostgreSQL and JSON text on SQLite.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TypeVar

import orjson
from celery.signals import task_postrun, task_prerun
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet, Sum
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_save,
    pre_delete,
    pre_save,
)
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone, translation

from core import ratelimit

from . import tally
from .models import (
    AffectedGroup,
    ListVersion,
    MadeTally,
    Recommendation,
    RecommendationRow,
    RegionTally,
    ReviewTally,
    Theme,
    ThemeTally,
)
from .tags import row_tags
from .tally import ROW_COLUMNS, Delta
from .touch import DELETED, on_touch

BATCH = 2000
CACHED_SECONDS = 3600
T = TypeVar("T")
# Rows are stored with relative URLs; a page adds the request's origin to every one.
URL_KEY = b'"url":"'


@functools.cache
def path_template() -> str:
    return reverse("api-recommendation-detail", args=[0]).replace("/0/", "/{}/")


def _build(ids: list[int]) -> list[RecommendationRow]:
    from .serializers import ROW_EXPRESSIONS, ROW_FIELDS, build_rows

    queryset = Recommendation.objects.filter(pk__in=ids).order_by()
    # The search vector (PostgreSQL; a trigger keeps the recommendation's) is copied as
    # text with the rest: written with the row, not by an UPDATE after it, which wrote
    # every row twice (a table twice its size, half of it dead rows, until vacuumed).
    vector = ("search_vector",) if connection.vendor == "postgresql" else ()
    values = list(queryset.values(
        *ROW_FIELDS, "paragraph_sort", *vector, **ROW_EXPRESSIONS,
        sur_id=F("review__state_id"), sur_region=F("review__state__region"),
        cycle_id=F("review__session__cycle_id"), session_id=F("review__session_id")))
    if not values:
        return []
    with translation.override("en"):
        api_rows = build_rows(values, path_template())
    found = [v["id"] for v in values]
    states: dict[int, list] = defaultdict(list)
    regions: dict[int, set] = defaultdict(set)
    through = Recommendation.recommending_states.through
    for rid, state_id, region in through.objects.filter(recommendation_id__in=found).values_list(
            "recommendation_id", "state_id", "state__region"):
        states[rid].append(state_id)
        regions[rid].add(region)
    themes: dict[int, set] = defaultdict(set)
    through = Recommendation.themes.through
    for rid, theme_id, canonical_id in through.objects.filter(
            recommendation_id__in=found).values_list(
            "recommendation_id", "theme_id", "theme__canonical_id"):
        themes[rid].add(theme_id)
        if canonical_id:
            themes[rid].add(canonical_id)
    groups: dict[int, list] = defaultdict(list)
    through = Recommendation.affected_groups.through
    for rid, group_id in through.objects.filter(recommendation_id__in=found).values_list(
            "recommendation_id", "affectedgroup_id"):
        groups[rid].append(group_id)
    out = []
    for v, row in zip(values, api_rows, strict=True):
        rid = v["id"]
        out.append(RecommendationRow(
            id=rid, recommendation_id=rid, review_id=v["review_id"], paragraph=v["paragraph"],
            paragraph_sort=v["paragraph_sort"], state_id=v["sur_id"],
            state_iso3=v["state_iso3"], region=v["sur_region"], cycle_id=v["cycle_id"],
            session_id=v["session_id"], session_number=v["session"],
            response=v["response"], government_status=v["government_status"],
            civil_society_status=v["civil_society_status"],
            action_category=v["action_category"], recurring=v["recurring"],
            recommending_state_ids=states[rid], recommending_regions=regions[rid],
            theme_ids=themes[rid], sdg_ids=row["sdgs"], group_ids=groups[rid],
            row_json=orjson.dumps(row).decode(), created_at=v["created_at"],
            updated_at=v["updated_at"], search_vector=v.get("search_vector")))
        out[-1].tags = row_tags(out[-1])
    return out


def bump(*, rows: bool = True, codes: bool = False, added: int = 0,
         total: int | None = None) -> None:
    """Count a change, in the caller's transaction (the ETag moves when it commits);
    `added` rows (negative: removed) or the new `total` keep the row count.

    ListVersion is a few rows (shards), summed when read: a writer bumps a shard no other
    open transaction holds (`SKIP LOCKED`), or adds one, so a long import never makes
    every other write wait behind its lock on one counter row (issue 22)."""
    now = timezone.now()
    if total is not None:
        _set_total(total, rows, now)
        return
    token = _token() if codes else None
    if _bump_free_shard(int(rows), token, added, now):
        return
    # Every shard is held by an open transaction (or there is none yet): a new one. The
    # very first counts the table (this transaction's view, `added` included).
    first = not ListVersion.objects.exists()
    ListVersion.objects.create(
        rows=int(rows), codes=_token(), changed_at=now,
        total=RecommendationRow.objects.count() if first else added)


def _bump_free_shard(rows: int, codes: int | None, added: int, now) -> bool:
    """One statement: add to the first shard no other transaction holds; False if none."""
    table = ListVersion._meta.db_table
    if connection.vendor == "postgresql":
        free = f"(SELECT id FROM {table} ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)"
    else:  # SQLite serialises writers: any shard is free
        free = f"(SELECT id FROM {table} ORDER BY id LIMIT 1)"
    with connection.cursor() as cursor:
        # A fresh random `codes`, not +1: a rolled-back bump must never come back as the
        # version of other data (a process may have cached codes read under it).
        cursor.execute(
            f"UPDATE {table} SET rows = rows + %s, total = total + %s, changed_at = %s, "
            f"codes = CASE WHEN %s THEN %s ELSE codes END WHERE id = {free}",
            [rows, added, now, codes is not None, codes or 0])
        return cursor.rowcount > 0


def _set_total(total: int, rows: bool, now) -> None:
    """The absolute count (a rebuild): the first shard holds it, the others none."""
    with transaction.atomic():
        shards = list(ListVersion.objects.select_for_update().order_by("pk")
                      .values_list("pk", flat=True))
        if not shards:
            ListVersion.objects.create(rows=int(rows), codes=_token(), total=total,
                                       changed_at=now)
            return
        ListVersion.objects.filter(pk__in=shards[1:]).update(total=0)
        ListVersion.objects.filter(pk=shards[0]).update(
            rows=F("rows") + int(rows), codes=_token(), total=total, changed_at=now)


def _token() -> int:
    # 52 bits: the shards' sum stays far inside a bigint (and SQLite's integer).
    return secrets.randbits(52)


@on_touch
def refresh(ids: list[int], action: str = "changed") -> None:
    """Rewrite the rows of these recommendations (or drop them: deleted or gone), and of
    those the signals below noted in this transaction."""
    pending = _local.__dict__.pop("pending", set())
    ids = sorted({int(i) for i in ids} | pending)
    if not ids:
        return
    added = 0
    delta = Delta()
    with transaction.atomic():
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            taken = _take_rows(chunk)
            delta.remove(taken)
            added -= len(taken)
            deleting = _local.__dict__.get("deleting", set())
            chunk = [i for i in chunk if i not in deleting]
            if action != DELETED and chunk:
                rows = RecommendationRow.objects.bulk_create(_build(chunk), batch_size=500)
                delta.add(rows)
                added += len(rows)
        delta.apply()
        bump(added=added)


def _take_rows(ids: list[int]) -> list[tuple]:
    """Delete the rows of these recommendations and return what the tally counted of
    them (ROW_COLUMNS): one statement, so the tally loses exactly the rows that went."""
    if not ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {RecommendationRow._meta.db_table} "
            f"WHERE id IN ({', '.join(['%s'] * len(ids))}) "
            f"RETURNING {', '.join(ROW_COLUMNS)}", ids)
        return cursor.fetchall()


def _delete_rows(queryset: QuerySet) -> int:
    """A plain DELETE, no signals (a rebuild, which counts the tally again)."""
    return queryset._raw_delete(queryset.db)


def refresh_where(condition: Q) -> None:
    """Rewrite the rows matching a condition on RecommendationRow."""
    refresh(list(RecommendationRow.objects.filter(condition).values_list("id", flat=True)))


def rebuild(batch: int = BATCH, *, with_tally: bool = True) -> int:
    """The whole table from the recommendations (`manage.py rebuild_list_rows`), and the
    tally (not by migration 0018, which runs before the tally's tables exist)."""
    with transaction.atomic():
        _delete_rows(RecommendationRow.objects.all())
        ids = list(Recommendation.objects.order_by("id").values_list("id", flat=True))
        for start in range(0, len(ids), batch):
            chunk = ids[start:start + batch]
            RecommendationRow.objects.bulk_create(_build(chunk), batch_size=500)
        if with_tally:
            tally.rebuild()
        bump(codes=True, total=RecommendationRow.objects.count())
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Fresh statistics, and the visibility map that lets counts use index-only scans.
        with connection.cursor() as cursor:
            for model in (RecommendationRow, *((ReviewTally, MadeTally, RegionTally, ThemeTally)
                                               if with_tally else ())):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return len(ids)


# What catch_up() fills: the tables a migration must find as the code has them before
# it runs the application's code on them.
FILLED = (RecommendationRow, ListVersion, ReviewTally, MadeTally, RegionTally, ThemeTally)


def schema_is_current(models: Iterable[type] = FILLED) -> bool:
    """Whether the database has every table and column of these models as the code has
    them now. A migration that fills them with the application's code (rebuild(),
    tally.rebuild()) runs it only then: migrating an older database, a later migration
    adds columns the code already writes, and the last migration catches up (catch_up)."""
    introspection = connection.introspection
    with connection.cursor() as cursor:
        tables = set(introspection.table_names(cursor))
        for model in models:
            if model._meta.db_table not in tables:
                return False
            columns = {c.name for c in introspection.get_table_description(
                cursor, model._meta.db_table)}
            if any(f.column not in columns for f in model._meta.concrete_fields):
                return False
    return True


def catch_up() -> None:
    """What the migrations that fill the read model and the tally left empty, filled now
    (called by the latest such migration, once schema_is_current()): the rows and the
    tally where there are no rows or rows without tags (written before 0023 and not
    filled by it), else the tally if one of its tables is empty."""
    if not Recommendation.objects.exists():
        return
    if (not RecommendationRow.objects.exists()
            or RecommendationRow.objects.filter(tags=[]).exists()):
        rebuild()
    elif not all(model.objects.exists() for model, _key in tally.TABLES):
        with transaction.atomic():
            tally.rebuild()


def stale_ids(queryset: QuerySet | None = None) -> list[int]:
    """Recommendations whose stored row differs from the one built now (or is missing),
    and stored rows with no recommendation: what a test or an operator checks."""
    queryset = queryset if queryset is not None else Recommendation.objects.all()
    ids = list(queryset.order_by("id").values_list("id", flat=True))
    stored = {r.id: r for r in RecommendationRow.objects.filter(pk__in=ids)}
    fields = [f.attname for f in RecommendationRow._meta.concrete_fields
              if f.attname != "search_vector"]
    stale = []
    for start in range(0, len(ids), BATCH):
        for built in _build(ids[start:start + BATCH]):
            have = stored.get(built.id)
            if have is None or any(
                    _norm(getattr(have, f)) != _norm(getattr(built, f)) for f in fields):
                stale.append(built.id)
    orphans = RecommendationRow.objects.exclude(
        pk__in=Recommendation.objects.values("pk")).values_list("id", flat=True)
    return sorted({*stale, *orphans})


def _norm(value):
    if isinstance(value, list | set | tuple):
        return sorted(value)
    return value


# Reads.

_local = threading.local()


def versions() -> tuple[int, int, object, int]:
    """(rows, codes, changed_at, total) of ListVersion in one query; `codes` is kept for
    the rest of the request's thread by `codes_version()`."""
    # In SQL, not through the ORM: every list request reads it first, and compiling the
    # aggregate took 0.3 ms, three times what the database takes to answer it.
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT SUM({q('rows')}), SUM({q('codes')}), MAX({q('changed_at')}), "
                       f"SUM({q('total')}) FROM {q(ListVersion._meta.db_table)}")
        rows, codes, changed_at, total = cursor.fetchone()
    if isinstance(changed_at, str):  # SQLite: what DateTimeField's converter does
        changed_at = connection.ops.convert_datetimefield_value(changed_at, None, connection)
    found = (int(rows or 0), int(codes or 0), changed_at, int(total or 0))
    _local.codes = found[1]
    return found


def codes_version() -> int:
    """The codes counter read by this request's `versions()`, or read now."""
    version = getattr(_local, "codes", None)
    if version is None:
        version = versions()[1]
    return version


def end_request(**kwargs) -> None:
    """Forget the codes counter this thread read: the next request (or task) reads it
    again. Connected to the start and end of every request and Celery task, so a
    thread never keeps the codes of an earlier request (a page that read them once
    would otherwise resolve filters against stale tables for the thread's life)."""
    _local.codes = None


request_started.connect(end_request, dispatch_uid="readmodel-codes-start")
request_finished.connect(end_request, dispatch_uid="readmodel-codes-end")
task_prerun.connect(end_request, dispatch_uid="readmodel-codes-task-start", weak=False)
task_postrun.connect(end_request, dispatch_uid="readmodel-codes-task-end", weak=False)


def rows_version() -> int | None:
    found = ListVersion.objects.aggregate(rows=Sum("rows"))["rows"]
    return None if found is None else int(found)


def page_version() -> str:
    """What a cached page depends on, in one query: ListVersion.rows (every write of a
    recommendation or review) and .codes (every write of reference data: States and
    their aliases, themes, SDGs, groups, sessions, cycles, which pages show by name)."""
    rows, codes, _changed_at, _total = versions()
    return f"{rows}.{codes}"


def cached(name: str, build: Callable[[], T], *parts, version: str | None = None) -> T:
    """`build()`, kept in the cache while no recommendation, review or reference data
    changes: the key holds `page_version()`, which every such write moves in its own
    transaction (pages' aggregates: home, States list, State, review and analysis
    pages). One query for the version, unless the caller read it (`version`)."""
    found = version if version is not None else page_version()
    key = ":".join(str(p) for p in (found, name, *parts))
    if len(key) > 200 or not key.replace(":", "").replace(".", "").replace("-", "").isalnum():
        # A filter's query, a language code: hashed, so that any cache takes the key.
        key = f"{name}:" + hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
    key = "readmodel:" + key
    # A cache that is down (core.ratelimit.guarded logs it) means building every time.
    value = ratelimit.guarded(cache.get, key, default=None)
    if value is None:
        value = build()
        ratelimit.guarded(cache.set, key, value, CACHED_SECONDS)
    return value


def localize(texts: Iterable[str]) -> list[bytes]:
    """Stored rows as the active language shows them: as stored in English, else with
    `localized_name` and the labels of that language (a parse and a dump per row)."""
    language = translation.get_language() or "en"
    if language.split("-")[0] == "en":
        return [t.encode() for t in texts]
    from states.names import state_name_by_iso3

    from .models import ImplementationStatus, NameTranslation
    from .models import Response as ResponseChoice
    from .names import translations

    theme_names = translations(NameTranslation.Kind.THEME)
    group_names = translations(NameTranslation.Kind.AFFECTED_GROUP)
    responses = {value: str(label) for value, label in ResponseChoice.choices}
    statuses = {value: str(label) for value, label in ImplementationStatus.choices}
    out = []
    for text in texts:
        row = orjson.loads(text)
        sur = row["state_under_review"]
        sur["localized_name"] = state_name_by_iso3(sur["iso3"], sur["name"])
        for state in row["recommending_states"]:
            state["localized_name"] = state_name_by_iso3(state["iso3"], state["name"])
        for theme in row["themes"]:
            theme["localized_name"] = theme_names.get(theme["slug"], theme["name"])
        for group in row["affected_groups"]:
            group["localized_name"] = group_names.get(group["slug"], group["name"])
        row["response_label"] = responses.get(row["response"]) or None
        row["government_status_label"] = statuses.get(row["government_status"]) or None
        row["civil_society_status_label"] = (
            statuses.get(row["civil_society_status"]) or None)
        out.append(orjson.dumps(row))
    return out


def with_origin(rows: list[bytes], origin: str) -> list[bytes]:
    """Make the stored relative URLs absolute (`"url":"/api/…"` only occurs as the
    row's own key: inside a JSON string the quotes would be escaped). Row by row: small
    copies, where one replace over a 1,000-row page (1.2 MB) allocated and faulted in
    another buffer of that size (bench/run.py, `page_1000_vs_100`)."""
    old, new = URL_KEY + b"/", URL_KEY + origin.encode() + b"/"
    return [row.replace(old, new) for row in rows]


# A safety net under touch.touched: a save or an M2M change of a recommendation made
# without it is noted, and refreshed by the next touch of the transaction or, failing
# that, right after the commit (an application transaction), or at once (none). A write
# path inside a transaction that never touches thus leaves the row stale until its
# commit: tests, whose transaction never commits, see it (tests/recommendations/
# test_read_model.py).

def _in_application_transaction() -> bool:
    return any(not getattr(block, "_from_testcase", False)
               for block in connection.atomic_blocks)


def _flush_pending() -> None:
    if _local.__dict__.get("pending"):
        refresh([])


def note(ids: Iterable[int]) -> None:
    ids = {int(i) for i in ids if i is not None}
    if not ids:
        return
    if not _in_application_transaction():
        refresh(list(ids))
        return
    _local.__dict__.setdefault("pending", set()).update(ids)
    if not any(func is _flush_pending for _sids, func, _robust in connection.run_on_commit):
        transaction.on_commit(_flush_pending)


@receiver(post_save, sender=Recommendation)
def _recommendation_saved(sender, instance, raw: bool = False, **kwargs) -> None:
    if not raw:
        note([instance.pk])


def _m2m_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if reverse and action == "pre_clear":  # e.g. theme.recommendations.clear()
        other = next(f.attname for f in sender._meta.concrete_fields
                     if f.many_to_one and f.name != "recommendation")
        note(sender.objects.filter(**{other: instance.pk}).values_list(
            "recommendation_id", flat=True))
    elif not action.startswith("post_") or action == "post_clear" and reverse:
        return
    elif not reverse:
        note([instance.pk])
    elif pk_set:
        note(pk_set)


for _relation in ("recommending_states", "themes", "sdgs", "affected_groups"):
    m2m_changed.connect(_m2m_changed, sender=getattr(Recommendation, _relation).through,
                        weak=False)


# What many rows show: followed here, not by every write path.

REVIEW_SHOWN = ("state_id", "session_id", "wg_report_symbol", "addendum_symbol")


@receiver(pre_save, sender="reviews.Review")
def _review_saving(sender, instance, raw: bool = False, **kwargs) -> None:
    if instance.pk and not raw:
        instance._list_shown = sender.objects.filter(pk=instance.pk).values_list(
            *REVIEW_SHOWN).first()


@receiver(post_save, sender="reviews.Review")
def _review_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    bump()  # the pages' cached aggregates show reviews too
    before = getattr(instance, "_list_shown", None)
    if created or before == tuple(getattr(instance, f) for f in REVIEW_SHOWN):
        return
    note(instance.recommendations.values_list("id", flat=True))


@receiver(post_delete, sender="reviews.Review")
def _review_deleted(sender, instance, **kwargs) -> None:
    bump()


@receiver(pre_delete, sender=Recommendation)
def _recommendation_deleting(sender, instance, **kwargs) -> None:
    # Hooks on its responses and assessments, deleted first, touch it as changed: its
    # row must not come back.
    _local.__dict__.setdefault("deleting", set()).add(instance.pk)


@receiver(post_delete, sender=Recommendation)
def _recommendation_deleted(sender, instance, **kwargs) -> None:
    # However it went (a touch first or not, a review's cascade), its row goes now,
    # counted once; the version moves.
    _local.__dict__.get("deleting", set()).discard(instance.pk)
    # (In the transaction of Django's collector, which sends post_delete.)
    taken = _take_rows([instance.pk])
    delta = Delta()
    delta.remove(taken)
    delta.apply()
    bump(added=-len(taken))


def _reference_changed(condition):
    def handler(sender, instance, created: bool = False, **kwargs) -> None:
        if kwargs.get("raw"):
            return
        bump(rows=False, codes=True)
        if kwargs.get("signal") is post_save and not created and condition is not None:
            refresh_where(condition(instance))
    return handler


_REFERENCE = {
    "states.State": lambda s: Q(state_id=s.pk) | Q(recommending_state_ids__overlap=[s.pk]),
    Theme: lambda t: Q(theme_ids__overlap=[t.pk]),
    AffectedGroup: lambda g: Q(group_ids__overlap=[g.pk]),
    "reviews.Session": lambda s: Q(session_id=s.pk),
    "reviews.Cycle": lambda c: Q(cycle_id=c.pk),
    "recommendations.SDG": None,
    "states.StateAlias": None,  # the States list and search show and find them
}
_handlers = []
for _sender, _condition in _REFERENCE.items():
    _handler = _reference_changed(_condition)
    _handlers.append(_handler)  # signals hold weak references
    post_save.connect(_handler, sender=_sender, weak=False)
    post_delete.connect(_handler, sender=_sender, weak=False)
