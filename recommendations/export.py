"""Export a filtered set of recommendations as CSV, XLSX or JSON, in flat memory.

Used by the API (`/api/v1/recommendations/export/`) and the browser list page.
Rows come from a streaming cursor over values(), with the multi-valued relations
fetched per chunk (see serializers.iter_row_chunks); nothing holds the whole set.

Columns (a contract with the importers, which read these files back):

    id, url, page_url, state_under_review, state_under_review_name, cycle, session,
    paragraph, text, recommending_states, recommending_state_names, response,
    response_source, themes, theme_slugs, sdgs, affected_groups, action_category,
    government_status, civil_society_status, uhri_annotation_id, wg_report_symbol,
    created_at, updated_at, review, addendum_symbol, recurring, version

Loads in one line (README, "Exports that load in one line", run by
tests/api/test_readme_snippets.py): pandas, polars and duckdb give exactly the rows of
the list's `count`, with integer `id`, `cycle`, `session`, `review`, `version` and a
boolean `recurring` (`true`/`false`); `paragraph` must be read as text (as a number
"180.10" would become 180.1).
Every line ends with `\n` (a line break inside a quoted `text` stays as it is).
Multi-valued columns (recommending_states as ISO3 codes, recommending_state_names,
themes, theme_slugs, sdgs as numbers, affected_groups) hold a JSON array, e.g.
`["DEU", "FRA"]` or `[5, 16]` — no separator can collide with a name (a theme is called
"Children: definition; general principles; protection"): `json.loads(cell)`, polars
`pl.col("themes").str.json_decode()`, duckdb `from_json(themes, '["VARCHAR"]')`.
`url` is the API detail URL and `page_url` the human page of the recommendation,
both on the host the export was asked from. In CSV and XLSX a text cell that starts
with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so
spreadsheets show it instead of running it as a formula.
CSV is UTF-8 with a byte-order mark (Excel needs it to read accents). JSON is an
array of objects with the same keys, multiple values as arrays.

JSON Lines (`format=jsonl`) has one such object per line, for pipelines.

A cut-off download is detectable without a trailer row: the response is streamed
with chunked transfer encoding (gzip if asked), and a failure while streaming ends it
without its last chunk, so HTTP clients raise an error (pandas, polars and duckdb
do); `X-Total-Count` gives the number of rows counted when the request came in; the
JSON array is closed (`]`) only after the last row. With `end_marker=1` the CSV's
last row is the trailer `#END,<number of rows>` and the JSON Lines file ends with the
line `{"_end": true, "rows": <number of rows>}` (the importer skips both). A HEAD
request gets the headers (and `X-Total-Count`) without the file being built.

On PostgreSQL the rows are formatted by the database: CSV comes from
`COPY (SELECT …) TO STDOUT WITH CSV` (formula guard in the SELECT), JSON and JSON
Lines from `json_build_object` through the same COPY, read by a thread into a small
bounded queue, so memory stays flat whatever the size. XLSX (bold, frozen header
row with an autofilter, fitting column widths, wrapped `text`) is written with
openpyxl's write-only mode from a server-side cursor into a temporary file, then
sent. On SQLite the same files are built in Python.
"""

import csv
import io
import json
import queue
import tempfile
import threading
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings
from django.db import connection
from django.db.models import Expression, F, QuerySet, TextField, Value
from django.db.models.functions import Cast, Concat
from django.http import FileResponse, HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from core.text import SQL_CONTROL_CLASS, strip_control

from .export_i18n import RowLocalizer, export_language, header_row
from .models import Recommendation
from .rows import IsoTimestamp, fast, related_array
from .serializers import detail_url_template, iter_row_chunks

# The first cell of the optional last line that says how many rows came before it
# (imports.readers.app_export skips it when the file is read back).
TRAILER_MARK = "#END"

COLUMNS = (
    "id", "url", "page_url", "state_under_review", "state_under_review_name", "cycle",
    "session", "paragraph", "text", "recommending_states", "recommending_state_names", "response",
    "response_source", "themes", "theme_slugs", "sdgs", "affected_groups", "action_category",
    "government_status", "civil_society_status", "uhri_annotation_id", "wg_report_symbol",
    "created_at", "updated_at", "review", "addendum_symbol", "recurring", "version",
)
FORMATS = ("csv", "xlsx", "json", "jsonl")
# Kept for callers that join lists for people (reports); the export writes JSON arrays.
SEPARATOR = "; "
LINE_END = "\n"
BOOLEAN_COLUMNS = frozenset({"recurring"})
CHUNK_SIZE = 2000
# PostgreSQL's work_mem for the export query (per hash/sort; settings.EXPORT_WORK_MEM).
EXPORT_WORK_MEM = getattr(settings, "EXPORT_WORK_MEM", "256MB")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Columns that may hold text a spreadsheet would run: guarded in CSV and XLSX.
TEXT_COLUMNS = frozenset(COLUMNS) - {"id", "cycle", "session", "action_category", "review",
                                     "recurring", "version"}
