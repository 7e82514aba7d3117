"""Issue 20: the UN documents of every cycle (2008 to today) and one record whatever the
order of sources.

Each layout feature has its own small fixture, written here (fpdf2 for PDFs, python-docx
for Word files); the shared real documents are checked against the figures of the data
README at the end. No third-party file is copied into the repository.
"""

from collections import Counter
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from fpdf import FPDF

from imports.models import RecommendationSource
from imports.pipeline import import_file
from imports.readers.document_text import (
    WordNumbering,
    clean_page,
    docx_paragraph_lines,
    mend_split_words,
)
from recommendations.models import Recommendation, ResponseRecord
from reviews.models import Review

pytestmark = pytest.mark.django_db


# --- fixture writers ----------------------------------------------------------------------

RULE = "   "  # the footnote rule: pypdf gives the line of a UN PDF's rule as spaces only


def pdf(path: Path, pages: list[list[str]]) -> Path:
    """A PDF with one text line per string; `RULE` starts a page's footnotes."""
    document = FPDF(format="A4")
    document.set_auto_page_break(False)
    document.set_font("Helvetica", size=9)
    for lines in pages:
        document.add_page()
        for line in lines:
            if line == RULE:
                document.set_y(max(document.get_y() + 8, 240))
            document.cell(0, 4.5, line, new_x="LMARGIN", new_y="NEXT")
    document.output(str(path))
    return path


def word(path: Path, lines: list[str], header: str = "") -> Path:
    document = docx.Document()
    if header:
        document.sections[0].header.paragraphs[0].text = header
    for line in lines:
        document.add_paragraph(line)
    document.save(path)
    return path


def dump() -> dict[str, tuple]:
    """paragraph → (text, States, response, source) of every recommendation."""
    return {r.paragraph: (r.text, tuple(sorted(s.iso3 for s in r.recommending_states.all())),
                          r.response, r.response_source)
            for r in Recommendation.objects.prefetch_related("recommending_states")}


def histories() -> dict[str, list[tuple]]:
    return {r.paragraph: [(x.response, x.source_label) for x in r.responses.all()]
            for r in Recommendation.objects.prefetch_related("responses")}


def ok(report):
    assert report.ok, report.errors
    return report


def message(report) -> str:
    return " ".join(e["message"] for e in report.errors)


# --- a 2008 report (cycle 1): every layout feature of the first sessions -------------------

COVER = ["GE.08-13653", "Human Rights Council", "Eighth session", "Agenda item 6",
         "Report of the Working Group on the Universal Periodic Review*", "Ghana*", RULE,
         " * The annex is circulated as received.", "United Nations A/HRC/8/34"]
CONTENTS = ["A/HRC/8/34", "Page 2", "CONTENTS", "Paragraphs Page",
            "Introduction .................................................. 1 - 4 3",
            "I. SUMMARY OF THE PROCEEDINGS OF THE REVIEW PROCESS ............ 5 - 59 3",
            "II. CONCLUSIONS AND/OR RECOMMENDATIONS ......................... 60 - 63 14",
            "Annex", "Composition of the delegation ........................... 25"]
INTRO = ["A/HRC/8/34", "Page 3", "Introduction",
         "1. The Working Group on the Universal Periodic Review, established in accordance",
         "with Human Rights Council resolution 5/1, held its second session from 5 to 19 May",
         "2008.",
         "2. The proceedings took place in Geneva.",
         "3. The review of Ghana was held at the 5th meeting on 7 May 2008. The delegation",
         "of Ghana was headed by the Minister of Justice."]
SECTION = ["A/HRC/8/34", "Page 14",
           "II. CONCLUSIONS AND/OR RECOMMENDATIONS**",
           "60. The recommendations formulated during the interactive dialogue have been",
           "examined by Ghana and the recommendations listed below enjoy the support of Ghana:",
           "1. Ratify the Convention against Torture (Algeria, Philippines, Egypt) and adopt",
           "a national plan (Mexico) with measurable targets (Peru);",
           "2. Continue its efforts to combat domestic violence (Democratic Peoples' Republic",
           "of Korea);",
           "3. Strengthen the national human rights commission (Chile);1",
           RULE,
           " 1 The recommendation as read during the interactive dialogue: strengthen the",
           "commission."]
