"""Deleting a recommendation (issue 23): NGO staff and admins, on the page and with the
API's DELETE; what goes with it is listed and confirmed first; the change feed hears of
it before the rows go, and the audit history keeps who deleted it."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from recommendations import touch
from recommendations.models import Actor, Assessment, FollowUpAction, Recommendation
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    calls = []

    def listener(ids, action):
        # Called inside the transaction, before the rows go: they are still there.
        calls.append((ids, action, Recommendation.objects.filter(pk__in=ids).count()))

    touch.on_touch(listener)
    yield calls
    touch._listeners.remove(listener)


def test_ngo_deletes_a_recommendation_from_its_page(client_as, recommendation, ngo_user,
                                                    heard):
    url = reverse("recommendations:recommendation_delete", args=[recommendation.pk])
    client = client_as("ngo")
    assert "Delete the recommendation" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert not Recommendation.objects.filter(pk=recommendation.pk).exists()
    assert ([recommendation.pk], "deleted", 1) in heard
    record = Recommendation.history.filter(id=recommendation.pk).latest("history_date")
    assert record.history_type == "-"
    assert record.history_user == ngo_user


def test_focal_point_and_anonymous_cannot_delete(client_as, recommendation):
    url = reverse("recommendations:recommendation_delete", args=[recommendation.pk])
    assert client_as("focal-fra").post(url).status_code == 403
    assert client_as(None).post(url).status_code == 302  # to the login page
    assert Recommendation.objects.filter(pk=recommendation.pk).exists()


def test_others_entries_are_listed_and_need_confirmation(client_as, recommendation,
                                                         focal_point, action):
    AssessmentFactory(recommendation=recommendation, actor=Actor.GOVERNMENT,
                      created_by=focal_point)
    url = reverse("recommendations:recommendation_delete", args=[recommendation.pk])
    client = client_as("ngo")
    page = client.get(url).content.decode()
    assert "entered by someone else" in page
    assert action.title in page
    refused = client.post(url)
    assert refused.status_code == 400
    assert Recommendation.objects.filter(pk=recommendation.pk).exists()
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    assert not Recommendation.objects.filter(pk=recommendation.pk).exists()
    assert not Assessment.objects.exists()
    # The follow-up action stays, unlinked; the assessment is in its history.
    assert FollowUpAction.objects.filter(pk=action.pk).exists()
    assert Assessment.history.filter(history_type="-").count() == 1


def test_api_delete_as_ngo_is_204_and_gone(recommendation, ngo_user, heard):
    client = APIClient()
    client.force_authenticate(ngo_user)
    response = client.delete(f"/api/v1/recommendations/{recommendation.pk}/")
    assert response.status_code == 204
    assert client.get(f"/api/v1/recommendations/{recommendation.pk}/").status_code == 404
    assert heard[-1][:2] == ([recommendation.pk], "deleted")


def test_api_delete_refused_to_focal_point_and_anonymous(recommendation, focal_point):
    client = APIClient()
    assert client.delete(f"/api/v1/recommendations/{recommendation.pk}/").status_code in (
        401, 403)
    client.force_authenticate(focal_point)
    assert client.delete(f"/api/v1/recommendations/{recommendation.pk}/").status_code == 403
    assert Recommendation.objects.filter(pk=recommendation.pk).exists()


def test_api_delete_with_others_entries_is_409_until_confirmed(recommendation, ngo_user,
                                                               focal_point):
    AssessmentFactory(recommendation=recommendation, actor=Actor.GOVERNMENT,
                      created_by=focal_point)
    client = APIClient()
    client.force_authenticate(ngo_user)
    url = f"/api/v1/recommendations/{recommendation.pk}/"
    response = client.delete(url)
    assert response.status_code == 409
    assert response.json()["assessments"][0]["created_by"] == "focal-fra"
    assert client.delete(url + "?confirm=true").status_code == 204
    assert not Recommendation.objects.filter(pk=recommendation.pk).exists()


def test_admin_site_deletion_goes_through_the_same_service(recommendation, admin_user,
                                                           heard):
    from django.test import Client

    client = Client()
    client.force_login(admin_user)
    url = f"/admin/recommendations/recommendation/{recommendation.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Recommendation.objects.filter(pk=recommendation.pk).exists()
    assert heard[-1][:2] == ([recommendation.pk], "deleted")
    record = Recommendation.history.filter(id=recommendation.pk).latest("history_date")
    assert record.history_user == admin_user
