"""Code look-ups of the list's filters (ISO3, theme slug, SDG, cycle and session numbers
-> row), cached in the process while reference data does not change.

Each table is read whole once (a few hundred rows at most) and kept with the
`ListVersion.codes` counter it was read under; any save or delete of a State, theme,
group, SDG, cycle or session bumps the counter (readmodel's signals), and the next
request of any worker, reading the counter with the list's ETag, reloads. A State
named in a search box (`Франция`) is resolved the same way.
"""

from __future__ import annotations

import threading

from django.db.models import Model, QuerySet

from . import readmodel

_lock = threading.Lock()
_tables: dict[tuple[str, str], tuple[int, dict[str, Model]]] = {}
_resolved: dict[str, tuple[int, Model | None]] = {}
_names: tuple = (None, None)  # (version, State.objects.alias_map())
RESOLVED_KEPT = 2000


def _key(value) -> str:
    return str(value).strip()


def table(queryset: QuerySet, field: str) -> dict[str, Model]:
    """{code as text: row} for every row of `queryset`'s table."""
    version = readmodel.codes_version()
    key = (queryset.model._meta.label, field)
    found = _tables.get(key)
    if found is None or found[0] != version:
        rows = {_key(getattr(obj, field)): obj for obj in queryset.model._default_manager.all()}
        with _lock:
            _tables[key] = found = (version, rows)
    return found[1]


def resolve_state(text: str):
    """State.objects.resolve, remembered per text while the codes stay."""
    from states.models import State

    version = readmodel.codes_version()
    found = _resolved.get(text)
    if found is None or found[0] != version:
        state = State.objects.resolve(text, names=_state_names(version))
        with _lock:
            if len(_resolved) >= RESOLVED_KEPT:
                _resolved.clear()
            _resolved[text] = found = (version, state)
    return found[1]


def _state_names(version: int):
    """State.objects.alias_map(), read once per version of the reference data: a new
    search text is resolved without reading the States and their aliases again (four
    queries and a map of every name, rebuilt per text before)."""
    global _names
    from states.models import State

    found = _names
    if found[0] != version:
        _names = found = (version, State.objects.alias_map())
    return found[1]