SECTION_2 = ["A/HRC/8/34", "Page 15",
             "61. The following recommendations will be examined by Ghana, which will provide",
             "responses in due time:",
             "61.1 Consider ratifying the Optional Protocol to the Convention on the Rights of",
             "the Child (Brazil);",
             "61.2. Abolish the death penalty (France); (Mexico);",
             "62. The recommendations below did not enjoy the support of Ghana:",
             "62.1. Decriminalize consensual same-sex relations (Netherlands).",
             "63. All conclusions and/or recommendations contained in the present report",
             "reflect the position of the submitting State(s) and/or the State under review.",
             RULE, "the footnote of the previous page runs on here, at the foot of this one,",
             "without indentation or number."]
ANNEX = ["A/HRC/8/34", "Page 16", "Annex", "Composition of the delegation"]


@pytest.fixture
def cycle1_report(tmp_path):
    return pdf(tmp_path / "A-HRC-8-34.pdf", [COVER, CONTENTS, INTRO, SECTION, SECTION_2,
                                                  ANNEX])


def test_2008_report_every_layout_feature(cycle1_report):
    report = ok(import_file(cycle1_report))
    assert (report.detected_format, report.created) == ("un-report", 6)
    got = dump()
    assert set(got) == {"60.1", "60.2", "60.3", "61.1", "61.2", "62.1"}
    # The three paragraphs: supported / will be examined / did not enjoy the support.
    assert Counter(v[2] for v in got.values()) == {"supported": 3, "pending": 2, "noted": 1}
    # Several groups of States in one recommendation, mid-sentence: each group counts.
    assert got["60.1"][1] == ("DZA", "EGY", "MEX", "PER", "PHL")
    # The UN's spelling of the time.
    assert got["60.2"][1] == ("PRK",)
    assert got["61.2"][1] == ("FRA", "MEX")
    # Footnotes (numbered, and the unnumbered run-on) and page headers are not text.
    assert got["60.3"][0] == "Strengthen the national human rights commission"
    for text, *_rest in got.values():
        assert "footnote" not in text and "A/HRC/8/34" not in text and "Page" not in text
    assert got["61.1"][0].startswith("Consider ratifying the Optional Protocol")
    review = Review.objects.get(state__iso3="GHA")
    # The State's name with an asterisk, the session from the introduction, the date of
    # the review from the sentence on page 3 (not the session's first day).
    assert review.session.number == 2
    assert str(review.review_date) == "2008-05-07"
    assert review.wg_report_symbol == "A/HRC/8/34"


def test_contents_only_says_which_part_is_missing(tmp_path):
    path = pdf(tmp_path / "contents.pdf", [COVER, CONTENTS, INTRO])
    report = import_file(path)
    assert not report.ok
    assert "only its line in the table of contents" in message(report)


def test_heading_without_numbered_paragraphs_says_so(tmp_path):
    path = pdf(tmp_path / "heading.pdf", [COVER, INTRO, [
        "A/HRC/8/34", "Page 14", "II. Conclusions and/or recommendations",
        "The Working Group will publish its recommendations later."]])
    report = import_file(path)
    assert not report.ok
    assert "was found" in message(report) and "no numbered paragraph after it" in message(report)


def test_not_a_un_document_says_what_was_looked_for(tmp_path):
    path = pdf(tmp_path / "letter.pdf", [["Dear colleagues,", "Please find the agenda."]])
    report = import_file(path)
    assert not report.ok
    assert "the title 'Report of the Working Group on the Universal Periodic Review' was " \
           "not found" in message(report)


