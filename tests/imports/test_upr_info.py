"""The real UPR Info sample (sessions 1–5): Mac Roman, bare CR, joint rows, .xls twin."""

import pytest

from imports.pipeline import import_file
from recommendations.models import Recommendation, Response, ResponseRecord
from reviews.models import Review

from .conftest import canonical_dump, flush_recommendations

pytestmark = pytest.mark.django_db

DISTINCT = 5617  # 6,094 rows, joint rows merged, 9 `(Unknown)`-only rows skipped
SUPPORTED = 3802
NOTED = 1815


@pytest.fixture
def imported(upr_info_csv):
    report = import_file(upr_info_csv)
    assert report.ok, report.errors
    return report


def test_csv_report_gives_exact_figures(imported):
    assert (imported.detected_format, imported.rows_read, imported.created, imported.updated,
            imported.unchanged) == ("upr-info", 6094, DISTINCT, 0, 0)
    assert imported.skipped == {"recommending State unknown (&#40;Unknown&#41;)": 9}
    assert "File type: CSV, encoding mac_roman, line endings CR" in imported.notes


def test_csv_gives_distinct_recommendations_with_supported_and_noted_counts(imported):
    assert Recommendation.objects.count() == DISTINCT
    assert Recommendation.objects.supported().count() == SUPPORTED
    assert Recommendation.objects.noted().count() == NOTED
    assert Review.objects.count() == 80


def test_joint_rows_become_one_recommendation_with_all_states(imported):
    counts = sorted((r.recommending_states.count() for r in
                     Recommendation.objects.prefetch_related("recommending_states")),
                    reverse=True)
    assert counts[0] == 8
    rec = Recommendation.objects.get(
        review__state__iso3="AFG", text__startswith="Enact legislation and take effective "
        "measures to protect and promote women's rights")
    assert "AUT" in {s.iso3 for s in rec.recommending_states.all()}


def test_mac_roman_accents_are_decoded(imported):
    assert Recommendation.objects.filter(text__contains="é").exists()
    assert not Recommendation.objects.filter(text__contains="Ž").exists()


def test_accepted_means_supported_with_history_and_themes(imported):
    rec = Recommendation.objects.filter(response=Response.SUPPORTED).first()
    assert list(rec.responses.values_list("response", flat=True)) == ["supported"]
    assert rec.themes.filter(source="upr-info").exists()
    assert rec.action_category in (1, 2, 3, 4, 5)


def test_xls_gives_the_same_database_as_csv(imported, shared_data):
    from_csv = canonical_dump()
    flush_recommendations()
    report = import_file(shared_data / "upr-info-2015" / "sessions-01-05.xls")
    assert report.ok, report.errors
    assert report.created == DISTINCT
    assert canonical_dump() == from_csv


def test_reimport_changes_nothing(imported, upr_info_csv):
    stamp = list(Recommendation.objects.order_by("pk").values_list("pk", "updated_at"))
    history = Recommendation.history.count()
    responses = ResponseRecord.objects.count()
    again = import_file(upr_info_csv)
    assert (again.created, again.updated, again.unchanged) == (0, 0, DISTINCT)
    assert list(Recommendation.objects.order_by("pk").values_list("pk", "updated_at")) == stamp
    assert Recommendation.history.count() == history
    assert ResponseRecord.objects.count() == responses


def _edit_copy(source, target, edit) -> None:
    text = source.read_bytes().decode("mac_roman")
    lines = text.split("\r")
    edit(lines)
    target.write_bytes("\r".join(lines).encode("mac_roman"))


def test_edited_copy_updates_in_place_with_response_history(imported, upr_info_csv, tmp_path):
    # Row 2 (Afghanistan, Austria) is a single-State recommendation: note it instead.
    rec = Recommendation.objects.get(
        review__state__iso3="AFG", text__startswith="Enact legislation and take effective")
    assert rec.response == Response.SUPPORTED
    edited = tmp_path / "edited.csv"
    _edit_copy(upr_info_csv, edited, lambda lines: lines.__setitem__(
        1, lines[1].replace(",Accepted,", ",Noted,")))
    report = import_file(edited)
    assert (report.created, report.updated, report.unchanged) == (0, 1, DISTINCT - 1)
    rec.refresh_from_db()
    assert rec.response == Response.NOTED
    assert list(rec.responses.values_list("response", flat=True)) == ["supported", "noted"]
    assert Recommendation.objects.count() == DISTINCT


def test_file_with_an_unknown_state_writes_nothing_and_names_the_row(upr_info_csv, tmp_path):
    bad = tmp_path / "bad.csv"
    _edit_copy(upr_info_csv, bad, lambda lines: lines.__setitem__(
        99, lines[99].replace(lines[99].split(",")[0], "Atlantis", 1)))
    report = import_file(bad)
    assert not report.ok
    assert report.errors == [{"row": 100, "message": "unknown State under review 'Atlantis'"}]
    assert Recommendation.objects.count() == 0
    assert Review.objects.count() == 0


def test_dry_run_reports_without_writing(upr_info_csv):
    report = import_file(upr_info_csv, dry_run=True)
    assert (report.ok, report.created) == (True, DISTINCT)
    assert Recommendation.objects.count() == 0
    assert Review.objects.count() == 0


def test_voluntary_pledges_are_skipped_and_counted(shared_data):
    report = import_file(shared_data / "upr-info-2015" / "voluntary-pledges.csv")
    assert (report.ok, report.rows_read, report.created) == (True, 947, 0)
    assert report.skipped == {"voluntary pledge": 947}
