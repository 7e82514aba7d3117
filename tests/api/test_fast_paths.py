"""The fast read and export paths (issue 12) give exactly what the Python paths give for
the same data: same rows, same columns, same JSON. Plus keyset cursors, estimated
counts, conditional GET, the exports' end markers and the bulk corpus generator."""

import csv
import io
import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from recommendations import export, rows, services
from recommendations.filters import RecommendationFilter
from recommendations.models import Recommendation
from recommendations.serializers import build_rows, detail_url_template, row_values
from recommendations.touch import touched
from tests.api.test_export import body

URL = "/api/v1/recommendations/"
QUERIES = [
    {},
    {"state_under_review": "FRA"},
    {"recommending_state": "BRA", "response": "noted"},
    {"sdg": "16", "ordering": "-updated_at"},
    {"q": "death"},
    {"region": "GRULAC", "ordering": "session"},
]


def need_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the fast paths are PostgreSQL's; SQLite uses the Python ones")


def python_rows(params: dict) -> list[dict]:
    """What the list returned before issue 12: values() plus one query per relation."""
    request = RequestFactory().get(URL, params)
    queryset = RecommendationFilter(request.GET, queryset=Recommendation.objects.all()).qs
    return json.loads(json.dumps(build_rows(row_values(queryset),
                                            detail_url_template(request))))


@pytest.mark.parametrize("params", QUERIES)
def test_list_rows_are_the_python_rows(api_client, corpus, params):
    response = api_client.get(URL, params)
    assert response.status_code == 200
    data = response.json()
    assert data["results"] == python_rows(params)
    assert [list(r) for r in data["results"]] == [list(r) for r in python_rows(params)]
    assert (data["count"], data["count_is_estimate"]) == (len(data["results"]), False)


def test_json_rows_match_on_postgresql_one_query(corpus, django_assert_num_queries):
    need_postgresql()
    template = "http://x/api/v1/recommendations/{}/"
    with django_assert_num_queries(1):
        texts = rows.json_rows(Recommendation.objects.all(), template)
    assert [json.loads(t) for t in texts] == json.loads(json.dumps(
        build_rows(row_values(Recommendation.objects.all()), template)))


def test_timestamps_without_microseconds_are_written_like_drf(api_client, corpus):
    Recommendation.objects.filter(pk=corpus.nhri.pk).update(
        updated_at="2024-05-01T10:00:00Z")
    touched([corpus.nhri.pk])  # touch: a bulk update is a write path like any other
    row = next(r for r in api_client.get(URL).json()["results"] if r["id"] == corpus.nhri.pk)
    assert row["updated_at"] == "2024-05-01T10:00:00Z"


def test_unfiltered_count_is_the_estimate_above_the_threshold(api_client, corpus,
                                                              monkeypatch):
    need_postgresql()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE recommendations_recommendation")
    monkeypatch.setattr(rows, "ESTIMATE_COUNT_ABOVE", 1)
    monkeypatch.setattr(rows, "estimated_total", lambda: 1234)
    data = api_client.get(URL).json()
    assert (data["count"], data["count_is_estimate"]) == (1234, True)
    filtered = api_client.get(URL, {"state_under_review": "FRA"}).json()
    assert (filtered["count"], filtered["count_is_estimate"]) == (2, False)


