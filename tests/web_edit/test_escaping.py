"""User text is always shown as text on the editing pages."""

from django.urls import reverse

from recommendations.services import update_follow_up_action, update_recommendation
from tests.factories import FollowUpActionFactory, RecommendationFactory

EVIL = '<img src=x onerror="alert(1)">'


def assert_escaped(response) -> None:
    html = response.content.decode()
    assert EVIL not in html
    assert "&lt;img src=x onerror=" in html


def test_edit_form_escapes_recommendation_text(client_as, review):
    rec = RecommendationFactory(review=review, text=EVIL)
    assert_escaped(client_as("ngo").get(
        reverse("recommendations:recommendation_edit", args=[rec.pk])))


def test_stale_edit_view_escapes_both_versions(client_as, review, germany):
    rec = RecommendationFactory(review=review, text="plain")
    data = {"version": rec.version, "paragraph": rec.paragraph, "text": EVIL,
            "recommending_states": [germany.pk], "response": "pending"}
    update_recommendation(rec, expected_version=rec.version, text=EVIL + " theirs")
    response = client_as("ngo").post(
        reverse("recommendations:recommendation_edit", args=[rec.pk]), data)
    assert response.status_code == 409
    assert_escaped(response)


def test_status_form_and_my_state_escape_text(client_as, review):
    rec = RecommendationFactory(review=review, text=EVIL)
    client = client_as("focal-fra")
    assert_escaped(client.get(reverse("recommendations:government_status", args=[rec.pk])))
    assert_escaped(client.get(reverse("front:my_state")))


def test_follow_up_action_pages_escape_user_text(client_as, recommendation):
    action = FollowUpActionFactory(recommendations=[recommendation], title=EVIL,
                                   responsible_institution=EVIL, evidence=EVIL)
    client = client_as("focal-fra")
    assert_escaped(client.get(action.get_absolute_url()))
    assert_escaped(client.get(reverse("recommendations:followupaction_edit", args=[action.pk])))
    stale = {"version": action.version, "title": "x", "status": "planned",
             "recommendations": [recommendation.pk]}
    update_follow_up_action(action, expected_version=action.version, description=EVIL)
    assert_escaped(client.post(
        reverse("recommendations:followupaction_edit", args=[action.pk]), stale))


def test_paste_preview_escapes_unknown_state_names(client_as, review):
    response = client_as("ngo").post(
        reverse("imports:recommendation_paste", args=[review.pk]),
        {"text": '140.1 Ratify (<img src=x onerror="alert(1)">);', "response": "pending",
         "preview": "1"})
    assert "<img src=x" not in response.content.decode()