# XLSX column widths (characters); others get DEFAULT_WIDTH. `text` wraps.
WIDTHS = {"id": 8, "url": 45, "page_url": 45, "state_under_review": 8,
          "state_under_review_name": 22, "cycle": 7, "session": 8, "paragraph": 10,
          "text": 80, "recommending_states": 20, "recommending_state_names": 30,
          "response": 12, "response_source": 30, "themes": 35, "theme_slugs": 30,
          "sdgs": 10, "affected_groups": 30, "action_category": 10,
          "government_status": 18, "civil_society_status": 18, "uhri_annotation_id": 20,
          "wg_report_symbol": 18, "created_at": 22, "updated_at": 22, "review": 8,
          "addendum_symbol": 22, "recurring": 10, "version": 8}
DEFAULT_WIDTH = 15
WRAPPED = frozenset({"text"})
# Multi-valued columns: (relation, order, field).
MULTI = {
    "recommending_states": ("recommending_states", "state__name", "state__iso3"),
    "recommending_state_names": ("recommending_states", "state__name", "state__name"),
    "themes": ("themes", "theme__name", "theme__name"),
    "theme_slugs": ("themes", "theme__name", "theme__slug"),
    "sdgs": ("sdgs", "sdg_id", "sdg_id"),
    "affected_groups": ("affected_groups", "affectedgroup__name", "affectedgroup__name"),
}


def url_templates(request: HttpRequest | None = None) -> tuple[str, str]:
    """(API detail URL, page URL) of a recommendation with `{}` for the id: on the
    request's host when there is one, else on SITE_URL."""
    page = reverse("recommendations:recommendation_detail", args=[0]).replace("/0/", "/{}/")
    base = (request.build_absolute_uri("/").rstrip("/") if request is not None
            else settings.SITE_URL)
    return detail_url_template(request), base + page


def _url_expression(template: str) -> Expression:
    prefix, suffix = template.split("{}")
    return Concat(Value(prefix), Cast("id", TextField()), Value(suffix),
                  output_field=TextField())


# PostgreSQL: the rows formatted by the database.

def _joined(relation: str, order: str, field: str) -> Expression:
    """The values as a JSON array text (`["DEU","FRA"]`)."""
    return Cast(related_array(relation, order, value=field), TextField())


def column_expressions(*, as_lists: bool,
                       request: HttpRequest | None = None) -> dict[str, Expression]:
    """Each export column as an ORM expression, in COLUMNS order; multiple values as
    JSON array texts, or as JSON arrays when `as_lists`."""
    api_url, page_url = url_templates(request)
    single = {
        "id": F("id"),
        "url": _url_expression(api_url),
        "page_url": _url_expression(page_url),
        "state_under_review": F("review__state__iso3"),
        "state_under_review_name": F("review__state__name"),
        "cycle": F("review__session__cycle__number"),
        "session": F("review__session__number"),
        "paragraph": F("paragraph"),
        "text": F("text"),
        "response": F("response"),
        "response_source": F("response_source"),
        "action_category": F("action_category"),
        "government_status": F("government_status"),
        "civil_society_status": F("civil_society_status"),
        "uhri_annotation_id": F("uhri_annotation_id"),
        "wg_report_symbol": F("review__wg_report_symbol"),
        "created_at": IsoTimestamp("created_at"),
        "updated_at": IsoTimestamp("updated_at"),
        "review": F("review_id"),
        "addendum_symbol": F("review__addendum_symbol"),
        "recurring": F("recurring"),
        "version": F("version"),
    }
    out = {}
    for name in COLUMNS:
        if name in MULTI:
            relation, order, field = MULTI[name]
            out[name] = (related_array(relation, order, value=field) if as_lists
                         else _joined(relation, order, field))
        else:
            out[name] = single[name]
    return out


