"""Every editing page × every role: who gets the page, who gets a 403 and nothing
written, and which edit controls each role sees."""

import pytest
from django.urls import reverse

from imports.models import ImportJob
from recommendations.models import (
    Assessment,
    FollowUpAction,
    Recommendation,
    ResponseRecord,
)
from reviews.models import Review

ROLES = [None, "plain", "researcher", "ngo", "focal-fra", "focal-deu", "admin"]
NGO = {"ngo", "admin"}
FOCAL_FRA = {"focal-fra", "admin"}


def pages(review, rec, action, germany):
    """(page, url, roles allowed, a POST that would write if it were allowed)."""
    return [
        ("review_create", reverse("reviews:review_create"), NGO,
         {"state": germany.pk, "session": 45, "review_date": "2024-01-22"}),
        ("review_edit", reverse("reviews:review_edit", args=[review.pk]), NGO,
         {"version": review.version, "wg_report_symbol": "A/HRC/99/1"}),
        ("recommendation_create",
         reverse("recommendations:recommendation_create", args=[review.pk]), NGO,
         {"paragraph": "45.9", "text": "Adopt a plan", "recommending_states": [germany.pk],
          "response": "pending"}),
        ("recommendation_paste",
         reverse("imports:recommendation_paste", args=[review.pk]), NGO,
         {"text": "45.9 Adopt a plan (Germany);", "response": "pending", "save": "1"}),
        ("recommendation_edit", reverse("recommendations:recommendation_edit", args=[rec.pk]),
         NGO, {"version": rec.version, "paragraph": "45.1", "text": "Changed",
               "recommending_states": [germany.pk], "response": "noted"}),
        ("assessment_create", reverse("recommendations:assessment_create", args=[rec.pk]),
         NGO, {"status": "in_progress", "comment": "seen"}),
        ("government_status", reverse("recommendations:government_status", args=[rec.pk]),
         FOCAL_FRA, {"status": "in_progress", "comment": "started"}),
        ("followupaction_create",
         reverse("recommendations:followupaction_create") + f"?recommendation={rec.pk}",
         FOCAL_FRA, {"title": "New action", "status": "planned", "recommendations": [rec.pk]}),
        ("followupaction_edit", reverse("recommendations:followupaction_edit", args=[action.pk]),
         FOCAL_FRA, {"version": action.version, "title": "Renamed", "status": "planned",
                     "recommendations": [rec.pk]}),
        ("import_upload", reverse("imports:import_upload"), NGO,
         {"format": "auto", "dry_run": "on"}),
    ]


def snapshot() -> tuple:
    return (Review.objects.count(), list(Review.objects.values_list("version", flat=True)),
            Recommendation.objects.count(),
            list(Recommendation.objects.values_list("version", "text", "response")),
            Assessment.objects.count(), ResponseRecord.objects.count(),
            list(FollowUpAction.objects.values_list("version", "title")),
            ImportJob.objects.count())


@pytest.mark.parametrize("role", ROLES)
def test_edit_pages_answer_each_role_by_its_rights(role, client_as, review, recommendation,
                                                   action, germany):
    client = client_as(role)
    for page, url, allowed, _data in pages(review, recommendation, action, germany):
        response = client.get(url)
        if role is None:
            assert response.status_code == 302, page
            assert response["Location"].startswith(reverse("login")), page
        elif role in allowed:
            assert response.status_code == 200, page
        else:
            assert response.status_code == 403, page
            assert b"not allowed" in response.content, page


@pytest.mark.parametrize("role", ROLES)
def test_refused_posts_write_nothing(role, client_as, review, recommendation, action,
                                     germany):
    client = client_as(role)
    before = snapshot()
    for page, url, allowed, data in pages(review, recommendation, action, germany):
        if role in allowed:
            continue
        response = client.post(url, data)
        assert response.status_code == (302 if role is None else 403), page
    assert snapshot() == before


def test_focal_point_cannot_set_status_of_another_states_recommendation(
        client_as, german_recommendation):
    response = client_as("focal-fra").post(
        reverse("recommendations:government_status", args=[german_recommendation.pk]),
        {"status": "fully_implemented"})
    assert response.status_code == 403
    german_recommendation.refresh_from_db()
    assert german_recommendation.government_status == ""
    assert not Assessment.objects.exists()


def test_focal_point_cannot_edit_another_states_follow_up_action(client_as, german_action,
                                                                 recommendation):
    response = client_as("focal-fra").post(
        reverse("recommendations:followupaction_edit", args=[german_action.pk]),
        {"version": german_action.version, "title": "Hijacked", "status": "cancelled",
         "recommendations": [recommendation.pk]})
    assert response.status_code == 403
    german_action.refresh_from_db()
    assert german_action.title == "Review the NHRI statute"


