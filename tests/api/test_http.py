"""HTTP around the API (issue 21): gzip, CORS for reads, rate-limit headers, the API root
listing every endpoint, the reference lists, cursor `next` links, If-Modified-Since."""

import gzip
import json

import pytest

pytestmark = pytest.mark.django_db

LIST = "/api/v1/recommendations/"


def test_json_and_csv_are_gzipped_when_asked(api_client, corpus):
    page = api_client.get(LIST, {"page_size": 1000}, HTTP_ACCEPT_ENCODING="gzip")
    assert page["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(page.content))["count"] == 4
    export = api_client.get(LIST + "export/", {"format": "csv"}, HTTP_ACCEPT_ENCODING="gzip")
    assert export["Content-Encoding"] == "gzip"
    text = gzip.decompress(b"".join(export.streaming_content)).decode("utf-8-sig")
    assert text.startswith("id,url,")
    plain = api_client.get(LIST)
    assert "Content-Encoding" not in plain
    # Pages are not compressed (CSRF tokens, BREACH).
    assert "Content-Encoding" not in api_client.get("/", HTTP_ACCEPT_ENCODING="gzip")


def test_cors_for_reads_only_with_configurable_origins(api_client, corpus, settings):
    read = api_client.get(LIST, HTTP_ORIGIN="https://notebook.example")
    assert read["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in read["Access-Control-Expose-Headers"]
    preflight = api_client.options(LIST, HTTP_ORIGIN="https://notebook.example",
                                   HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert preflight.status_code == 204
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    write = api_client.options(LIST, HTTP_ORIGIN="https://notebook.example",
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert "Access-Control-Allow-Origin" not in write
    post = api_client.post(LIST, {}, HTTP_ORIGIN="https://notebook.example")
    assert "Access-Control-Allow-Origin" not in post
    settings.CORS_ALLOWED_ORIGINS = ["https://lab.example"]
    assert api_client.get(LIST, HTTP_ORIGIN="https://lab.example")[
        "Access-Control-Allow-Origin"] == "https://lab.example"
    assert "Access-Control-Allow-Origin" not in api_client.get(
        LIST, HTTP_ORIGIN="https://other.example")


def test_rate_limit_headers(api_client, corpus, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "anon": "3/minute", "user": "10/minute", "researcher": "20/minute"}}
    first = api_client.get("/api/v1/cycles/")
    assert first["RateLimit-Limit"] == first["X-RateLimit-Limit"] == "3"
    assert first["RateLimit-Remaining"] == "2"
    assert 0 < int(first["RateLimit-Reset"]) <= 60
    api_client.get("/api/v1/cycles/")
    api_client.get("/api/v1/cycles/")
    refused = api_client.get("/api/v1/cycles/")
    assert refused.status_code == 429
    assert refused["X-RateLimit-Remaining"] == "0" and "Retry-After" in refused


def test_api_root_lists_every_endpoint(api_client, db):
    root = api_client.get("/api/v1/").json()
    for name in ("states", "recommendations", "recommendations_export", "changes", "themes",
                 "sdgs", "affected_groups", "deadlines", "analysis_regional_matrix",
                 "analysis_theme_over_time", "analysis_recommending_state", "schema"):
        assert name in root, name
    for name, url in root.items():
        if name in ("auth_token", "recommendations_bulk", "suggest_tags"):
            continue
        assert api_client.get(url).status_code == 200, (name, url)


def test_reference_lists_have_slugs_and_names_in_every_language(api_client, db):
    themes = api_client.get("/api/v1/themes/").json()
    assert themes and {"slug", "name", "names", "canonical"} <= set(themes[0])
    assert set(themes[0]["names"]) == {"ar", "zh-hans", "en", "fr", "ru", "es"}
    slugs = {t["slug"] for t in themes}
    assert api_client.get(LIST, {"theme": themes[0]["slug"]}).status_code == 200
    assert all(t["canonical"] in slugs for t in themes if t["canonical"])
    sdgs = api_client.get("/api/v1/sdgs/").json()
    assert [s["number"] for s in sdgs] == list(range(1, 18))
    groups = api_client.get("/api/v1/affected-groups/").json()
    assert groups and groups[0]["names"]["en"] == groups[0]["name"]


def test_next_links_use_a_cursor_and_walk_every_row_once(api_client, corpus):
    seen, url = [], f"{LIST}?page_size=1"
    while url:
        page = api_client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
        assert url is None or "cursor=" in url and "page=" not in url
    assert sorted(seen) == sorted(r.pk for r in corpus.all) and len(seen) == len(set(seen))
    numbered = api_client.get(LIST, {"page": 1, "page_size": 1}).json()
    assert "page=2" in numbered["next"]
    # An order a cursor cannot follow keeps page numbers.
    by_response = api_client.get(LIST, {"ordering": "response", "page_size": 1}).json()
    assert "page=2" in by_response["next"]


def test_if_modified_since_never_hides_a_change_in_the_same_second(api_client, corpus):
    from django.utils import timezone
    from django.utils.http import http_date

    response = api_client.get(LIST)
    newest = max(r.updated_at for r in corpus.all)
    if int(newest.timestamp()) + 1 > timezone.now().timestamp():
        assert "Last-Modified" not in response  # that second is not over yet
    header = http_date(newest.timestamp())  # what a client would hold (whole seconds)
    corpus.nhri.text = "Strengthen the NHRI (edited)"
    corpus.nhri.save()
    again = api_client.get(LIST, HTTP_IF_MODIFIED_SINCE=header)
    assert again.status_code == 200