def test_deadlines_follow_the_review_date_of_the_document(cycle1_report):
    import datetime as dt

    from reviews.models import Session
    from states.models import State

    session = Session.objects.get(number=2)
    review = Review.objects.create(state=State.objects.get(iso3="GHA"), session=session,
                                   next_review_due=dt.date(2012, 1, 1))  # set by an admin
    assert review.review_date == session.start_date
    ok(import_file(cycle1_report))
    review.refresh_from_db()
    assert str(review.review_date) == "2008-05-07"
    expected = Review(state=review.state, session=session, review_date=review.review_date)
    expected.fill_defaults()
    for name in ("national_report_due", "stakeholder_submissions_due", "documents_published",
                 "adoption_date", "midterm_report_due"):
        assert getattr(review, name) == getattr(expected, name), name
    assert review.next_review_due == dt.date(2012, 1, 1)  # an admin's date is kept


# --- text extraction helpers (pure) --------------------------------------------------------

def test_two_line_page_headers_and_the_footnote_rule():
    page = ["A/HRC/8/34", "Page 17", "60.1 Ratify the Convention (Chile);", "   ",
            " 3 A footnote.", "running on"]
    assert clean_page(page) == ["60.1 Ratify the Convention (Chile);"]
    # The cover keeps its blocks.
    assert "Ghana*" in clean_page(COVER, first=True)


def test_split_words_mended_from_the_layout_text():
    plain = "Ratify the Co nvention in ter alia and the se ssion, in deed"
    layout = "Ratify the Convention inter alia and the session, in deed"
    assert mend_split_words(plain, layout) == \
        "Ratify the Convention inter alia and the session, in deed"


# --- Word: numbers from Word's own list numbering --------------------------------------------

NUMBERING = (
    '<w:abstractNum xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'w:abstractNumId="90"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
    '<w:lvlText w:val="%1."/></w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/>'
    '<w:numFmt w:val="decimal"/><w:lvlText w:val="{pattern}"/></w:lvl>'
    '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/>'
    '<w:lvlText w:val="(%3)"/></w:lvl></w:abstractNum>')
NUM = ('<w:num xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
       'w:numId="90"><w:abstractNumId w:val="90"/></w:num>')


def numbered(paragraph, level: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(parse_xml(
        '<w:numPr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f'<w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))


def word_numbered_report(path: Path, *, pattern: str = "6.%2", items: int = 3) -> Path:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "A/HRC/63/6"
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(NUMBERING.format(pattern=pattern)))
    numbering.append(parse_xml(NUM))
    for line in ["Human Rights Council", "Report of the Working Group on the Universal "
                 "Periodic Review", "Mozambique", "Introduction",
                 "1.\tThe Working Group on the Universal Periodic Review held its "
                 "fifty-second session from 2 to 13 November 2026. The review of Mozambique "
                 "was held at the 3rd meeting on 4 November 2026.",
                 "II.\tConclusions and/or recommendations",
                 "6.\tThe following recommendations will be examined by Mozambique, which "
                 "will provide responses in due time:"]:
        document.add_paragraph(line)
    for n in range(1, items + 1):
        numbered(document.add_paragraph(f"Ratify the Convention number {n} (France);"), 1)
        if n == 2:
            numbered(document.add_paragraph("a sub-point of the second one"), 2)
    document.add_paragraph("7.\tAll conclusions and/or recommendations contained in the "
                           "present report reflect the position of the submitting State(s).")
    document.save(path)
    return path


def test_word_list_numbering_is_read_as_displayed(tmp_path):
    path = word_numbered_report(tmp_path / "draft.docx")
    lines = docx_paragraph_lines(docx.Document(str(path)))
    assert [line.split("\t")[0] for line in lines if "Convention number" in line or
            "sub-point" in line] == ["6.1", "6.2", "(a)", "6.3"]
    report = ok(import_file(path))
    assert report.created == 3
    assert sorted(dump()) == ["6.1", "6.2", "6.3"]
    assert Review.objects.get().session.number == 52
    assert str(Review.objects.get().review_date) == "2026-11-04"