def _sql_guard(column: str) -> str:
    """The formula guard in SQL, after control characters are removed (a leading
    `\\x01` must not hide `=`); empty text as NULL, which COPY writes as an empty field
    (as Python's csv module writes "")."""
    clean = f"regexp_replace({column}, E'{SQL_CONTROL_CLASS}', '', 'g')"
    return (f"CASE WHEN left({clean}, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r') "
            f"THEN '''' || {clean} ELSE NULLIF({clean}, '') END")


# The multi-valued columns in bulk: one aggregate per relation over the selected rows,
# joined by hash, instead of a correlated subquery per row (several times faster).
# alias -> (FROM … JOIN …, ORDER BY, {column: value expression})
AGGREGATES = {
    "rs": ("recommendations_recommendation_recommending_states t "
           "JOIN states_state x ON x.id = t.state_id", "x.name",
           {"recommending_states": "x.iso3", "recommending_state_names": "x.name"}),
    "th": ("recommendations_recommendation_themes t "
           "JOIN recommendations_theme x ON x.id = t.theme_id", "x.name",
           {"themes": "x.name", "theme_slugs": "x.slug"}),
    "sd": ("recommendations_recommendation_sdgs t", "t.sdg_id", {"sdgs": "t.sdg_id"}),
    "ag": ("recommendations_recommendation_affected_groups t "
           "JOIN recommendations_affectedgroup x ON x.id = t.affectedgroup_id", "x.name",
           {"affected_groups": "x.name"}),
}


def _ordering(queryset: QuerySet) -> list[tuple[str, bool]]:
    """(field, descending) of the queryset's ordering, id last."""
    ordering = [o for o in (queryset.query.order_by or Recommendation._meta.ordering)
                if isinstance(o, str)]
    keys = [(o.lstrip("-"), o.startswith("-")) for o in ordering]
    if not any(name in ("id", "pk") for name, _desc in keys):
        keys.append(("id", False))
    return keys


def export_select(queryset: QuerySet, *, as_json: bool,
                  request: HttpRequest | None = None) -> tuple[str, tuple]:
    """One SELECT for the whole export of `queryset`: a row per recommendation with the
    export columns (CSV: guarded text, multiple values as JSON arrays; JSON: one json
    text)."""
    singles = {name: e for name, e in column_expressions(as_lists=False, request=request).items()
               if name not in MULTI}
    keys = _ordering(queryset)
    selected = {f"c{i}": e for i, e in enumerate(singles.values())}
    selected |= {f"o{i}": F(name) for i, (name, _desc) in enumerate(keys)}
    sql, params = queryset.order_by().values(**selected).query.sql_with_params()
    column = dict(zip(singles, (f"r.c{i}" for i in range(len(singles))), strict=True))
    joins = []
    for alias, (source, order, values) in AGGREGATES.items():
        aggregates = ", ".join(
            (f"json_agg({v} ORDER BY {order}) AS {name}" if as_json else
             f"json_agg({v} ORDER BY {order})::text AS {name}")
            for name, v in values.items())
        joins.append(f"LEFT JOIN (SELECT t.recommendation_id AS rid, {aggregates} FROM {source} "
                     f"WHERE t.recommendation_id IN (SELECT c0 FROM r) "
                     f"GROUP BY t.recommendation_id) {alias} ON {alias}.rid = r.c0")
        empty = "'[]'::json" if as_json else "'[]'"
        column |= {name: f"coalesce({alias}.{name}, {empty})" for name in values}
    if as_json:
        pairs = ", ".join(f"'{name}', {column[name]}" for name in COLUMNS)
        select = f"json_build_object({pairs})::text"
    else:
        select = ", ".join(
            _sql_guard(column[name]) if name in TEXT_COLUMNS
            else f"CASE WHEN {column[name]} THEN 'true' ELSE 'false' END"
            if name in BOOLEAN_COLUMNS else column[name]
            for name in COLUMNS)
    order = ", ".join(f"r.o{i}{' DESC' if desc else ''}" for i, (_n, desc) in enumerate(keys))
    return (f"WITH r AS MATERIALIZED ({sql}) SELECT {select} FROM r {' '.join(joins)} "
            f"ORDER BY {order}", params)


def _csv_copy_sql(queryset: QuerySet, request: HttpRequest | None = None) -> str:
    return _copy_sql(*export_select(queryset, as_json=False, request=request), "CSV")


