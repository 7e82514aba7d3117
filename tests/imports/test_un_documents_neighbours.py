"""Issue 20, second pass: the *neighbours* of the layout features the data README lists.

The importer will be tried on real UN documents nobody here has; each test below writes a
small fixture one step away from a layout the shared documents show (a negative answer
word, a heading that wraps or has no colon, a range written with "to", a Word file that is
really RTF...), with fpdf2 and python-docx as in `test_un_documents_every_cycle`.
"""

from collections import Counter

import pytest

from imports.pipeline import import_file
from imports.readers.number_lists import parse_number_list
from imports.readers.un_documents import (
    _heading_lists,
    classify_list_paragraph,
    find_section_start,
    propose_reading,
)
from recommendations.models import Response

from .test_un_documents_every_cycle import (
    ADDENDUM_COVER,
    CONTENTS,
    COVER,
    INTRO,
    RULE,
    dump,
    headed_report,
    message,
    ok,
    pdf,
    word,
)

pytestmark = pytest.mark.django_db

SUPPORTED, NOTED, PARTIALLY = (Response.SUPPORTED, Response.NOTED,
                               Response.PARTIALLY_SUPPORTED)


# --- 1. negative words read as noted, in every style of addendum ---------------------------

HEADING_ANSWERS = [
    ("Georgia accepts the following recommendations:", SUPPORTED),
    ("Georgia supports the following recommendations:", SUPPORTED),
    ("The following recommendations are accepted:", SUPPORTED),
    ("The following recommendations enjoy the support of Georgia:", SUPPORTED),
    ("Georgia partially accepts the following recommendations:", PARTIALLY),
    ("The following recommendations are partially accepted:", PARTIALLY),
    ("The following recommendations are partially supported:", PARTIALLY),
    ("The following recommendations are not accepted:", NOTED),
    ("The following recommendation is not accepted:", NOTED),
    ("The following recommendations were rejected:", NOTED),
    ("Rejected recommendations:", NOTED),
    ("Recommendations not accepted:", NOTED),
    ("Georgia cannot accept the following recommendations:", NOTED),
    ("Georgia does not support the following recommendations:", NOTED),
    ("The following recommendations are not supported:", NOTED),
    ("Georgia does not accept the following recommendations:", NOTED),
    ("Georgia will not accept the following recommendations:", NOTED),
    ("Georgia is unable to accept the following recommendations:", NOTED),
    ("Georgia is not in a position to accept the following recommendations:", NOTED),
    ("The following recommendations cannot be accepted:", NOTED),
    ("The following recommendations could not be supported:", NOTED),
    ("The following recommendations did not enjoy the support of Georgia:", NOTED),
    ("Georgia takes note of the following recommendations:", NOTED),
    ("Georgia rejects the following recommendations:", NOTED),
]


@pytest.mark.parametrize(("heading", "expected"), HEADING_ANSWERS)
def test_heading_answer_words(heading, expected):
    assert _heading_lists([heading, "106.1, 106.2"]) == [
        (f"“{heading.rstrip(':')}”", expected, "106.1, 106.2")]
    # The same words open a numbered paragraph of a cycle 3–4 addendum.
    assert classify_list_paragraph(heading) == expected


SENTENCE_ANSWERS = [
    ("Georgia accepts this recommendation.", SUPPORTED),
    ("Georgia supports the recommendation and has begun its implementation.", SUPPORTED),
    ("Accepted.", SUPPORTED),
    ("Partially accepted: the law already covers part of it.", PARTIALLY),
    ("Partially supported.", PARTIALLY),
    ("Not accepted.", NOTED),
    ("The recommendation is not accepted.", NOTED),
    ("Rejected.", NOTED),
    ("The recommendation was rejected, the Constitution forbids it.", NOTED),
    ("Georgia cannot accept this recommendation.", NOTED),
    ("Georgia does not support this recommendation.", NOTED),
    ("Not supported.", NOTED),
    ("Georgia is unable to accept this recommendation.", NOTED),
    ("The recommendation cannot be accepted at this stage.", NOTED),
    ("Georgia will not accept this recommendation.", NOTED),
]


