"""The app's own CSV/XLSX export (recommendations/export.py), so export → import round-trips.

Columns, in this order (the contract with the exporter); multi-values as JSON arrays
(`["DEU", "FRA"]`; older exports joined them with `; `, still read). The exporter
guards against formula injection by writing a leading `'` before a value starting with
`=`, `+`, `-`, `@`, tab or CR; that one `'` is removed here. `id`, `url`, `page_url`,
`review`, `version`, `recurring`, the `*_name(s)` columns, the statuses and the
timestamps are informative only: statuses come from the assessment history, which an
import does not write.
"""

from __future__ import annotations

import json
import re

from recommendations.export import TRAILER_MARK
from recommendations.models import Response

from .core import ImportRow, ParsedFile, split_multi

FORMAT = "app-export"

COLUMNS = [
    "id", "url", "page_url", "state_under_review", "state_under_review_name", "cycle",
    "session", "paragraph", "text", "recommending_states", "recommending_state_names", "response",
    "response_source", "themes", "theme_slugs", "sdgs", "affected_groups", "action_category",
    "government_status", "civil_society_status", "uhri_annotation_id", "wg_report_symbol",
    "created_at", "updated_at", "review", "addendum_symbol", "recurring", "version",
]
# The first cell of the last CSV row the exporter writes (recommendations/export.py).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
REQUIRED = ("state_under_review", "session", "text", "recommending_states")


def matches(header: list[str]) -> bool:
    names = [h.strip().lower() for h in header]
    return names[:3] == COLUMNS[:3] or set(REQUIRED) | {"id", "url"} <= set(names)


def multi(value: str | None) -> list[str]:
    """A multi-valued cell: a JSON array (this exporter), or values joined with `;`."""
    text = (value or "").strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            items = json.loads(text)
        except ValueError:
            items = None
        if isinstance(items, list):
            return [str(v).strip() for v in items if str(v).strip()]
    return split_multi(text)


def unguard(value: str) -> str:
    """Undo the exporter's formula guard: `'=1+1` → `=1+1`; other `'` are text."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


def split_source(label: str) -> tuple[str, str]:
    """`A/HRC/43/15/Add.1, para. 3` (ResponseRecord.source_label) → (symbol, paragraph)."""
    match = re.match(r"^(.*?),\s*para\.?\s*(\S+)$", label.strip(), re.IGNORECASE)
    if match:
        return match.group(1).strip(), match.group(2).strip()
    if re.match(r"^[A-Z]+/", label.strip()):
        return label.strip(), ""
    return "", label.strip()


def parse_rows(header: list[str], rows: list[tuple[int, list]], parsed: ParsedFile, *,
               guarded: bool = True) -> None:
    """`guarded`: CSV/XLSX cells carry the formula guard; JSON values do not."""
    names = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        parsed.error(1, f"export header lacks the column(s): {', '.join(missing)}")
        return
    index = {name: position for position, name in reversed(list(enumerate(names)))}

    for number, raw in rows:
        if raw and str(raw[0] or "").strip() == TRAILER_MARK:
            continue  # the exporter's end-of-file row (a file without it was cut off)
        parsed.rows_read += 1
        row = {name: str(raw[i]) if i < len(raw) and raw[i] is not None else ""
               for name, i in index.items()}
        if guarded:
            row = {name: unguard(value) for name, value in row.items()}
        try:
            session = int(float(row["session"]))
        except ValueError:
            parsed.error(number, f"session {row['session']!r} is not a number")
            continue
        response_word = row.get("response", "")
        response = Response.parse(response_word.replace("_", " "))
        if response_word and response is None:
            parsed.error(number, f"unknown response {response_word!r}")
        sdgs: list[int] = []
        for goal in multi(row.get("sdgs")):
            match = re.match(r"\d+", goal)
            if not match or not 1 <= int(match.group()) <= 17:
                parsed.error(number, f"SDG {goal!r} is not a goal number 1–17")
            else:
                sdgs.append(int(match.group()))
        action = None
        match = re.match(r"\s*(\d)", row.get("action_category", ""))
        if match:
            action = int(match.group(1))
        symbol, paragraph = split_source(row.get("response_source", ""))
        parsed.rows.append(ImportRow(
            row=number, text=row["text"], paragraph=row.get("paragraph", ""),
            state_under_review=row["state_under_review"], session=session,
            recommending_states=multi(row["recommending_states"]),
            response=response or "", source_symbol=symbol, source_paragraph=paragraph,
            themes=multi(row.get("themes")), theme_slugs=multi(row.get("theme_slugs")),
            sdgs=sdgs, affected_groups=multi(row.get("affected_groups")),
            action_category=action, uhri_annotation_id=row.get("uhri_annotation_id", ""),
            wg_report_symbol=row.get("wg_report_symbol", ""),
        ))


def json_matches(text: str) -> bool:
    head = text[:5000]
    return '"state_under_review"' in head and '"recommending_states"' in head


def parse_json(text: str, parsed: ParsedFile) -> None:
    """The JSON export: an array of objects with the same keys, lists for multi-values."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("expected an array of recommendations")
    rows = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            parsed.error(number, "not a JSON object")
            continue
        rows.append((number, [json.dumps(value, ensure_ascii=False) if isinstance(value, list)
                              else "" if value is None else str(value)
                              for value in (item.get(c) for c in COLUMNS)]))
    parse_rows(list(COLUMNS), rows, parsed, guarded=False)
