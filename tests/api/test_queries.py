"""Every endpoint runs a fixed number of queries, whatever the page size."""

import pytest
from rest_framework.test import APIClient

from recommendations import services
from recommendations.models import SDG, Theme
from tests.factories import (
    AssessmentFactory,
    FollowUpActionFactory,
    ReviewFactory,
    session,
    state,
)


@pytest.fixture
def many(db):
    """30 recommendations with joint recommending States, themes and SDGs."""
    review = ReviewFactory(state=state("FRA"), session=session(43))
    themes, sdgs = list(Theme.objects.all()[:3]), list(SDG.objects.all()[:3])
    recs = [services.create_recommendation(
        review=review, paragraph=f"1.{i}", text=f"Recommendation {i}",
        recommending_states=[state("DEU"), state("ITA")], themes=themes, sdgs=sdgs)
        for i in range(30)]
    for rec in recs[:10]:
        AssessmentFactory(recommendation=rec)
        FollowUpActionFactory(recommendations=[rec])
    ReviewFactory(state=state("DEU"), session=session(44))
    return recs


@pytest.mark.parametrize("page_size", [3, 30])
@pytest.mark.parametrize("url", [
    "/api/v1/recommendations/",
    "/api/v1/recommendations/?state_under_review=FRA&recommending_state=DEU&theme={theme}"
    "&sdg=1&cycle=4&session=43&q=Recommendation&ordering=-updated_at",
    "/api/v1/assessments/",
    "/api/v1/follow-up-actions/",
    "/api/v1/reviews/",
])
def test_list_queries_do_not_grow_with_page_size(django_assert_max_num_queries, many,
                                                 api_client, url, page_size):
    url = url.format(theme=Theme.objects.first().slug)
    with django_assert_max_num_queries(14):
        response = api_client.get(url, {"page_size": page_size})
    assert len(response.json()["results"]) == min(page_size, response.json()["count"])


@pytest.mark.parametrize("url", ["/api/v1/states/", "/api/v1/cycles/", "/api/v1/sessions/"])
def test_reference_lists_run_few_queries(django_assert_max_num_queries, db, api_client, url):
    with django_assert_max_num_queries(3):
        assert api_client.get(url).status_code == 200


def test_recommendation_list_runs_two_queries(django_assert_num_queries, many, api_client):
    # The read model (issue 24): its version row (ETag, Last-Modified and the unfiltered
    # count) and the page of stored rows; the same on PostgreSQL and SQLite.
    with django_assert_num_queries(2):
        api_client.get("/api/v1/recommendations/", {"page_size": 30})


@pytest.mark.parametrize("n_links", [1, 10])
def test_recommendation_detail_runs_fixed_queries(django_assert_max_num_queries, many,
                                                  api_client, n_links):
    rec = many[0]
    for _ in range(n_links):
        AssessmentFactory(recommendation=rec)
        FollowUpActionFactory(recommendations=[rec, many[1]])
    with django_assert_max_num_queries(9):
        assert api_client.get(f"/api/v1/recommendations/{rec.pk}/").status_code == 200


# A State's page adds two grouped counts (received, made: issue 13), whatever the rows.
@pytest.mark.parametrize("url,queries", [("/api/v1/states/FRA/", 4), ("/api/v1/sessions/43/", 2)])
def test_reference_details_run_few_queries(django_assert_max_num_queries, db, api_client, url,
                                           queries):
    with django_assert_max_num_queries(queries):
        assert api_client.get(url).status_code == 200


def test_review_and_action_details_run_one_or_two_queries(django_assert_max_num_queries, many,
                                                          api_client):
    action = FollowUpActionFactory(recommendations=many[:20])
    review = many[0].review
    with django_assert_max_num_queries(2):
        api_client.get(f"/api/v1/follow-up-actions/{action.pk}/")
    with django_assert_max_num_queries(1):
        api_client.get(f"/api/v1/reviews/{review.pk}/")


@pytest.mark.parametrize("chunk", [2, 1000])
def test_export_queries_depend_on_chunks_not_rows(django_assert_max_num_queries, many,
                                                  monkeypatch, chunk):
    from recommendations import export

    monkeypatch.setattr(export, "CHUNK_SIZE", chunk)
    chunks = -(-30 // chunk)
    client = APIClient()
    with django_assert_max_num_queries(1 + 5 * chunks):
        response = client.get("/api/v1/recommendations/export/", {"format": "csv"})
        b"".join(response.streaming_content)
