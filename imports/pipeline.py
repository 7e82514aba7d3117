"""Importing a file: read it (imports.readers), match its rows to the database and
write them (imports.write), all of it or — on any error — nothing.

`import_file()` is the one entry point (command, upload page, Celery task).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from imports import write
from imports.parsing import state_name_checker
from imports.readers import ImportFailed, ImportReport, read_file, un_documents
from imports.readers.files import ZIP_READ_ERRORS, check_row_count
from states.models import State, normalize_name


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
        elif known is not None and known != state:
            report.errors.append({"row": None, "message": f"alias {name!r}: this name already "
                                  f"means {known.name} ({known.iso3})"})
        elif known is None:
            new_aliases[name] = state
            alias_map[normalize_name(name)] = state
    if report.errors:
        return report
    alias_map._compact = None  # the new names count for the whitespace-blind key too
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