def test_a_filtered_count_is_exact_up_to_the_cap_then_the_planners_estimate(
        api_client, corpus, monkeypatch):
    """Issue 24: a full-text search matching 23,000 of 500,000 rows counted them all
    (151 ms of SQL); a filtered count now stops at the cap and says it estimates.
    (Each request forgets the counts cached before: the rule changes between them.)"""
    need_postgresql()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE recommendations_recommendationrow")
    filtered = fresh_count(api_client, {"state_under_review": "FRA"})
    assert (filtered["count"], filtered["count_is_estimate"]) == (2, False)
    monkeypatch.setattr(rows, "EXACT_FILTERED_COUNT_UP_TO", 2)
    filtered = fresh_count(api_client, {"state_under_review": "FRA"})
    assert (filtered["count"], filtered["count_is_estimate"]) == (2, False)  # at the cap
    monkeypatch.setattr(rows, "EXACT_FILTERED_COUNT_UP_TO", 1)
    monkeypatch.setattr(rows, "planned_rows", lambda queryset: 1234)
    filtered = fresh_count(api_client, {"state_under_review": "FRA"})
    assert (filtered["count"], filtered["count_is_estimate"]) == (1234, True)
    assert len(filtered["results"]) == 2
    monkeypatch.setattr(rows, "planned_rows", lambda queryset: 0)  # never below the cap
    filtered = fresh_count(api_client, {"state_under_review": "FRA"})
    assert (filtered["count"], filtered["count_is_estimate"]) == (2, True)
    # Many matches, counted exactly: the page is read in the list's order too.
    monkeypatch.setattr(rows, "EXACT_FILTERED_COUNT_UP_TO", 100_000)
    monkeypatch.setattr(rows, "ORDERED_READ_ABOVE", 1)
    filtered = fresh_count(api_client, {"state_under_review": "FRA"})
    assert (filtered["count"], filtered["count_is_estimate"]) == (2, False)
    # Many matches: the page is read in the list's order, the planner's setting restored.
    seen = []

    def spy(execute, sql, params, many, context):
        if " LIMIT " in sql and "COUNT(" not in sql and "ORDER BY" in sql:
            with connection.cursor() as cursor:
                cursor.execute("SHOW enable_bitmapscan")
                seen.append(cursor.fetchone()[0])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        assert api_client.get(URL, {"state_under_review": "FRA"}).json()["results"] == \
            filtered["results"]
        assert api_client.get("/recommendations/", {"state_under_review": "FRA"}
                              ).status_code == 200
    assert seen == ["off", "off"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_bitmapscan")
        assert cursor.fetchone()[0] == "on"


def page_settings(api_client, path: str, params: dict) -> list[tuple[str, str]]:
    """(enable_indexscan, enable_bitmapscan) as the page's query of `path` ran."""
    seen = []

    def spy(execute, sql, params, many, context):
        if " LIMIT " in sql and "COUNT(" not in sql and "ORDER BY" in sql:
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('enable_indexscan'), "
                               "current_setting('enable_bitmapscan')")
                seen.append(cursor.fetchone())
        return execute(sql, params, many, context)

    cache.clear()
    with connection.execute_wrapper(spy):
        assert api_client.get(path, params).status_code == 200
    return seen


@pytest.mark.parametrize("params", [{"q": "death"}, {"recommending_state": "BRA"},
                                    {"q": "death", "state_under_review": "FRA"}])
def test_few_matches_of_a_gin_filter_are_read_through_it_and_sorted(
        api_client, corpus, params):
    """Issue 24: PostgreSQL estimated "girls detention" at 2,600 of 500,000 rows (there
    were none) and walked the list's order through every row to fill a page (480 ms):
    a full-text or array filter with few matches has its page read through its GIN index
    (index scans off for that query), and the setting is restored."""
    need_postgresql()
    for path in (URL, "/recommendations/"):
        assert page_settings(api_client, path, params) == [("off", "on")]
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_indexscan")
        assert cursor.fetchone()[0] == "on"


def test_a_b_tree_filter_keeps_the_planners_choice(api_client, corpus):
    # Its index (State under review + cycle) is in the list's order: walking it is best.
    need_postgresql()
    for path in (URL, "/recommendations/"):
        assert page_settings(api_client, path, {"state_under_review": "FRA"}) == [
            ("on", "on")]


def fresh_count(api_client, params: dict) -> dict:
    cache.clear()
    return api_client.get(URL, params).json()


def test_a_filtered_count_is_counted_once_per_version_of_the_rows(api_client, corpus):
    """Issue 24: a filtered count is kept in the cache under the read model's version and
    the filter; the same list again (another page, another reader) runs no count, and a
    change to the rows counts again, in the transaction that reads it."""
    need_postgresql()

    def counts(params: dict) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            data = api_client.get(URL, params).json()
        return data["count"], sum("COUNT(" in q["sql"] for q in queries.captured_queries)

    assert counts({"state_under_review": "FRA"}) == (2, 1)
    assert counts({"state_under_review": "FRA"}) == (2, 0)
    assert counts({"state_under_review": "FRA", "page_size": 1, "page": 2}) == (2, 0)
    assert counts({"state_under_review": "DEU"}) == (1, 1)  # another filter, its own count
    services.create_recommendation(
        review=corpus.fra43, paragraph="45.9", text="A third one",
        recommending_states=[corpus.torture.recommending_states.get()],
        response="supported")
    assert counts({"state_under_review": "FRA"}) == (3, 1)
    assert counts({"state_under_review": "FRA"}) == (3, 0)
    Recommendation.objects.filter(review=corpus.fra43).order_by("-id").first().delete()
    assert counts({"state_under_review": "FRA"}) == (2, 1)


