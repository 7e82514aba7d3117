"""The two real OHCHR thematic lists for Slovenia (cycle 3 and cycle 4 layouts)."""

import pytest

from imports.pipeline import import_file
from recommendations.models import Recommendation, Response
from reviews.models import Review

pytestmark = pytest.mark.django_db


def states_of(paragraph: str, session: int) -> list[str]:
    rec = Recommendation.objects.get(review__session__number=session, paragraph=paragraph)
    return sorted(s.iso3 for s in rec.recommending_states.all())


def test_cycle3_list_gives_215_recommendations_182_supported_33_noted(slovenia_c3):
    report = import_file(slovenia_c3)
    assert report.ok, report.errors
    assert (report.detected_format, report.rows_read, report.created) == ("ohchr-list", 215, 215)
    review = Review.objects.get(state__iso3="SVN", session__number=34)
    assert review.recommendations.count() == 215
    assert review.recommendations.supported().count() == 182
    assert review.recommendations.noted().count() == 33
    assert review.wg_report_symbol == "A/HRC/43/15"


def test_cycle4_list_gives_254_recommendations_217_supported_37_noted(slovenia_c4):
    report = import_file(slovenia_c4)
    assert report.ok, report.errors
    assert (report.rows_read, report.created) == (254, 254)
    review = Review.objects.get(state__iso3="SVN", session__number=48)
    assert review.recommendations.supported().count() == 217
    assert review.recommendations.noted().count() == 37
    assert review.wg_report_symbol == "A/HRC/59/15"
    assert review.addendum_symbol == "A/HRC/59/15/Add.1"


def test_cycle3_paragraphs_and_states_are_parsed(slovenia_c3):
    import_file(slovenia_c3)
    assert states_of("121.1", 34) == ["FRA", "LTU"]
    assert states_of("121.3", 34) == ["GBR"]  # `(No. 29)` is not a State
    assert states_of("122.3", 34) == ["IDN", "NER", "PHL"]  # a cluster of three
    assert states_of("121.58", 34) == ["FRA"]  # ends with `.` instead of `;`
    rec = Recommendation.objects.get(paragraph="121.3")
    assert rec.text.endswith("Forced Labour Convention, 1930 (No. 29)")
    assert Recommendation.objects.get(paragraph="122.3").response == Response.NOTED


def test_cycle4_nested_state_name_and_turkiye(slovenia_c4):
    import_file(slovenia_c4)
    assert states_of("140.167", 48) == ["VEN"]
    assert states_of("140.7", 48) == ["MDV", "PRT"]


def test_cluster_keeps_each_parts_state_in_its_text(slovenia_c3):
    import_file(slovenia_c3)
    rec = Recommendation.objects.get(paragraph="121.2")
    assert states_of("121.2", 34) == ["SVK", "UKR"]
    assert "Enforced Disappearance (Ukraine); Increase efforts" in rec.text


def test_source_of_position_is_kept_in_the_response_history(slovenia_c3):
    import_file(slovenia_c3)
    record = Recommendation.objects.get(paragraph="122.1").responses.get()
    assert (record.response, record.source_symbol, record.source_paragraph) == (
        Response.SUPPORTED, "A/HRC/43/15/Add.1", "3")
    record = Recommendation.objects.get(paragraph="121.1").responses.get()
    assert (record.source_symbol, record.source_paragraph) == ("A/HRC/43/15", "121")


def test_themes_sdgs_and_affected_persons_come_from_their_columns(slovenia_c3, slovenia_c4):
    import_file(slovenia_c3)
    import_file(slovenia_c4)
    rec = Recommendation.objects.get(review__session__number=34, paragraph="121.1")
    assert {t.name for t in rec.themes.all()} == {
        "Acceptance of international norms", "Enforced disappearances"}
    assert {t.source for t in rec.themes.all()} == {"uhri"}
    assert [g.number for g in rec.sdgs.all()] == [16]
    assert [g.name for g in rec.affected_groups.all()] == ["Disappeared persons"]
    rec = Recommendation.objects.get(review__session__number=48, paragraph="140.11")
    assert [g.number for g in rec.sdgs.all()] == [10]
    assert {g.name for g in rec.affected_groups.all()} >= {"Stateless persons"}


def test_reimporting_a_list_changes_nothing(slovenia_c4):
    import_file(slovenia_c4)
    stamps = sorted(Recommendation.objects.values_list("pk", "updated_at"))
    again = import_file(slovenia_c4)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 254)
    assert sorted(Recommendation.objects.values_list("pk", "updated_at")) == stamps
