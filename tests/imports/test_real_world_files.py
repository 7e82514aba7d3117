"""Issue 11: State names as the UN wrote them, Word lists as people made them, and
several sources merged into one record. Every fixture is generated here (python-docx,
csv): no third-party file is copied into the repository."""

import csv
from pathlib import Path

import docx
import pytest
from django.core.management import CommandError, call_command

from imports.models import RecommendationSource
from imports.pipeline import import_file
from recommendations.models import Recommendation, Response
from states.models import State, StateAlias, StateNameMap

pytestmark = pytest.mark.django_db

HEADER = ["Recommendation", "Position", "Full list of themes",
          "Assessment/comments on level of implementation"]
THEMES = "- Acceptance of international norms\nSDGs: \n- 16 - PEACE, JUSTICE AND STRONG " \
         "INSTITUTIONS\nAffected persons: \n- Disappeared persons"
SOURCE = "\nSource of Position: A/HRC/43/15/Add.1 - Para.3"


def ohchr_list(path: Path, rows: list, *, split_after: int | None = None,
               header_again_at: int | None = None) -> Path:
    """An OHCHR thematic list for Slovenia, session 34: `rows` are (cell, position)
    pairs, `None` for an empty spacer row, or a str for a `Theme:` heading row."""
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "UPR of Slovenia (3rd Cycle - 34th Session)"
    document.add_paragraph("Thematic list of recommendations")
    tables = [rows[:split_after], rows[split_after:]] if split_after else [rows]
    for number, chunk in enumerate(tables):
        table = document.add_table(rows=0, cols=4)
        if number == 0:
            for cell, text in zip(table.add_row().cells, HEADER, strict=True):
                cell.text = text
        else:
            document.add_page_break()
        for index, row in enumerate(chunk):
            if header_again_at is not None and index == header_again_at:
                for cell, text in zip(table.add_row().cells, HEADER, strict=True):
                    cell.text = text
            cells = table.add_row().cells
            if row is None:
                continue
            if isinstance(row, str):
                for cell in cells:
                    cell.text = f"Theme: {row}"
                continue
            cells[0].text, cells[1].text, cells[2].text = row[0], row[1], THEMES
    document.save(path)
    return path


def states_of(paragraph: str) -> list[str]:
    rec = Recommendation.objects.get(review__session__number=34, paragraph=paragraph)
    return sorted(s.iso3 for s in rec.recommending_states.all())


# --- names -----------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "iso3"), [
    ("Swaziland", "SWZ"), ("Kingdom of Swaziland", "SWZ"), ("the Czech Republic", "CZE"),
    ("CAPE VERDE", "CPV"), ("Turkey", "TUR"), ("Republic of Turkey", "TUR"),
    ("Libyan Arab Jamahiriya", "LBY"), ("the former Yugoslav Republic of Macedonia", "MKD"),
    ("Burma", "MMR"), ("United Kingdom of Great Britain and Northern Ireland", "GBR"),
    ("Bolivia (Plurinational State of)", "BOL"), ("Iran (Islamic Republic of)", "IRN"),
    ("Venezuela (Bolivarian Republic of)", "VEN"), ("Micronesia (Federated States of)", "FSM"),
    ("the Republic of Moldova", "MDA"), ("United Republic of Tanzania", "TZA"),
    ("Democratic People’s Republic of Korea", "PRK"), ("Lao People's Democratic Republic", "LAO"),
    ("Syrian Arab Republic", "SYR"), ("Viet\u00a0Nam", "VNM"), ("Côte d’Ivoire", "CIV"),
    ("“Netherlands”", "NLD"), ("Republic of\nMoldova", "MDA"), ("Niger (the)", "NER"),
    ("Sierra Le one", "SLE"), ("Bolivia (Plurinational S tate of)", "BOL"),
    ("Great Socialist People's Libyan Arab Jamahiriya", "LBY"),
])
def test_every_un_name_since_2008_resolves(name, iso3):
    assert State.objects.resolve(name).iso3 == iso3


def test_whitespace_blind_key_is_only_used_when_unambiguous():
    a, b = State(iso3="AAA", name="Ab Cd"), State(iso3="BBB", name="Abc D")
    names = StateNameMap({"ab cd": a, "abc d": b, "efgh ij": a})
    assert names.lookup("Ab Cd") is a  # exact keys first
    assert names.lookup("a bcd") is None  # `abcd` could be either
    assert names.lookup("ef ghij") is a


