"""Reading files safely: the real type from magic bytes, zip bombs, text encodings,
and tables (CSV, XLS, XLSX) as rows of cells.

Nothing here runs code from a file: spreadsheets are read for cell values only
(no macros, no formulas evaluated). Every zip member that holds XML, whatever its
name or encoding, is parsed in full by a streaming, entity-safe parser
(expat with every DTD and entity hook refusing, as defusedxml does; openpyxl also
uses defusedxml itself once it is installed) before any library opens the archive:
a DTD, an entity declaration or an external reference is refused, so entity
expansion ("billion laughs", external entities) cannot happen in openpyxl's or
python-docx's parsers.

Bounds (settings, README "Deploying safely"): uncompressed bytes per member
(IMPORT_MAX_MEMBER_BYTES) and per archive (IMPORT_MAX_UNCOMPRESSED_BYTES), from
the declared sizes (zipfile never inflates past them) and again while reading;
rows per file (IMPORT_MAX_ROWS).
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from .core import ImportFailed, cell_text

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

# Generous for real files (the 254-row OHCHR list is 92 KB zipped, ~1 MB unzipped),
# small enough that a crafted archive cannot exhaust memory or disk.
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_MEMBER_BYTES = 60 * 1024 * 1024
MAX_ROWS = 200_000
MAX_ZIP_MEMBERS = 2000
MAX_COMPRESSION_RATIO = 200
# What a broken archive raises while a member is read (bad CRC, bad deflate stream,
# truncated file).
ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError)


def max_uncompressed_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", MAX_UNCOMPRESSED_BYTES)


def max_member_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_MEMBER_BYTES", MAX_MEMBER_BYTES)


def max_paragraphs() -> int:
    return getattr(settings, "IMPORT_MAX_PARAGRAPHS", 100_000)


def max_xml_elements() -> int:
    return getattr(settings, "IMPORT_MAX_XML_ELEMENTS", 2_000_000)


class _TooMany(Exception):
    pass


def max_rows() -> int:
    return getattr(settings, "IMPORT_MAX_ROWS", MAX_ROWS)


def check_row_count(count: int) -> None:
    if count > max_rows():
        raise ImportFailed(f"The file has more than {max_rows():,} rows, the most one import "
                           "may have. Split it into several files.")


def utf16_encoding(head: bytes) -> str | None:
    """"utf-16" if the bytes are UTF-16 text (Excel's "Unicode text"): a byte-order
    mark, or ASCII-range text with every other byte NUL."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:2000]
    if len(sample) >= 4:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) >= 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if even.count(0) >= 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
    return None


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
    if utf16_encoding(head):
        return "text"
    if b"\x00" in head:
        return "binary"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"[", b"{"):
        return "json"
    return "text"


def check_zip(source) -> list[str]:
    """Refuse zip bombs before anything opens the archive; return its member names.

    Looks only at the central directory: member count, declared uncompressed size
    of each member and of the whole archive, and the compression ratio. Quick
    enough for a web request (the upload page); `check_zip_contents` reads the
    members themselves.
    """
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFailed(f"The file is not a valid zip archive (xlsx/docx): {exc}") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise ImportFailed(f"The archive has {len(infos)} members (at most "
                               f"{MAX_ZIP_MEMBERS} allowed).")
        for info in infos:
            if info.file_size > max_member_bytes():
                raise ImportFailed(
                    f"Archive member {info.filename} would expand to {info.file_size:,} bytes "
                    f"(at most {max_member_bytes():,} allowed per part).")
        total = sum(info.file_size for info in infos)
        if total > max_uncompressed_bytes():
            raise ImportFailed(f"The archive would expand to {total:,} bytes (at most "
                               f"{max_uncompressed_bytes():,} allowed).")
        for info in infos:
            if info.compress_size and info.file_size / info.compress_size > \
                    MAX_COMPRESSION_RATIO and info.file_size > 1024 * 1024:
                raise ImportFailed(f"Archive member {info.filename} is compressed suspiciously "
                                   f"well (a zip bomb?).")
        return [info.filename for info in infos]