def test_word_numbering_restarts_the_levels_below_and_fills_the_upper_ones(tmp_path):
    path = word_numbered_report(tmp_path / "draft.docx", pattern="%1.%2")
    document = docx.Document(str(path))
    numbering = WordNumbering(document)
    labels = [numbering.label(p) for p in document.paragraphs]
    # No level-0 paragraph: %1 shows the level's start value, as Word does.
    assert [label for label in labels if label] == ["1.1", "1.2", "(a)", "1.3"]


# --- Word 97–2003 ------------------------------------------------------------------------

def test_word_97_document_is_refused_with_the_way_out(tmp_path):
    path = tmp_path / "list.doc"
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    ole += "Root Entry".encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64
    ole += "WordDocument".encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 1000
    path.write_bytes(ole)
    report = import_file(path)
    assert not report.ok
    assert ".doc: save it as .docx" in message(report)
    assert "workbook" not in message(report)


def test_word_97_upload_is_refused_before_it_is_stored():
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from imports.uploads import validate_upload

    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600 + \
        "WordDocument".encode("utf-16-le") + b"\x00" * 600
    with pytest.raises(ValidationError, match=r"\.doc: save it as \.docx"):
        validate_upload(SimpleUploadedFile("list.doc", ole))


# --- addenda that answer under headings --------------------------------------------------------

ADDENDUM_COVER = ["GE.08-15000", "Human Rights Council", "Eighth session",
                  "Report of the Working Group on the Universal Periodic Review*", "Ghana",
                  "Addendum", "Views on conclusions and/or recommendations, voluntary "
                  "commitments and replies presented by the State under review", RULE,
                  " * Not edited.", "United Nations A/HRC/8/34/Add.1"]
HEADINGS = ["A/HRC/8/34/Add.1", "Page 2",
            "Ghana welcomes the recommendations made during its review on 7 May 2007.",
            "Ghana accepts the following recommendations:",
            "61.1",
            "Ghana has started the ratification of the Protocol, as recommendations 61.1 "
            "and 61.2 ask.",
            "Ghana partially accepts the following recommendations:",
            "61.2, 61.3",
            "Ghana will consider the matter.",
            "Ghana does not accept the following recommendations:",
            "61.3-61.4",
            "The matter is settled by law."]


def headed_report(path: Path) -> Path:
    section = ["A/HRC/8/34", "Page 14", "II. Conclusions and/or recommendations",
               "60. The recommendations listed below enjoy the support of Ghana:",
               "60.1. Ratify the Convention against Torture (Chile);",
               "61. The following recommendations will be examined by Ghana:",
               "61.1. Ratify the Optional Protocol (Brazil);",
               "61.2. Abolish the death penalty (France);",
               "61.3. Adopt a law on asylum (Mexico);",
               "61.4. Establish an ombudsman (Peru);",
               "61.5. Invite the special procedures (Spain);",
               "62. All conclusions and/or recommendations contained in the present report "
               "reflect the position of the submitting State(s)."]
    return pdf(path, [COVER, INTRO, section])


def test_addendum_headings_give_the_answers_overlaps_and_gaps_by_number(tmp_path):
    ok(import_file(headed_report(tmp_path / "report.pdf")))
    addendum = ok(import_file(pdf(tmp_path / "add.pdf", [ADDENDUM_COVER, HEADINGS])))
    got = dump()
    assert got["61.1"][2:] == ("supported", "A/HRC/8/34/Add.1")
    assert got["61.2"][2] == "partially_supported"
    assert got["61.4"][2] == "noted"
    # 61.3 is under two headings: not guessed, reported by number; 61.5 answered nowhere.
    assert got["61.3"][2] == got["61.5"][2] == "pending"
    notes = "\n".join(addendum.notes)
    assert "Answered twice, differently, left without a response (1): 61.3" in notes
    assert "Answered nowhere in the addendum (1): 61.5" in notes
    # Numbers in the prose after a heading answer nothing.
    assert "61.2" not in [p for p, r in got.items() if r[2] == "supported"]


