"""What every format reader produces, and the report an import gives back.

A format reader turns a file into `ImportRow`s (one per source row, in the
source's own words: State names, theme names, response words) plus row-level
errors and skip counts. Resolution (names → rows of the database) and the
write phase are format-blind (see `resolve.py`, `write.py`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


class ImportFailed(Exception):
    """The file cannot be read at all (wrong type, corrupt, too big)."""


@dataclass
class ImportRow:
    """One recommendation as a source states it, before names are resolved."""

    row: int  # source row number (spreadsheet row, CSV record, table row) for the report
    text: str
    recommending_states: list[str] = field(default_factory=list)
    state_under_review: str = ""  # name or ISO3
    session: int | None = None
    paragraph: str = ""
    response: str = ""  # a Response value, "" when the source says nothing
    source_symbol: str = ""
    source_paragraph: str = ""
    themes: list[str] = field(default_factory=list)
    theme_slugs: list[str] = field(default_factory=list)  # app export: exact themes
    theme_source: str = ""  # ThemeSource the theme names belong to
    # The source says the recommendation "will be examined" (a WG report): a step of
    # its response history even when another source gave the answer first.
    examined: bool = False
    sdgs: list[int] = field(default_factory=list)
    affected_groups: list[str] = field(default_factory=list)
    action_category: int | None = None
    uhri_annotation_id: str = ""
    wg_report_symbol: str = ""
    # Why a row without recommending State is skipped rather than an error
    # (UPR Info's `&#40;Unknown&#41;`); "" = it is an error.
    no_state_reason: str = ""
    # Extra source rows merged into this one (joint recommendations).
    merged_rows: list[int] = field(default_factory=list)
    # The texts of a cluster's parts (a paragraph adopting several wordings, each with
    # its own States), so that a source listing each part on its own merges into it.
    parts: list[str] = field(default_factory=list)


@dataclass
class ParsedFile:
    """What a format reader found in a file."""

    format: str
    rows: list[ImportRow] = field(default_factory=list)
    rows_read: int = 0
    errors: list[dict] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    # The review the whole file belongs to, when the file says so once (OHCHR page header).
    state_under_review: str = ""
    session: int | None = None

    def error(self, row: int | None, message: str) -> None:
        self.errors.append({"row": row, "message": message})


@dataclass
class ImportReport:
    detected_format: str = ""
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reviews_created: int = 0
    dry_run: bool = False
    path: str = ""
    # Recommendations of the file that matched one in the database exactly (identifier,
    # paragraph, text, or a part of a cluster), nearly (listed in `near_matches` for a
    # person to check), or are new.
    matched_exact: int = 0
    matched_near: int = 0
    new: int = 0
    folded: int = 0  # recommendations merged into their paragraph's one (and removed)
    near_matches: list[dict] = field(default_factory=list)
    # Names that resolve to no State: {"name", "role", "rows", "suggestions": [{iso3, name}]}
    unknown_names: list[dict] = field(default_factory=list)
    aliases_added: list[dict] = field(default_factory=list)
    sample: list[dict] = field(default_factory=list)  # the first rows as read (dry run)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "detected_format": self.detected_format,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "rows_read": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": dict(self.skipped),
            "reviews_created": self.reviews_created,
            "matched_exact": self.matched_exact,
            "matched_near": self.matched_near,
            "new": self.new,
            "folded": self.folded,
            "near_matches": list(self.near_matches),
            "unknown_names": list(self.unknown_names),
            "aliases_added": list(self.aliases_added),
            "errors": list(self.errors),
            "notes": list(self.notes),
            "sample": list(self.sample),
        }

    def format_text(self) -> str:
        lines = [f"File: {self.path}" if self.path else "Import",
                 f"Detected format: {self.detected_format or 'unknown'}"]
        lines += [f"  {note}" for note in self.notes]
        lines.append(f"Rows read: {self.rows_read}")
        verb = "would be " if self.dry_run else ""
        lines.append(f"Recommendations {verb}created: {self.created}, {verb}updated: "
                     f"{self.updated}, unchanged: {self.unchanged}")
        if self.reviews_created:
            lines.append(f"Reviews {verb}created: {self.reviews_created}")
        if self.ok:
            lines.append(f"Matched in the database: {self.matched_exact} exactly, "
                         f"{self.matched_near} nearly; new: {self.new}")
        if self.folded:
            lines.append(f"Recommendations {verb}merged into their paragraph's: {self.folded}")
        for near in self.near_matches:
            lines.append(f"  near match ({near['similarity']:.0%}), rows {near['rows']}, "
                         f"{near['review']} {near['paragraph'] or ''}".rstrip())
            lines.append(f"    file:     {near['file_text']}")
            lines.append(f"    database: {near['database_text']}")
        for alias in self.aliases_added:
            lines.append(f"Alias {verb}saved: {alias['name']!r} = {alias['iso3']}")
        skipped_total = sum(self.skipped.values())
        lines.append(f"Skipped rows: {skipped_total}")
        lines += [f"  {reason}: {count}" for reason, count in sorted(self.skipped.items())]
        if self.unknown_names:
            lines.append("Unknown State names (add --alias \"NAME=ISO3\" to say which State "
                         "each one is):")
            for unknown in self.unknown_names:
                rows = ", ".join(str(r) for r in unknown["rows"][:20])
                more = " …" if len(unknown["rows"]) > 20 else ""
                guesses = ", ".join(f"{s['name']} ({s['iso3']})"
                                    for s in unknown["suggestions"]) or "none"
                lines.append(f"  {unknown['name']!r} ({unknown['role']}), rows {rows}{more}; "
                             f"closest: {guesses}")
        if self.errors:
            lines.append(f"Errors: {len(self.errors)} (nothing was written)")
            for error in self.errors:
                where = f"row {error['row']}: " if error.get("row") is not None else ""
                lines.append(f"  {where}{error['message']}")
        elif self.dry_run:
            lines.append("Dry run: nothing was written.")
        return "\n".join(lines)


def split_multi(value: str | None, sep: str = ";") -> list[str]:
    """`a; b;c` → [a, b, c], blanks dropped."""
    return [part.strip() for part in (value or "").split(sep) if part.strip()]


def cell_text(value: Any) -> str:
    """A spreadsheet cell as text: floats that are whole numbers lose their `.0`."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