def _looks_like_xml(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    if utf16_encoding(head):
        return True
    return head.lstrip(b" \t\r\n")[:1] == b"<"


class _CountingReader(io.RawIOBase):
    """A zip member as a stream that refuses to yield more than `limit` bytes."""

    def __init__(self, member, name: str, limit: int) -> None:
        self.member, self.name, self.limit, self.count = member, name, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.member.read(len(buffer))
        self.count += len(data)
        if self.count > self.limit:
            raise ImportFailed(f"Archive member {self.name} expands past "
                               f"{self.limit:,} bytes.")
        buffer[:len(data)] = data
        return len(data)


class _Forbidden(Exception):
    pass


def _scan_xml(stream, name: str) -> None:
    """Parse one XML part in full with expat, streaming and building nothing (memory
    stays flat whatever the size); a DTD, an entity declaration or an external
    reference is refused, as defusedxml does."""
    from xml.parsers import expat

    parser = expat.ParserCreate()

    def forbid(*_args):
        raise _Forbidden

    parser.StartDoctypeDeclHandler = forbid
    parser.EntityDeclHandler = forbid
    parser.UnparsedEntityDeclHandler = forbid
    parser.ExternalEntityRefHandler = forbid
    # Elements and paragraphs are counted as they stream past: a small .docx can expand
    # to millions of paragraphs, which python-docx would then hold in memory (2.25 GB
    # for 1.8 million, issue 22). Past either cap the file is refused here, unparsed.
    element_cap, paragraph_cap = max_xml_elements(), max_paragraphs()
    counts = [0, 0]

    def start(tag, _attributes):
        counts[0] += 1
        if tag == "p" or tag.endswith(":p"):
            counts[1] += 1
            if counts[1] > paragraph_cap:
                raise _TooMany("paragraphs", paragraph_cap)
        if counts[0] > element_cap:
            raise _TooMany("XML elements", element_cap)

    parser.StartElementHandler = start
    try:
        parser.ParseFile(stream)
    except _Forbidden:
        raise ImportFailed(f"Archive member {name} declares a DTD or entities; such files "
                           "are refused.") from None
    except _TooMany as exc:
        what, cap = exc.args
        raise ImportFailed(f"Archive member {name} holds more than {cap:,} {what}; at most "
                           f"{cap:,} can be imported (IMPORT_MAX_PARAGRAPHS, "
                           "IMPORT_MAX_XML_ELEMENTS). Split the document.") from None
    except expat.ExpatError as exc:
        raise ImportFailed(f"Archive member {name} is not well-formed XML: {exc}") from exc


def check_zip_contents(source) -> list[str]:
    """check_zip, then read every member to the end: each XML part (found by its
    content, not its name) through the entity-safe parser, everything else for its
    CRC. A corrupt member, a DTD or an expansion past the caps is refused."""
    names = check_zip(source)
    if hasattr(source, "seek"):
        source.seek(0)
    total = 0
    with zipfile.ZipFile(source) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            budget = min(max_member_bytes(), max_uncompressed_bytes() - total)
            try:
                with archive.open(info) as member:
                    reader = _CountingReader(member, info.filename, budget)
                    buffered = io.BufferedReader(reader, 64 * 1024)
                    if _looks_like_xml(buffered.peek(64)[:64]):
                        _scan_xml(buffered, info.filename)
                    while buffered.read(1024 * 1024):
                        pass
                    total += reader.count
            except ZIP_READ_ERRORS as exc:
                raise ImportFailed(f"Archive member {info.filename} is corrupt and cannot be "
                                   f"read ({exc.__class__.__name__}: {exc}). Save the file "
                                   "again from Excel or Word and retry.") from exc
    return names


# The stream a Word 97–2003 document keeps its text in, as the OLE directory names it.
WORD_STREAM = "WordDocument".encode("utf-16-le")


def is_word_97(path: Path) -> bool:
    """An OLE file holding a `WordDocument` stream: a .doc, not an .xls workbook."""
    with open(path, "rb") as fh:
        data = fh.read(settings.IMPORT_MAX_UPLOAD_BYTES)
    return data.startswith(OLE_MAGIC) and WORD_STREAM in data


# A password-protected .docx or .xlsx is no zip: Office wraps it, encrypted, in an OLE
# file holding these two streams (and no `WordDocument` or `Workbook`).
ENCRYPTED_STREAMS = ("EncryptionInfo".encode("utf-16-le"),
                     "EncryptedPackage".encode("utf-16-le"))

# What Word or Excel writes with "Save as" besides .docx/.xlsx; people keep the old name.
VARIANT_MESSAGES = {
    "encrypted": "This file is protected by a password (encrypted): Word or Excel saved "
                 "it with a password to open it, and it cannot be read. Open it with its "
                 "password, remove the password (File › Info › Protect Document or Protect "
                 "Workbook › Encrypt with Password, then clear the box), save it as .docx or "
                 ".xlsx and import that file.",
    "rtf": "This file is a Word document saved as RTF (Rich Text Format), whatever its name "
           "says (.doc?): it is not a .docx. Open it in Word or LibreOffice, save it as .docx "
           "(File › Save as › Word document .docx) and import that file.",
    "html": "This file is a web page (HTML or a single-file web page .mht, as Word's \"Save as "
            "web page\" writes it), whatever its name says: it is not a Word document. Open "
            "it in Word or LibreOffice, save it as .docx (File › Save as › Word document "
            ".docx) and import that file, or use the document's PDF from documents.un.org.",
    "word-xml": "This file is a Word XML document (Word 2003 XML or flat XML), whatever its "
                "name says: it is not a .docx. Open it in Word or LibreOffice, save it as "
                ".docx (File › Save as › Word document .docx) and import that file.",
    "excel-xml": "This file is an Excel XML spreadsheet (Excel 2003 XML), whatever its name "
                 "says: it is not a workbook the importer reads. Open it in Excel or "
                 "LibreOffice, save it as .xlsx (File › Save as › Excel workbook .xlsx) and "
                 "import that file.",
}


def office_variant(head: bytes, whole: bytes | None = None) -> str:
    """Which `VARIANT_MESSAGES` a file is ("" for none), from its first bytes (`head`) or,
    for an OLE file, its whole content."""
    if head.startswith(OLE_MAGIC):
        data = whole if whole is not None else head
        if all(name in data for name in ENCRYPTED_STREAMS) and WORD_STREAM not in data:
            return "encrypted"
        return ""
    encoding = utf16_encoding(head)
    if encoding:
        head = head[:len(head) // 2 * 2].decode(encoding, "replace").encode("utf-8")
    text = head.lstrip(b"\xef\xbb\xbf\x00 \t\r\n").lower()
    if text.startswith(b"{\\rtf"):
        return "rtf"
    if text.startswith(b"mime-version:") or text.startswith((b"<html", b"<!doctype html")):
        return "html"
    if text.startswith(b"<?xml") or text.startswith(b"<"):
        if b"excel.sheet" in text or b"office:spreadsheet" in text:
            return "excel-xml"
        if b"word.document" in text or b"worddocument" in text or b"wordml" in text or \
                b"pkg:package" in text:
            return "word-xml"
        if b"<html" in text:
            return "html"
    return ""


def refuse_office_variant(path: Path, file_type: str) -> None:
    """ImportFailed with a plain message for an RTF, HTML, XML or encrypted Office file."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    whole = None
    if file_type == "xls":
        with open(path, "rb") as fh:
            whole = fh.read(settings.IMPORT_MAX_UPLOAD_BYTES)
    variant = office_variant(head, whole)
    if variant:
        raise ImportFailed(VARIANT_MESSAGES[variant])


def detect_file_type(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(8192)
    names = check_zip_contents(path) if head.startswith(ZIP_MAGIC) else None
    found = sniff_type(head, names)
    if found == "xls" and is_word_97(path):
        return "doc"
    return found


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


SUPPORTED_ENCODINGS = ("UTF-8, UTF-16, Windows-1252 (cp1252), Mac Roman, and, detected by "
                       "charset-normalizer, Cyrillic (Windows-1251, KOI8-R, ISO 8859-5) "
                       "and Japanese (Shift-JIS, EUC-JP)")
# Encodings charset-normalizer is asked to choose among; those that are not Latin are
# used when it picks them (a Latin pick goes through the plausibility check above).
DETECTED_ENCODINGS = ("cp1252", "mac_roman", "cp1250", "cp1251", "koi8_r", "iso8859_5",
                      "shift_jis", "cp932", "euc_jp", "gb18030", "big5", "euc_kr")
NON_LATIN_ENCODINGS = frozenset({"cp1251", "koi8_r", "iso8859_5", "shift_jis", "cp932",
                                 "euc_jp"})
ENCODING_NAMES = {"cp1250": "Windows-1250 (Central European)",
                  "cp1251": "Windows-1251 (Cyrillic)", "koi8_r": "KOI8-R (Cyrillic)",
                  "iso8859_5": "ISO 8859-5 (Cyrillic)", "shift_jis": "Shift-JIS (Japanese)",
                  "cp932": "Shift-JIS (Japanese)", "euc_jp": "EUC-JP (Japanese)",
                  "gb18030": "GB18030 (Chinese)", "big5": "Big5 (Chinese)",
                  "euc_kr": "EUC-KR (Korean)"}


def guess_encoding(raw: bytes) -> str | None:
    """charset-normalizer's best guess among DETECTED_ENCODINGS (Python codec name),
    from the first 256 KB; None when it has none."""
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:256 * 1024], cp_isolation=list(DETECTED_ENCODINGS)).best()
    return best.encoding if best is not None else None


def decode_text(raw: bytes) -> tuple[str, str]:
    """Decode bytes of unknown encoding: UTF-16 when marked or evident, UTF-8
    strictly, else cp1252 or Mac Roman, whichever reads more plausibly (ties go to
    cp1252, the commoner). Returns (text, encoding).

    Raises ImportFailed, naming the encodings tried, when no decoding reads as text
    (it would import as mojibake), and when the text holds NUL characters.
    """
    utf16 = utf16_encoding(raw[:4096])
    if utf16:
        try:
            text = raw.decode(utf16)
        except UnicodeDecodeError as exc:
            raise ImportFailed(f"The file looks like UTF-16 but is not valid UTF-16 ({exc.reason} "
                               f"at byte {exc.start}).") from exc
        return _no_nul(text.lstrip("\ufeff")), "utf-16"
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return _no_nul(raw[3:].decode("utf-8")), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise ImportFailed(f"The file starts as UTF-8 but is not valid UTF-8 "
                               f"({exc.reason} at byte {exc.start}).") from exc
    try:
        return _no_nul(raw.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    guess = guess_encoding(raw)
    if guess in NON_LATIN_ENCODINGS:
        # Cyrillic and Japanese files decode "fine" as cp1252 or Mac Roman, into
        # mojibake (`õËÒÅÐÉÔØ`): charset-normalizer tells them apart (issue 22).
        try:
            text = raw.decode(guess)
        except UnicodeDecodeError:
            text = None
        if text is not None and not _has_control_characters(text):
            return _no_nul(text), guess
    candidates: list[tuple[int, int, str, str]] = []
    for preference, encoding in enumerate(("cp1252", "mac_roman")):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidates.append((_plausibility(text), -preference, text, encoding))
    best = max(candidates) if candidates else None
    if best is None or best[0] < 0 or _has_control_characters(best[2]):
        likely = (f" It looks like {ENCODING_NAMES.get(guess, guess)}."
                  if guess and guess not in ("cp1252", "mac_roman") else "")
        raise ImportFailed(f"The file's text encoding cannot be recognised (tried "
                           f"{SUPPORTED_ENCODINGS}); none reads as text.{likely} Save it as "
                           "\"CSV UTF-8\" and retry.")
    _score, _pref, text, encoding = best
    return _no_nul(text), encoding


def _no_nul(text: str) -> str:
    position = text.find("\x00")
    if position >= 0:
        line = text.count("\n", 0, position) + 1
        raise ImportFailed(f"The file contains a NUL byte (line {line}): it is not a plain "
                           "text CSV. Save it as \"CSV UTF-8\" and retry.")
    return text


def _has_control_characters(text: str) -> bool:
    return any(ord(ch) < 32 and ch not in "\t\r\n\f\v" for ch in text)


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
    rows = []
    try:
        for number, row in enumerate(reader, start=2):
            if any(row):
                rows.append((number, row))
                if len(rows) > max_rows():
                    check_row_count(len(rows))
    except csv.Error as exc:
        raise ImportFailed(f"The CSV cannot be read at line {reader.line_num}: {exc}") from exc
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
    check_row_count(len(values) - 1)
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
        body = []
        for n, row in enumerate(rows, start=2):
            if any(v not in (None, "") for v in row):
                body.append((n, [cell_text(v) for v in row]))
                if len(body) > max_rows():
                    check_row_count(len(body))
    except ZIP_READ_ERRORS as exc:
        raise ImportFailed(f"The .xlsx workbook is corrupt ({exc.__class__.__name__}: {exc}). "
                           "Save it again from Excel and retry.") from exc
    finally:
        workbook.close()
    return header, body
