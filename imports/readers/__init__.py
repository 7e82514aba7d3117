"""Import recommendations from the files people have.

Formats (detected from the content, never from the file name):

* `upr-info`   UPR Info database export: CSV (UTF-8, cp1252 or Mac Roman, any line
               endings), the original .xls, or .xlsx
* `uhri`       OHCHR Universal Human Rights Index export: XLSX, CSV or JSON
* `ohchr-list` OHCHR thematic list of recommendations (.docx)
* `app-export` this app's own CSV/XLSX export
* `un-report`  the Working Group report itself (PDF or .docx), see `un_documents`
* `un-addendum` the State's addendum with its responses (PDF or .docx)

`read_file()` parses a file into rows without touching the database;
`imports.pipeline.import_file()` is the one entry point that writes (command, upload
page, Celery task).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .core import ImportFailed, ImportReport, ImportRow, ParsedFile

FORMATS = ("upr-info", "uhri", "ohchr-list", "app-export", "un-report", "un-addendum")

__all__ = ["FORMATS", "ImportFailed", "ImportReport", "ImportRow", "ParsedFile", "read_file"]


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
    from . import document_text, un_documents

    file_type = "pdf" if document_text.is_pdf(path) else files.detect_file_type(path)
    if file_type == "doc":
        raise ImportFailed("This is an old Word 97–2003 document (.doc), which this importer "
                           "cannot read. .doc: save it as .docx (in Word or LibreOffice: "
                           "File › Save as › Word document .docx) and import that file.")
    if file_type in ("xls", "text", "json"):
        files.refuse_office_variant(path, file_type)
    notes: list[str] = []
    if file_type == "pdf" or (file_type == "docx" and (
            fmt in un_documents.FORMATS or fmt == "auto" and
            un_documents.looks_like_un_document(path, file_type))):
        if fmt not in ("auto", *un_documents.FORMATS):
            raise ImportFailed(f"The file is a UN document (PDF or Word), not a {fmt} file.")
        parsed = un_documents.read_un_document(path, file_type, is_state_name)
        if fmt != "auto" and parsed.format != fmt:
            raise ImportFailed(f"The document is a {parsed.format}, not a {fmt}.")
        return parsed
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
    if chosen in ("un-report", "un-addendum"):
        raise ImportFailed("UN documents are PDF or .docx files; this is a table.")
    {"upr-info": upr_info, "uhri": uhri, "app-export": app_export}[chosen].parse_rows(
        header, rows, parsed)
    return parsed
