"""No lost updates: ETag from the row version, If-Match or body `version`, 412 if stale."""

import pytest
from rest_framework.test import APIClient

from tests.factories import FollowUpActionFactory, state


@pytest.fixture
def ngo(ngo_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(ngo_user)
    return client


def url(corpus) -> str:
    return f"/api/v1/recommendations/{corpus.torture.pk}/"


def test_detail_carries_the_version_as_etag(api_client, corpus):
    response = api_client.get(url(corpus))
    assert response.headers["ETag"] == f'"{response.json()["version"]}"'


def test_edit_with_current_if_match_succeeds_and_returns_new_etag(ngo, corpus):
    etag = ngo.get(url(corpus)).headers["ETag"]
    response = ngo.patch(url(corpus), {"text": "Ratify promptly"}, format="json",
                         HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response.headers["ETag"] != etag


def test_edit_with_stale_if_match_is_412_and_writes_nothing(ngo, corpus):
    etag = ngo.get(url(corpus)).headers["ETag"]
    ngo.patch(url(corpus), {"text": "First editor"}, format="json", HTTP_IF_MATCH=etag)
    response = ngo.patch(url(corpus), {"text": "Second editor"}, format="json",
                         HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    corpus.torture.refresh_from_db()
    assert corpus.torture.text == "First editor"


def test_stale_response_says_current_version(ngo, corpus):
    ngo.patch(url(corpus), {"text": "First editor"}, format="json", HTTP_IF_MATCH='"1"')
    body = ngo.patch(url(corpus), {"text": "Second"}, format="json",
                     HTTP_IF_MATCH='"1"').json()
    assert body["current_version"] == 2


def test_weak_etag_in_if_match_is_accepted(ngo, corpus):
    response = ngo.patch(url(corpus), {"text": "Weak"}, format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 200


def test_malformed_if_match_is_412(ngo, corpus):
    response = ngo.patch(url(corpus), {"text": "x"}, format="json", HTTP_IF_MATCH="garbage")
    assert response.status_code == 412


def test_stale_version_in_body_is_412(ngo, corpus):
    ngo.patch(url(corpus), {"text": "First editor", "version": 1}, format="json")
    response = ngo.patch(url(corpus), {"text": "Second editor", "version": 1}, format="json")
    assert response.status_code == 412
    corpus.torture.refresh_from_db()
    assert corpus.torture.text == "First editor"


def test_if_match_takes_precedence_over_body_version(ngo, corpus):
    response = ngo.patch(url(corpus), {"text": "x", "version": 99}, format="json",
                         HTTP_IF_MATCH='"1"')
    assert response.status_code == 200


def test_edit_without_version_applies(ngo, corpus):
    response = ngo.put(url(corpus), {"text": "Whole new text",
                                     "recommending_states": ["DEU", "ITA"]}, format="json")
    assert response.status_code == 200
    assert [s["iso3"] for s in response.json()["recommending_states"]] == ["DEU", "ITA"]


def test_put_without_response_keeps_the_response(ngo, corpus):
    ngo.put(url(corpus), {"text": "t", "recommending_states": ["DEU"]}, format="json")
    corpus.torture.refresh_from_db()
    assert corpus.torture.response == "supported"


def test_changing_response_adds_to_history(ngo, corpus):
    body = ngo.patch(url(corpus), {"response": "noted", "source_symbol": "A/HRC/55/1"},
                     format="json").json()
    assert [r["response"] for r in body["responses"]] == ["supported", "noted"]


def test_review_edit_with_stale_if_match_is_412(ngo, corpus):
    review_url = f"/api/v1/reviews/{corpus.fra43.pk}/"
    etag = ngo.get(review_url).headers["ETag"]
    ngo.patch(review_url, {"wg_report_symbol": "A/HRC/53/1"}, format="json", HTTP_IF_MATCH=etag)
    response = ngo.patch(review_url, {"wg_report_symbol": "A/HRC/53/2"}, format="json",
                         HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    corpus.fra43.refresh_from_db()
    assert corpus.fra43.wg_report_symbol == "A/HRC/53/1"


def test_follow_up_action_edit_with_stale_version_is_412(focal_point, corpus):
    client = APIClient()
    client.force_authenticate(focal_point)
    action = FollowUpActionFactory(state=state("FRA"), recommendations=[corpus.torture])
    action_url = f"/api/v1/follow-up-actions/{action.pk}/"
    etag = client.get(action_url).headers["ETag"]
    assert client.patch(action_url, {"status": "in_progress"}, format="json",
                        HTTP_IF_MATCH=etag).status_code == 200
    response = client.patch(action_url, {"status": "cancelled"}, format="json",
                            HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    action.refresh_from_db()
    assert action.status == "in_progress"


def test_duplicate_uhri_id_on_edit_is_a_400_not_a_500(ngo, corpus):
    ngo.patch(f"/api/v1/recommendations/{corpus.death.pk}/", {"uhri_annotation_id": "u-1"},
              format="json")
    response = ngo.patch(url(corpus), {"uhri_annotation_id": "u-1"}, format="json")
    assert response.status_code == 400
    assert "uhri_annotation_id" in response.json()


@pytest.mark.django_db
def test_patch_without_precondition_applies_and_returns_the_new_etag(admin_user, corpus):
    client = APIClient()
    client.force_authenticate(admin_user)
    for url, body in ((f"/api/v1/recommendations/{corpus.death.pk}/", {"text": "Abolish it"}),
                      (f"/api/v1/reviews/{corpus.fra43.pk}/", {"wg_report_symbol": "A/X/1"})):
        before = client.get(url)
        response = client.patch(url, body, format="json")
        assert response.status_code == 200
        assert response["ETag"] == f'"{response.json()["version"]}"'
        assert response["ETag"] != before["ETag"]
