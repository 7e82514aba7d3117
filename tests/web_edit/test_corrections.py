"""Corrections that take (issue 23): no status or assessment dated in the future, the
latest entry is the one with the latest date entered (then the latest entry), and the
author or an administrator corrects or withdraws an entry, kept in its history."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from recommendations.models import Actor, Assessment
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + dt.timedelta(days=1)


def test_government_status_dated_in_the_future_is_refused(client_as, recommendation):
    response = client_as("focal-fra").post(
        reverse("recommendations:government_status", args=[recommendation.pk]),
        {"status": "in_progress", "assessed_on": "2035-01-01"})
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    assert not Assessment.objects.filter(recommendation=recommendation).exists()


def test_civil_society_assessment_dated_tomorrow_is_refused(client_as, recommendation):
    response = client_as("ngo").post(
        reverse("recommendations:assessment_create", args=[recommendation.pk]),
        {"status": "in_progress", "assessed_on": TOMORROW.isoformat()})
    assert "cannot be in the future" in response.content.decode()
    assert not Assessment.objects.exists()


def test_api_refuses_a_future_assessment(recommendation, ngo_user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(ngo_user)
    response = client.post("/api/v1/assessments/", {
        "recommendation": recommendation.pk, "actor": "civil_society",
        "status": "in_progress", "assessed_on": "2035-01-01"}, format="json")
    assert response.status_code == 400
    assert "assessed_on" in response.json()


def test_model_refuses_a_future_date(recommendation):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        recommendation.add_assessment(actor=Actor.GOVERNMENT, status="in_progress",
                                      assessed_on=TOMORROW)


def test_correction_entered_today_becomes_latest_over_an_earlier_date(recommendation,
                                                                      focal_point):
    today = timezone.localdate()
    recommendation.add_assessment(actor=Actor.GOVERNMENT, status="fully_implemented",
                                  assessed_on=today, user=focal_point)
    recommendation.add_assessment(actor=Actor.GOVERNMENT, status="in_progress",
                                  assessed_on=today, user=focal_point)
    recommendation.refresh_from_db()
    # Same date entered: the later entry wins.
    assert recommendation.government_status == "in_progress"


def test_author_corrects_an_entry_and_the_old_version_stays_in_history(
        client_as, recommendation, focal_point):
    entry = recommendation.add_assessment(actor=Actor.GOVERNMENT, status="in_progress",
                                          assessed_on=dt.date(2025, 3, 1), user=focal_point)
    response = client_as("focal-fra").post(
        reverse("recommendations:assessment_correct", args=[entry.pk]),
        {"status": "partially_implemented", "assessed_on": "2025-03-02", "comment": "fixed"})
    assert response.status_code == 302
    entry.refresh_from_db()
    recommendation.refresh_from_db()
    assert (entry.status, entry.assessed_on) == ("partially_implemented", dt.date(2025, 3, 2))
    assert recommendation.government_status == "partially_implemented"
    statuses = list(entry.history.order_by("history_date").values_list("status", flat=True))
    assert statuses == ["in_progress", "partially_implemented"]


def test_correction_to_a_future_date_is_refused(client_as, recommendation, focal_point):
    entry = recommendation.add_assessment(actor=Actor.GOVERNMENT, status="in_progress",
                                          user=focal_point)
    response = client_as("focal-fra").post(
        reverse("recommendations:assessment_correct", args=[entry.pk]),
        {"status": "in_progress", "assessed_on": "2035-01-01"})
    assert "cannot be in the future" in response.content.decode()
    entry.refresh_from_db()
    assert entry.assessed_on == timezone.localdate()


def test_withdrawn_entry_no_longer_counts_as_latest(client_as, recommendation, focal_point):
    first = recommendation.add_assessment(actor=Actor.GOVERNMENT, status="not_started",
                                          assessed_on=dt.date(2024, 1, 1), user=focal_point)
    wrong = recommendation.add_assessment(actor=Actor.GOVERNMENT, status="fully_implemented",
                                          assessed_on=dt.date(2025, 1, 1), user=focal_point)
    response = client_as("focal-fra").post(
        reverse("recommendations:assessment_withdraw", args=[wrong.pk]))
    assert response.status_code == 302
    recommendation.refresh_from_db()
    wrong.refresh_from_db()
    assert recommendation.government_status == first.status
    assert wrong.withdrawn_at is not None and wrong.withdrawn_by == focal_point
    page = client_as(None).get(recommendation.get_absolute_url()).content.decode()
    assert "withdrawn" in page


def test_someone_else_cannot_correct_or_withdraw(client_as, recommendation, ngo_user):
    entry = AssessmentFactory(recommendation=recommendation, actor=Actor.CIVIL_SOCIETY,
                              created_by=ngo_user)
    other = client_as("focal-fra")
    assert other.post(reverse("recommendations:assessment_withdraw",
                              args=[entry.pk])).status_code == 403
    assert other.get(reverse("recommendations:assessment_correct",
                             args=[entry.pk])).status_code == 403
    entry.refresh_from_db()
    assert entry.withdrawn_at is None


def test_admin_may_withdraw_anyones_entry(client_as, recommendation, ngo_user):
    entry = AssessmentFactory(recommendation=recommendation, actor=Actor.CIVIL_SOCIETY,
                              created_by=ngo_user)
    assert client_as("admin").post(reverse("recommendations:assessment_withdraw",
                                           args=[entry.pk])).status_code == 302
    entry.refresh_from_db()
    assert entry.withdrawn_at is not None


def test_author_sees_correct_and_withdraw_controls_others_do_not(client_as, recommendation,
                                                                ngo_user):
    AssessmentFactory(recommendation=recommendation, actor=Actor.CIVIL_SOCIETY,
                      created_by=ngo_user)
    url = recommendation.get_absolute_url()
    assert "Withdraw" in client_as("ngo").get(url).content.decode()
    assert "Withdraw" not in client_as("focal-fra").get(url).content.decode()


def test_paste_skips_page_header_lines_and_suggests_the_closest_state(client_as, review):
    from recommendations.models import Recommendation

    text = ("45.10 Ratify the Optional Protocol (Germany);\n"
            "A/HRC/54/5\n"
            "GE.23-12345 12\n"
            "17\n"
            "45.11 Combat hate speech online (Ghanna);")
    page = client_as("ngo").post(
        reverse("imports:recommendation_paste", args=[review.pk]),
        {"text": text, "response": "pending"}).content.decode()
    assert "Did you mean Ghana" in page
    from imports.parsing import parse_recommendation_list

    items = parse_recommendation_list(text)
    assert [i.paragraph for i in items] == ["45.10", "45.11"]
    assert all("GE.23" not in i.text and "A/HRC" not in i.text for i in items)
    assert not Recommendation.objects.filter(review=review, paragraph="45.10").exists()


def test_pasted_response_source_has_its_document_and_a_date(client_as, review):
    from recommendations.models import ResponseRecord

    response = client_as("ngo").post(
        reverse("imports:recommendation_paste", args=[review.pk]),
        {"text": "45.10 Ratify the Optional Protocol (Germany);\nA/HRC/54/5\n12",
         "response": "pending", "save": "1"})
    assert response.status_code == 302
    record = ResponseRecord.objects.get(recommendation__paragraph="45.10")
    assert record.source_symbol == "A/HRC/54/5"
    assert record.date is not None
    assert "12" not in record.recommendation.text.split()
