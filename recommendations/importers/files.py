"""Reading files safely: the real type from magic bytes, zip bombs, text encodings,
and tables (CSV, XLS, XLSX) as rows of cells.

Nothing here runs code from a file: spreadsheets are read for cell values only
(no macros, no formulas evaluated), and XML parts that declare a DTD are refused
so entity expansion ("billion laughs", external entities) cannot happen in
openpyxl's or python-docx's XML parsers.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from .core import ImportFailed, cell_text

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

# Generous for real files (the 254-row OHCHR list is 92 KB zipped, ~1 MB unzipped),
# small enough that a crafted archive cannot exhaust memory or disk.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000
MAX_COMPRESSION_RATIO = 200


def max_uncompressed_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", MAX_UNCOMPRESSED_BYTES)


def sniff_type(head: bytes, zip_names: list[str] | None = None) -> str:
    """The file's real type from its first bytes: xls, xlsx, docx, zip, json, text, binary."""
    if head.startswith(OLE_MAGIC):
        return "xls"
    if head.startswith(ZIP_MAGIC):
        names = set(zip_names or [])
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "zip"
    if b"\x00" in head:
        return "binary"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"[", b"{"):
        return "json"
    return "text"


def check_zip(source) -> list[str]:
    """Refuse zip bombs before anything opens the archive; return its member names.

    Looks only at the central directory (declared sizes: zipfile never
    inflates a member past its declared size) and at the first bytes of each
    XML part, where a DTD would have to be.
    """
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFailed(f"The file is not a valid zip archive (xlsx/docx): {exc}") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise ImportFailed(f"The archive has {len(infos)} members (at most "
                               f"{MAX_ZIP_MEMBERS} allowed).")
        total = sum(info.file_size for info in infos)
        if total > max_uncompressed_bytes():
            raise ImportFailed(f"The archive would expand to {total:,} bytes (at most "
                               f"{max_uncompressed_bytes():,} allowed).")
        for info in infos:
            if info.compress_size and info.file_size / info.compress_size > \
                    MAX_COMPRESSION_RATIO and info.file_size > 1024 * 1024:
                raise ImportFailed(f"Archive member {info.filename} is compressed suspiciously "
                                   f"well (a zip bomb?).")
        for info in infos:
            if info.filename.endswith((".xml", ".rels")):
                with archive.open(info) as member:
                    head = member.read(4096)
                if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                    raise ImportFailed(f"Archive member {info.filename} declares a DTD; "
                                       "such files are refused.")
        return [info.filename for info in infos]


def detect_file_type(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(8192)
    names = check_zip(path) if head.startswith(ZIP_MAGIC) else None
    return sniff_type(head, names)


# --- text encodings -------------------------------------------------------------------

_PLAUSIBLE_PUNCT = set("’‘“”–—…«»°€£§©®·")


def _plausibility(text: str) -> int:
    """How much the non-ASCII characters of a decoding look like real prose.

    Letters inside words and typographic quotes score; symbols that only appear
    when a byte is decoded with the wrong table (`‡`, `Ž`, `ˆ`, `™` in the middle
    of a word) cost.
    """
    score = 0
    for i, ch in enumerate(text):
        if ord(ch) < 128:
            continue
        prev = text[i - 1] if i else " "
        category = unicodedata.category(ch)
        if category == "Ll" and "\u00c0" <= ch <= "\u024f":
            score += 2
        elif category == "Lu" and "\u00c0" <= ch <= "\u024f":
            score += 1 if not prev.isalpha() or prev.isupper() else -2
        elif ch in _PLAUSIBLE_PUNCT:
            score += 1
        elif ch == "\u00a0":
            score += 0
        else:
            score -= 3
    return score


def decode_text(raw: bytes) -> tuple[str, str]:
    """Decode bytes of unknown encoding: UTF-8 strictly, else cp1252 or Mac Roman,
    whichever reads more plausibly (ties go to cp1252, the commoner). Returns
    (text, encoding)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates: list[tuple[int, int, str, str]] = []
    for preference, encoding in enumerate(("cp1252", "mac_roman")):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidates.append((_plausibility(text), -preference, text, encoding))
    if not candidates:
        return raw.decode("latin-1"), "latin-1"
    _score, _pref, text, encoding = max(candidates)
    return text, encoding


def line_ending_name(text: str) -> str:
    if "\r\n" in text:
        return "CRLF"
    if "\r" in text and "\n" not in text:
        return "CR"
    return "LF"


# --- tables ---------------------------------------------------------------------------

Table = tuple[list[str], Iterator[tuple[int, list]]]


def read_csv_text(text: str) -> tuple[list[str], list[tuple[int, list]]]:
    """Rows of a CSV (any line endings); row numbers count the header as row 1."""
    first_line = text.split("\n", 1)[0].split("\r", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return [], []
    rows = [(number, row) for number, row in enumerate(reader, start=2) if any(row)]
    return header, rows


def read_xls(path: Path) -> tuple[list[str], list[tuple[int, list]]]:
    # calamine reads the UPR Info .xls whose OLE directory is corrupt, where xlrd
    # needs ignore_workbook_corruption=True; both only read cell values.
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        values = workbook.get_sheet_by_index(0).to_python()
    except Exception as exc:  # calamine raises its own error types
        raise ImportFailed(f"The .xls workbook cannot be read: {exc}") from exc
    if not values:
        return [], []
    header = [cell_text(h) for h in values[0]]
    return header, [(n, [cell_text(v) for v in row]) for n, row in enumerate(values[1:], 2)
                    if any(v not in (None, "") for v in row)]


def read_xlsx(path: Path) -> tuple[list[str], list[tuple[int, list]]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFailed(f"The .xlsx workbook cannot be read: {exc}") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [cell_text(h) for h in next(rows, ())]
        while header and not header[-1]:
            header.pop()
        body = [(n, [cell_text(v) for v in row]) for n, row in enumerate(rows, start=2)
                if any(v not in (None, "") for v in row)]
    finally:
        workbook.close()
    return header, body