@pytest.mark.parametrize(("sentence", "expected"), SENTENCE_ANSWERS)
def test_sentence_answer_words(sentence, expected):
    assert propose_reading(sentence) == expected


NEGATIVE_HEADINGS = ["Georgia welcomes the recommendations made during its review.",
                     "The following recommendations are accepted:", "61.1",
                     "The following recommendations are not accepted:", "61.2",
                     "The following recommendations were rejected:", "61.3",
                     "Georgia does not support the following recommendations:", "61.4",
                     "The following recommendations are partially supported:", "61.5",
                     "The matter is settled by law."]


def test_addendum_with_negative_headings_imports_noted(tmp_path):
    ok(import_file(headed_report(tmp_path / "report.pdf")))
    page = ["A/HRC/8/34/Add.1", "Page 2", *NEGATIVE_HEADINGS]
    ok(import_file(pdf(tmp_path / "add.pdf", [ADDENDUM_COVER, page])))
    got = {p: v[2] for p, v in dump().items()}
    assert got == {"60.1": SUPPORTED, "61.1": SUPPORTED, "61.2": NOTED, "61.3": NOTED,
                   "61.4": NOTED, "61.5": PARTIALLY}


def test_addendum_with_negative_sentences_proposes_noted(tmp_path):
    from imports.models import ProposedResponse

    ok(import_file(headed_report(tmp_path / "report.pdf")))
    page = ["A/HRC/8/34/Add.1", "Page 2",
            "Recommendation 61.1", "Georgia accepts this recommendation.",
            "Recommendation 61.2", "Not accepted.",
            "Recommendation 61.3", "The recommendation is rejected.",
            "Recommendation 61.4", "Georgia does not support this recommendation.",
            "Recommendation 61.5", "Partially accepted."]
    ok(import_file(pdf(tmp_path / "add.pdf", [ADDENDUM_COVER, page])))
    proposed = dict(ProposedResponse.objects.values_list("paragraph", "response"))
    assert proposed == {"61.1": SUPPORTED, "61.2": NOTED, "61.3": NOTED, "61.4": NOTED,
                        "61.5": PARTIALLY}


# --- 2. headings that wrap onto two lines, or end without a colon -----------------------------

def test_heading_wrapped_over_two_lines():
    lines = ["Georgia accepts the following", "recommendations:", "106.1, 106.2",
             "Georgia does not accept the", "following recommendations:", "106.3"]
    assert [(r, n) for _label, r, n in _heading_lists(lines)] == [
        (SUPPORTED, "106.1, 106.2"), (NOTED, "106.3")]


def test_heading_without_colon():
    lines = ["Georgia accepts the following recommendations", "106.1, 106.2",
             "Georgia partially accepts the following recommendations", "106.4",
             "Georgia does not accept the following recommendations", "106.3"]
    assert [(r, n) for _label, r, n in _heading_lists(lines)] == [
        (SUPPORTED, "106.1, 106.2"), (PARTIALLY, "106.4"), (NOTED, "106.3")]


def test_numbers_on_the_heading_line():
    lines = ["Georgia accepts the following recommendations: 106.1, 106.2",
             "Georgia does not accept the following recommendations: 106.3 and 106.4."]
    assert [(r, n) for _label, r, n in _heading_lists(lines)] == [
        (SUPPORTED, "106.1, 106.2"), (NOTED, "106.3 and 106.4")]


def test_prose_sentence_before_a_number_line_is_no_heading():
    # A cycle 3–4 addendum: an explanation heading (`140.11-14`) after a sentence.
    lines = ["5. Slovenia supports recommendations 140.1-10.",
             "Slovenia supports the recommendations.", "140.11-14",
             "Slovenia has adopted a strategy."]
    assert _heading_lists(lines) == []


