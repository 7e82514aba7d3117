"""The one point every write of what a reader sees of a recommendation passes through.

Every write path (services, importers, admin, bulk updates, recurrence, deletion) calls
`touched()` with the ids it changed, inside the transaction that changes them. Listeners
registered with `@on_touch` run synchronously in that same transaction, so what they
write (the change feed, the list's read model) commits or rolls back with the change
itself, and is never stale or ahead of it.

    from recommendations.touch import touched
    touched([rec.pk])                      # changed
    touched(ids, action=DELETED)           # deleted (call before the rows go)

Listeners take `(ids: list[int], action: str)` and must be idempotent: a path may touch
the same id twice in one transaction.

A writer of many rows (an import) wraps its writes in `batched()`, inside its
transaction: changes are told to the listeners once, at the end of the block, instead
of once per row (an import of 254 recommendations touched them 2,800 times and spent
four fifths of its time rewriting the read model's rows).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator

from django.db import transaction

CHANGED = "changed"
DELETED = "deleted"
ACTIONS = (CHANGED, DELETED)

Listener = Callable[[list[int], str], None]
_listeners: list[Listener] = []
_local = threading.local()


def on_touch(listener: Listener) -> Listener:
    """Register a listener (decorator); registering the same function twice is a no-op."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def touched(ids: Iterable[int], action: str = CHANGED) -> None:
    """Tell every listener that these recommendations changed (or are about to be deleted)."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}; use one of {', '.join(ACTIONS)}.")
    ids = sorted({int(i) for i in ids if i is not None})
    if not ids:
        return
    pending = getattr(_local, "pending", None)
    if pending is not None:
        if action == CHANGED:
            pending.update(ids)
            return
        pending.difference_update(ids)  # deletions are told at once, before rows go
    _tell(ids, action)


def _tell(ids: list[int], action: str) -> None:
    for listener in list(_listeners):
        listener(ids, action)


@contextlib.contextmanager
def batched() -> Iterator[None]:
    """Collect the changes touched in the block and tell the listeners once, at its end.

    Use it inside the `transaction.atomic()` that holds the writes, so that the listeners
    still write in that transaction; if the block raises, what it collected is dropped
    with the writes the transaction rolls back. Blocks nest: the outermost one tells."""
    if getattr(_local, "pending", None) is not None:
        yield
        return
    _local.pending = set()
    try:
        yield
        ids = sorted(_local.pending)
    finally:
        _local.pending = None
    connection = transaction.get_connection()
    if connection.in_atomic_block and connection.needs_rollback:
        return  # a dry run (set_rollback): nothing of it will commit
    if ids:
        _tell(ids, CHANGED)
