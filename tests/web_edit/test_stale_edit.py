"""An edit made on a stale form is refused, nothing is overwritten, and the user sees
the other change next to theirs."""

from django.urls import reverse

from recommendations.services import update_follow_up_action, update_recommendation
from reviews.models import Review
from reviews.services import update_review


def edit_data(rec, germany, **changes) -> dict:
    data = {"version": rec.version, "paragraph": rec.paragraph, "text": rec.text,
            "recommending_states": [germany.pk], "response": rec.response}
    return data | changes


def test_stale_recommendation_edit_is_refused_with_both_versions(client_as, recommendation,
                                                                 germany, ngo_user):
    form = edit_data(recommendation, germany, text="My wording of the recommendation")
    # Someone else saves first.
    update_recommendation(recommendation, expected_version=recommendation.version,
                          user=ngo_user, text="Their wording of the recommendation")
    response = client_as("ngo").post(
        reverse("recommendations:recommendation_edit", args=[recommendation.pk]), form)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this" in html
    assert "Their wording of the recommendation" in html
    assert "My wording of the recommendation" in html
    recommendation.refresh_from_db()
    assert recommendation.text == "Their wording of the recommendation"


def test_saving_again_after_seeing_the_conflict_applies_the_edit(client_as, recommendation,
                                                                 germany):
    client = client_as("ngo")
    url = reverse("recommendations:recommendation_edit", args=[recommendation.pk])
    form = edit_data(recommendation, germany, text="Mine")
    update_recommendation(recommendation, expected_version=recommendation.version,
                          text="Theirs")
    conflict = client.post(url, form)
    # The re-shown form carries the current version: a second save is deliberate.
    resubmitted = conflict.context["form"].data
    assert int(resubmitted["version"]) == recommendation.version
    response = client.post(url, resubmitted)
    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.text == "Mine"


def test_fresh_recommendation_edit_is_saved_and_bumps_version(client_as, recommendation,
                                                              germany, france):
    version = recommendation.version
    response = client_as("ngo").post(
        reverse("recommendations:recommendation_edit", args=[recommendation.pk]),
        edit_data(recommendation, germany, text="New text", response="noted",
                  recommending_states=[germany.pk, france.pk], source_symbol="A/HRC/54/5/Add.1"))
    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert (recommendation.text, recommendation.response, recommendation.version) == (
        "New text", "noted", version + 1)
    assert set(recommendation.recommending_states.values_list("iso3", flat=True)) == {
        "DEU", "FRA"}
    assert recommendation.responses.last().source_symbol == "A/HRC/54/5/Add.1"


def test_edit_without_version_is_refused(client_as, recommendation, germany):
    data = edit_data(recommendation, germany, text="No version")
    del data["version"]
    response = client_as("ngo").post(
        reverse("recommendations:recommendation_edit", args=[recommendation.pk]), data)
    assert response.status_code == 200
    recommendation.refresh_from_db()
    assert recommendation.text != "No version"


def test_edit_to_a_paragraph_already_used_is_refused(client_as, recommendation, germany):
    from tests.factories import RecommendationFactory

    RecommendationFactory(review=recommendation.review, paragraph="45.2")
    response = client_as("ngo").post(
        reverse("recommendations:recommendation_edit", args=[recommendation.pk]),
        edit_data(recommendation, germany, paragraph="45.2"))
    assert b"already has a recommendation with paragraph 45.2" in response.content
    recommendation.refresh_from_db()
    assert recommendation.paragraph == "45.1"


def test_stale_follow_up_action_edit_is_refused(client_as, action, recommendation):
    form = {"version": action.version, "title": "My title", "status": "in_progress",
            "recommendations": [recommendation.pk]}
    update_follow_up_action(action, expected_version=action.version, title="Their title",
                            status="completed")
    response = client_as("focal-fra").post(
        reverse("recommendations:followupaction_edit", args=[action.pk]), form)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Their title" in html and "My title" in html
    assert "Completed" in html and "In progress" in html
    action.refresh_from_db()
    assert (action.title, action.status) == ("Their title", "completed")


def test_stale_review_edit_is_refused(client_as, review):
    form = {"version": review.version, "wg_report_symbol": "A/HRC/54/MINE"}
    update_review(review, expected_version=review.version, wg_report_symbol="A/HRC/54/THEIRS")
    response = client_as("ngo").post(reverse("reviews:review_edit", args=[review.pk]), form)
    assert response.status_code == 409
    assert b"A/HRC/54/THEIRS" in response.content
    assert b"A/HRC/54/MINE" in response.content
    assert Review.objects.get(pk=review.pk).wg_report_symbol == "A/HRC/54/THEIRS"


def test_review_create_and_edit(client_as, germany):
    client = client_as("ngo")
    response = client.post(reverse("reviews:review_create"),
                           {"state": germany.pk, "session": 44, "review_date": "2023-11-09"})
    review = Review.objects.get(state=germany, session__number=44)
    assert response["Location"] == review.get_absolute_url()
    assert review.national_report_symbol == "A/HRC/WG.6/44/DEU/1"
    response = client.post(reverse("reviews:review_edit", args=[review.pk]),
                           {"version": review.version, "review_date": "2023-11-09",
                            "wg_report_symbol": "A/HRC/55/9"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.addendum_symbol == "A/HRC/55/9/Add.1"
