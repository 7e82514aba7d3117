"""Import recommendations from the files people have.

Formats (detected from the content, never from the file name):

* `upr-info`   UPR Info database export: CSV (UTF-8, cp1252 or Mac Roman, any line
               endings), the original .xls, or .xlsx
* `uhri`       OHCHR Universal Human Rights Index export: XLSX, CSV or JSON
* `ohchr-list` OHCHR thematic list of recommendations (.docx)
* `app-export` this app's own CSV/XLSX export

`import_file()` is the one entry point (command, upload page, Celery task).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .core import ImportFailed, ImportReport, ImportRow, ParsedFile
from .uploads import validate_upload

FORMATS = ("upr-info", "uhri", "ohchr-list", "app-export")

__all__ = ["FORMATS", "ImportFailed", "ImportReport", "ImportRow", "import_file",
           "read_file", "validate_upload"]


def _table_format(header: list[str]) -> str:
    from . import app_export, uhri, upr_info

    if app_export.matches(header):
        return "app-export"
    if uhri.matches(header):
        return "uhri"
    if upr_info.matches(header):
        return "upr-info"
    return ""


def read_file(path: Path, *, fmt: str = "auto",
              is_state_name: Callable[[str], bool] | None = None) -> ParsedFile:
    """Parse a file into rows (no database writes). Raises ImportFailed if unreadable."""
    from . import app_export, files, ohchr_list, uhri, upr_info

    if fmt not in ("auto", *FORMATS):
        raise ImportFailed(f"Unknown format {fmt!r}; use one of auto, {', '.join(FORMATS)}.")
    file_type = files.detect_file_type(path)
    notes: list[str] = []
    if file_type == "docx":
        parsed = ParsedFile(format="ohchr-list")
        if fmt not in ("auto", "ohchr-list"):
            raise ImportFailed(f"The file is a Word document, not a {fmt} export.")
        parsed.notes.append("File type: Word document (.docx)")
        ohchr_list.parse_document(path, parsed, is_state_name)
        return parsed
    if file_type == "json":
        text, encoding = files.decode_text(path.read_bytes())
        if fmt in ("auto", "app-export") and app_export.json_matches(text):
            parsed = ParsedFile(format="app-export", notes=[f"File type: JSON ({encoding})"])
            try:
                app_export.parse_json(text, parsed)
            except ValueError as exc:
                raise ImportFailed(f"The JSON cannot be read: {exc}") from exc
            return parsed
        if fmt not in ("auto", "uhri") or not uhri.json_matches(text):
            raise ImportFailed("This JSON is neither a UHRI export (AnnotationId, "
                               "UprPositions keys) nor this app's export.")
        parsed = ParsedFile(format="uhri", notes=[f"File type: JSON ({encoding})"])
        try:
            uhri.parse_json(text, parsed)
        except ValueError as exc:
            raise ImportFailed(f"The JSON cannot be read: {exc}") from exc
        return parsed
    if file_type == "xls":
        header, rows = files.read_xls(path)
        notes.append("File type: Excel 97–2003 workbook (.xls)")
    elif file_type == "xlsx":
        header, rows = files.read_xlsx(path)
        notes.append("File type: Excel workbook (.xlsx)")
    elif file_type == "text":
        text, encoding = files.decode_text(path.read_bytes())
        header, rows = files.read_csv_text(text)
        notes.append(f"File type: CSV, encoding {encoding}, line endings "
                     f"{files.line_ending_name(text[:100000])}")
    else:
        raise ImportFailed("The file is not a CSV, XLS, XLSX, DOCX or JSON file "
                           f"(its content looks like: {file_type}).")
    detected = _table_format(header)
    chosen = detected if fmt == "auto" else fmt
    if not chosen:
        raise ImportFailed("The columns match no known format (UPR Info, UHRI, app export): "
                           f"{', '.join(header[:12])}")
    if detected and detected != chosen:
        notes.append(f"The content looks like {detected}; read as {chosen} as asked.")
    parsed = ParsedFile(format=chosen, notes=notes)
    if chosen == "ohchr-list":
        raise ImportFailed("OHCHR thematic lists are .docx files; this is a table.")
    {"upr-info": upr_info, "uhri": uhri, "app-export": app_export}[chosen].parse_rows(
        header, rows, parsed)
    return parsed


def import_file(path: str | Path, *, fmt: str = "auto", state_iso3: str | None = None,
                session: int | None = None, dry_run: bool = False, user=None,
                progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Import one file: all of it, or — on any error — nothing. See ImportReport."""
    from recommendations.parsing import state_name_checker
    from states.models import State

    from . import write

    path = Path(path)
    report = ImportReport(path=str(path), dry_run=dry_run)
    alias_map = State.objects.alias_map()
    from .files import ZIP_READ_ERRORS, check_row_count

    try:
        parsed = read_file(path, fmt=fmt, is_state_name=state_name_checker(alias_map))
        check_row_count(parsed.rows_read)
    except ImportFailed as exc:
        report.errors.append({"row": None, "message": str(exc)})
        return report
    except ZIP_READ_ERRORS as exc:
        report.errors.append({"row": None, "message": f"The file is corrupt and cannot be "
                              f"read ({exc.__class__.__name__}: {exc})."})
        return report
    except OSError as exc:
        report.errors.append({"row": None, "message": f"The file cannot be read: {exc}"})
        return report
    except RecursionError:
        report.errors.append({"row": None, "message": "The file is nested too deeply to be "
                              "read (a JSON document thousands of levels deep?)."})
        return report
    report.detected_format = parsed.format
    report.rows_read = parsed.rows_read
    report.notes += parsed.notes
    report.skipped = dict(parsed.skipped)
    report.errors += parsed.errors
    write.run(parsed, report, state_iso3=state_iso3, session=session, dry_run=dry_run,
              user=user, progress=progress, alias_map=alias_map)
    if report.errors:
        report.created = report.updated = report.unchanged = 0
    return report