def test_wrapped_heading_without_colon_in_a_word_addendum(tmp_path):
    ok(import_file(headed_report(tmp_path / "report.pdf")))
    lines = ["Report of the Working Group on the Universal Periodic Review", "Ghana",
             "Addendum",
             "Ghana accepts the following\nrecommendations", "61.1, 61.2",
             "Ghana does not accept the following\nrecommendations", "61.3 to 61.5",
             "Ghana explains its position below."]
    ok(import_file(word(tmp_path / "add.docx", lines, header="A/HRC/8/34/Add.1")))
    got = {p: v[2] for p, v in dump().items()}
    assert got == {"60.1": SUPPORTED, "61.1": SUPPORTED, "61.2": SUPPORTED, "61.3": NOTED,
                   "61.4": NOTED, "61.5": NOTED}


# --- 3. ranges written with "to", an en dash, spaced hyphens ---------------------------------

@pytest.mark.parametrize("written", ["106.1 to 106.10", "106.1–106.10", "106.1 - 106.10",
                                     "106.1-106.10", "106.1 — 106.10", "106.1 to 10",
                                     "106.1 through 106.10"])
def test_range_spellings(written):
    assert parse_number_list(written).paragraphs == [f"106.{n}" for n in range(1, 11)]
    found = _heading_lists(["Georgia accepts the following recommendations:", written])
    assert len(parse_number_list(found[0][2]).paragraphs) == 10


def test_range_with_to_and_more_numbers():
    assert parse_number_list("106.1 to 106.3, 106.7 and 106.9 to 106.10").paragraphs == [
        "106.1", "106.2", "106.3", "106.7", "106.9", "106.10"]
    # "to" between words is no range.
    assert parse_number_list("106.1, in addition to 106.4").paragraphs == ["106.1", "106.4"]


# --- 4. the report heading wrapped over two lines -----------------------------------------------

def test_section_heading_wrapped_over_two_lines():
    lines = ["II. Conclusions and/or", "recommendations ....................... 60 - 63 14",
             "Introduction", "II. Conclusions and/or", "recommendations**",
             "60. The recommendations below enjoy the support of Ghana:", "60.1. Ratify"]
    assert find_section_start(lines) == 4


def test_section_heading_spellings():
    for heading in ["ii. conclusions and/or recommendations", "II. Conclusions and / or "
                    "recommendations", "II. CONCLUSIONS AND/OR RECOMMENDATIONS*"]:
        lines = [heading, "60. The recommendations below enjoy the support of Ghana:"]
        assert find_section_start(lines) == 0, heading


def test_report_with_wrapped_heading_imports(tmp_path):
    contents = [*CONTENTS[:6], "II. CONCLUSIONS AND/OR",
                "RECOMMENDATIONS .............. 60 - 63 14", "Annex"]
    section = ["A/HRC/8/34", "Page 14", "II. Conclusions and/or", "recommendations",
               "60. The recommendations listed below enjoy the support of Ghana:",
               "60.1. Ratify the Convention against Torture (Chile);",
               "61. The following recommendations will be examined by Ghana:",
               "61.1. Ratify the Optional Protocol (Brazil);",
               "62. All conclusions and/or",
               "recommendations contained in the present report reflect the position of "
               "the submitting State(s)."]
    report = ok(import_file(pdf(tmp_path / "report.pdf", [COVER, contents, INTRO, section])))
    assert report.created == 2
    assert {p: v[2] for p, v in dump().items()} == {"60.1": SUPPORTED, "61.1": "pending"}
    assert "All conclusions" not in dump()["61.1"][0]


# --- 5. Word "save as" variants named .doc, and encrypted Office files ----------------------

RTF = rb"{\rtf1\ansi\deff0 {\fonttbl {\f0 Times;}} Report of the Working Group\par }"
HTML = (b"<html xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:w=\"urn:schemas-"
        b"microsoft-com:office:word\"><head><meta name=ProgId content=Word.Document></head>"
        b"<body><p>Report of the Working Group</p></body></html>")
MHT = (b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"----=_NextPart\"\r\n"
       b"\r\n------=_NextPart\r\nContent-Type: text/html\r\n\r\n<html></html>\r\n")