def test_closest_states_are_suggested_for_an_unknown_name():
    assert State.objects.closest("Sierra Lione")[0].iso3 == "SLE"
    assert State.objects.closest("Slovak")[0].iso3 == "SVK"


# --- the OHCHR list parser: one fixture per layout feature ------------------------------

LAYOUTS = {
    "semicolon, dot and nothing at the end": (
        [("121.1 Ratify the Convention (France);" + SOURCE, "Supported"),
         ("121.2 Ratify the Protocol (Chile)." + SOURCE, "Supported"),
         ("121.3 Adopt a law (Peru)" + SOURCE, "Noted")],
        {"121.1": ["FRA"], "121.2": ["CHL"], "121.3": ["PER"]}, {}),
    "header row repeated on a following page": (
        [("121.1 Ratify the Convention (France);" + SOURCE, "Supported"),
         ("121.2 Ratify the Protocol (Chile);" + SOURCE, "Supported")],
        {"121.1": ["FRA"], "121.2": ["CHL"]}, {"header_again_at": 1}),
    "list split over two tables": (
        ["Acceptance of international norms",
         ("121.1 Ratify the Convention (France);" + SOURCE, "Supported"),
         ("121.2 Ratify the Protocol (Chile);" + SOURCE, "Supported"),
         ("121.3 Adopt a law (Peru);" + SOURCE, "Noted")],
        {"121.1": ["FRA"], "121.2": ["CHL"], "121.3": ["PER"]}, {"split_after": 2}),
    "nested parentheses in a State list": (
        [("121.1 Ratify the Convention (Bolivia (Plurinational State of), Venezuela "
          "(Bolivarian Republic of)) (Iran (Islamic Republic of));" + SOURCE, "Supported")],
        {"121.1": ["BOL", "IRN", "VEN"]}, {}),
    "official name of the time in lower case": (
        [("121.1 Ratify the Convention (the former Yugoslav Republic of Macedonia);" + SOURCE,
          "Supported"),
         ("121.2 Ratify the Protocol (Germany, the Netherlands);" + SOURCE, "Supported")],
        {"121.1": ["MKD"], "121.2": ["DEU", "NLD"]}, {}),
    "stray spaces inside State names": (
        [("121.1 Ratify the Convention (Sierra Le one);" + SOURCE, "Supported"),
         ("121.2 Ratify the Protocol (Bolivia (Plurinational S tate of));" + SOURCE,
          "Supported")],
        {"121.1": ["SLE"], "121.2": ["BOL"]}, {}),
    "several recommendations in one cell, each with its States": (
        [("122.3 Undertake measures to ratify the Convention (Indonesia).\n"
          "Consider ratifying the Convention (Niger)\n"
          "Consider acceding to the Convention (Philippines);\n"
          "122.4 Adopt a plan (Chile);" + SOURCE, "Noted")],
        {"122.3": ["IDN", "NER", "PHL"], "122.4": ["CHL"]}, {}),
    "footnote marks": (
        [("121.1 Ratify the Convention (France)1;" + SOURCE, "Supported"),
         ("121.2 Ratify the Protocol (Chile)²;" + SOURCE, "Supported"),
         ("121.3 Adopt a law (Peru)[3]" + SOURCE, "Noted")],
        {"121.1": ["FRA"], "121.2": ["CHL"], "121.3": ["PER"]}, {}),
    "empty spacer rows and theme headings in one cell": (
        [None, "Acceptance of international norms",
         ("121.1 Ratify the Convention (France);" + SOURCE, "Supported"), None,
         ("121.2 Ratify the Protocol (Chile);" + SOURCE, "Supported"), None],
        {"121.1": ["FRA"], "121.2": ["CHL"]}, {}),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_layout_feature_imports(layout, tmp_path):
    rows, expected, options = LAYOUTS[layout]
    path = ohchr_list(tmp_path / "list.docx", rows, **options)
    report = import_file(path)
    assert report.ok, report.errors
    assert report.created == len(expected)
    for paragraph, iso3s in expected.items():
        assert states_of(paragraph) == iso3s


def test_cluster_on_several_lines_keeps_each_parts_state_in_its_text(tmp_path):
    rows, _expected, _options = LAYOUTS["several recommendations in one cell, each with its States"]
    import_file(ohchr_list(tmp_path / "list.docx", rows))
    text = Recommendation.objects.get(paragraph="122.3").text
    assert text.startswith("Undertake measures to ratify the Convention (Indonesia); Consider "
                           "ratifying the Convention (Niger); Consider acceding")
    assert Recommendation.objects.get(paragraph="122.3").response == Response.NOTED


def test_footnote_digits_inside_the_text_are_kept(tmp_path):
    path = ohchr_list(tmp_path / "list.docx", [
        ("121.1 Ratify the Forced Labour Convention, 1930 (No. 29) (France);" + SOURCE,
         "Supported")])
    import_file(path)
    assert Recommendation.objects.get().text.endswith("1930 (No. 29)")


# --- a way forward for unknown names ---------------------------------------------------

UNKNOWN = [("121.1 Ratify the Convention (Sierra Lione);" + SOURCE, "Supported"),
           ("121.2 Adopt a law (Sierra Lione) (France);" + SOURCE, "Supported")]


def test_unknown_name_is_reported_with_its_rows_and_closest_states(tmp_path):
    report = import_file(ohchr_list(tmp_path / "list.docx", UNKNOWN))
    assert not report.ok and Recommendation.objects.count() == 0
    [unknown] = report.unknown_names
    assert (unknown["name"], unknown["rows"]) == ("Sierra Lione", [2, 3])
    assert unknown["suggestions"][0] == {"iso3": "SLE", "name": "Sierra Leone"}
    assert "'Sierra Lione' (recommending State), rows 2, 3; closest: Sierra Leone (SLE)" \
        in report.format_text()


def test_alias_option_imports_and_saves_the_alias(tmp_path, capsys):
    path = ohchr_list(tmp_path / "list.docx", UNKNOWN)
    with pytest.raises(CommandError):
        call_command("import_recommendations", str(path))
    assert "closest: Sierra Leone (SLE)" in capsys.readouterr().out
    call_command("import_recommendations", str(path), "--dry-run", "--alias", "Sierra Lione=SLE")
    assert not StateAlias.objects.filter(name="Sierra Lione").exists()  # dry run
    call_command("import_recommendations", str(path), "--alias", "Sierra Lione=SLE",
                 "--alias", "Freedonia=FRA")
    assert "Alias saved: 'Sierra Lione' = SLE" in capsys.readouterr().out
    assert states_of("121.2") == ["FRA", "SLE"]
    assert State.objects.resolve("Sierra Lione").iso3 == "SLE"  # the next file just works
    assert import_file(path).unchanged == 2


def test_alias_option_refuses_unknown_codes_and_conflicts(tmp_path):
    path = ohchr_list(tmp_path / "list.docx", UNKNOWN)
    with pytest.raises(CommandError, match="NAME=ISO3"):
        call_command("import_recommendations", str(path), "--alias", "Sierra Lione")
    report = import_file(path, aliases={"Sierra Lione": "XXX"})
    assert "not the ISO 3166 alpha-3 code" in report.errors[0]["message"]
    report = import_file(path, aliases={"Turkey": "SLE"})
    assert "already means Türkiye" in report.errors[0]["message"]
    assert Recommendation.objects.count() == 0


# --- several sources, one record -------------------------------------------------------

def upr_info_csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A UPR Info export for Slovenia, session 34: (text, recommending State, response)."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["To", "To-Rgrp", "To-Org", "Text", "From", "From-Rgrp", "From-Org",
                         "Response", "Action", "Issue", "Session"])
        for text, state, response in rows:
            writer.writerow(["Slovenia", "EEG", "EU", text, state, "", "", response, "4",
                             "International instruments", "34"])
    return path