def test_the_planners_estimate_of_a_filter(corpus):
    need_postgresql()
    from recommendations.models import RecommendationRow

    assert rows.planned_rows(RecommendationRow.objects.filter(state_iso3="FRA")) >= 1


def walk(api_client, params: dict) -> list[int]:
    seen, url, pages = [], URL, 0
    response = api_client.get(url, {**params, "cursor": ""})
    while True:
        data = response.json()
        assert response.status_code == 200, data
        seen += [r["id"] for r in data["results"]]
        pages += 1
        if not data["next"]:
            return seen
        assert "page=" not in data["next"]
        response = api_client.get(data["next"])


@pytest.mark.parametrize("params", [{}, {"ordering": "updated_at"}, {"ordering": "-id"},
                                    {"state_under_review": "FRA", "ordering": "-created_at"}])
def test_cursor_walks_every_row_once_in_order(api_client, corpus, params):
    expected = [r["id"] for r in api_client.get(URL, {**params, "page_size": 100}).json()[
        "results"]]
    assert walk(api_client, {**params, "page_size": 1}) == expected
    assert walk(api_client, {**params, "page_size": 3}) == expected


def test_incremental_pull_with_cursor_sees_new_changes_after_the_last(api_client, corpus):
    first = api_client.get(URL, {"ordering": "updated_at", "cursor": "", "page_size": 10})
    assert first.json()["next"] is None
    corpus.nhri.record_response("supported", source_symbol="A/HRC/1")
    later = api_client.get(URL, {"ordering": "updated_at", "cursor": "", "page_size": 10,
                                 "updated_since": corpus.nhri.updated_at.isoformat()})
    assert [r["id"] for r in later.json()["results"]] == [corpus.nhri.pk]


@pytest.mark.parametrize("params", [{"cursor": "not-a-cursor"}, {"cursor": "WzFd"},
                                    {"cursor": "", "ordering": "session"}])
def test_bad_cursor_is_a_400(api_client, corpus, params):
    response = api_client.get(URL, params)
    assert response.status_code == 400
    assert "cursor" in response.json()