def test_focal_point_cannot_create_follow_up_action_for_another_state(
        client_as, german_recommendation):
    url = reverse("recommendations:followupaction_create")
    response = client_as("focal-fra").post(
        f"{url}?recommendation={german_recommendation.pk}",
        {"title": "Not mine", "status": "planned",
         "recommendations": [german_recommendation.pk]})
    assert response.status_code == 403
    assert not FollowUpAction.objects.exists()


def test_focal_point_cannot_link_another_states_recommendation_to_own_action(
        client_as, recommendation, german_recommendation):
    url = reverse("recommendations:followupaction_create")
    response = client_as("focal-fra").post(
        f"{url}?recommendation={recommendation.pk}",
        {"title": "Sneaky", "status": "planned",
         "recommendations": [recommendation.pk, german_recommendation.pk]})
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    assert not FollowUpAction.objects.exists()


def test_focal_point_cannot_create_follow_up_action_with_state_parameter_of_another(
        client_as, germany, german_recommendation):
    url = reverse("recommendations:followupaction_create")
    response = client_as("focal-fra").post(
        f"{url}?state=DEU", {"title": "Not mine", "status": "planned",
                             "recommendations": [german_recommendation.pk]})
    assert response.status_code == 403
    assert not FollowUpAction.objects.exists()


def test_focal_point_updates_own_states_status(client_as, recommendation, focal_point):
    response = client_as("focal-fra").post(
        reverse("recommendations:government_status", args=[recommendation.pk]),
        {"status": "in_progress", "comment": "Bill tabled",
         "evidence_url": "https://www.legifrance.gouv.fr/"})
    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.government_status == "in_progress"
    assessment = Assessment.objects.get()
    assert (assessment.actor, assessment.created_by, assessment.evidence_url) == (
        "government", focal_point, "https://www.legifrance.gouv.fr/")


def test_focal_point_adds_follow_up_action(client_as, recommendation, focal_point):
    url = reverse("recommendations:followupaction_create")
    response = client_as("focal-fra").post(
        f"{url}?recommendation={recommendation.pk}",
        {"title": "Table the bill", "status": "planned", "target_date": "2027-03-01",
         "responsible_institution": "Ministry of Foreign Affairs",
         "recommendations": [recommendation.pk]})
    action = FollowUpAction.objects.get()
    assert response["Location"] == action.get_absolute_url()
    assert (action.state.iso3, list(action.recommendations.all()), action.created_by) == (
        "FRA", [recommendation], focal_point)


def test_ngo_adds_civil_society_assessment(client_as, recommendation):
    response = client_as("ngo").post(
        reverse("recommendations:assessment_create", args=[recommendation.pk]),
        {"status": "not_implemented", "organisation": "Ligue des droits"})
    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.civil_society_status == "not_implemented"
    assert recommendation.government_status == ""


def test_government_status_form_offers_no_not_implemented(client_as, recommendation):
    response = client_as("focal-fra").post(
        reverse("recommendations:government_status", args=[recommendation.pk]),
        {"status": "not_implemented"})
    assert response.status_code == 200
    assert not Assessment.objects.exists()


def test_my_state_explains_itself_to_non_focal_points(client_as):
    response = client_as("ngo").get(reverse("front:my_state"))
    assert response.status_code == 403
    assert b"for government focal points" in response.content


CONTROLS = {
    "edit": "recommendations:recommendation_edit",
    "government": "recommendations:government_status",
    "assess": "recommendations:assessment_create",
}


@pytest.mark.parametrize(("role", "visible"), [
    (None, set()), ("plain", set()), ("researcher", set()),
    ("ngo", {"edit", "assess"}), ("focal-fra", {"government", "follow_up"}),
    ("focal-deu", set()), ("admin", {"edit", "assess", "government", "follow_up"}),
])
def test_detail_page_shows_only_the_controls_the_role_may_use(role, visible, client_as,
                                                              recommendation):
    html = client_as(role).get(recommendation.get_absolute_url()).content.decode()
    urls = {name: reverse(url, args=[recommendation.pk]) for name, url in CONTROLS.items()}
    urls["follow_up"] = (reverse("recommendations:followupaction_create")
                         + f"?recommendation={recommendation.pk}")
    shown = {name for name, url in urls.items() if f'href="{url}"' in html}
    assert shown == visible


def test_follow_up_action_page_shows_edit_link_to_its_focal_point_only(client_as, action):
    edit = reverse("recommendations:followupaction_edit", args=[action.pk])
    assert edit in client_as("focal-fra").get(action.get_absolute_url()).content.decode()
    assert edit not in client_as("focal-deu").get(action.get_absolute_url()).content.decode()
    assert edit not in client_as(None).get(action.get_absolute_url()).content.decode()
