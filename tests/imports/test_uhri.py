"""UHRI exports (XLSX, CSV, JSON) in the documented layout, written by the tests."""

import csv
import json

import openpyxl
import pytest

from imports.pipeline import import_file
from recommendations.models import Recommendation, Response

pytestmark = pytest.mark.django_db

HEADER = ["Text", "Countries Concerned", "Reccomending Body", "Document Symbol", "Themes",
          "Affected Persons", "Sdgs", "Document Publication Date", "UPR Reccomending States",
          "UPR Position", "Type", "OHCHR Annotation Id", "UPR Session", "Regions Concerned",
          "Recommending Regions", "Date of publication on UHRI"]


def uhri_rows(position_2: str = "- Supported/Noted") -> list[list]:
    return [
        ["166.6. Ratify the Rome Statute of the ICC (Chile); (Estonia);", "- France",
         "- UPR", "A/HRC/38/4", "- Administration of justice & fair trial\n- Impunity",
         "- General", "- 16 - Peace, justice and strong institutions", 43300,
         "- Chile\n- Estonia", "- Supported", "- Recommendations", "ann-1",
         "- 28th Session - Cycle 2", "- WEOG", "- GRULAC\n- EEG", 43400],
        ["166.7 Combat discrimination against migrants (Timor-Leste); (Guinea-Bissau);",
         "- France", "- UPR", "A/HRC/38/4", "- Migrants", "- Migrants", "", 43300,
         "- Timor-Leste\n- Guinea-Bissau", position_2, "- Recommendations", "ann-2",
         "- 28th Session - Cycle 2", "- WEOG", "- APG\n- AFR", 43400],
        ["12. Ensure access to justice", "- France", "- CRC", "CRC/C/FRA/CO/5", "- Justice",
         "", "", 43300, "", "", "- Recommendations", "ann-3", "", "", "", 43400],
    ]


def write_xlsx(path, rows) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def write_csv(path, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)


def write_json(path, rows) -> None:
    def listed(value):
        return [v.removeprefix("- ") for v in str(value).split("\n")] if value else []
    records = [{
        "Text": r[0], "Countries": listed(r[1]), "Body": listed(r[2]), "Symbol": r[3],
        "Themes": listed(r[4]), "AffectedPersons": listed(r[5]), "Sdgs": listed(r[6]),
        "PublicationDate": "2018-07-20", "UprRecommendingCountry": listed(r[8]),
        "UprPositions": listed(r[9]), "AnnotationType": listed(r[10]), "AnnotationId": r[11],
        "UprSession": listed(r[12]), "Regions": [], "UprRecommendingRegions": [],
        "PublicationDateOnUhri": "2018-09-01", "DocumentId": "x", "UprCycle": ["Cycle 2"],
    } for r in rows]
    path.write_text(json.dumps(records), encoding="utf-8")


@pytest.mark.parametrize("writer,suffix", [(write_xlsx, "xlsx"), (write_csv, "csv"),
                                           (write_json, "json")])
def test_uhri_export_keeps_only_upr_recommendations(tmp_path, writer, suffix):
    path = tmp_path / f"uhri.{suffix}"
    writer(path, uhri_rows())
    report = import_file(path)
    assert report.ok, report.errors
    assert (report.detected_format, report.rows_read, report.created) == ("uhri", 3, 2)
    assert report.skipped == {"not a UPR recommendation (other body or type)": 1}
    first = Recommendation.objects.get(uhri_annotation_id="ann-1")
    assert (first.paragraph, first.text, first.response) == (
        "166.6", "Ratify the Rome Statute of the ICC", Response.SUPPORTED)
    assert sorted(s.iso3 for s in first.recommending_states.all()) == ["CHL", "EST"]
    assert (first.review.state.iso3, first.review.session.number) == ("FRA", 28)
    assert [g.number for g in first.sdgs.all()] == [16]
    assert {t.name for t in first.themes.all()} == {
        "Administration of justice & fair trial", "Impunity"}
    second = Recommendation.objects.get(uhri_annotation_id="ann-2")
    assert sorted(s.iso3 for s in second.recommending_states.all()) == ["GNB", "TLS"]
    assert second.response == Response.PARTIALLY_SUPPORTED
    assert first.review.wg_report_symbol == "A/HRC/38/4"


def test_uhri_reimport_updates_by_annotation_id(tmp_path):
    path = tmp_path / "uhri.xlsx"
    write_xlsx(path, uhri_rows(position_2="- Noted"))
    import_file(path)
    rec = Recommendation.objects.get(uhri_annotation_id="ann-2")
    assert rec.response == Response.NOTED
    rows = uhri_rows(position_2="- Supported/Noted")
    rows[1][0] = "166.7 Combat all discrimination against migrants (Timor-Leste); (Guinea-Bissau);"
    write_xlsx(path, rows)
    report = import_file(path)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    rec.refresh_from_db()
    assert rec.text == "Combat all discrimination against migrants"
    assert rec.response == Response.PARTIALLY_SUPPORTED
    assert list(rec.responses.values_list("response", flat=True)) == [
        "noted", "partially_supported"]
    assert Recommendation.objects.count() == 2
