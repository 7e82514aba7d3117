"""Checks on an uploaded file before it is stored or queued for import."""

from __future__ import annotations

import io
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from imports.readers.core import ImportFailed

# What a file name promises, and the types its content may really have.
EXTENSION_TYPES = {
    ".csv": {"text"}, ".txt": {"text"}, ".tsv": {"text"}, ".json": {"json"},
    ".xls": {"xls"}, ".xlsx": {"xlsx"}, ".docx": {"docx"}, ".pdf": {"pdf"},
}
TYPE_NAMES = {"xls": "Excel 97–2003 workbook", "xlsx": "Excel workbook",
              "docx": "Word document", "json": "JSON", "text": "CSV/text",
              "zip": "zip archive", "binary": "binary file", "pdf": "PDF document"}


def variant_message(variant: str) -> str:
    """What to do with a file Word or Excel saved in another format than .docx/.xlsx, or
    with a password (see `files.office_variant`)."""
    return {
        "encrypted": _("This file is protected by a password (encrypted) and cannot be "
                       "read. Open it with its password, remove the password (File, Info, "
                       "Protect, Encrypt with password), save it and import that file."),
        "rtf": _("This is a Word document saved as RTF, not a .docx. Open it in Word or "
                 "LibreOffice, save it as .docx (File, Save as, Word document) and import "
                 "that file."),
        "html": _("This is a web page (HTML), not a Word document. Open it in Word or "
                  "LibreOffice, save it as .docx (File, Save as, Word document) and import "
                  "that file."),
        "word-xml": _("This is a Word XML document, not a .docx. Open it in Word or "
                      "LibreOffice, save it as .docx (File, Save as, Word document) and "
                      "import that file."),
        "excel-xml": _("This is an Excel XML spreadsheet, not a workbook. Open it in Excel "
                       "or LibreOffice, save it as .xlsx (File, Save as, Excel workbook) and "
                       "import that file."),
    }[variant]


def validate_upload(uploaded_file) -> None:
    """Refuse what the importer must not open: too big, not what it claims, a zip bomb.

    The type comes from the content (magic bytes and zip structure), not the name.
    """
    from imports.readers import files

    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    size = getattr(uploaded_file, "size", None)
    if size is None:
        uploaded_file.seek(0, io.SEEK_END)
        size = uploaded_file.tell()
    if size > limit:
        raise ValidationError(
            _("The file is %(size)s MB; at most %(limit)s MB can be imported.")
            % {"size": round(size / 1048576, 1), "limit": round(limit / 1048576, 1)},
            code="too_big")
    if not size:
        raise ValidationError(_("The file is empty."), code="empty")
    uploaded_file.seek(0)
    head = uploaded_file.read(8192)
    uploaded_file.seek(0)
    names = None
    if head.startswith(files.ZIP_MAGIC):
        try:
            names = files.check_zip_contents(uploaded_file)
        except ImportFailed as exc:
            raise ValidationError(str(exc), code="bad_archive") from exc
        finally:
            uploaded_file.seek(0)
    # UN documents (Working Group report, addendum) come as PDF: see un_documents.
    kind = "pdf" if head.lstrip(b"\x00\t\r\n ").startswith(b"%PDF-") else \
        files.sniff_type(head, names)
    if kind == "xls":
        uploaded_file.seek(0)
        whole = uploaded_file.read(limit)
        uploaded_file.seek(0)
        if files.WORD_STREAM in whole:
            raise ValidationError(
                _("This is an old Word 97–2003 document. .doc: save it as .docx (File, Save "
                  "as, Word document) and import that file."), code="word_97")
    if kind in ("xls", "text", "json"):
        whole = None
        if kind == "xls":
            uploaded_file.seek(0)
            whole = uploaded_file.read(limit)
            uploaded_file.seek(0)
        variant = files.office_variant(head, whole)
        if variant:
            raise ValidationError(variant_message(variant), code="office_variant")
    if kind in ("zip", "binary"):
        raise ValidationError(
            _("This is a %(kind)s, not a CSV, Excel, Word or JSON file.")
            % {"kind": TYPE_NAMES[kind]}, code="bad_type")
    extension = PurePath(getattr(uploaded_file, "name", "") or "").suffix.lower()
    expected = EXTENSION_TYPES.get(extension)
    if expected is not None and kind not in expected:
        raise ValidationError(
            _("The file is named %(ext)s but its content is a %(kind)s.")
            % {"ext": extension, "kind": TYPE_NAMES[kind]}, code="bad_type")
    if kind == "text" and not files.utf16_encoding(head) and \
            any(b < 9 or 13 < b < 32 for b in head):
        # Legacy 8-bit encodings are fine; control characters are not text.
        raise ValidationError(_("The file is not a text file."), code="bad_type")


def is_document(source) -> bool:
    """Whether a file (an upload, or a path) is a PDF or a Word document: these are
    read by the worker only, never inside a web request (python-docx and pypdf hold the
    whole document in memory; issue 22)."""
    import zipfile

    from imports.readers import files

    if isinstance(source, (str, PurePath)):
        with open(source, "rb") as fh:
            return _is_document(fh, files, zipfile)
    position = source.tell() if hasattr(source, "tell") else 0
    try:
        source.seek(0)
        return _is_document(source, files, zipfile)
    finally:
        source.seek(position)


def _is_document(fh, files, zipfile) -> bool:
    head = fh.read(1024)
    if head.lstrip(b"\x00\t\r\n ").startswith(b"%PDF-"):
        return True
    if not head.startswith(files.ZIP_MAGIC):
        return False
    fh.seek(0)
    try:
        with zipfile.ZipFile(fh) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False