def test_addendum_without_session_finds_its_review_or_asks_in_plain_words(tmp_path):
    addendum_path = pdf(tmp_path / "add.pdf", [ADDENDUM_COVER, HEADINGS])
    first = import_file(addendum_path)
    assert not first.ok
    assert "does not say which session" in message(first)
    assert "Import the Working Group report first, or give the session" in message(first)
    assert not Review.objects.exists()
    # With the session given, the answers wait for the report.
    ok(import_file(addendum_path, session=2))
    ok(import_file(headed_report(tmp_path / "report.pdf")))
    assert dump()["61.1"][2] == "supported"


def test_addendum_finds_its_review_from_the_report_symbol(tmp_path):
    ok(import_file(headed_report(tmp_path / "report.pdf")))
    addendum = ok(import_file(pdf(tmp_path / "add.pdf", [ADDENDUM_COVER, HEADINGS])))
    assert any("matched by the report's symbol A/HRC/8/34" in n for n in addendum.notes)


# --- OHCHR thematic list of cycle 2 (Egypt's layout) --------------------------------------------

EGYPT_HEADER = ["Recommendation", "Recommending state/s", "Position",
                "Full list of rights/affected persons"]


def egypt_list(path: Path, rows: list) -> Path:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = (
        "UPR of Egypt - Second Cycle\tThematic list of recommendations\t\t\tPage 2 of 39")
    table = document.add_table(rows=0, cols=4)
    for cell, text in zip(table.add_row().cells, EGYPT_HEADER, strict=True):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        if isinstance(row, str):
            merged = cells[0].merge(cells[3])
            merged.text = f"Right or area: {row}"
            continue
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    document.save(path)
    return path


EGYPT_ROWS = [
    "2.1. Acceptance of international norms",
    ("166.6. Ratify the Rome Statute of the ICC (Chile); (Estonia);\n"
     "Source of position: A/HRC/28/16/Add.1", "Chile\nEstonia", "Noted",
     "2.1. Acceptance of international norms\nAffected persons:\n- general"),
    ("166.14. Review and withdraw reservations to CEDAW (Slovenia);\n"
     "Source of position: A/HRC/28/16/Add.1", "Slovenia", "Supported/Noted",
     "2.2. Reservations\nAffected persons:\n- women"),
    "3.1. Cooperation with treaty bodies",
    ("166.20. Cooperate with the treaty bodies (Peru);\n"
     "Comments: Information sent in a post Add.1 letter", "Peru", "Supported",
     "3.1. Cooperation with treaty bodies\nAffected persons:\n- general"),
]


def test_egypt_cycle2_list_layout(tmp_path):
    path = egypt_list(tmp_path / "egypt.docx", EGYPT_ROWS)
    without = import_file(path)
    assert not without.ok
    assert "give --session N" in message(without) and "A/HRC/28/16" in message(without)
    assert len(without.errors) == 1  # said once for the file, not once per row
    ok(import_file(path, session=20))
    got = dump()
    assert {p: v[1:3] for p, v in got.items()} == {
        "166.6": (("CHL", "EST"), "noted"), "166.14": (("SVN",), "partially_supported"),
        "166.20": (("PER",), "supported")}
    # `Add.1` kept whole; `Comments:` kept out of the text.
    assert got["166.6"][3] == "A/HRC/28/16/Add.1"
    assert got["166.20"][0] == "Cooperate with the treaty bodies"
    rec = Recommendation.objects.get(paragraph="166.14")
    assert {t.name for t in rec.themes.all()} == {"Acceptance of international norms",
                                                 "Reservations"}
    assert {g.name.lower() for g in rec.affected_groups.all()} == {"women"}
    assert Review.objects.get().wg_report_symbol == "A/HRC/28/16"


# --- one record whatever the order of sources ------------------------------------------------