WORD_XML = (b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
            b"<?mso-application progid=\"Word.Document\"?>\r\n<w:wordDocument xmlns:w=\"http:"
            b"//schemas.microsoft.com/office/word/2003/wordml\"><w:body/></w:wordDocument>")
FLAT_OPC = (b"<?xml version=\"1.0\" standalone=\"yes\"?>\r\n<?mso-application progid=\"Word."
            b"Document\"?>\r\n<pkg:package xmlns:pkg=\"http://schemas.microsoft.com/office/"
            b"2006/xmlPackage\"></pkg:package>")


def encrypted_office() -> bytes:
    """What Word writes for a password-protected .docx: an OLE file holding the
    `EncryptionInfo` and `EncryptedPackage` streams (no `WordDocument`)."""
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    for name in ("Root Entry", "EncryptionInfo", "EncryptedPackage"):
        ole += name.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64
    return ole + b"\x00" * 1000


VARIANTS = [("rtf", RTF, "RTF"), ("html", HTML, "web page"), ("mht", MHT, "web page"),
            ("xml", WORD_XML, "XML"), ("flat-xml", FLAT_OPC, "XML")]


@pytest.mark.parametrize(("label", "content", "named"), VARIANTS)
def test_doc_that_is_really_another_format(tmp_path, label, content, named):
    path = tmp_path / f"{label}.doc"
    path.write_bytes(content)
    report = import_file(path)
    assert not report.ok
    text = message(report)
    assert named in text and "save it as .docx" in text, text
    assert "columns" not in text and "workbook" not in text and "Traceback" not in text


