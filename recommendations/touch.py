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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

CHANGED = "changed"
DELETED = "deleted"
ACTIONS = (CHANGED, DELETED)

Listener = Callable[[list[int], str], None]
_listeners: list[Listener] = []


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
    for listener in list(_listeners):
        listener(ids, action)
