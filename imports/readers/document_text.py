"""The text of a UN document (PDF or Word), page by page, without page furniture.

PDF text comes from pypdf: on the Slovenia reports and addenda it keeps every
recommendation's lines in reading order, where pdfminer.six's layout analysis
moves the first line of many recommendations after the second (measured: see
the importer's notes in the README). Extraction is bounded: file size, page
count, and time.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

from django.conf import settings

from .core import ImportFailed

PDF_MAGIC = b"%PDF-"
MAX_PDF_PAGES = 300
MAX_PDF_SECONDS = 60.0

SYMBOL_RE = re.compile(r"\bA/HRC/\d{1,3}/\d{1,3}(?:/Add\.\d)?\b")
# Page furniture: the symbol, the GE job number (with page number), a page number alone,
# `Page 17` (the second line of a 2008 header under `A/HRC/8/34`).
_FURNITURE_RE = re.compile(
    r"^\s*(?:A/HRC/\d+/\d+(?:/Add\.\d+)?(?:\s+Page\s+\d{1,3})?|(?:\d{1,3}\s+)?GE\.\d{2}-\d{4,6}"
    r"\s*(?:\(E\))?(?:\s+\d{6})*(?:\s+\d{1,3})?|\d{1,3}|Page\s+\d{1,3}(?:\s+of\s+\d{1,3})?)\s*$",
    re.IGNORECASE)
# A footnote at the bottom of a page: ` 1 A/HRC/WG.6/48/SVN/1.` (indented number).
_FOOTNOTE_RE = re.compile(r"^\s+\d{1,2}\s+\S")
# A footnote mark glued to the punctuation it follows: `paragraph 15 (a);1`.
# Or glued to the word before the States' parenthesis or the end of the line:
# `death penalty3 (France);`, `… penalty3`.
_MARK_RE = re.compile(r"(?<=[a-z)][;:.,])\d{1,2}(?=\s|$)|(?<=[a-z]{3})\d{1,2}"
                      r"(?=\s+\(|[;:.,]?\s*$)")


def max_pages() -> int:
    return getattr(settings, "IMPORT_MAX_PDF_PAGES", MAX_PDF_PAGES)


def max_seconds() -> float:
    return getattr(settings, "IMPORT_MAX_PDF_SECONDS", MAX_PDF_SECONDS)


def max_characters() -> int:
    return getattr(settings, "IMPORT_MAX_PDF_CHARACTERS", 10_000_000)


def is_pdf(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(1024).lstrip(b"\x00\t\r\n ").startswith(PDF_MAGIC)


def clean_page(lines: list[str], *, first: bool = False) -> list[str]:
    """Drop headers and footers (first and last lines only) and bottom footnotes.

    The footnotes of a page start after the line of the footnote rule, which the text
    of a UN PDF gives as a line of spaces only: everything below it is footnote, numbered
    (` 3 The recommendation as read…`) or the unnumbered run-on of the previous page's
    footnote. Not on the cover (`first`), where blank lines separate its blocks.
    """
    lines = [line.rstrip() for line in lines]
    while lines and not lines[0].strip():
        lines.pop(0)
    for _ in range(3):
        if lines and _FURNITURE_RE.match(lines[0]):
            lines.pop(0)
    if not first:
        rule = next((i for i, line in enumerate(lines) if i >= 1 and not line.strip()), None)
        if rule is not None:
            lines = lines[:rule]
    while lines and (not lines[-1].strip() or _FURNITURE_RE.match(lines[-1])):
        lines.pop()
    while len(lines) > 3 and _FOOTNOTE_RE.match(lines[-1]):
        lines.pop()
    while lines and (not lines[-1].strip() or _FURNITURE_RE.match(lines[-1])):
        lines.pop()
    return [_MARK_RE.sub("", line) for line in lines]


_WORD_RE = re.compile(r"[^\W\d_]+(?:[’'][^\W\d_]+)?")


def mend_split_words(plain: str, layout: str) -> str:
    """Join the words pypdf's plain extraction splits (`Co nvention`, `in ter alia`,
    `the se ssion`) where the layout extraction of the same page reads them whole.

    Two neighbouring pieces are joined when the joined word is a word of the layout
    text and one of the pieces is not: a real `in deed` has both words in the layout
    text and stays apart.
    """
    words = set(_WORD_RE.findall(layout))
    if not words:
        return plain

    def mend(match: re.Match) -> str:
        left, right = match.group(1), match.group(2)
        if left + right in words and (left not in words or right not in words):
            return left
        return match.group(0)

    # One word at a time (the right piece is only looked at), so every pair is tried.
    pattern = re.compile(r"(?<![^\W\d_])([^\W\d_]+) (?=([^\W\d_]+)(?![^\W\d_]))")
    previous = None
    while previous != plain:
        previous, plain = plain, pattern.sub(mend, plain)
    return plain


_RECENT: dict[str, list[str]] = {}  # sha256 of a PDF → its pages (the last few read)
RECENT_PDFS = 4


_PAIR_RE = re.compile(r"(?<![^\W\d_])([^\W\d_]+) (?=([^\W\d_]+)(?![^\W\d_]))")


def _may_hold_split_words(plain: str, vocabulary: Counter) -> bool:
    """Whether two neighbouring pieces of a page join into a word the document has while
    one of them is rare in it (`Co nvention`): worth the layout pass."""
    for match in _PAIR_RE.finditer(plain):
        left, right = match.group(1), match.group(2)
        if vocabulary.get(left + right) and min(vocabulary[left], vocabulary[right]) <= 2:
            return True
    return False


def pdf_pages(path: Path) -> list[str]:
    """The text of each page of a PDF (bounded): pypdf's plain extraction, which keeps
    the lines in reading order, with the words it splits mended from its layout
    extraction (see `mend_split_words`). The last few PDFs read are remembered by their
    content: a dry run then the import, or a document imported again, reads it once."""
    import hashlib

    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if path.stat().st_size <= limit:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in _RECENT:
            if len(_RECENT[digest]) > max_pages():
                raise ImportFailed(f"The PDF has {len(_RECENT[digest])} pages; at most "
                                   f"{max_pages()} can be imported.")
            return list(_RECENT[digest])
        pages = _read_pdf_pages(path)
        _RECENT[digest] = pages
        while len(_RECENT) > RECENT_PDFS:
            _RECENT.pop(next(iter(_RECENT)))
        return list(pages)
    return _read_pdf_pages(path)


def _read_pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PdfReadError, PyPdfError

    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if path.stat().st_size > limit:
        raise ImportFailed(f"The PDF is {path.stat().st_size:,} bytes; at most {limit:,} "
                           "can be imported.")
    started = time.monotonic()
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise ImportFailed("The PDF is encrypted.")
        count = len(reader.pages)
        if count > max_pages():
            raise ImportFailed(f"The PDF has {count} pages; at most {max_pages()} can be "
                               "imported.")
        pages = []
        characters, cap = 0, max_characters()
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            characters += len(pages[-1])
            if characters > cap:
                raise ImportFailed(f"The PDF holds more than {cap:,} characters of text; at "
                                   "most that many can be imported "
                                   "(IMPORT_MAX_PDF_CHARACTERS). Split the document.")
            if time.monotonic() - started > max_seconds():
                raise ImportFailed(f"Reading the PDF took longer than {max_seconds():.0f} "
                                   "seconds; it was stopped.")
        # The layout pass costs as much again: only for the pages that seem to hold a
        # split word, and only while half the time allowed is left (else the plain
        # text is kept as it is).
        vocabulary = Counter(_WORD_RE.findall("\n".join(pages)))
        for number, plain in enumerate(pages):
            if not _may_hold_split_words(plain, vocabulary):
                continue
            if time.monotonic() - started > max_seconds() / 2:
                break
            try:
                layout = reader.pages[number].extract_text(extraction_mode="layout") or ""
            except Exception:  # noqa: BLE001 - the plain text is enough to go on
                continue
            pages[number] = mend_split_words(plain, layout)
    except ImportFailed:
        raise
    except LimitReachedError as exc:
        # pypdf's own guard against decompression bombs (a stream or an image that
        # expands past its limits): a clean refusal, not a traceback (issue 22).
        raise ImportFailed(f"The PDF expands past the limits of the PDF reader ({exc}); "
                           "it cannot be imported.") from exc
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError,
            RecursionError, MemoryError, AssertionError, ZeroDivisionError) as exc:
        raise ImportFailed(f"The PDF cannot be read: {exc.__class__.__name__}: {exc}"
                           ) from exc
    return pages


_WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
# What Word's "Save as" writes besides a .docx, with the same body: a macro-enabled
# document (.docm) or a template (.dotx, .dotm). python-docx opens only the .docx type.
_WORD_VARIANTS = (
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)
_STRICT_NAMESPACE = b"http://purl.oclc.org/ooxml/wordprocessingml/main"


def open_word(path: Path):
    """The python-docx Document of a .docx, or of a .docm/.dotx/.dotm (read as the
    .docx it is inside); ImportFailed with what to do for what cannot be read."""
    import io
    import zipfile

    import docx

    try:
        with zipfile.ZipFile(path) as archive:
            types = archive.read("[Content_Types].xml")
            body_name = next((n for n in archive.namelist()
                              if n.startswith("word/document") and n.endswith(".xml")), "")
            strict = bool(body_name) and _STRICT_NAMESPACE in archive.read(body_name)[:4096]
            if strict:
                raise ImportFailed(
                    "This Word document was saved as \"Strict Open XML Document\", which "
                    "cannot be read. Open it in Word or LibreOffice, save it as \"Word "
                    "Document (.docx)\" (File › Save as) and import that file.")
            variant = next((t for t in _WORD_VARIANTS if t.encode() in types), None)
            if variant is None:
                return docx.Document(str(path))
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as copy:
                for item in archive.infolist():
                    data = archive.read(item.filename)
                    if item.filename == "[Content_Types].xml":
                        data = data.replace(variant.encode(), _WORD_MAIN.encode())
                    copy.writestr(item, data)
        buffer.seek(0)
        return docx.Document(buffer)
    except ImportFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - any fault of the file is the file's
        raise ImportFailed(f"The .docx document cannot be read: {exc}") from exc


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _roman(number: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                           (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                           (4, "iv"), (1, "i")):
        while number >= value:
            out, number = out + letters, number - value
    return out


def _format_number(number: int, fmt: str) -> str | None:
    if fmt in ("decimal", "decimalZero", ""):
        return f"{number:02d}" if fmt == "decimalZero" else str(number)
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (number - 1) % 26) * ((number - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        return _roman(number).upper() if fmt == "upperRoman" else _roman(number)
    return None  # bullet, none, and the formats a UN document does not use


class WordNumbering:
    """The numbers Word's own list numbering (`w:numPr`) shows before paragraphs, as a
    reader sees them: a level's text pattern (`6.%3`) filled with the counters of its
    list, a level restarting the levels below it; numbering from the paragraph or from
    its style (and the styles that one is based on)."""

    def __init__(self, document) -> None:
        self.levels: dict[str, dict[int, dict]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, AttributeError, NotImplementedError):
            numbering = None
        if numbering is None:
            return
        abstract: dict[str, dict[int, dict]] = {}
        for node in numbering.iter(f"{_W}abstractNum"):
            abstract[node.get(f"{_W}abstractNumId")] = {
                int(lvl.get(f"{_W}ilvl", "0")): self._level(lvl) for lvl in node.iter(f"{_W}lvl")}
        for node in numbering.iter(f"{_W}num"):
            ref = node.find(f"{_W}abstractNumId")
            levels = {k: dict(v) for k, v in abstract.get(
                ref.get(f"{_W}val") if ref is not None else "", {}).items()}
            for override in node.iter(f"{_W}lvlOverride"):
                ilvl = int(override.get(f"{_W}ilvl", "0"))
                lvl = override.find(f"{_W}lvl")
                if lvl is not None:
                    levels[ilvl] = self._level(lvl)
                start = override.find(f"{_W}startOverride")
                if start is not None:
                    levels.setdefault(ilvl, {"start": 1, "fmt": "decimal", "text": ""})
                    levels[ilvl]["start"] = int(start.get(f"{_W}val", "1"))
            self.levels[node.get(f"{_W}numId")] = levels

    @staticmethod
    def _level(lvl) -> dict:
        def value(tag: str, default: str) -> str:
            node = lvl.find(f"{_W}{tag}")
            return node.get(f"{_W}val", default) if node is not None else default

        return {"start": int(value("start", "1") or 1), "fmt": value("numFmt", "decimal"),
                "text": value("lvlText", "")}

    @staticmethod
    def _num_pr(paragraph):
        ppr = paragraph._p.pPr
        num_pr = ppr.numPr if ppr is not None else None
        style = paragraph.style
        seen = 0
        while (num_pr is None or num_pr.numId is None) and style is not None and seen < 10:
            element = style.element.pPr
            num_pr = element.numPr if element is not None else None
            style, seen = style.base_style, seen + 1
        if num_pr is None or num_pr.numId is None:
            return None
        return str(num_pr.numId.val), int(num_pr.ilvl.val) if num_pr.ilvl is not None else 0

    def label(self, paragraph) -> str:
        """The number shown before `paragraph` ("" for none); paragraphs in order."""
        found = self._num_pr(paragraph)
        if found is None or found[0] == "0" or found[0] not in self.levels:
            return ""
        num_id, ilvl = found
        levels = self.levels[num_id]
        level = levels.get(ilvl)
        if level is None:
            return ""
        counters = self.counters.setdefault(num_id, {})
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else level["start"]
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]

        def fill(match: re.Match) -> str:
            at = int(match.group(1)) - 1
            number = counters.get(at, levels.get(at, {}).get("start", 1))
            return _format_number(number, levels.get(at, level)["fmt"]) or ""

        if _format_number(1, level["fmt"]) is None:
            return ""
        return re.sub(r"%(\d)", fill, level["text"]).strip()


def docx_paragraph_lines(document) -> list[str]:
    """The body's paragraphs as lines, each with the number Word shows before it."""
    numbering = WordNumbering(document)
    lines = []
    for paragraph in document.paragraphs:
        label = numbering.label(paragraph)
        lines.append(f"{label}\t{paragraph.text}" if label else paragraph.text)
    return lines


