import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from recommendations import services
from recommendations.models import (
    Actor,
    Assessment,
    ImplementationStatus,
    Recommendation,
    Response,
)
from tests.factories import RecommendationFactory, ReviewFactory, state

pytestmark = pytest.mark.django_db


def test_a_recommendation_needs_at_least_one_recommending_state():
    review = ReviewFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.create_recommendation(review=review, paragraph="45.1", text="Ratify the CRPD",
                                       recommending_states=[])
    assert "recommending_states" in excinfo.value.message_dict
    assert not Recommendation.objects.exists()


def test_a_joint_recommendation_keeps_all_its_states():
    rec = services.create_recommendation(
        review=ReviewFactory(), paragraph="45.2", text="Abolish the death penalty",
        recommending_states=[state("PRT"), state("SVK"), state("ESP")],
        response=Response.SUPPORTED)
    assert set(rec.recommending_states.values_list("iso3", flat=True)) == {"PRT", "SVK", "ESP"}


def test_paragraph_is_unique_within_a_review_when_created_through_the_service():
    review = ReviewFactory()
    services.create_recommendation(review=review, paragraph="45.3", text="A",
                                   recommending_states=[state("DEU")])
    with pytest.raises(ValidationError):
        services.create_recommendation(review=review, paragraph="45.3.", text="B",
                                       recommending_states=[state("DEU")])


def test_response_history_keeps_its_order_and_sources():
    rec = services.create_recommendation(
        review=ReviewFactory(wg_report_symbol="A/HRC/43/15"), paragraph="140.1",
        text="Ratify the Convention", recommending_states=[state("DEU")],
        response=Response.PENDING, source_symbol="A/HRC/43/15", source_paragraph="140.1")
    rec.record_response(Response.NOTED, source_symbol="A/HRC/43/15/Add.1", source_paragraph="5",
                        date=dt.date(2020, 3, 1))
    rec.record_response(Response.SUPPORTED, source_symbol="A/HRC/52/4", source_paragraph="12",
                        date=dt.date(2022, 9, 1))
    history = list(rec.responses.values_list("response", "source_symbol", "source_paragraph"))
    assert history == [
        ("pending", "A/HRC/43/15", "140.1"),
        ("noted", "A/HRC/43/15/Add.1", "5"),
        ("supported", "A/HRC/52/4", "12"),
    ]
    rec.refresh_from_db()
    assert rec.response == Response.SUPPORTED
    assert rec.response_source == "A/HRC/52/4, para. 12"


def test_response_words_from_the_sources_parse():
    assert Response.parse("Accepted") == Response.SUPPORTED
    assert Response.parse("Supported/Noted") == Response.PARTIALLY_SUPPORTED
    assert Response.parse("  noted ") == Response.NOTED
    assert Response.parse("Rejected") == Response.NOT_SUPPORTED
    assert Response.parse("will be examined") == Response.PENDING
    assert Response.parse("Voluntary Pledge") is None


def test_government_and_civil_society_assessments_are_kept_apart():
    rec = RecommendationFactory()
    rec.add_assessment(actor=Actor.GOVERNMENT, status=ImplementationStatus.FULLY_IMPLEMENTED,
                       assessed_on=dt.date(2025, 1, 1))
    rec.add_assessment(actor=Actor.CIVIL_SOCIETY, status=ImplementationStatus.NOT_IMPLEMENTED,
                       assessed_on=dt.date(2025, 2, 1))
    rec.refresh_from_db()
    assert rec.government_status == ImplementationStatus.FULLY_IMPLEMENTED
    assert rec.civil_society_status == ImplementationStatus.NOT_IMPLEMENTED


def test_latest_assessment_by_date_wins_even_if_entered_late():
    rec = RecommendationFactory()
    rec.add_assessment(actor=Actor.GOVERNMENT, status=ImplementationStatus.IN_PROGRESS,
                       assessed_on=dt.date(2025, 6, 1))
    rec.add_assessment(actor=Actor.GOVERNMENT, status=ImplementationStatus.NOT_STARTED,
                       assessed_on=dt.date(2024, 1, 1))
    rec.refresh_from_db()
    assert rec.government_status == ImplementationStatus.IN_PROGRESS
    assert rec.assessments.count() == 2


def test_a_government_cannot_report_not_implemented():
    rec = RecommendationFactory()
    with pytest.raises(ValidationError):
        rec.add_assessment(actor=Actor.GOVERNMENT, status=ImplementationStatus.NOT_IMPLEMENTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(recommendation=rec, actor=Actor.GOVERNMENT,
                                  status=ImplementationStatus.NOT_IMPLEMENTED)


def test_paragraphs_sort_numerically():
    review = ReviewFactory()
    for p in ["140.10", "140.2", "139.1", "140.1"]:
        RecommendationFactory(review=review, paragraph=p)
    assert [r.paragraph for r in review.recommendations.all()] == [
        "139.1", "140.1", "140.2", "140.10"]


def test_changes_are_kept_in_the_audit_history_with_the_user(ngo_user):
    rec = RecommendationFactory(text="Original text")
    services.update_recommendation(rec, expected_version=rec.version, text="Edited text",
                                   user=ngo_user)
    record = rec.history.first()
    previous = record.prev_record
    delta = record.diff_against(previous)
    assert [c.field for c in delta.changes if c.field == "text"] == ["text"]
    assert previous.text == "Original text"
    assert record.text == "Edited text"


def test_a_stale_edit_is_refused_and_writes_nothing():
    rec = RecommendationFactory(text="Original text")
    loaded_version = rec.version
    first = Recommendation.objects.get(pk=rec.pk)
    services.update_recommendation(first, expected_version=loaded_version, text="First edit")
    second = Recommendation.objects.get(pk=rec.pk)
    with pytest.raises(services.StaleEdit) as excinfo:
        services.update_recommendation(second, expected_version=loaded_version,
                                       text="Second edit")
    assert excinfo.value.current.text == "First edit"
    rec.refresh_from_db()
    assert rec.text == "First edit"
    assert rec.version == loaded_version + 1


def test_follow_up_action_only_links_recommendations_of_its_state():
    french = RecommendationFactory(review=ReviewFactory(state=state("FRA")))
    german = RecommendationFactory(review=ReviewFactory(state=state("DEU")))
    with pytest.raises(ValidationError):
        services.create_follow_up_action(state=state("FRA"), recommendations=[french, german],
                                         title="Plan")
    action = services.create_follow_up_action(state=state("FRA"), recommendations=[french],
                                              title="Plan", target_date=dt.date(2026, 1, 1))
    assert list(action.recommendations.all()) == [french]
    assert action.is_overdue(today=dt.date(2026, 1, 2))