SLOVENE_INTRO = ["A/HRC/59/15", "Introduction",
                 "1. The Working Group on the Universal Periodic Review held its forty-eighth",
                 "session from 20 to 31 January 2025. The review of Slovenia was held at the",
                 "2nd meeting on 21 January 2025."]
SLOVENE_SECTION = [
    "A/HRC/59/15", "II. Conclusions and/or recommendations",
    "140. The following recommendations will be examined by Slovenia:",
    "140.1 Protect the rights of asylum-seekers (Chile);",
    "140.2 Enhance Slovenia's strategy against racism (Peru);",
    "140.3 Ratify the Convention (Brazil);",
    "141. All conclusions and/or recommendations contained in the present report reflect",
    "the position of the submitting State(s) and/or the State under review."]
SLOVENE_ADDENDUM = [
    "A/HRC/59/15/Add.1",
    "1. Slovenia supports recommendations 140.1, 140.2.",
    "2. Slovenia takes note of recommendation 140.3."]


def slovene_documents(tmp_path) -> tuple[Path, Path]:
    cover = ["Human Rights Council", "Fifty-ninth session",
             "Report of the Working Group on the Universal Periodic Review*", "Slovenia",
             RULE, " * Not edited.", "United Nations A/HRC/59/15"]
    add_cover = ["Human Rights Council", "Report of the Working Group on the Universal "
                 "Periodic Review*", "Slovenia", "Addendum", "Views on conclusions and/or "
                 "recommendations", RULE, " * Not edited.", "United Nations A/HRC/59/15/Add.1"]
    return (pdf(tmp_path / "report.pdf", [cover, SLOVENE_INTRO, SLOVENE_SECTION]),
            pdf(tmp_path / "add.pdf", [add_cover, SLOVENE_ADDENDUM]))


def slovene_list(path: Path) -> Path:
    """The thematic list derived from the documents, with its broken spacing."""
    from .test_real_world_files import HEADER, THEMES

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "UPR of Slovenia (4th Cycle - 48th Session)"
    table = document.add_table(rows=0, cols=4)
    for cell, text in zip(table.add_row().cells, HEADER, strict=True):
        cell.text = text
    for cell, position in (
            ("140.1 Protect the rights of asylum \u2011 seekers (Chile);\nSource of position: "
             "A/HRC/59/15/Add.1 - Para. 1", "Supported"),
            ("140.2 Enhance Slovenia \u2019 s strategy against racism (Peru);\nSource of "
             "position: A/HRC/59/15/Add.1 - Para. 1", "Supported"),
            ("140.3 Ratify the Convention (Brazil);\nSource of position: A/HRC/59/15/Add.1 - "
             "Para. 2", "Noted")):
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = cell, position, THEMES
    document.save(path)
    return path


def test_documents_list_documents_changes_nothing_the_third_time(tmp_path):
    report, addendum = slovene_documents(tmp_path)
    the_list = slovene_list(tmp_path / "list.docx")
    ok(import_file(report)), ok(import_file(addendum))
    clean = dump()
    listed = ok(import_file(the_list))
    assert listed.created == 0
    assert any(n.startswith("What the OHCHR thematic list added:") for n in listed.notes)
    assert {p: v[:3] for p, v in dump().items()} == {p: v[:3] for p, v in clean.items()}
    assert dump()["140.1"][0] == "Protect the rights of asylum-seekers"
    records, history = ResponseRecord.objects.count(), Recommendation.history.count()
    again = [ok(import_file(report)), ok(import_file(addendum))]
    assert [(r.created, r.updated) for r in again] == [(0, 0), (0, 0)]
    assert (ResponseRecord.objects.count(), Recommendation.history.count()) == (records, history)
    # "will be examined", then one position each: the list added no duplicate row.
    assert ResponseRecord.objects.count() == 6
    sources = set(RecommendationSource.objects.values_list("source", flat=True))
    assert sources == {"un-report", "un-addendum", "ohchr-list"}


