"""OHCHR "thematic list of recommendations" (.docx), cycle 2–3 and cycle 4 layouts.

The review is named only in the page header (`UPR of Slovenia (4th Cycle - 48th
Session)`). One table: a header row, then per theme a `Theme: <name>` heading
row and recommendation rows. The recommendation cell holds
`<paragraph> <text> (<State>)...;` (maybe a cluster) and a `Source of position:`
line; the themes cell holds `- theme` lines, then `SDGs:` and `Affected
persons:`/`Groups of Persons:` sections; cycle 4 has SDGs in a fourth column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from imports.parsing import parse_recommendation_list
from recommendations.models import Response, ThemeSource

from .core import ImportRow, ParsedFile

FORMAT = "ohchr-list"

REVIEW_RE = re.compile(
    r"UPR\s+of\s+(?P<state>.+?)\s*\(\s*(?P<cycle>\d+)\s*(?:st|nd|rd|th)?\s+cycle\s*[-–—,]\s*"
    r"(?P<session>\d+)\s*(?:st|nd|rd|th)?\s+session\s*\)", re.IGNORECASE)
# Cycle 2 (Egypt): `UPR of Egypt - Second Cycle<TAB>Thematic list…`, no session.
REVIEW_SPELT_RE = re.compile(
    r"UPR\s+of\s+(?P<state>[^\t\n]+?)\s*[-–—]\s*(?P<cycle>first|second|third|fourth|fifth)"
    r"\s+cycle\b", re.IGNORECASE)
CYCLE_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
ADDENDUM_RE = re.compile(r"/Add\.\d+$", re.IGNORECASE)
# Theme heading rows: `Theme: <name>` (cycles 3–4), `Right or area: 2.1. <name>` (cycle 2).
HEADING_RE = re.compile(r"^\s*(?:theme|right\s+or\s+area)\s*:\s*(?P<name>.*)$",
                        re.IGNORECASE | re.DOTALL)
# `2.1. Acceptance of international norms`: the numbering of OHCHR's list of rights.
THEME_NUMBER_RE = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})*\.?\s+(?=\S)")
COMMENTS_RE = re.compile(r"^\s*comments?\s*:", re.IGNORECASE)
SECTION_RE = re.compile(r"^\s*(sdgs?|affected persons|groups? of persons)\s*:\s*(.*)$",
                        re.IGNORECASE)


def find_review(document) -> tuple[str, int | None, int | None]:
    """(State name, cycle, session) from the page headers, or the first paragraphs."""
    texts: list[str] = []
    for section in document.sections:
        for part in (section.header, section.first_page_header, section.even_page_header):
            try:
                texts += [p.text for p in part.paragraphs]
                texts += [c.text for t in part.tables for r in t.rows for c in r.cells]
            except (AttributeError, ValueError):
                continue
    texts += [p.text for p in document.paragraphs[:20]]
    for text in texts:
        match = REVIEW_RE.search(text)
        if match:
            return match.group("state").strip(), int(match.group("cycle")), int(
                match.group("session"))
    for text in texts:
        match = REVIEW_SPELT_RE.search(text)
        if match:
            return match.group("state").strip(), CYCLE_WORDS[match.group("cycle").lower()], \
                None
    return "", None, None


def _list_lines(text: str) -> list[str]:
    return [re.sub(r"^\s*[-–•]\s*", "", line).strip() for line in text.splitlines()
            if line.strip() and re.sub(r"^\s*[-–•]\s*", "", line).strip()]


def theme_name(text: str) -> str:
    """`2.1. Acceptance of international norms` → `Acceptance of international norms`."""
    return " ".join(THEME_NUMBER_RE.sub("", text).split())


def _sdg_numbers(lines: list[str]) -> list[int]:
    goals: list[int] = []
    for line in lines:
        match = re.match(r"(?:goal\s*|sdg\s*)?(\d{1,2})\b", line, re.IGNORECASE)
        if match and 1 <= int(match.group(1)) <= 17 and int(match.group(1)) not in goals:
            goals.append(int(match.group(1)))
    return goals


def parse_themes_cell(text: str) -> tuple[list[str], list[int], list[str]]:
    """(themes, SDG numbers, affected groups) from a themes cell."""
    sections: dict[str, list[str]] = {"themes": [], "sdgs": [], "groups": []}
    current = "themes"
    for line in text.splitlines():
        match = SECTION_RE.match(line)
        if match:
            current = "sdgs" if match.group(1).lower().startswith("sdg") else "groups"
            line = match.group(2)
        sections[current] += _list_lines(line)
    themes = [theme_name(t) for t in sections["themes"] if theme_name(t)]
    return themes, _sdg_numbers(sections["sdgs"]), sections["groups"]


def _column_roles(header: list[str]) -> dict[str, int]:
    roles: dict[str, int] = {}
    for position, name in enumerate(header):
        lowered = name.lower()
        if "recommendation" in lowered and "recommendation" not in roles:
            roles["recommendation"] = position
        elif "position" in lowered and "position" not in roles:
            roles["position"] = position
        elif "recommending" in lowered and "state" in lowered and "states" not in roles:
            roles["states"] = position  # cycle 2: `Recommending state/s`
        elif ("theme" in lowered or "full list" in lowered) and "themes" not in roles:
            roles["themes"] = position  # `Full list of themes`, `…of rights/affected persons`
        elif "sdg" in lowered and "sdgs" not in roles:
            roles["sdgs"] = position
    return roles


def parse_document(path: Path, parsed: ParsedFile,
                   is_state_name: Callable[[str], bool] | None = None) -> None:
    from .document_text import open_word

    document = open_word(path)
    state, cycle, session = find_review(document)
    if state:
        parsed.state_under_review, parsed.session = state, session
        parsed.notes.append(f"Review from the page header: {state}, cycle {cycle}, " + (
            f"session {session}" if session else "no session (found from the report's "
            "symbol, or give it)"))
    tables = _recommendation_tables(document)
    if not tables:
        parsed.error(None, "No table with a 'Recommendation' header column was found.")
        return
    header_cells = [c.text.strip() for c in tables[0][0].rows[0].cells]
    roles = _column_roles(header_cells)
    if "position" not in roles:
        parsed.error(1, "The table has no 'Position' column.")
        return
    parsed.notes.append("Layout: cycle 4 (SDGs in their own column)" if "sdgs" in roles
                        else "Layout: cycle 2–3 (SDGs in the themes column)")
    if len(tables) > 1:
        parsed.notes.append(f"The list is split over {len(tables)} tables")
    heading = ""
    number = 0  # row numbers run on over the tables
    for table, has_header in tables:
        if has_header:
            roles = _column_roles([c.text.strip() for c in table.rows[0].cells]) or roles
        for row in table.rows:
            number += 1
            heading, keep = _row_kind(row, heading)
            if not keep:
                continue
            cells = [c.text for c in row.cells]
            first = cells[0].strip()
            if len(cells) <= max(roles.values()):
                parsed.error(number, "the row has fewer columns than the header")
                continue
            _parse_row(number, cells, first, roles, heading, state, session, parsed,
                       is_state_name)


def _is_header_row(cells: list[str]) -> bool:
    """The header row, first or repeated at the top of a page (`Recommendation`,
    `Position`...): short cells, the first naming the recommendation column."""
    first = " ".join(cells[0].split()).lower() if cells else ""
    return first.startswith("recommendation") and len(first) < 40 and any(
        "position" in c.lower() for c in cells[1:])


def _recommendation_tables(document) -> list[tuple]:
    """The tables of the list, in order: from the first with a header row, then each
    following table with a header, or without one but with as many columns (a list
    cut by a page or section break)."""
    found: list[tuple] = []
    for table in document.tables:
        if not table.rows:
            continue
        cells = [c.text for c in table.rows[0].cells]
        if _is_header_row(cells):
            found.append((table, True))
        elif found and len(cells) == len(found[-1][0].rows[0].cells):
            found.append((table, False))
    return found


def _row_kind(row, heading: str) -> tuple[str, bool]:
    """(current theme heading, whether the row is a recommendation row)."""
    cells = [c.text.strip() for c in row.cells]
    first = cells[0] if cells else ""
    if not any(cells) or not first:
        return heading, False  # spacer row, or nothing in the recommendation column
    if _is_header_row(cells):
        return heading, False  # header repeated at the top of a page
    heading_row = HEADING_RE.match(first)
    if heading_row and all(c in ("", first) for c in cells[1:]):
        return theme_name(heading_row.group("name")), False
    return heading, True


def _parse_row(number: int, cells: list[str], first: str, roles: dict[str, int], heading: str,
               state: str, session: int | None, parsed: ParsedFile,
               is_state_name: Callable[[str], bool] | None) -> None:
    parsed.rows_read += 1
    position = cells[roles["position"]].strip()
    response = Response.parse(position)
    if response is None:
        parsed.error(number, f"unknown position {position!r}")
    themes, sdgs, groups = parse_themes_cell(cells[roles["themes"]]) \
        if "themes" in roles else ([], [], [])
    if "sdgs" in roles:
        sdgs = [g for g in _sdg_numbers(_list_lines(cells[roles["sdgs"]])) if g not in sdgs] \
            + sdgs
    if heading and heading not in themes:
        themes.insert(0, heading)
    # `Comments: Information sent in a post Add.1 letter`: a note, not the text.
    kept = [line for line in first.splitlines() if not COMMENTS_RE.match(line)]
    if len(kept) < len(first.splitlines()):
        parsed.notes.append(f"Row {number}: " + " ".join(
            line.strip() for line in first.splitlines() if COMMENTS_RE.match(line)))
    items = parse_recommendation_list("\n".join(kept), is_state_name=is_state_name, cell=True)
    if not items:
        parsed.error(number, "no recommendation in the cell")
    column_states = _list_lines(cells[roles["states"]]) if "states" in roles else []
    if len(items) == 1 and column_states and not items[0].state_names:
        # The States only in the `Recommending state/s` column.
        items[0].state_names = column_states
        items[0].errors = [e for e in items[0].errors if e != "no recommending State"]
    for item in items:
        for message in item.errors:
            parsed.error(number, f"{item.paragraph or 'recommendation'}: {message}")
        symbol = item.source_symbol
        parsed.rows.append(ImportRow(
            row=number, text=item.text, paragraph=item.paragraph,
            recommending_states=item.state_names, response=response or "",
            parts=[p.text for p in item.parts] if len(item.parts) > 1 else [],
            source_symbol=symbol, source_paragraph=item.source_paragraph,
            themes=themes, theme_source=ThemeSource.UHRI, sdgs=sorted(sdgs),
            affected_groups=groups, session=session, state_under_review=state,
            wg_report_symbol=ADDENDUM_RE.sub("", symbol) if symbol.startswith("A/HRC/")
            else "",
        ))
