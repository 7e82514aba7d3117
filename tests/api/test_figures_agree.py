"""Figures equal on every path (issue 21): for each of a dozen filter sets on a generated
corpus, the list's `count`, the export's rows, the State counts, every analysis figure
and the theme-over-time page count the same recommendations."""

import csv
import io
import re

import pytest
from django.test import Client

from recommendations.corpus import generate_corpus
from recommendations.models import Recommendation, Theme

pytestmark = pytest.mark.django_db

LIST = "/api/v1/recommendations/"


@pytest.fixture
def generated(db, settings):
    # Hundreds of list requests: lift the anonymous throttle for these tests.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "anon": "100000/minute", "user": "100000/minute", "researcher": "100000/minute"}}
    generate_corpus(3000, seed=21)
    # A theme and a source label meaning it, both used: the families must count alike.
    label = (Theme.objects.filter(canonical__isnull=False, recommendations__isnull=False)
             .select_related("canonical").first())
    assert label is not None, "the corpus tags with source labels too"
    return label


def filter_sets(label: Theme) -> list[dict]:
    return [
        {},
        {"cycle": "4"},
        {"cycle": "1"},
        {"response": "supported"},
        {"response": "noted", "cycle": "2"},
        {"region": "WEOG"},
        {"recommending_region": "AFR"},
        {"theme": label.canonical.slug},
        {"theme": label.slug, "cycle": "3"},
        {"sdg": "5"},
        {"action_category": "5", "response": "supported"},
        {"status": "in_progress"},
        {"state_under_review": "FRA"},
        {"recommending_state": "DEU", "cycle": "3"},
        {"region": "GRULAC", "recurring": "false"},
    ]


class Checker:
    def __init__(self) -> None:
        self.client = Client()
        self.counted: dict[str, int] = {}

    def count(self, url: str, params: dict | None = None) -> int:
        """The list's count for a list-page URL (`/recommendations/?…`) or parameters."""
        if params is None:
            query = url.split("?", 1)[1] if "?" in url else ""
            key = query
            target = f"{LIST}?{query}&page_size=1" if query else f"{LIST}?page_size=1"
        else:
            key = repr(sorted(params.items()))
            target = None
        if key not in self.counted:
            response = (self.client.get(target) if target
                        else self.client.get(LIST, {**params, "page_size": 1}))
            assert response.status_code == 200, response.content[:300]
            self.counted[key] = response.json()["count"]
        return self.counted[key]

    def get(self, url: str, params: dict) -> dict:
        response = self.client.get(url, params)
        assert response.status_code == 200, (url, params, response.content[:300])
        return response.json()


def test_list_export_states_and_figures_agree(generated):
    check = Checker()
    for params in filter_sets(generated):
        count = check.count("", params)
        assert count == Recommendation.objects.count() or params, "the unfiltered count"

        raw = check.client.get(f"{LIST}export/", {**params, "format": "csv"})
        rows = list(csv.DictReader(io.StringIO(
            b"".join(raw.streaming_content).decode("utf-8-sig"))))
        assert len(rows) == count == int(raw["X-Total-Count"]), params

        matrix = check.get("/api/v1/analysis/regional-matrix/", params)
        assert sum(c["count"] for c in matrix["columns"]) == count, params
        # A figure without a URL is one no list can show (the filter asks for region X,
        # the column is region Y: nothing; or AFR co-sponsors that have WEOG ones too).
        for column in matrix["columns"]:
            if column["url"] is None:
                assert column["count"] == 0, (params, column)
            else:
                assert check.count(column["url"]) == column["count"], (params, column)
        for row in matrix["rows"]:
            if row["url"] is not None:
                assert check.count(row["url"]) == row["count"], (params, row["url"])
            for cell in row["cells"]:
                if cell["count"] and cell["url"] is not None:
                    assert check.count(cell["url"]) == cell["count"], (params, cell["url"])

        profile = check.get("/api/v1/analysis/recommending-states/DEU/", params)
        assert profile["total"] == check.count("", {**params, "recommending_state": "DEU"})
        for group in ("by_region_under_review", "by_theme"):
            for entry in profile[group]:
                if entry["url"] is None:
                    # One region under review per row: outside the filter, nothing. A row
                    # has several themes: theme Y among those on theme X has no list.
                    assert group == "by_theme" or entry["count"] == 0, (params, entry)
                else:
                    assert check.count(entry["url"]) == entry["count"], (params, entry["url"])
        assert sum(c["count"] for c in profile["by_cycle"]) == profile["total"]

        theme = generated.canonical
        over_time = check.get(f"/api/v1/analysis/themes/{theme.slug}/", params)
        on_theme = check.count("", {**params, "theme": theme.slug}) if "theme" not in params \
            else None
        if on_theme is not None:
            assert over_time["total"] == on_theme, params
        for cycle in over_time["cycles"]:
            assert check.count(cycle["url"]) == cycle["count"], (params, cycle["url"])
            assert cycle["label"] == f"Cycle {cycle['cycle']}"
            for cell in cycle["regions"]:
                if cell["url"] is None:
                    assert cell["count"] == 0, (params, cell)
                elif cell["count"]:
                    assert check.count(cell["url"]) == cell["count"], (params, cell["url"])
        page = check.client.get(f"/analysis/themes/{theme.slug}/", params).content.decode()
        assert re.search(rf"\b{over_time['total']} recommendations? on this theme", page)
        assert "Not recorded" not in page


def test_state_counts_agree_with_the_list(generated):
    check = Checker()
    for iso3 in ("FRA", "BRA", "DEU"):
        data = check.get(f"/api/v1/states/{iso3}/", {})
        for side, key in (("received", "state_under_review"), ("made", "recommending_state")):
            block = data[f"recommendations_{side}"]
            assert block["count"] == check.count("", {key: iso3})
            for entry in block["by_response"]:
                assert check.count(entry["url"]) == entry["count"], entry["url"]
            for cycle in block["by_cycle"]:
                assert check.count(cycle["url"]) == cycle["count"], cycle["url"]
                for entry in cycle["by_response"]:
                    assert check.count(entry["url"]) == entry["count"], entry["url"]