def test_both_orders_give_the_same_records_texts_and_histories(tmp_path):
    report, addendum = slovene_documents(tmp_path)
    the_list = slovene_list(tmp_path / "list.docx")
    for path in (report, addendum, the_list):
        ok(import_file(path))
    first = (dump(), histories())
    Review.objects.all().delete()
    for path in (the_list, report, addendum):
        ok(import_file(path))
    second = (dump(), histories())
    assert second == first
    assert first[0]["140.2"][0] == "Enhance Slovenia's strategy against racism"
    assert first[1]["140.1"] == [("pending", ""), ("supported", "A/HRC/59/15/Add.1, para. 1")]


def test_a_list_never_overrides_the_response_of_the_addendum(tmp_path):
    report, addendum = slovene_documents(tmp_path)
    ok(import_file(report)), ok(import_file(addendum))
    the_list = slovene_list(tmp_path / "list.docx")
    document = docx.Document(str(the_list))
    document.tables[0].rows[3].cells[1].text = "Supported"  # the list says 140.3 supported
    document.save(str(the_list))
    listed = ok(import_file(the_list))
    assert dump()["140.3"][2] == "noted"
    assert any("kept the response noted" in n for n in listed.notes)


# --- the shared real documents (figures of ../shared/data/README.md) ------------------------------

def responses() -> Counter:
    return Counter(Recommendation.objects.values_list("response", flat=True))


def test_georgia_cycle1_report_and_its_prose_addendum(shared_data):
    folder = shared_data / "un-documents"
    report = ok(import_file(folder / "georgia-A-HRC-17-11.pdf"))
    assert report.created == 163
    assert responses() == {"supported": 96, "pending": 62, "noted": 5}
    for text, *_rest in dump().values():
        assert "A/HRC/17/11" not in text and "GE.11" not in text
        assert "as read during the interactive dialogue" not in text
        assert "territorial integrity" not in text  # the footnote run on from page 14
    assert dump()["106.18"][0] == "Further amend the Law on Police to bring it in line with " \
                                  "international standards"
    review = Review.objects.get(state__iso3="GEO")
    assert (review.session.number, str(review.review_date)) == (10, "2011-01-28")
    addendum = ok(import_file(folder / "georgia-A-HRC-17-11-Add.1.pdf"))
    assert any("matched by the report's symbol A/HRC/17/11" in n for n in addendum.notes)
    by_number = dump()
    after = Counter(by_number[f"106.{n}"][2] for n in range(1, 63))
    # accepted 16, partially 26 and not accepted 22 by its lists, less the overlap 106.5–8
    assert after == {"supported": 16, "partially_supported": 22, "noted": 18, "pending": 6}
    notes = "\n".join(addendum.notes)
    assert "Answered nowhere in the addendum (2): 106.35, 106.49" in notes
    assert "left without a response (4): 106.5, 106.6, 106.7, 106.8" in notes


def test_draft_reports_typed_numbers_and_word_numbering(shared_data):
    folder = shared_data / "un-documents"
    ok(import_file(folder / "somalia-session52-draft-report.docx"))
    assert responses() == {"supported": 259, "pending": 3, "noted": 26}
    Review.objects.all().delete()
    report = ok(import_file(folder / "mozambique-session52-draft-report.docx"))
    assert report.created == 292
    assert responses() == {"pending": 292}
    assert sorted(dump(), key=lambda p: int(p.split(".")[1]))[-1] == "6.292"


def test_egypt_cycle2_thematic_list(shared_data):
    path = shared_data / "ohchr-thematic-lists" / "egypt-cycle2-session20.docx"
    ok(import_file(path, session=20))
    assert Recommendation.objects.count() == 300
    assert responses() == {"supported": 224, "noted": 53, "partially_supported": 23}
    assert not Recommendation.objects.filter(recommending_states__isnull=True).exists()
    assert not Recommendation.objects.filter(themes__isnull=True).exists()
    assert not Recommendation.objects.filter(response_source__endswith="/Add").exists()