def docx_pages(document) -> list[str]:
    """A Word document's body as one page: one line per paragraph (tables included)."""
    lines = []
    for section in document.sections[:1]:
        try:
            lines += [p.text for p in section.header.paragraphs]  # the symbol is there
        except (AttributeError, ValueError):
            pass
    lines += docx_paragraph_lines(document)
    for table in document.tables:
        for row in table.rows:
            lines += [c.text for c in row.cells]
    return ["\n".join(lines)]


def document_lines(pages: list[str], *, pdf: bool) -> list[str]:
    """All lines of the document, page furniture removed (PDF only: Word keeps it apart)."""
    lines: list[str] = []
    for number, page in enumerate(pages):
        page_lines = page.splitlines()
        lines += clean_page(page_lines, first=number == 0) if pdf else [
            line.rstrip() for line in page_lines]
    return lines


def join_lines(lines: list[str]) -> str:
    """Lines of one paragraph as one text: `non-` + `refoulement` → `non-refoulement`."""
    text = ""
    for line in (line.strip() for line in lines):
        if not line:
            continue
        if text.endswith(("-", "–")) and not text.endswith((" -", " –")):
            text += line
        else:
            text = f"{text} {line}" if text else line
    # pypdf sometimes puts a space after a typographic apostrophe: `Slovenia’ s`.
    return re.sub(r"’ s\b", "’s", " ".join(text.split()))
