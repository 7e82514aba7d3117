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

from recommendations.models import Response, ThemeSource
from recommendations.parsing import parse_recommendation_list

from .core import ImportFailed, ImportRow, ParsedFile

FORMAT = "ohchr-list"

REVIEW_RE = re.compile(
    r"UPR\s+of\s+(?P<state>.+?)\s*\(\s*(?P<cycle>\d+)\s*(?:st|nd|rd|th)?\s+cycle\s*[-–—,]\s*"
    r"(?P<session>\d+)\s*(?:st|nd|rd|th)?\s+session\s*\)", re.IGNORECASE)
ADDENDUM_RE = re.compile(r"/Add\.\d+$", re.IGNORECASE)
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
    return "", None, None


def _list_lines(text: str) -> list[str]:
    return [re.sub(r"^\s*[-–•]\s*", "", line).strip() for line in text.splitlines()
            if line.strip() and re.sub(r"^\s*[-–•]\s*", "", line).strip()]


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
    return sections["themes"], _sdg_numbers(sections["sdgs"]), sections["groups"]


def _column_roles(header: list[str]) -> dict[str, int]:
    roles: dict[str, int] = {}
    for position, name in enumerate(header):
        lowered = name.lower()
        if "recommendation" in lowered and "recommendation" not in roles:
            roles["recommendation"] = position
        elif "position" in lowered and "position" not in roles:
            roles["position"] = position
        elif "theme" in lowered and "themes" not in roles:
            roles["themes"] = position
        elif "sdg" in lowered and "sdgs" not in roles:
            roles["sdgs"] = position
    return roles


def parse_document(path: Path, parsed: ParsedFile,
                   is_state_name: Callable[[str], bool] | None = None) -> None:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:
        raise ImportFailed(f"The .docx document cannot be read: {exc}") from exc
    state, cycle, session = find_review(document)
    if state:
        parsed.state_under_review, parsed.session = state, session
        parsed.notes.append(f"Review from the page header: {state}, cycle {cycle}, "
                            f"session {session}")
    table = next((t for t in document.tables if t.rows and "recommendation" in
                  t.rows[0].cells[0].text.lower()), None)
    if table is None:
        parsed.error(None, "No table with a 'Recommendation' header column was found.")
        return
    rows = table.rows
    roles = _column_roles([c.text.strip() for c in rows[0].cells])
    if "position" not in roles:
        parsed.error(1, "The table has no 'Position' column.")
        return
    parsed.notes.append("Layout: cycle 4 (SDGs in their own column)" if "sdgs" in roles
                        else "Layout: cycle 2–3 (SDGs in the themes column)")
    heading = ""
    for number, row in enumerate(rows[1:], start=2):
        cells = [c.text for c in row.cells]
        first = cells[0].strip()
        if not first:
            continue
        if first.lower().startswith("theme:") and len({c.strip() for c in cells}) == 1:
            heading = first.split(":", 1)[1].strip()
            continue
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
        items = parse_recommendation_list(first, is_state_name=is_state_name)
        if not items:
            parsed.error(number, "no recommendation in the cell")
        for item in items:
            for message in item.errors:
                parsed.error(number, f"{item.paragraph or 'recommendation'}: {message}")
            symbol = item.source_symbol
            parsed.rows.append(ImportRow(
                row=number, text=item.text, paragraph=item.paragraph,
                recommending_states=item.state_names, response=response or "",
                source_symbol=symbol, source_paragraph=item.source_paragraph,
                themes=themes, theme_source=ThemeSource.UHRI, sdgs=sorted(sdgs),
                affected_groups=groups, session=session, state_under_review=state,
                wg_report_symbol=ADDENDUM_RE.sub("", symbol) if symbol.startswith("A/HRC/")
                else "",
            ))
