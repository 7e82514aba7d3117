"""Import recommendations from the files people have.

Formats (detected from the content, never from the file name):

* `upr-info`   UPR Info database export: CSV (UTF-8, cp1252 or Mac Roman, any line
               endings), the original .xls, or .xlsx
* `uhri`       OHCHR Universal Human Rights Index export: XLSX, CSV or JSON
* `ohchr-list` OHCHR thematic list of recommendations (.docx)
* `app-export` this app's own CSV/XLSX export
* `un-report`  the Working Group report itself (PDF or .docx), see `un_documents`
* `un-addendum` the State's addendum with its responses (PDF or .docx)

`import_file()` is the one entry point (command, upload page, Celery task).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .core import ImportFailed, ImportReport, ImportRow, ParsedFile
from .uploads import validate_upload

FORMATS = ("upr-info", "uhri", "ohchr-list", "app-export", "un-report", "un-addendum")

__all__ = ["FORMATS", "ImportFailed", "ImportReport", "ImportRow", "import_file",
           "parse_alias_options", "read_file", "validate_upload"]


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


def parse_alias_options(values: list[str]) -> dict[str, str]:
    """`["Sierra Leo=SLE", ...]` → {"Sierra Leo": "SLE"}; ImportFailed if malformed."""
    aliases: dict[str, str] = {}
    for value in values or []:
        name, sep, iso3 = value.rpartition("=")
        if not sep or not name.strip() or not iso3.strip():
            raise ImportFailed(f"--alias {value!r}: write it as \"NAME=ISO3\"")
        aliases[name.strip()] = iso3.strip().upper()
    return aliases


def import_file(path: str | Path, *, fmt: str = "auto", state_iso3: str | None = None,
                session: int | None = None, dry_run: bool = False, user=None,
                progress: Callable[[int, int], None] | None = None,
                aliases: dict[str, str] | None = None,
                source_name: str = "") -> ImportReport:
    """Import one file: all of it, or — on any error — nothing. See ImportReport.

    `aliases`: name → ISO3 for names the file uses that no State goes by yet; they are
    saved as State aliases with the import (not on a dry run, not if it fails).
    `source_name`: the file's name as its owner knows it, for the provenance records.
    """
    from recommendations.parsing import state_name_checker
    from states.models import ALIAS_MAX_LENGTH, State, alias_conflict, normalize_name

    from . import write

    path = Path(path)
    report = ImportReport(path=str(path), dry_run=dry_run)
    alias_map = State.objects.alias_map()
    new_aliases: dict[str, State] = {}
    by_iso3 = {s.iso3: s for s in set(alias_map.values())} if aliases else {}
    for name, iso3 in (aliases or {}).items():
        state = by_iso3.get((iso3 or "").upper())
        known = alias_map.get(normalize_name(name))
        if state is None:
            report.errors.append({"row": None, "message": f"alias {name!r}: {iso3!r} is not "
                                  "the ISO 3166 alpha-3 code of a known State"})
        elif not normalize_name(name):
            report.errors.append({"row": None, "message": f"alias {name!r} has no letters"})
        elif (len(" ".join(name.split())) > ALIAS_MAX_LENGTH
              or len(normalize_name(name)) > ALIAS_MAX_LENGTH):
            report.errors.append({"row": None, "message": f"alias {name[:40]!r}…: an alias "
                                  f"may have at most {ALIAS_MAX_LENGTH} characters"})
        elif (known := alias_conflict(normalize_name(name), state, alias_map)) is not None \
                and known != state:
            report.errors.append({"row": None, "message": f"alias {name!r}: this name already "
                                  f"means {known.name} ({known.iso3})"})
        elif known is None:
            new_aliases[name] = state
            alias_map[normalize_name(name)] = state
    if report.errors:
        return report
    alias_map._compact = None  # the new names count for the whitespace-blind key too
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
    if parsed.format in ("un-report", "un-addendum"):
        from . import un_documents

        if not report.errors:
            un_documents.import_parsed(parsed, report, state_iso3=state_iso3, session=session,
                                       dry_run=dry_run, user=user, progress=progress,
                                       alias_map=alias_map)
        if report.errors:
            report.created = report.updated = report.unchanged = 0
        return report
    write.run(parsed, report, state_iso3=state_iso3, session=session, dry_run=dry_run,
              user=user, progress=progress, alias_map=alias_map, source_name=source_name,
              new_aliases=new_aliases)
    if report.errors:
        report.created = report.updated = report.unchanged = 0
    return report