def test_repeated_pull_is_a_304_until_something_changes(api_client, corpus):
    import time

    time.sleep(1.1)  # Last-Modified is sent once the second of the newest change is over
    first = api_client.get(URL, {"state_under_review": "FRA"})
    tag = first["ETag"]
    assert first["Last-Modified"]
    again = api_client.get(URL, {"state_under_review": "FRA"}, HTTP_IF_NONE_MATCH=tag)
    assert (again.status_code, again.content) == (304, b"")
    since = api_client.get(URL, {"state_under_review": "FRA"},
                           HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    other = api_client.get(URL, {"state_under_review": "DEU"}, HTTP_IF_NONE_MATCH=tag)
    assert other.status_code == 200
    corpus.death.record_response("supported", source_symbol="A/HRC/2")
    changed = api_client.get(URL, {"state_under_review": "FRA"}, HTTP_IF_NONE_MATCH=tag)
    assert changed.status_code == 200 and changed["ETag"] != tag


def test_deleting_a_row_changes_the_etag(api_client, corpus):
    tag = api_client.get(URL)["ETag"]
    corpus.nhri.delete()
    assert api_client.get(URL, HTTP_IF_NONE_MATCH=tag).status_code == 200


def test_html_list_shows_the_same_rows_as_the_api(client, corpus):
    page = client.get("/recommendations/", {"sdg": "16"}).context["page_obj"]
    assert [row.pk for row in page] == [r["id"] for r in python_rows({"sdg": "16"})]
    html = client.get("/recommendations/", {"sdg": "16"}).content.decode()
    assert "Brazil, Japan" in html and f"/recommendations/{corpus.death.pk}/" in html


def test_html_list_runs_few_queries(client, corpus, django_assert_max_num_queries):
    with django_assert_max_num_queries(12 if connection.vendor == "postgresql" else 14):
        assert client.get("/recommendations/").status_code == 200


# Exports: the COPY paths against the Python ones.

def csv_table(pieces) -> list[list[str]]:
    text = b"".join(p.encode() if isinstance(p, str) else p for p in pieces).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("ordering", [None, "-updated_at", "session"])
def test_csv_copy_gives_the_python_csv(corpus, ordering):
    need_postgresql()
    Recommendation.objects.filter(pk=corpus.nhri.pk).update(text="-minus @start")
    params = {"ordering": ordering} if ordering else {}
    queryset = RecommendationFilter(RequestFactory().get(URL, params).GET,
                                    queryset=Recommendation.objects.all()).qs
    fast = csv_table(export.iter_csv(queryset, use_copy=True))
    slow = csv_table(export.iter_csv(queryset, use_copy=False))
    assert fast == slow
    assert len(fast) == 5 and fast[-1][0] != "#END"
    marked = csv_table(export.iter_csv(queryset, use_copy=True, end_marker=True))
    assert marked == [*fast, ["#END", "4"]]
    text = export.COLUMNS.index("text")
    assert any(row[text] == "'-minus @start" for row in fast)


def test_json_and_jsonl_copy_give_the_python_json(corpus):
    need_postgresql()
    queryset = Recommendation.objects.all()
    fast = json.loads(b"".join(export.iter_json(queryset, use_copy=True)))
    slow = json.loads(b"".join(export.iter_json(queryset, use_copy=False)))
    assert fast == slow and [list(r) for r in fast] == [list(r) for r in slow]
    lines = b"".join(export.iter_jsonl(queryset, use_copy=True)).decode().splitlines()
    assert [json.loads(line) for line in lines] == slow
    marked = b"".join(export.iter_jsonl(queryset, use_copy=True, end_marker=True))
    assert json.loads(marked.decode().splitlines()[-1]) == {"_end": True, "rows": 4}


def test_empty_json_export_is_an_empty_array(corpus):
    assert json.loads(b"".join(export.iter_json(Recommendation.objects.none()))) == []


def test_jsonl_export_over_the_api(api_client, corpus):
    response = api_client.get(URL + "export/", {"format": "jsonl", "sdg": "16"})
    assert response["Content-Type"] == "application/jsonl"
    lines = [json.loads(line) for line in body(response).decode().splitlines()]
    assert [r["id"] for r in lines] == [corpus.torture.pk, corpus.death.pk]
    response = api_client.get(URL + "export/", {"format": "jsonl", "sdg": "16",
                                                "end_marker": "1"})
    assert json.loads(body(response).decode().splitlines()[-1]) == {"_end": True, "rows": 2}


def test_a_failed_json_export_is_never_closed(corpus, monkeypatch):
    def broken(queryset, use_copy, request=None):
        yield b'{"id": 1}\n'
        raise RuntimeError("connection lost")

    monkeypatch.setattr(export, "_json_lines", broken)
    pieces = []
    with pytest.raises(RuntimeError):
        for piece in export.iter_json(Recommendation.objects.all()):
            pieces.append(piece)
    assert not b"".join(pieces).rstrip().endswith(b"]")
    with pytest.raises(RuntimeError):
        pieces = list(export.iter_jsonl(Recommendation.objects.all()))


def test_csv_export_stops_cleanly_when_the_client_goes_away(corpus):
    need_postgresql()
    stream = export.iter_csv(Recommendation.objects.all())
    next(stream)
    next(stream)
    stream.close()  # as Django does when the client disconnects
    assert Recommendation.objects.count() == 4  # the connection is still usable


def test_export_queries_are_few_on_postgresql(api_client, corpus, django_assert_max_num_queries):
    need_postgresql()
    with django_assert_max_num_queries(1):
        b"".join(export._encoded(export.iter_csv(Recommendation.objects.all())))


# The corpus generator.

def test_generate_corpus_writes_consistent_rows(db):
    from recommendations.corpus import generate_corpus
    from recommendations.models import Assessment, ResponseRecord

    made = generate_corpus(400, seed=3, batch=150)
    assert made == Recommendation.objects.count() == 400
    assert not Recommendation.objects.filter(recommending_states__isnull=True,
                                             ).exclude(review__isnull=True).count() > 40
    assert ResponseRecord.objects.filter(recommendation__in=Recommendation.objects.all()
                                         ).count() >= 400
    for rec in Recommendation.objects.exclude(government_status="")[:20]:
        latest = Assessment.objects.filter(recommendation=rec, actor="government").last()
        assert latest.status == rec.government_status
    if connection.vendor == "postgresql":
        assert not Recommendation.objects.filter(search_vector__isnull=True).exists()
        assert Recommendation.objects.search("torture").exists() or \
            Recommendation.objects.search("detention").exists()
