"""validate_upload: bounded size, real type from the content, no zip bombs or DTDs."""

import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.pipeline import import_file
from imports.uploads import validate_upload


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["To", "From", "Text"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_real_xlsx_csv_and_docx_pass():
    validate_upload(SimpleUploadedFile("list.xlsx", xlsx_bytes()))
    validate_upload(SimpleUploadedFile("list.csv", b"To,From\nFrance,Chile\n"))


def test_oversized_upload_is_refused(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(ValidationError, match="at most"):
        validate_upload(SimpleUploadedFile("big.csv", b"a," * 1000))


def test_other_file_renamed_xlsx_is_refused():
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    with pytest.raises(ValidationError, match="not a CSV, Excel, Word or JSON"):
        validate_upload(SimpleUploadedFile("list.xlsx", png))


def test_csv_renamed_xlsx_is_refused():
    with pytest.raises(ValidationError, match=r"named \.xlsx but its content is a CSV"):
        validate_upload(SimpleUploadedFile("list.xlsx", b"To,From\nFrance,Chile\n"))


def test_zip_bomb_is_refused_before_expansion():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (300 * 1024 * 1024))
    assert len(out.getvalue()) < 1024 * 1024
    with pytest.raises(ValidationError, match="expand"):
        validate_upload(SimpleUploadedFile("bomb.xlsx", out.getvalue()))


def test_archive_with_too_many_members_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for n in range(2001):
            archive.writestr(f"x/{n}", "")
    with pytest.raises(ValidationError, match="members"):
        validate_upload(SimpleUploadedFile("many.xlsx", out.getvalue()))


def test_xml_entity_expansion_is_refused():
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
              '<workbook>&lol2;</workbook>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", laughs)
    with pytest.raises(ValidationError, match="DTD"):
        validate_upload(SimpleUploadedFile("lol.xlsx", out.getvalue()))


@pytest.mark.django_db
def test_importer_refuses_a_dtd_in_a_docx_too(tmp_path):
    path = tmp_path / "list.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                                              "<w:document>&e;</w:document>")
    report = import_file(path)
    assert not report.ok
    assert "DTD" in report.errors[0]["message"]
