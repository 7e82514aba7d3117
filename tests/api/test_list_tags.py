"""The list's filters on one GIN index (recommendations.tags, issue 24): a filter on an
array column with others beside it filters on RecommendationRow.tags, and finds exactly
what the model's filter (RecommendationFilter) finds, on PostgreSQL and SQLite."""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import RequestFactory

from recommendations import readmodel, tags
from recommendations.filters import (
    GOVERNMENT_STATUS_CHOICES,
    RecommendationFilter,
    RecommendationRowFilter,
)
from recommendations.models import (
    Recommendation,
    RecommendationRow,
    Response,
    Theme,
)
from states.models import RegionalGroup, State

URL = "/api/v1/recommendations/"
COMBINATIONS = [
    {"recommending_state": "BRA", "response": "noted"},
    {"recommending_state": ["BRA", "DEU"], "response": ["noted", "supported"]},
    {"recommending_state": "DEU", "response": "accepted"},  # the sources' word
    {"recommending_state": "JPN", "state_under_review": "FRA", "cycle": "4"},
    {"recommending_region": "GRULAC", "region": "WEOG"},
    {"recommending_region": ["WEOG", "GRULAC"], "status": "in_progress"},
    {"sdg": "16", "session": "43"},
    {"sdg": ["5", "16"], "response": "supported"},
    {"sdg": "16", "status": "in_progress", "response": "supported"},
    {"theme": "THEME0", "sdg": "16"},
    {"theme": "THEME1", "region": "WEOG", "response": "noted"},
    {"recommending_state": "KEN", "response": "noted"},  # nothing
    {"recommending_state": "BRA", "q": "death"},
    {"recommending_state": "DEU", "action_category": "5", "recurring": "false"},
]


def model_ids(params: dict) -> set[int]:
    request = RequestFactory().get(URL, params)
    found = RecommendationFilter(request.GET, queryset=Recommendation.objects.all())
    assert found.is_valid(), found.errors
    return set(found.qs.values_list("id", flat=True))


def with_themes(params: dict, corpus) -> dict:
    slugs = {f"THEME{i}": t.slug for i, t in enumerate(corpus.themes)}
    return {k: slugs.get(v, v) if isinstance(v, str) else v for k, v in params.items()}


@pytest.mark.parametrize("params", COMBINATIONS)
def test_filters_on_tags_find_what_the_models_filter_finds(api_client, corpus, params):
    params = with_themes(params, corpus)
    response = api_client.get(URL, {**params, "page_size": 1000})
    assert response.status_code == 200, response.content
    found = {row["id"] for row in response.json()["results"]}
    assert found == model_ids(params)
    assert response.json()["count"] == len(found)


def test_every_combination_above_finds_something_or_is_meant_to_find_nothing(corpus):
    empty = [p for p in COMBINATIONS if not model_ids(with_themes(p, corpus))]
    assert empty == [{"recommending_state": "KEN", "response": "noted"}]


def test_a_theme_finds_the_labels_mapped_onto_it_through_the_tags(api_client, corpus):
    label = Theme.objects.create(name="Source label on torture", slug="source-label-torture",
                                 canonical=corpus.themes[0])
    corpus.death.themes.add(label)
    params = {"theme": corpus.themes[0].slug, "sdg": "16"}
    found = {row["id"] for row in api_client.get(URL, params).json()["results"]}
    assert found == {corpus.torture.pk, corpus.death.pk} == model_ids(params)


def test_a_state_moving_region_moves_its_rows_tags(api_client, corpus):
    kenya = State.objects.get(iso3="KEN")
    kenya.region = RegionalGroup.EASTERN_EUROPEAN
    assert State.objects.get(iso3="KEN").region != kenya.region
    kenya.save()
    params = {"recommending_region": kenya.region, "response": "pending"}
    found = {row["id"] for row in api_client.get(URL, params).json()["results"]}
    assert found == {corpus.indigenous.pk} == model_ids(params)
    assert readmodel.stale_ids() == []


def test_stored_tags_are_the_rows_columns(corpus):
    row = RecommendationRow.objects.get(pk=corpus.death.pk)
    assert row.tags == tags.row_tags(row)
    assert tags.tag("recommending_state", State.objects.get(iso3="BRA").pk) in row.tags
    assert tags.tag("response", "noted") in row.tags
    assert tags.tag("response", "supported") not in row.tags


def test_the_tags_of_each_kind_never_collide():
    for kind, codes in [("response", Response.values), ("status", [
            value for value, _ in GOVERNMENT_STATUS_CHOICES]),
            ("region", RegionalGroup.values), ("recommending_region", RegionalGroup.values)]:
        assert len(set(tags.tags_of(kind, codes))) == len(set(codes)), kind
    assert len({tags.tag(kind, 1) for kind in tags.KINDS}) == len(tags.KINDS)
    with pytest.raises(ValueError):
        tags.tag("theme", 1 << 24)


def test_filters_beside_an_array_filter_are_one_index_scan_on_postgresql(corpus):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    queryset, _ = RecommendationRowFilter.apply(
        QueryDict("recommending_state=BRA&response=noted&cycle=4"),
        RecommendationRow.objects.all())
    where = str(queryset.query).split(" WHERE ")[1]
    assert where.count('"tags" &&') == 3
    assert "recommending_state_ids" not in where and "response" not in where
    with connection.cursor() as cursor:
        # The GIN index can serve the conditions: with neither a table scan nor a walk
        # of a b-tree allowed, it is the one plan left (on a table of a few rows, once
        # autovacuum has analysed it, walking the list's b-tree looks cheaper: the
        # choice the list's page_plan makes for its few matches).
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_indexscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(r[0] for r in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_indexscan")
    assert "listrow_tags_gin" in plan
    # Alone, a scalar filter keeps its b-tree (and the list's order).
    alone, _ = RecommendationRowFilter.apply(QueryDict("state_under_review=FRA"),
                                             RecommendationRow.objects.all())
    assert '"tags"' not in str(alone.query).split(" WHERE ")[1]
