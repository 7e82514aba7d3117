"""UPR Info database export (CSV in any encoding and line ending, the original .xls, .xlsx).

One recommending State per row: rows with the same text, State under review and
session are merged into one recommendation later (by `text_key`, in the write
phase). `&#40;Unknown&#41;` as recommending State: that row adds no State; if no
other row of the same recommendation names one, the recommendation is skipped
with the reason "recommending State unknown" (the model requires a State).
"""

from __future__ import annotations

from recommendations.models import Response, ThemeSource
from states.models import normalize_name

from .core import ImportRow, ParsedFile

FORMAT = "upr-info"
UNKNOWN_STATE_REASON = "recommending State unknown (&#40;Unknown&#41;)"
PLEDGE_REASON = "voluntary pledge"

# Column → the names it goes by (CSV header as renamed by researchers, XLS header).
COLUMNS = {
    "to": ("to", "sur"),
    "text": ("text", "recommendation"),
    "from": ("from", "rs"),
    "response": ("response",),
    "action": ("action",),
    "issue": ("issue", "issues"),
    "session": ("session",),
}


def matches(header: list[str]) -> bool:
    keys = {normalize_name(h) for h in header}
    return {"to", "from", "text"} <= keys or {"sur", "rs", "recommendation"} <= keys


def column_index(header: list[str]) -> dict[str, int]:
    keys = [normalize_name(h) for h in header]
    index: dict[str, int] = {}
    for column, names in COLUMNS.items():
        for position, key in enumerate(keys):
            if key in names:
                index[column] = position  # first one: `Rgrp`/`Org` repeat in the .xls
                break
    return index


def parse_rows(header: list[str], rows: list[tuple[int, list]], parsed: ParsedFile) -> None:
    index = column_index(header)
    missing = [c for c in ("to", "text", "from", "response", "session") if c not in index]
    if missing:
        parsed.error(1, f"UPR Info header lacks the column(s): {', '.join(missing)}")
        return

    def get(row: list, column: str) -> str:
        position = index.get(column)
        if position is None or position >= len(row):
            return ""
        return str(row[position] or "").strip()

    for number, row in rows:
        parsed.rows_read += 1
        response_word = get(row, "response")
        if normalize_name(response_word) == "voluntary pledge":
            parsed.skipped[PLEDGE_REASON] += 1
            continue
        text = get(row, "text")
        if not text:
            parsed.skipped["empty text"] += 1
            continue
        response = Response.parse(response_word)
        if response_word and response is None:
            parsed.error(number, f"unknown response {response_word!r}")
        session_text = get(row, "session")
        try:
            session = int(float(session_text))
        except ValueError:
            parsed.error(number, f"session {session_text!r} is not a number")
            continue
        action_text = get(row, "action")
        action = None
        if action_text:
            try:
                action = int(float(action_text))
            except ValueError:
                action = None
            if action not in (1, 2, 3, 4, 5):
                parsed.error(number, f"action category {action_text!r} is not 1–5")
                action = None
        recommending = get(row, "from")
        unknown = normalize_name(recommending) in ("unknown", "")
        parsed.rows.append(ImportRow(
            row=number, text=text, state_under_review=get(row, "to"), session=session,
            recommending_states=[] if unknown else [recommending],
            response=response or "", action_category=action,
            themes=[t.strip() for t in get(row, "issue").split(",") if t.strip()],
            theme_source=ThemeSource.UPR_INFO,
            no_state_reason=UNKNOWN_STATE_REASON if unknown else "",
        ))