def _json_copy_sql(queryset: QuerySet, request: HttpRequest | None = None) -> str:
    # CSV with a delimiter and quote that JSON text never holds raw: lines as they are.
    return _copy_sql(*export_select(queryset, as_json=True, request=request),
                     "CSV, DELIMITER E'\\x02', QUOTE E'\\x01'")


def _copy_sql(select: str, params, options: str) -> str:
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        select = cursor.mogrify(select, params).decode()
    return f"COPY ({select}) TO STDOUT WITH (FORMAT {options})"


class _Done:
    def __init__(self, rows: int) -> None:
        self.rows = rows


class _Stopped(Exception):
    pass


class _QueueWriter:
    """The file psycopg2's copy_expert writes to: hands ~256 KB pieces to a bounded
    queue (the response generator reads them), so memory stays flat."""

    PIECE = 256 * 1024

    def __init__(self, pieces: queue.Queue, stop: threading.Event) -> None:
        self.pieces, self.stop = pieces, stop
        self.buffer: list[bytes] = []
        self.size = 0

    def write(self, data) -> None:
        self.buffer.append(data if isinstance(data, bytes) else data.encode())
        self.size += len(data)
        if self.size >= self.PIECE:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.put(b"".join(self.buffer))
            self.buffer, self.size = [], 0

    def put(self, item) -> None:
        while True:
            if self.stop.is_set():
                raise _Stopped
            try:
                self.pieces.put(item, timeout=0.5)
                return
            except queue.Full:
                continue


def copy_stream(copy_sql: str) -> Iterator[bytes | _Done]:
    """Pieces of COPY's output, then _Done(rows). COPY runs in a thread on this
    request's connection (the caller only waits on the queue meanwhile)."""
    connection.ensure_connection()
    raw = connection.connection
    pieces: queue.Queue = queue.Queue(maxsize=8)
    stop = threading.Event()
    writer = _QueueWriter(pieces, stop)

    def run() -> None:
        try:
            with raw.cursor() as cursor:
                # Hashes and the final sort in memory rather than spilled to disk.
                cursor.execute("SET work_mem = %s", [EXPORT_WORK_MEM])
                try:
                    cursor.copy_expert(copy_sql, writer)
                    rows = cursor.rowcount
                finally:
                    if not raw.closed and raw.get_transaction_status() in (0, 2):
                        cursor.execute("RESET work_mem")
            writer.flush()
            writer.put(_Done(rows))
        except _Stopped:
            pass
        except Exception as exc:  # handed to the reader, which raises it
            try:
                writer.put(exc)
            except _Stopped:
                pass

    thread = threading.Thread(target=run, name="export-copy", daemon=True)
    thread.start()
    finished = False
    try:
        while True:
            item = pieces.get()
            if isinstance(item, Exception):
                raise item
            yield item
            if isinstance(item, _Done):
                finished = True
                return
    finally:
        if not finished:
            # The client went away (or the read failed): stop COPY, free the thread.
            stop.set()
            if thread.is_alive():
                raw.cancel()
        thread.join()


def _fast_export_rows(queryset: QuerySet,
                      request: HttpRequest | None = None) -> Iterator[dict[str, Any]]:
    expressions = column_expressions(as_lists=False, request=request)
    names = list(expressions)
    for values in queryset.values_list(*expressions.values()).iterator(chunk_size=CHUNK_SIZE):
        yield dict(zip(names, values, strict=True))


# Any database: the rows assembled in Python.

def _raw_rows(queryset: QuerySet,
             request: HttpRequest | None = None) -> Iterator[dict[str, Any]]:
    """Export rows with multiple values as lists (JSON keeps them so)."""
    api_url, page_url = url_templates(request)
    for chunk in iter_row_chunks(queryset, chunk_size=CHUNK_SIZE, url_template=api_url):
        for row in chunk:
            yield {
                "id": row["id"],
                "url": row["url"],
                "page_url": page_url.format(row["id"]),
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
                "review": row["review"],
                "addendum_symbol": row["addendum_symbol"],
                "recurring": row["recurring"],
                "version": row["version"],
            }


def _json_array(values: list) -> str:
    # As PostgreSQL writes a json_agg: the COPY and Python paths give the same bytes.
    return json.dumps(values, ensure_ascii=False)


def python_export_rows(queryset: QuerySet,
                       request: HttpRequest | None = None) -> Iterator[dict[str, Any]]:
    """export_rows assembled in Python from the API rows (any database)."""
    for row in _raw_rows(queryset, request):
        for key, value in row.items():
            if isinstance(value, list):
                row[key] = _json_array(value)
        yield row