CLUSTER = ("122.3 Undertake measures to ratify the Migrant Workers Convention (Indonesia); "
           "Consider ratifying the Migrant Workers Convention (Niger); Consider acceding to the "
           "Migrant Workers Convention (Philippines);" + SOURCE)
LIST_ROWS = [
    ("121.1 Ratify the Convention on Enforced Disappearance (France) (Lithuania);" + SOURCE,
     "Supported"),
    ("121.2 Strengthen the human rights education program me, provid ing training to "
     "police (Chile);" + SOURCE, "Supported"),
    (CLUSTER, "Noted"),
]
CSV_ROWS = [
    # One row per recommending State of one paragraph.
    ("Ratify the Convention on Enforced Disappearance.", "France", "Accepted"),
    ("Ratify the Convention on Enforced Disappearance.", "Lithuania", "Accepted"),
    # Words broken in the Word document, whole here.
    ("Strengthen the human rights education programme, providing training to police",
     "Chile", "Accepted"),
    # A cluster split into one row per wording.
    ("Undertake measures to ratify the Migrant Workers Convention", "Indonesia", "Noted"),
    ("Consider ratifying the Migrant Workers Convention", "Niger", "Noted"),
    ("Consider acceding to the Migrant Workers Convention", "Philippines", "Noted"),
]


