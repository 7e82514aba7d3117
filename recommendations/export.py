"""Export a filtered set of recommendations as CSV, XLSX or JSON, in flat memory.

Used by the API (`/api/v1/recommendations/export/`) and the browser list page.
Rows come from a streaming cursor over values(), with the multi-valued relations
fetched per chunk (see serializers.iter_row_chunks); nothing holds the whole set.

Columns (a contract with the importers, which read these files back):

    id, url, state_under_review, state_under_review_name, cycle, session,
    paragraph, text, recommending_states, recommending_state_names, response,
    response_source, themes, theme_slugs, sdgs, affected_groups, action_category,
    government_status, civil_society_status, uhri_annotation_id, wg_report_symbol,
    created_at, updated_at

Multiple values are joined with `; ` (recommending_states as ISO3 codes, sdgs as
numbers, theme_slugs as slugs). In CSV and XLSX a text cell that starts with `=`,
`+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so spreadsheets
show it instead of running it as a formula. CSV is UTF-8 with a byte-order mark
(Excel needs it to read accents). JSON is an array of objects with the same keys,
multiple values as arrays.
"""

import csv
import io
import json
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .export_i18n import RowLocalizer, export_language, header_row
from .serializers import iter_row_chunks

COLUMNS = (
    "id", "url", "state_under_review", "state_under_review_name", "cycle", "session",
    "paragraph", "text", "recommending_states", "recommending_state_names", "response",
    "response_source", "themes", "theme_slugs", "sdgs", "affected_groups", "action_category",
    "government_status", "civil_society_status", "uhri_annotation_id", "wg_report_symbol",
    "created_at", "updated_at",
)
FORMATS = ("csv", "xlsx", "json")
SEPARATOR = "; "
CHUNK_SIZE = 2000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _raw_rows(queryset: QuerySet) -> Iterator[dict[str, Any]]:
    """Export rows with multiple values as lists (JSON keeps them so)."""
    for chunk in iter_row_chunks(queryset, chunk_size=CHUNK_SIZE):
        for row in chunk:
            yield {
                "id": row["id"],
                "url": row["url"],
                "state_under_review": row["state_under_review"]["iso3"],
                "state_under_review_name": row["state_under_review"]["name"],
                "cycle": row["cycle"],
                "session": row["session"],
                "paragraph": row["paragraph"],
                "text": row["text"],
                "recommending_states": [s["iso3"] for s in row["recommending_states"]],
                "recommending_state_names": [s["name"] for s in row["recommending_states"]],
                "response": row["response"],
                "response_source": row["response_source"],
                "themes": [t["name"] for t in row["themes"]],
                "theme_slugs": [t["slug"] for t in row["themes"]],
                "sdgs": row["sdgs"],
                "affected_groups": [g["name"] for g in row["affected_groups"]],
                "action_category": row["action_category"],
                "government_status": row["government_status"],
                "civil_society_status": row["civil_society_status"],
                "uhri_annotation_id": row["uhri_annotation_id"],
                "wg_report_symbol": row["wg_report_symbol"],
                "created_at": row["created_at"],
                "updated_at": row["updated_at"],
            }


def export_rows(queryset: QuerySet) -> Iterator[dict[str, Any]]:
    """One dict per recommendation, keys in COLUMNS order, multiple values joined."""
    for row in _raw_rows(queryset):
        for key, value in row.items():
            if isinstance(value, list):
                row[key] = SEPARATOR.join(str(v) for v in value)
        yield row


def guard_formula(value: Any) -> Any:
    """Make a text cell inert in a spreadsheet (OWASP "CSV injection")."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _cells(row: dict[str, Any]) -> list[Any]:
    return ["" if row[c] is None else guard_formula(row[c]) for c in COLUMNS]


class _Echo:
    """A file that hands back what is written, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def _localized_rows(queryset: QuerySet, language: str | None) -> Iterator[dict[str, Any]]:
    rows = export_rows(queryset)
    if not language:
        return rows
    localize = RowLocalizer(language, SEPARATOR)
    return (localize(row) for row in rows)


def iter_csv(queryset: QuerySet, language: str | None = None) -> Iterator[str]:
    """CSV lines; `language` (e.g. `fr`) localizes the header row and name columns."""
    language = export_language(language)
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header_row(COLUMNS, language))
    for row in _localized_rows(queryset, language):
        yield writer.writerow(_cells(row))


def write_csv(queryset: QuerySet, fileobj: IO) -> None:
    """Write the CSV (with BOM) to a text or binary file."""
    if isinstance(fileobj, io.TextIOBase):
        for piece in iter_csv(queryset):
            fileobj.write(piece)
        return
    for piece in iter_csv(queryset):
        fileobj.write(piece.encode("utf-8"))


def _xlsx_cell(value: Any) -> Any:
    value = guard_formula(value)
    if isinstance(value, str):
        # openpyxl refuses control characters that imported text sometimes has.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def write_xlsx(queryset: QuerySet, fileobj: IO, language: str | None = None) -> None:
    """Write an XLSX workbook (one sheet, header row) to a binary file or path.

    openpyxl's write-only mode streams rows to disk, so memory stays flat.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Recommendations")
    language = export_language(language)
    sheet.append(header_row(COLUMNS, language))
    for row in _localized_rows(queryset, language):
        sheet.append([_xlsx_cell(v) for v in _cells(row)])
    workbook.save(fileobj)


def iter_json(queryset: QuerySet) -> Iterator[str]:
    yield "["
    first = True
    for row in _raw_rows(queryset):
        yield ("" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "]\n"


def _filename(extension: str) -> str:
    return f"upr-recommendations-{timezone.now():%Y%m%d-%H%M%S}.{extension}"


def export_response(queryset: QuerySet, fmt: str,
                    language: str | None = None) -> HttpResponseBase:
    """The HTTP response streaming `queryset` in `fmt` (one of FORMATS); `language`
    (the `lang` parameter) localizes the CSV/XLSX headers."""
    if fmt == "csv":
        response = StreamingHttpResponse(iter_csv(queryset, language),
                                         content_type="text/csv; charset=utf-8")
    elif fmt == "json":
        response = StreamingHttpResponse(iter_json(queryset), content_type="application/json")
    elif fmt == "xlsx":
        # XLSX is a zip, written whole before sending: to a temporary file, not memory.
        tmp = tempfile.TemporaryFile(suffix=".xlsx")
        write_xlsx(queryset, tmp, language)
        tmp.seek(0)
        return FileResponse(
            tmp, as_attachment=True, filename=_filename("xlsx"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    response["Content-Disposition"] = f'attachment; filename="{_filename(fmt)}"'
    return response
