"""The OpenAPI document and the interactive docs."""

import re

import pytest
import yaml
from drf_spectacular.validation import validate_schema


def test_schema_is_valid_openapi_3(api_client, db):
    response = api_client.get("/api/schema/")
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on an invalid document


def test_schema_documents_every_contract_path(api_client, db):
    paths = yaml.safe_load(api_client.get("/api/schema/").content)["paths"]
    for name in ("states/{iso3}/", "cycles/", "sessions/", "reviews/", "recommendations/",
                 "recommendations/export/", "follow-up-actions/", "assessments/",
                 "auth/token/"):
        assert f"/api/v1/{name}" in paths


def test_schema_documents_each_recommendation_filter(api_client, db):
    schema = yaml.safe_load(api_client.get("/api/schema/").content)
    params = {p["name"]: p for p in schema["paths"]["/api/v1/recommendations/"]["get"][
        "parameters"]}
    for name in ("state_under_review", "recommending_state", "cycle", "session", "region",
                 "recommending_region", "response", "theme", "sdg", "action_category",
                 "status", "q", "updated_since", "ordering", "page", "page_size"):
        assert params[name].get("description"), name


def test_export_schema_lists_the_columns(api_client, db):
    schema = yaml.safe_load(api_client.get("/api/schema/").content)
    description = schema["paths"]["/api/v1/recommendations/export/"]["get"]["description"]
    from recommendations.export import COLUMNS

    assert "recommending_state_names" in description
    listed = description.split("Columns: ", 1)[1].split(".", 1)[0].split(", ")
    assert listed == list(COLUMNS)  # review, addendum_symbol, recurring, version included


def test_docs_page_loads_assets_from_the_app_only(api_client, db):
    html = api_client.get("/api/docs/").content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"https?://[^\s\"')]+",
                                                                     html)
    assets = [u for u in urls if u.endswith((".js", ".css", ".png", ".ico"))]
    assert assets
    assert all(u.startswith("/static/") for u in assets), assets
    assert "cdn" not in html.lower()


def test_docs_assets_are_served(client, db, settings):
    html = client.get("/api/docs/").content.decode()
    script = re.search(r'src="(/static/[^"]+\.js)"', html).group(1)
    from django.contrib.staticfiles import finders

    assert finders.find(script.removeprefix("/static/"))


@pytest.mark.parametrize("path", ["/api/v1/states/", "/api/v1/cycles/", "/api/v1/sessions/",
                                  "/api/v1/themes/", "/api/v1/sdgs/",
                                  "/api/v1/affected-groups/", "/api/v1/deadlines/"])
def test_lists_without_pages_document_the_paging_parameters(api_client, db, path):
    schema = yaml.safe_load(api_client.get("/api/schema/").content)
    operation = schema["paths"][path]["get"]
    names = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    assert {"page", "page_size", "cursor"} <= names
    assert "x-unpaged-list" not in operation
    assert "404" in operation["responses"]  # page=2


def test_exports_do_not_document_paging(api_client, db):
    schema = yaml.safe_load(api_client.get("/api/schema/").content)
    operation = schema["paths"]["/api/v1/recommendations/export/"]["get"]
    assert "page" not in {p["name"] for p in operation["parameters"]}