def test_slovenia_cycle4_documents_list_documents(shared_data):
    folder = shared_data / "un-documents"
    documents = [folder / "slovenia-A-HRC-59-15.pdf", folder / "slovenia-A-HRC-59-15-Add.1.pdf"]
    for path in documents:
        ok(import_file(path))
    texts = {p: v[0] for p, v in dump().items()}
    ok(import_file(shared_data / "ohchr-thematic-lists" / "slovenia-cycle4-session48.docx"))
    assert {p: v[0] for p, v in dump().items()} == texts
    records, history = ResponseRecord.objects.count(), Recommendation.history.count()
    again = [ok(import_file(path)) for path in documents]
    assert [(r.created, r.updated) for r in again] == [(0, 0), (0, 0)]
    assert (ResponseRecord.objects.count(), Recommendation.history.count()) == (records, history)
    assert ResponseRecord.objects.count() == 2 * 254  # pending, then the answer


def test_slovenia_cycle4_both_orders_give_the_same(shared_data):
    folder = shared_data / "un-documents"
    documents = [folder / "slovenia-A-HRC-59-15.pdf", folder / "slovenia-A-HRC-59-15-Add.1.pdf"]
    the_list = shared_data / "ohchr-thematic-lists" / "slovenia-cycle4-session48.docx"
    for path in [*documents, the_list]:
        ok(import_file(path))
    first = (dump(), histories())
    Review.objects.all().delete()
    for path in [the_list, *documents]:
        ok(import_file(path))
    assert (dump(), histories()) == first


# --- what could not be found, on the page and in the command ---------------------------------

def test_command_says_which_part_was_not_found(tmp_path, capsys):
    from django.core.management import CommandError, call_command

    path = pdf(tmp_path / "contents.pdf", [COVER, CONTENTS, INTRO])
    with pytest.raises(CommandError):
        call_command("import_recommendations", str(path))
    out = capsys.readouterr().out
    assert "'Conclusions and/or recommendations' section was not found" in out
    assert "only its line in the table of contents" in out


def test_import_page_says_which_part_was_not_found(client, ngo_user, tmp_path, settings,
                                                   django_capture_on_commit_callbacks,
                                                   monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    settings.MEDIA_ROOT = tmp_path
    worker_runs_the_job(settings, monkeypatch)
    client.force_login(ngo_user)
    path = pdf(tmp_path / "heading.pdf", [COVER, INTRO, [
        "A/HRC/8/34", "Page 14", "II. Conclusions and/or recommendations",
        "The Working Group will publish its recommendations later."]])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:import_upload"), {
            "file": SimpleUploadedFile("report.pdf", path.read_bytes(),
                                       content_type="application/pdf"),
            "format": "auto", "dry_run": "on"})
    html = client.get(response["Location"]).content.decode()
    assert "was found (line" in html and "no numbered paragraph after it" in html
    assert not Recommendation.objects.exists()


@pytest.mark.parametrize(("name", "expected"), [
    ("albania-A-HRC-42-4.pdf", {"pending": 197}),
    ("republic-of-korea-A-HRC-53-11.pdf", {"supported": 97, "pending": 165, "noted": 1}),
])
def test_cycle3_and_cycle4_reports_of_other_states(shared_data, name, expected):
    import re

    ok(import_file(shared_data / "un-documents" / name))
    assert responses() == expected
    texts = [text for text, *_rest in dump().values()]
    assert not [t for t in texts if re.search(r"A/HRC/\d+/\d+|GE\.\d\d-|\bPage \d", t)]


def worker_runs_the_job(settings, monkeypatch) -> None:
    """Word and PDF files are imported by the worker only (issue 22): a broker is
    configured, and the queued task runs as the worker would run it."""
    from imports import jobs, tasks

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/13"
    monkeypatch.setattr(tasks.run_import_job, "delay", jobs.run_import_job)