def merged_records() -> list[tuple]:
    return sorted(
        (r.paragraph, r.text, tuple(sorted(s.iso3 for s in r.recommending_states.all())),
         tuple(sorted(t.source for t in r.themes.all())), r.response, r.response_source)
        for r in Recommendation.objects.filter(review__session__number=34))


@pytest.mark.parametrize("order", ["upr-info first", "ohchr list first"])
def test_two_sources_give_one_recommendation_per_paragraph(order, tmp_path):
    listing = ohchr_list(tmp_path / "list.docx", LIST_ROWS)
    table = upr_info_csv(tmp_path / "upr-info.csv", CSV_ROWS)
    first, second = (table, listing) if order == "upr-info first" else (listing, table)
    one = import_file(first)
    assert one.ok, one.errors
    two = import_file(second)
    assert two.ok, two.errors
    assert two.created == 0 and two.matched_near == 0
    records = merged_records()
    assert [(p, states) for p, _t, states, *_ in records] == [
        ("121.1", ("FRA", "LTU")), ("121.2", ("CHL",)), ("122.3", ("IDN", "NER", "PHL"))]
    assert all(record[3] == ("uhri", "upr-info") for record in records)
    assert records[2][1].startswith("Undertake measures to ratify the Migrant Workers "
                                    "Convention (Indonesia); Consider ratifying")
    assert records[2][4] == Response.NOTED and records[2][5] == "A/HRC/43/15/Add.1, para. 3"
    rec = Recommendation.objects.get(paragraph="122.3")
    assert {s.source for s in rec.sources.all()} == {"upr-info", "ohchr-list"}
    assert set(RecommendationSource.objects.values_list("file_name", flat=True)) == {
        "list.docx", "upr-info.csv"}
    # Importing either again changes nothing.
    for path in (first, second):
        again = import_file(path)
        assert (again.created, again.updated, again.folded) == (0, 0, 0), path
    assert merged_records() == records


def test_both_orders_give_the_same_records(tmp_path):
    listing = ohchr_list(tmp_path / "list.docx", LIST_ROWS)
    table = upr_info_csv(tmp_path / "upr-info.csv", CSV_ROWS)
    import_file(table)
    import_file(listing)
    upr_first = merged_records()
    from tests.imports.conftest import flush_recommendations

    flush_recommendations()
    import_file(listing)
    import_file(table)
    assert merged_records() == upr_first


def test_cluster_wordings_fold_into_the_paragraph_with_their_assessments(tmp_path):
    from recommendations.models import Assessment

    import_file(upr_info_csv(tmp_path / "upr-info.csv", CSV_ROWS))
    assert Recommendation.objects.count() == 5  # each distinct text, until paragraphs come
    niger = Recommendation.objects.get(text__startswith="Consider ratifying")
    Assessment.objects.create(recommendation=niger, actor="civil_society",
                              status="not_implemented",
                              comment="Nothing yet")
    report = import_file(ohchr_list(tmp_path / "list.docx", LIST_ROWS))
    assert report.folded == 2 and report.matched_exact == 3 and report.new == 0
    rec = Recommendation.objects.get(paragraph="122.3")
    assert rec.assessments.get().comment == "Nothing yet"
    assert Recommendation.objects.count() == 3


def test_near_match_is_merged_and_listed_with_both_texts(tmp_path):
    import_file(ohchr_list(tmp_path / "list.docx", LIST_ROWS))
    table = upr_info_csv(tmp_path / "upr-info.csv", [
        ("Ratify the Convention on the Enforced Disappearances", "France", "Accepted"),
        ("Abolish the death penalty", "Spain", "Noted")])
    report = import_file(table, dry_run=True)
    assert (report.matched_exact, report.matched_near, report.new) == (0, 1, 1)
    [near] = report.near_matches
    assert near["paragraph"] == "121.1"
    assert near["file_text"] == "Ratify the Convention on the Enforced Disappearances"
    assert near["database_text"] == "Ratify the Convention on Enforced Disappearance"
    assert near["similarity"] >= 0.9
    text = report.format_text()
    assert "Matched in the database: 0 exactly, 1 nearly; new: 1" in text
    assert "database: Ratify the Convention on Enforced Disappearance" in text
