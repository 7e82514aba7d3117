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
from pathlib import Path

from django.conf import settings

from .core import ImportFailed

PDF_MAGIC = b"%PDF-"
MAX_PDF_PAGES = 300
MAX_PDF_SECONDS = 60.0

SYMBOL_RE = re.compile(r"\bA/HRC/\d{1,3}/\d{1,3}(?:/Add\.\d)?\b")
# Page furniture: the symbol, the GE job number (with page number), a page number alone.
_FURNITURE_RE = re.compile(
    r"^\s*(?:A/HRC/\d+/\d+(?:/Add\.\d+)?|(?:\d{1,3}\s+)?GE\.\d{2}-\d{4,6}\s*(?:\(E\))?"
    r"(?:\s+\d{6})*(?:\s+\d{1,3})?|\d{1,3})\s*$")
# A footnote at the bottom of a page: ` 1 A/HRC/WG.6/48/SVN/1.` (indented number).
_FOOTNOTE_RE = re.compile(r"^\s+\d{1,2}\s+\S")
# A footnote mark glued to the punctuation it follows: `paragraph 15 (a);1`.
_MARK_RE = re.compile(r"(?<=[a-z)][;:.,])\d{1,2}(?=\s|$)")


def max_pages() -> int:
    return getattr(settings, "IMPORT_MAX_PDF_PAGES", MAX_PDF_PAGES)


def max_seconds() -> float:
    return getattr(settings, "IMPORT_MAX_PDF_SECONDS", MAX_PDF_SECONDS)


def is_pdf(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(1024).lstrip(b"\x00\t\r\n ").startswith(PDF_MAGIC)


def clean_page(lines: list[str]) -> list[str]:
    """Drop headers and footers (first and last lines only) and bottom footnotes."""
    lines = [line.rstrip() for line in lines]
    while lines and not lines[0].strip():
        lines.pop(0)
    for _ in range(3):
        if lines and _FURNITURE_RE.match(lines[0]):
            lines.pop(0)
    while lines and (not lines[-1].strip() or _FURNITURE_RE.match(lines[-1])):
        lines.pop()
    while len(lines) > 3 and _FOOTNOTE_RE.match(lines[-1]):
        lines.pop()
    while lines and (not lines[-1].strip() or _FURNITURE_RE.match(lines[-1])):
        lines.pop()
    return [_MARK_RE.sub("", line) for line in lines]


def pdf_pages(path: Path) -> list[str]:
    """The raw text of each page of a PDF (bounded)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

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
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            if time.monotonic() - started > max_seconds():
                raise ImportFailed(f"Reading the PDF took longer than {max_seconds():.0f} "
                                   "seconds; it was stopped.")
    except ImportFailed:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise ImportFailed(f"The PDF cannot be read: {exc}") from exc
    return pages


def docx_pages(document) -> list[str]:
    """A Word document's body as one page: one line per paragraph (tables included)."""
    lines = []
    for section in document.sections[:1]:
        try:
            lines += [p.text for p in section.header.paragraphs]  # the symbol is there
        except (AttributeError, ValueError):
            pass
    lines += [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines += [c.text for c in row.cells]
    return ["\n".join(lines)]


def document_lines(pages: list[str], *, pdf: bool) -> list[str]:
    """All lines of the document, page furniture removed (PDF only: Word keeps it apart)."""
    lines: list[str] = []
    for page in pages:
        page_lines = page.splitlines()
        lines += clean_page(page_lines) if pdf else [line.rstrip() for line in page_lines]
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