def _use_copy(queryset: QuerySet, use_copy: bool | None) -> bool:
    """The database formats the rows on PostgreSQL (an empty queryset has no SQL)."""
    if use_copy is None:
        use_copy = fast()
    return use_copy and not queryset.query.is_empty()


def export_rows(queryset: QuerySet,
                request: HttpRequest | None = None) -> Iterator[dict[str, Any]]:
    """One dict per recommendation, keys in COLUMNS order, multiple values as JSON
    array texts."""
    if _use_copy(queryset, None):
        return _fast_export_rows(queryset, request)
    return python_export_rows(queryset, request)


def guard_formula(value: Any) -> Any:
    """Make a text cell inert in a spreadsheet (OWASP "CSV injection"), after removing
    control characters: XLSX drops them anyway, so `\x01=HYPERLINK(…)` guarded first
    would become a live formula (issue 22)."""
    if isinstance(value, str):
        value = strip_control(value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def _cells(row: dict[str, Any]) -> list[Any]:
    return ["" if row[c] is None else guard_formula(row[c]) for c in COLUMNS]


def _csv_cells(row: dict[str, Any]) -> list[Any]:
    """CSV cells: booleans as `true`/`false`, as the COPY path writes them."""
    return [("true" if v else "false") if isinstance(v, bool) else v for v in _cells(row)]


class _Echo:
    """A file that hands back what is written, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def _writer():
    return csv.writer(_Echo(), lineterminator=LINE_END)


def _trailer(rows: int) -> str:
    return _writer().writerow([TRAILER_MARK, rows])


def _localized_rows(queryset: QuerySet, language: str,
                    request: HttpRequest | None = None) -> Iterator[dict[str, Any]]:
    localize = RowLocalizer(language)
    for row in _raw_rows(queryset, request):
        row = localize(row)
        for key, value in row.items():
            if isinstance(value, list):
                row[key] = _json_array(value)
        yield row


def iter_csv(queryset: QuerySet, *, use_copy: bool | None = None,
             language: str | None = None, request: HttpRequest | None = None,
             end_marker: bool = False) -> Iterator[str | bytes]:
    """The CSV: BOM and header, the rows, then (with `end_marker`) the trailer row
    `#END,<rows>`.

    `language` (the `lang` parameter, e.g. `fr`) localizes the header row and the name
    columns; codes stay. Localized rows are built in Python; the default English export
    streams from PostgreSQL's COPY."""
    language = export_language(language)
    writer = _writer()
    yield "\ufeff" + writer.writerow(header_row(COLUMNS, language))
    if not language and _use_copy(queryset, use_copy):
        for piece in copy_stream(_csv_copy_sql(queryset, request)):
            if not isinstance(piece, _Done):
                yield piece
            elif end_marker:
                yield _trailer(piece.rows)
        return
    rows = 0
    for row in (_localized_rows(queryset, language, request) if language
                else python_export_rows(queryset, request)):
        rows += 1
        yield writer.writerow(_csv_cells(row))
    if end_marker:
        yield _trailer(rows)


def _encoded(pieces) -> Iterator[bytes]:
    for piece in pieces:
        yield piece.encode("utf-8") if isinstance(piece, str) else piece


def write_csv(queryset: QuerySet, fileobj: IO) -> None:
    """Write the CSV (with BOM) to a text or binary file."""
    if isinstance(fileobj, io.TextIOBase):
        for piece in iter_csv(queryset):
            fileobj.write(piece if isinstance(piece, str) else piece.decode("utf-8"))
        return
    for piece in _encoded(iter_csv(queryset)):
        fileobj.write(piece)


def _xlsx_cell(value: Any) -> Any:
    # guard_formula strips control characters first (openpyxl refuses them); what is
    # left for ILLEGAL_CHARACTERS_RE is a safety net that cannot expose a formula.
    value = guard_formula(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def write_xlsx(queryset: QuerySet, fileobj: IO, language: str | None = None,
               request: HttpRequest | None = None) -> None:
    """Write an XLSX workbook (one sheet, header row) to a binary file or path.

    openpyxl's write-only mode streams rows to disk, so memory stays flat. The header
    row is bold, frozen and carries an autofilter; columns have fitting widths and the
    long `text` column wraps.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Recommendations")
    language = export_language(language)
    # Write-only sheets take widths, panes and the filter before the first row.
    for number, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = WIDTHS.get(
            column, DEFAULT_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}1"
    bold = Font(bold=True)
    header = []
    for value in header_row(COLUMNS, language):
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    wrapped = [i for i, column in enumerate(COLUMNS) if column in WRAPPED]
    wrap = Alignment(wrap_text=True, vertical="top")
    rows = (_localized_rows(queryset, language, request) if language
            else export_rows(queryset, request))
    for row in rows:
        cells = [_xlsx_cell(v) for v in _cells(row)]
        for i in wrapped:
            cell = WriteOnlyCell(sheet, value=cells[i])
            cell.alignment = wrap
            cells[i] = cell
        sheet.append(cells)
    workbook.save(fileobj)


def _json_lines(queryset: QuerySet, use_copy: bool | None,
                request: HttpRequest | None = None) -> Iterator[bytes | _Done]:
    """Each row as one line of JSON (bytes ending in a newline), then _Done(rows)."""
    if _use_copy(queryset, use_copy):
        yield from copy_stream(_json_copy_sql(queryset, request))
        return
    rows = 0
    for row in _raw_rows(queryset, request):
        rows += 1
        yield (json.dumps(row, ensure_ascii=False) + "\n").encode()
    yield _Done(rows)


def iter_json(queryset: QuerySet, *, use_copy: bool | None = None,
              request: HttpRequest | None = None) -> Iterator[bytes]:
    """A JSON array, closed only once the last row was read."""
    yield b"["
    started = False
    for piece in _json_lines(queryset, use_copy, request):
        if isinstance(piece, _Done):
            yield b"\n]\n" if started else b"]\n"
            return
        # Lines end with "\n": as separators they become ",\n" before the next row.
        body = piece[:-1].replace(b"\n", b",\n")
        yield (b",\n" if started else b"") + body
        started = True
    # No _Done: the array stays open, visibly incomplete.


def iter_jsonl(queryset: QuerySet, *, use_copy: bool | None = None,
               request: HttpRequest | None = None, end_marker: bool = False) -> Iterator[bytes]:
    """JSON Lines; with `end_marker`, then the line {"_end": true, "rows": N}."""
    for piece in _json_lines(queryset, use_copy, request):
        if isinstance(piece, _Done):
            if end_marker:
                yield json.dumps({"_end": True, "rows": piece.rows}).encode() + b"\n"
            return
        yield piece


def _filename(extension: str) -> str:
    return f"upr-recommendations-{timezone.now():%Y%m%d-%H%M%S}.{extension}"


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "jsonl": "application/jsonl",
}


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_response(queryset: QuerySet, fmt: str, language: str | None = None,
                    request: HttpRequest | None = None, *, end_marker: bool = False,
                    total: int | None = None) -> HttpResponseBase:
    """The HTTP response streaming `queryset` in `fmt` (one of FORMATS); `language`
    (the `lang` parameter) localizes the CSV/XLSX headers and name columns; the `url`
    and `page_url` columns are on `request`'s host (SITE_URL without a request).
    `total` (the rows counted) goes in `X-Total-Count`; a HEAD request gets the headers
    only, the file is not built."""
    if request is not None and request.method == "HEAD":
        from django.http import HttpResponse

        response = HttpResponse(content_type=XLSX_TYPE if fmt == "xlsx"
                                else CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{_filename(fmt)}"'
        if total is not None:
            response["X-Total-Count"] = str(total)
        return response
    if fmt == "xlsx":
        # XLSX is a zip, written whole before sending: to a temporary file, not memory.
        tmp = tempfile.TemporaryFile(suffix=".xlsx")
        write_xlsx(queryset, tmp, language, request)
        tmp.seek(0)
        response = FileResponse(tmp, as_attachment=True, filename=_filename("xlsx"),
                                content_type=XLSX_TYPE)
    else:
        streams = {
            "csv": lambda: _encoded(iter_csv(queryset, language=language, request=request,
                                             end_marker=end_marker)),
            "json": lambda: iter_json(queryset, request=request),
            "jsonl": lambda: iter_jsonl(queryset, request=request, end_marker=end_marker)}
        if fmt not in streams:
            raise ValueError(f"unknown export format {fmt!r}")
        response = StreamingHttpResponse(streams[fmt](), content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{_filename(fmt)}"'
    if total is not None:
        response["X-Total-Count"] = str(total)
    return response
