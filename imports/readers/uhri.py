"""OHCHR Universal Human Rights Index export (XLSX, CSV, JSON).

UHRI mixes every UN mechanism: only rows whose body is UPR and whose type is
Recommendations are kept (others are counted as skipped). Values carry a `- `
prefix and several values are newline-separated; a hyphen inside a name
(Timor-Leste, Guinea-Bissau) is never a separator. The OHCHR annotation id is
the stable key of a recommendation.
"""

from __future__ import annotations

import json
import re
from typing import Any

from imports.parsing import parse_recommendation_list
from recommendations.models import Response, ThemeSource
from states.models import normalize_name

from .core import ImportRow, ParsedFile, cell_text

FORMAT = "uhri"

# Canonical field → the header of the table export.
HEADER = {
    "text": "text",
    "countries": "countries concerned",
    "body": "reccomending body",
    "symbol": "document symbol",
    "themes": "themes",
    "affected": "affected persons",
    "sdgs": "sdgs",
    "recommending": "upr reccomending states",
    "position": "upr position",
    "type": "type",
    "annotation_id": "ohchr annotation id",
    "session": "upr session",
}
# Canonical field → the key of the JSON export.
JSON_KEYS = {
    "text": "Text", "countries": "Countries", "body": "Body", "symbol": "Symbol",
    "themes": "Themes", "affected": "AffectedPersons", "sdgs": "Sdgs",
    "recommending": "UprRecommendingCountry", "position": "UprPositions",
    "type": "AnnotationType", "annotation_id": "AnnotationId", "session": "UprSession",
}
WG_REPORT_RE = re.compile(r"^A/HRC/\d+/\d+$")
NOT_UPR_REASON = "not a UPR recommendation (other body or type)"


def _normalize_header(name: str) -> str:
    # Tolerate the correct spelling too, should OHCHR ever fix `Reccomending`.
    return normalize_name(name).replace("recommending", "reccomending")


def matches(header: list[str]) -> bool:
    keys = {_normalize_header(h) for h in header}
    return "ohchr annotation id" in keys or {"reccomending body", "upr position"} <= keys


def values(value: Any) -> list[str]:
    """`- Chile\\n- Estonia` or `["Chile", "Estonia"]` → ["Chile", "Estonia"]."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).replace("\r", "\n").split("\n")
    result = []
    for item in items:
        item = re.sub(r"^\s*-\s+", "", cell_text(item)).strip()
        if item and item not in result:
            result.append(item)
    return result


def single(value: Any) -> str:
    found = values(value)
    return found[0] if found else ""


def parse_session(value: Any) -> int | None:
    match = re.search(r"(\d+)\s*(?:st|nd|rd|th)?\s*session", single(value), re.IGNORECASE)
    if not match:
        match = re.fullmatch(r"\s*(\d+)\s*", single(value))
    return int(match.group(1)) if match else None


def parse_sdgs(value: Any) -> list[int]:
    goals = []
    for item in values(value):
        match = re.search(r"\d{1,2}", item)
        if match and 1 <= int(match.group()) <= 17 and int(match.group()) not in goals:
            goals.append(int(match.group()))
    return goals


def parse_records(records: list[tuple[int, dict[str, Any]]], parsed: ParsedFile) -> None:
    """Records are dicts with the canonical keys of HEADER."""
    for number, record in records:
        parsed.rows_read += 1
        body = {normalize_name(v) for v in values(record.get("body"))}
        kind = {normalize_name(v) for v in values(record.get("type"))}
        if "upr" not in body or not kind & {"recommendations", "recommendation"}:
            parsed.skipped[NOT_UPR_REASON] += 1
            continue
        raw_text = "\n".join(values(record.get("text"))) if isinstance(
            record.get("text"), list) else cell_text(record.get("text"))
        items = parse_recommendation_list(raw_text.replace("\n", " "))
        paragraph = items[0].paragraph if items else ""
        text = items[0].text if len(items) == 1 else re.sub(r"^\s*[\d.]+\s*", "", raw_text)
        recommending = values(record.get("recommending"))
        if not recommending and items:
            recommending = [n for item in items for n in item.state_names]
        position = single(record.get("position"))
        response = Response.parse(position)
        if position and response is None:
            parsed.error(number, f"unknown UPR position {position!r}")
        session = parse_session(record.get("session"))
        if session is None:
            parsed.error(number, f"no UPR session in {single(record.get('session'))!r}")
            continue
        annotation_id = cell_text(record.get("annotation_id"))
        if not annotation_id:
            parsed.error(number, "no OHCHR annotation id")
        symbol = single(record.get("symbol"))
        parsed.rows.append(ImportRow(
            row=number, text=text, paragraph=paragraph, recommending_states=recommending,
            state_under_review=single(record.get("countries")), session=session,
            response=response or "", source_symbol=symbol,
            parts=[p.text for p in items[0].parts]
            if len(items) == 1 and len(items[0].parts) > 1 else [],
            themes=values(record.get("themes")), theme_source=ThemeSource.UHRI,
            affected_groups=values(record.get("affected")), sdgs=parse_sdgs(record.get("sdgs")),
            uhri_annotation_id=annotation_id,
            wg_report_symbol=symbol if WG_REPORT_RE.match(symbol) else "",
        ))


def parse_rows(header: list[str], rows: list[tuple[int, list]], parsed: ParsedFile) -> None:
    keys = [_normalize_header(h) for h in header]
    index = {field: keys.index(name) for field, name in HEADER.items() if name in keys}
    missing = [HEADER[f] for f in ("text", "body", "type", "annotation_id", "session")
               if f not in index]
    if missing:
        parsed.error(1, f"UHRI header lacks the column(s): {', '.join(missing)}")
        return
    parse_records([(number, {field: row[i] if i < len(row) else "" for field, i in index.items()})
                   for number, row in rows], parsed)


def parse_json(text: str, parsed: ParsedFile) -> None:
    data = json.loads(text)
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if len(lists) == 1 else [data]
    records = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            parsed.error(number, "not a JSON object")
            continue
        records.append((number, {field: item.get(key) for field, key in JSON_KEYS.items()}))
    parse_records(records, parsed)


def json_matches(text: str) -> bool:
    return '"AnnotationId"' in text[:20000] or '"UprPositions"' in text[:20000]
