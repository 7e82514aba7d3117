"""Export → import round-trips (the exporter is recommendations/export.py)."""

import csv
import io

import pytest

from imports.pipeline import import_file
from imports.readers.app_export import COLUMNS, unguard
from recommendations.models import Recommendation
from reviews.models import Review

from .conftest import canonical_dump, flush_recommendations

pytestmark = pytest.mark.django_db


def test_formula_guard_is_removed_only_before_formula_characters():
    assert unguard("'=1+1") == "=1+1"
    assert unguard("'-note") == "-note"
    assert unguard("'quoted'") == "'quoted'"


def test_export_columns_are_the_contract():
    export = pytest.importorskip("recommendations.export")
    assert tuple(export.COLUMNS) == tuple(COLUMNS)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_into_empty_database_round_trips(slovenia_c4, upr_info_csv,
                                                             tmp_path, fmt):
    export = pytest.importorskip("recommendations.export")
    assert import_file(slovenia_c4).ok
    assert import_file(upr_info_csv).ok
    rec = Recommendation.objects.filter(review__session__number=48).first()
    rec.text = "=HYPERLINK(\"http://example.org\") " + rec.text  # needs the formula guard
    rec.save()
    before = canonical_dump()
    path = tmp_path / f"export.{fmt}"
    with open(path, "wb") as fh:
        getattr(export, f"write_{fmt}")(Recommendation.objects.all(), fh)
    flush_recommendations()
    assert Review.objects.count() == 0

    report = import_file(path)
    assert report.ok, report.errors[:5]
    assert (report.detected_format, report.created) == ("app-export", len(before))
    assert canonical_dump() == before
    again = import_file(path)
    assert (again.created, again.updated) == (0, 0)


def test_app_export_csv_written_by_hand_imports(tmp_path):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    row = dict.fromkeys(COLUMNS, "")
    row.update(state_under_review="FRA", session="43", paragraph="45.1",
               text="'-Ratify the protocol", recommending_states="DEU; ITA",
               response="supported", response_source="A/HRC/54/5/Add.1, para. 3",
               theme_slugs="", sdgs="5; 16", action_category="5")
    writer.writerow([row[c] for c in COLUMNS])
    path = tmp_path / "export.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    report = import_file(path)
    assert report.ok, report.errors
    rec = Recommendation.objects.get()
    assert rec.text == "-Ratify the protocol"
    assert sorted(s.iso3 for s in rec.recommending_states.all()) == ["DEU", "ITA"]
    assert [g.number for g in rec.sdgs.all()] == [5, 16]
    assert rec.responses.get().source_symbol == "A/HRC/54/5/Add.1"
