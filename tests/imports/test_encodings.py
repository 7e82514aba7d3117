"""Decoding CSVs of unknown encoding."""

from imports.readers.files import decode_text, read_csv_text


def test_mac_roman_is_told_from_cp1252():
    text, encoding = decode_text(b"Guaran\x92 Kaiow\x87 peoples")
    assert (text, encoding) == ("Guaraní Kaiowá peoples", "mac_roman")


def test_cp1252_is_kept_when_it_reads_better():
    text, encoding = decode_text("Côte d’Ivoire’s “plan” – déjà".encode("cp1252"))
    assert (text, encoding) == ("Côte d’Ivoire’s “plan” – déjà", "cp1252")


def test_utf8_is_tried_first():
    assert decode_text("Türkiye".encode()) == ("Türkiye", "utf-8")


def test_bare_cr_line_endings_and_quoted_newlines():
    header, rows = read_csv_text('a,b\r1,"x\ry"\r2,z')
    assert header == ["a", "b"]
    assert rows == [(2, ["1", "x\ry"]), (3, ["2", "z"])]