@pytest.mark.parametrize("name", ["report.docx", "report.doc", "list.xlsx"])
def test_encrypted_office_file(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(encrypted_office())
    report = import_file(path)
    assert not report.ok
    text = message(report)
    assert "password" in text and "workbook cannot be read" not in text, text


@pytest.mark.parametrize(("name", "content", "named"), [
    ("report.doc", RTF, "RTF"), ("report.doc", HTML, "web page"),
    ("report.doc", WORD_XML, "XML"), ("report.docx", encrypted_office(), "password")])
def test_upload_of_variants_is_refused_before_it_is_stored(name, content, named):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from imports.uploads import validate_upload

    with pytest.raises(ValidationError, match=named):
        validate_upload(SimpleUploadedFile(name, content))


def test_ordinary_csv_and_json_are_no_variants(tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from imports.uploads import validate_upload

    validate_upload(SimpleUploadedFile("list.csv", b"To,From\nFrance,Chile\n"))
    validate_upload(SimpleUploadedFile("list.json", b"[{\"AnnotationId\": 1}]"))


# --- 6. more neighbours -----------------------------------------------------------------------

def test_report_neighbours(tmp_path):
    """Lower-case heading, numbers with a final period and a footnote mark, a GE line at
    the foot of a page and the symbol at its head in the middle of a recommendation,
    groups of States after the final full stop."""
    section = ["A/HRC/8/34", "Page 14", "ii. conclusions and/or recommendations",
               "60. The recommendations listed below enjoy the support of Ghana:",
               "60.1. Ratify the Convention against Torture (Chile);2",
               "60.2. Abolish the death penalty. (France) (Mexico, Peru)",
               "60.3. Adopt a comprehensive law against discrimination that covers",
               "GE.08-13653"]
    section_2 = ["A/HRC/8/34", "Page 15",
                 "all grounds (Spain).3",
                 "61. All conclusions and/or recommendations contained in the present "
                 "report reflect the position of the submitting State(s).",
                 RULE, " 2 The recommendation as read during the dialogue.",
                 " 3 The recommendation as read during the dialogue."]
    report = ok(import_file(pdf(tmp_path / "report.pdf", [COVER, INTRO, section, section_2])))
    assert report.created == 3
    got = dump()
    assert got["60.1"][:2] == ("Ratify the Convention against Torture", ("CHL",))
    assert got["60.2"][1] == ("FRA", "MEX", "PER")
    assert got["60.2"][0] == "Abolish the death penalty."
    assert got["60.3"][0] == ("Adopt a comprehensive law against discrimination that covers "
                              "all grounds")
    assert got["60.3"][1] == ("ESP",)
    assert Counter(v[2] for v in got.values()) == {SUPPORTED: 3}


def test_addendum_lower_case_headings_and_trailing_periods(tmp_path):
    ok(import_file(headed_report(tmp_path / "report.pdf")))
    page = ["A/HRC/8/34/Add.1", "Page 2",
            "ACCEPTED RECOMMENDATIONS:", "61.1.; 61.2.",
            "recommendations not accepted:", "61.3., 61.4 and 61.5.",
            "GE.08-15000"]
    report = ok(import_file(pdf(tmp_path / "add.pdf", [ADDENDUM_COVER, page])))
    got = {p: v[2] for p, v in dump().items()}
    assert got == {"60.1": SUPPORTED, "61.1": SUPPORTED, "61.2": SUPPORTED, "61.3": NOTED,
                   "61.4": NOTED, "61.5": NOTED}, (got, report.notes)


def test_unreadable_addendum_says_what_it_looked_for(tmp_path):
    ok(import_file(headed_report(tmp_path / "report.pdf")))
    page = ["A/HRC/8/34/Add.1", "Page 2", "Ghana thanks the delegations."]
    report = import_file(pdf(tmp_path / "add.pdf", [ADDENDUM_COVER, page]))
    assert not report.ok
    assert "accepts the following recommendations" in message(report)


@pytest.mark.parametrize("line", ["Recommendations 106.1, 106.2", "Recommendation Nos. 106.1 "
                                  "and 106.2", "• 106.1, 106.2", "- 106.1, 106.2",
                                  "(106.1, 106.2)", "106.1; 106.2;"])
def test_number_lines_with_a_word_or_a_bullet(line):
    found = _heading_lists(["Georgia accepts the following recommendations:", line,
                            "Georgia has begun to implement them."])
    assert [parse_number_list(n).paragraphs for _label, _r, n in found] == [["106.1", "106.2"]]


def test_heading_without_colon_then_an_empty_paragraph():
    lines = ["Georgia accepts the following recommendations", "", "106.1, 106.2", "",
             "Georgia does not accept the following recommendations", "", "106.3"]
    assert [(r, n) for _label, r, n in _heading_lists(lines)] == [
        (SUPPORTED, "106.1, 106.2"), (NOTED, "106.3")]


def test_numbered_headings_are_list_paragraphs(tmp_path):
    ok(import_file(headed_report(tmp_path / "report.pdf")))
    page = ["A/HRC/8/34/Add.1", "Page 2",
            "1. Ghana accepts the following recommendations:", "61.1, 61.2",
            "2. Ghana does not accept the following recommendations:", "61.3 to 61.5",
            "3. Ghana will report on them at the next review."]
    ok(import_file(pdf(tmp_path / "add.pdf", [ADDENDUM_COVER, page])))
    got = {p: v[2] for p, v in dump().items()}
    assert got == {"60.1": SUPPORTED, "61.1": SUPPORTED, "61.2": SUPPORTED, "61.3": NOTED,
                   "61.4": NOTED, "61.5": NOTED}


def test_number_then_answer_word_on_one_line(tmp_path):
    from imports.models import ProposedResponse

    ok(import_file(headed_report(tmp_path / "report.pdf")))
    page = ["A/HRC/8/34/Add.1", "Page 2", "Ghana answers the recommendations as follows.",
            "61.1: Accepted.", "61.2 - Not accepted, the law forbids it.", "61.3. Rejected.",
            "61.4 Partially accepted.", "61.5 Supported; a bill is before Parliament."]
    ok(import_file(pdf(tmp_path / "add.pdf", [ADDENDUM_COVER, page])))
    proposed = dict(ProposedResponse.objects.values_list("paragraph", "response"))
    assert proposed == {"61.1": SUPPORTED, "61.2": NOTED, "61.3": NOTED, "61.4": PARTIALLY,
                        "61.5": SUPPORTED}


@pytest.mark.parametrize(("heading", "expected"), [
    ("Recommendations accepted by Georgia", SUPPORTED),
    ("Recommendations that enjoy the support of Georgia", SUPPORTED),
    ("Recommendations not accepted by Georgia", NOTED),
    ("Recommendations partially accepted by Georgia", PARTIALLY)])
def test_heading_without_colon_naming_the_state(heading, expected):
    assert [(r, n) for _label, r, n in _heading_lists([heading, "106.1, 106.2"])] == [
        (expected, "106.1, 106.2")]
    # Prose (a full stop) before a line of numbers is no heading.
    assert _heading_lists([heading + ".", "106.1, 106.2"]) == []


def word_saved_as(source, target, *, content_type: str = "", strict: bool = False):
    """A copy of a .docx as Word's "Save as" writes another type of it."""
    import zipfile

    main = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w") as copy:
        for item in archive.infolist():
            data = archive.read(item.filename)
            if item.filename == "[Content_Types].xml" and content_type:
                data = data.replace(main, content_type.encode())
            if item.filename == "word/document.xml" and strict:
                data = data.replace(b"http://schemas.openxmlformats.org/wordprocessingml/"
                                    b"2006/main", b"http://purl.oclc.org/ooxml/"
                                    b"wordprocessingml/main")
            copy.writestr(item, data)
    return target


@pytest.mark.parametrize(("suffix", "content_type"), [
    ("docm", "application/vnd.ms-word.document.macroEnabled.main+xml"),
    ("dotx", "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"),
])
def test_word_macro_document_or_template_is_read(tmp_path, suffix, content_type):
    lines = ["Report of the Working Group on the Universal Periodic Review", "Ghana",
             "Introduction", "The review of Ghana was held on 7 May 2008.",
             "II. Conclusions and/or recommendations",
             "60. The recommendations below enjoy the support of Ghana:",
             "60.1. Ratify the Convention against Torture (Chile);",
             "61. All conclusions and/or recommendations contained in the present report "
             "reflect the position of the submitting State(s)."]
    plain = word(tmp_path / "report.docx", lines, header="A/HRC/8/34")
    report = ok(import_file(word_saved_as(plain, tmp_path / f"report.{suffix}",
                                          content_type=content_type), session=2))
    assert report.created == 1


def test_word_strict_open_xml_says_what_to_do(tmp_path):
    plain = word(tmp_path / "report.docx", ["Report of the Working Group on the Universal "
                                            "Periodic Review", "Ghana"], header="A/HRC/8/34")
    report = import_file(word_saved_as(plain, tmp_path / "strict.docx", strict=True))
    assert not report.ok
    assert "Strict Open XML" in message(report) and "save it as" in message(report)


def test_footnote_marks_before_the_punctuation(tmp_path):
    """A footnote mark glued to the States' parenthesis (`(Chile)2;`) or to the last word
    before it (`death penalty3 (France);`), not only after the punctuation."""
    section = ["A/HRC/8/34", "Page 14", "II. Conclusions and/or recommendations",
               "60. The recommendations listed below enjoy the support of Ghana:",
               "60.1. Ratify the Convention against Torture (Chile)2;",
               "60.2. Abolish the death penalty3 (France);",
               "60.3. Implement Security Council resolution 1325 (Spain).",
               "61. All conclusions and/or recommendations contained in the present "
               "report reflect the position of the submitting State(s).",
               RULE, " 2 The recommendation as read during the dialogue.",
               " 3 The recommendation as read during the dialogue."]
    ok(import_file(pdf(tmp_path / "report.pdf", [COVER, INTRO, section])))
    got = dump()
    assert got["60.1"][:2] == ("Ratify the Convention against Torture", ("CHL",))
    assert got["60.2"][:2] == ("Abolish the death penalty", ("FRA",))
    assert got["60.3"][0] == "Implement Security Council resolution 1325"
