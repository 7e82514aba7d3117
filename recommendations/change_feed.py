"""The change feed for mirrors (`GET /api/v1/changes/?after=<position>`, issue 21).

Every write of what a reader sees of a recommendation calls `recommendations.touch.
touched()` inside its transaction; `record_changes` (registered with `@on_touch`) adds a
`Change` row per id in that same transaction, so a change is in the feed exactly when
the write committed, and never when it rolled back.

Positions never skip a committed change, even under long concurrent transactions. On
PostgreSQL each Change row records the id of its writing transaction
(`pg_current_xact_id()`), and the feed serves, in `(xid, id)` order, only the changes of
transactions older than the oldest transaction still running
(from `pg_current_snapshot()`; transactions of other databases on the same server are
left out, see FRONTIER_SQL): those have all ended, and any transaction that is running
or has not started yet has an xid at or above that bound, so whatever it writes sorts
after every position already served. An import that runs for minutes
holds back the feed (changes committed meanwhile by others wait behind it) but is never
passed over. On SQLite writers are serialised, so the row id is already commit order.

A position is the text `<xid>.<id>` (`0.<id>` on SQLite); `after=0` (or no `after`)
starts at the beginning. Clients store `next` and send it back as `after`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from .touch import ACTIONS, CHANGED, DELETED, on_touch

KIND_RECOMMENDATION = "recommendation"
# Rows of the features above recommendations (issue 25) that mirrors follow too; they
# are written by `progress` (its signals), named here so that the feed's vocabulary,
# its filter and its OpenAPI enum are one list, without this app importing theirs.
KIND_INSTITUTION = "institution"
KIND_INDICATOR = "indicator"
KIND_PROGRESS_REPORT = "progress_report"
KINDS = (KIND_RECOMMENDATION, KIND_INSTITUTION, KIND_INDICATOR, KIND_PROGRESS_REPORT)


class Change(models.Model):
    """One committed change of one row of a kind (or its deletion), for the feed."""

    kind = models.CharField(max_length=20, default=KIND_RECOMMENDATION)
    # Not a foreign key: deletions stay in the feed after the row is gone.
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=10, choices=[(a, a) for a in ACTIONS],
                              default=CHANGED)
    # The writing transaction (PostgreSQL pg_current_xact_id()); null on SQLite.
    xid = models.BigIntegerField(null=True, editable=False)
    at = models.DateTimeField(editable=False)

    class Meta:
        app_label = "recommendations"
        indexes = [models.Index(fields=["xid", "id"], name="change_feed_position"),
                   models.Index(fields=["at"], name="change_feed_at")]
        constraints = [
            # A path may touch the same id twice in one transaction: one row is enough.
            models.UniqueConstraint(fields=["xid", "kind", "object_id", "action"],
                                    name="one_change_per_transaction"),
        ]
        verbose_name = _("change")
        verbose_name_plural = _("changes")

    def __str__(self) -> str:
        return f"{self.position} {self.kind} {self.object_id} {self.action}"

    @property
    def position(self) -> str:
        return format_position(self.xid or 0, self.id)


def format_position(xid: int, pk: int) -> str:
    return f"{xid}.{pk}"


def parse_position(text: str | None) -> tuple[int, int] | None:
    """(xid, id) of a position; (0, 0) for the start; None if malformed."""
    text = (text or "").strip()
    if text in ("", "0"):
        return 0, 0
    xid, dot, pk = text.partition(".")
    if not dot or not xid.isdigit() or not pk.isdigit() or len(text) > 40:
        return None
    return int(xid), int(pk)


@on_touch
def record_changes(ids: list[int], action: str) -> None:
    """The listener: one Change row per recommendation, in the writer's transaction."""
    record(KIND_RECOMMENDATION, ids, action)


def record(kind: str, ids: Iterable[int], action: str = CHANGED) -> None:
    """One Change row of `kind` per id, in the caller's transaction (idempotent within
    it). Call it from inside the transaction that writes the rows."""
    if kind not in KINDS:
        raise ValueError(f"Unknown kind {kind!r}; use one of {', '.join(KINDS)}.")
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}; use one of {', '.join(ACTIONS)}.")
    ids = sorted({int(i) for i in ids if i is not None})
    if not ids:
        return
    table = Change._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A row deleted in this transaction is not "changed" after (a cascade deletes
            # its assessments after the row was announced deleted).
            cursor.execute(
                f"WITH tx AS (SELECT pg_current_xact_id()::text::bigint AS xid) "
                f"INSERT INTO {table} (kind, object_id, action, xid, at) "
                "SELECT %s, i, %s, tx.xid, statement_timestamp() "
                "FROM unnest(%s::bigint[]) AS i, tx "
                f"WHERE %s = 'deleted' OR NOT EXISTS (SELECT 1 FROM {table} d "
                "WHERE d.xid = tx.xid AND d.kind = %s AND d.object_id = i "
                "AND d.action = 'deleted') "
                "ON CONFLICT (xid, kind, object_id, action) DO NOTHING",
                [kind, action, ids, action, kind])
        else:
            from django.utils import timezone

            # SQLite has no transaction id: PostgreSQL's rules (one row per kind, id and
            # action, no "changed" after "deleted") read from the rows this transaction
            # wrote, those from its first one on (one writer at a time: no other
            # transaction's rows among them; a savepoint rolled back took its own away).
            first = _first_change_of_transaction()
            if first is not None:
                seen = set()
                for start in range(0, len(ids), 500):
                    seen.update(Change.objects.filter(
                        pk__gte=first, kind=kind, object_id__in=ids[start:start + 500],
                        action__in={action, DELETED}).values_list("object_id", "action"))
                ids = [i for i in ids if (i, action) not in seen and (i, DELETED) not in seen]
            now = timezone.now()
            created = Change.objects.bulk_create([
                Change(kind=kind, object_id=i, action=action, at=now) for i in ids])
            if created and first is None and connection.in_atomic_block:
                _first_change_of_transaction(min(c.pk for c in created))


def _first_change_of_transaction(pk: int | None = None) -> int | None:
    """The id of the first Change row written in the current transaction (SQLite), or
    None; with `pk`, remembers it. Kept with the outermost atomic block: a statement
    outside one is its own transaction."""
    if not connection.in_atomic_block or not connection.atomic_blocks:
        return None
    block = connection.atomic_blocks[0]
    kept = getattr(connection, "_change_feed_first", None)
    if pk is not None:
        connection._change_feed_first = (block, pk)  # holding the block: `is` below is exact
        return pk
    return kept[1] if kept is not None and kept[0] is block else None


# The lowest xid still running in the snapshot, leaving out transactions known to run in
# another database of the cluster (they never write this table, and must not hold the
# feed back); an xid that ended between the snapshot and the read of pg_stat_activity
# is not "known elsewhere", so it still counts: the bound only errs low. pg_stat_activity
# shows 32-bit xids, snapshots 64-bit ones (epoch << 32 | xid).
FRONTIER_SQL = """
WITH snap AS (SELECT pg_current_snapshot() AS s),
elsewhere AS (
    SELECT backend_xid::text::bigint AS x FROM pg_stat_activity
    WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database())
SELECT coalesce(
    (SELECT min(x::text::bigint) FROM snap, pg_snapshot_xip(snap.s) AS x
     WHERE (x::text::bigint %% 4294967296) NOT IN (SELECT x FROM elsewhere)),
    (SELECT pg_snapshot_xmax(s)::text::bigint FROM snap))
"""


def committed_frontier() -> int | None:
    """On PostgreSQL an xid below which every transaction of this database has ended
    (None on SQLite)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(FRONTIER_SQL, [])
        return int(cursor.fetchone()[0])


def changes_after(position: tuple[int, int], limit: int,
                  kinds: Iterable[str] | None = None) -> tuple[list[Change], str]:
    """Up to `limit` committed changes after `position` (of `kinds` only, if given), in
    feed order, and the position to ask from next time (the last one served, or
    `position` itself if none)."""
    xid, pk = position
    frontier = committed_frontier()
    queryset = Change.objects.all()
    if kinds:
        queryset = queryset.filter(kind__in=list(kinds))
    if frontier is None:
        queryset = queryset.filter(id__gt=pk).order_by("id")
    else:
        queryset = (queryset.filter(xid__lt=frontier, xid__gte=xid)
                    .filter(models.Q(xid__gt=xid) | models.Q(id__gt=pk))
                    .order_by("xid", "id"))
    found = list(queryset[:limit])
    last = found[-1].position if found else format_position(xid, pk)
    return found, last
