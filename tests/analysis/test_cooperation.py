"""Cooperation figures against counts made by hand on the data set in conftest.py."""

import re

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext

from analysis import cooperation
from analysis.cooperation import SUPPORTED
from recommendations import readmodel, tally
from recommendations.models import SDG, Actor, Recommendation, Response
from tests.factories import RecommendationFactory, state

pytestmark = pytest.mark.django_db


def cell(matrix: dict, recommending: str, under_review: str) -> dict:
    row = next(r for r in matrix["rows"] if r["recommending_region"] == recommending)
    return next(c for c in row["cells"] if c["region_under_review"] == under_review)


def test_regional_matrix_counts_each_recommendation_once_per_recommending_region(small):
    m = cooperation.regional_matrix(cooperation.ListFilters({}))
    # WEOG -> WEOG: r1 and r2 (r2 has two WEOG co-sponsors: counted once); r1 supported.
    assert (cell(m, "WEOG", "WEOG")["count"], cell(m, "WEOG", "WEOG")["supported"],
            cell(m, "WEOG", "WEOG")["support_rate"]) == (2, 1, 50.0)
    assert (cell(m, "GRULAC", "WEOG")["count"], cell(m, "GRULAC", "WEOG")["support_rate"]) \
        == (1, 100.0)
    assert cell(m, "AFR", "WEOG")["count"] == 1
    assert (cell(m, "WEOG", "AFR")["count"], cell(m, "WEOG", "AFR")["supported"]) == (1, 1)
    assert (cell(m, "APG", "AFR")["count"], cell(m, "APG", "AFR")["support_rate"]) == (1, 0.0)
    assert cell(m, "WEOG", "GRULAC")["count"] == 1
    assert cell(m, "EEG", "WEOG")["count"] == 0 and cell(m, "EEG", "WEOG")["support_rate"] is None
    weog = next(r for r in m["rows"] if r["recommending_region"] == "WEOG")
    assert (weog["count"], weog["supported"], weog["support_rate"]) == (4, 3, 75.0)
    # Column WEOG: r1, r2, r3 (three recommendations, whatever the co-sponsors); 2 supported.
    column = next(c for c in m["columns"] if c["region_under_review"] == "WEOG")
    assert (column["count"], column["supported"], column["support_rate"]) == (3, 2, 66.7)
    assert cell(m, "WEOG", "WEOG")["url"] == \
        "/recommendations/?recommending_region=WEOG&region=WEOG"


def test_matrix_filters_by_cycle_and_theme(small):
    cycle4 = cooperation.ListFilters({"cycle": "4"})
    assert cycle4.is_valid()
    m = cooperation.regional_matrix(cycle4)
    assert cell(m, "WEOG", "GRULAC")["count"] == 0  # r6 is cycle 3
    assert cell(m, "WEOG", "WEOG")["url"].endswith("&cycle=4")
    theme_a = cooperation.ListFilters({"theme": small.theme_a.slug})
    assert theme_a.is_valid()
    m = cooperation.regional_matrix(theme_a)
    assert (cell(m, "WEOG", "WEOG")["count"], cell(m, "WEOG", "WEOG")["support_rate"]) == \
        (1, 100.0)
    assert cell(m, "APG", "AFR")["count"] == 0


def test_recommending_state_profile(small):
    p = cooperation.recommending_state_profile(state("DEU"), cooperation.ListFilters({}))
    # Germany made r1, r2, r4, r6; r1, r4, r6 supported.
    assert (p["total"], p["supported"], p["support_rate"]) == (4, 3, 75.0)
    regions = {r["value"]: (r["count"], r["supported"]) for r in p["by_region_under_review"]}
    assert regions == {"AFR": (1, 1), "APG": (0, 0), "EEG": (0, 0), "GRULAC": (1, 1),
                       "WEOG": (2, 1)}
    assert [(t["value"], t["count"], t["supported"]) for t in p["by_theme"]] == [
        (small.theme_a.slug, 3, 3), (small.theme_b.slug, 1, 0)]
    assert [(c["cycle"], c["count"]) for c in p["by_cycle"]] == [(3, 1), (4, 3)]
    assert [(s["iso3"], s["count"]) for s in p["states_most_recommended_to"]] == [
        ("FRA", 2), ("BRA", 1), ("KEN", 1)]


def test_theme_over_time(small):
    t = cooperation.theme_over_time(small.theme_a, cooperation.ListFilters({}))
    assert t["total"] == 4
    by_cycle = {row["cycle"]: row for row in t["cycles"]}
    assert set(by_cycle) == {3, 4}
    assert (by_cycle[3]["count"], by_cycle[3]["support_rate"]) == (1, 100.0)
    assert {r["region"]: r["count"] for r in by_cycle[4]["regions"] if r["count"]} == {
        "WEOG": 2, "AFR": 1}


def test_api_gives_the_same_figures_and_refuses_bad_filters(api_client, small):
    m = api_client.get("/api/v1/analysis/regional-matrix/").json()
    assert m == cooperation.regional_matrix(cooperation.ListFilters({}))
    p = api_client.get("/api/v1/analysis/recommending-states/deu/?cycle=4").json()
    assert (p["total"], p["supported"]) == (3, 2)
    t = api_client.get(f"/api/v1/analysis/themes/{small.theme_a.slug}/").json()
    assert t["total"] == 4
    bad = api_client.get("/api/v1/analysis/regional-matrix/?cycle=99")
    assert bad.status_code == 400 and "cycle" in bad.json()
    assert api_client.get("/api/v1/analysis/regional-matrix/?theme=nope").status_code == 400
    # The list's filters apply; a parameter the list does not know is refused.
    supported = api_client.get("/api/v1/analysis/regional-matrix/?response=supported").json()
    assert cell(supported, "WEOG", "WEOG")["count"] == 1
    refused = api_client.get("/api/v1/analysis/regional-matrix/?responses=supported")
    assert refused.status_code == 400 and refused.json()["unknown_parameters"] == ["responses"]
    assert api_client.get(f"/api/v1/analysis/themes/{small.theme_a.slug}/",
                          {"ordering": "id"}).status_code == 400


def test_theme_over_time_counts_what_the_list_finds_and_labels_cycles(api_client, client,
                                                                      small):
    from recommendations.models import Theme

    label = Theme.objects.filter(canonical=small.theme_a).first()
    if label is None:
        label = Theme.objects.create(name="Torture (source label)", slug="torture-label",
                                     source="uhri", canonical=small.theme_a)
    small.r5.themes.set([label])  # tagged with a source label of theme A only
    listed = api_client.get("/api/v1/recommendations/", {"theme": small.theme_a.slug}).json()
    t = api_client.get(f"/api/v1/analysis/themes/{small.theme_a.slug}/").json()
    assert t["total"] == listed["count"] == 5
    assert [row["label"] for row in t["cycles"]] == ["Cycle 3", "Cycle 4"]
    page = client.get(f"/analysis/themes/{small.theme_a.slug}/").content.decode()
    assert "Not recorded" not in page and "Cycle 4" in page
    assert api_client.get("/api/v1/analysis/recommending-states/XXX/").status_code == 404


def test_pages_show_the_figures_and_each_cell_leads_to_its_list(client, small):
    page = client.get("/analysis/").content.decode()
    assert "Regional matrix" in page
    assert 'href="/recommendations/?recommending_region=WEOG&amp;region=WEOG"' in page
    listing = client.get("/recommendations/?recommending_region=WEOG&region=WEOG")
    assert "2 recommendations" in listing.content.decode()
    assert client.get("/analysis/?cycle=99").status_code == 200  # the form shows the error
    profile = client.get("/analysis/recommending/DEU/").content.decode()
    assert "75.0 %" in profile and "Show as a table" in profile
    theme = client.get(f"/analysis/themes/{small.theme_a.slug}/").content.decode()
    assert "Recommendations per cycle" in theme
    assert client.get("/analysis/go/?state=deu").url == "/analysis/recommending/DEU/"
    assert client.get("/analysis/go/?theme=nope").status_code == 404


def test_an_empty_filter_from_the_form_filters_nothing_on_the_page_and_the_api(
        api_client, client, small):
    """The matrix form sends `theme=` for "All themes": it used to count nothing, and that
    empty matrix was cached under the key of `?cycle=4` (e2e: the cell links vanished)."""
    cached_first = client.get("/analysis/", {"cycle": "4", "theme": ""})
    assert cached_first.status_code == 200
    plain = api_client.get("/api/v1/analysis/regional-matrix/", {"cycle": "4"}).json()
    empty = api_client.get("/api/v1/analysis/regional-matrix/", {"cycle": "4", "theme": ""})
    assert empty.status_code == 200 and empty.json() == plain
    assert sum(row["count"] for row in plain["rows"]) > 0
    page = client.get("/analysis/", {"cycle": "4"}).content.decode()
    first = cell(plain, "WEOG", "WEOG")
    assert f'href="{first["url"]}"' in page.replace("&amp;", "&")


# The matrix reads RegionTally for the filters it has columns for (cycle, session, region,
# response), and counts the recommendations for any other: both give the same figures.

REGION_TALLY = re.compile(r'"recommendations_regiontally"(?!\w)')
RECOMMENDATIONS = re.compile(r'"recommendations_recommendation"(?!\w)')


def counted_matrix(filters: cooperation.ListFilters) -> dict:
    """The matrix counted over the recommendations the filters select and their
    recommending States (the query the matrix ran before issue 24)."""
    recommendations = filters.recommendations().order_by()
    through = Recommendation.recommending_states.through
    cells = {(r["state__region"], r["recommendation__review__state__region"]):
             {"count": r["count"], "supported": r["supported"]}
             for r in through.objects.filter(recommendation__in=recommendations)
             .values("state__region", "recommendation__review__state__region")
             .annotate(count=Count("recommendation_id", distinct=True),
                       supported=Count("recommendation_id", distinct=True,
                                       filter=Q(recommendation__response=Response.SUPPORTED)))
             .order_by()}
    columns = {r["review__state__region"]: {"count": r["count"], "supported": r["supported"]}
               for r in recommendations.values("review__state__region")
               .annotate(count=Count("id"), supported=Count("id", filter=SUPPORTED))}
    return cooperation.matrix_figures(cells, columns, filters.query())


@pytest.fixture
def mixed(small):
    """`small`, and a recommendation with no recommending State (cycle 3, noted), one
    partially supported from two APG States and an EEG one (cycle 4), and a pending one
    to Brazil from Kenya, edited after it was written; r1 in progress, r4 on SDG 16."""
    unsponsored = RecommendationFactory(review=small.bra, paragraph="30.2",
                                        response=Response.NOTED)
    unsponsored.recommending_states.clear()
    RecommendationFactory(review=small.fra, paragraph="47.1",
                          response=Response.PARTIALLY_SUPPORTED,
                          recommending_states=[state("JPN"), state("IND"), state("POL")])
    edited = RecommendationFactory(review=small.bra, paragraph="30.3",
                                   response=Response.PENDING,
                                   recommending_states=[state("KEN")])
    edited.recommending_states.set([state("KEN"), state("DEU")])
    edited.record_response(Response.SUPPORTED)
    small.r1.add_assessment(actor=Actor.GOVERNMENT, status="in_progress")
    small.r4.sdgs.set([SDG.objects.get(number=16)])
    assert tally.stale() == {}
    return small


@pytest.mark.parametrize("params", [
    {}, {"cycle": "4"}, {"cycle": "3"}, {"session": "43"}, {"session": ["30", "43"]},
    {"region": "WEOG"}, {"region": ["AFR", "GRULAC"]}, {"response": "supported"},
    {"response": "accepted"}, {"response": ["noted", "partially_supported"]},
    {"cycle": "4", "region": "WEOG", "response": "supported"},
])
def test_the_matrix_from_the_tally_equals_the_matrix_counted(mixed, params):
    filters = cooperation.ListFilters(params)
    assert filters.is_valid(), filters.errors
    with CaptureQueriesContext(connection) as queries:
        m = cooperation.regional_matrix(filters)
    assert [q["sql"] for q in queries if RECOMMENDATIONS.search(q["sql"])] == []
    assert m == counted_matrix(filters)


def test_the_tallied_matrix_counts_co_sponsors_and_unsponsored_recommendations(mixed):
    m = cooperation.regional_matrix(cooperation.ListFilters({}))
    assert cell(m, "APG", "WEOG")["count"] == 1  # JPN and IND: one APG recommendation
    assert (cell(m, "EEG", "WEOG")["count"], cell(m, "EEG", "WEOG")["supported"]) == (1, 0)
    assert (cell(m, "AFR", "GRULAC")["count"], cell(m, "WEOG", "GRULAC")["supported"]) \
        == (1, 2)
    # Brazil's column: r6, the unsponsored one and the edited one.
    column = next(c for c in m["columns"] if c["region_under_review"] == "GRULAC")
    assert (column["count"], column["supported"]) == (3, 2)


@pytest.mark.parametrize("params", [
    {"theme": "A", "cycle": "4"}, {"theme": ["A", "B"]}, {"recommending_state": "DEU"},
    {"recommending_region": ["WEOG", "APG"]}, {"state_under_review": "FRA"},
    {"q": "protocol"}, {"q": "Allemagne"}, {"sdg": "16"}, {"status": "in_progress"},
    {"recurring": "false", "response": "supported"}, {"theme": "B", "response": "noted"},
])
def test_the_matrix_with_another_filter_counts_the_list_rows(mixed, params):
    filters = cooperation.ListFilters(_with_slugs(params, mixed))
    assert filters.is_valid(), filters.errors
    with CaptureQueriesContext(connection) as queries:
        m = cooperation.regional_matrix(filters)
    assert [q["sql"] for q in queries if REGION_TALLY.search(q["sql"])] == []
    assert m == counted_matrix(filters)
    assert sum(c["count"] for c in m["columns"]) > 0


def test_the_matrix_with_a_theme_counts_by_hand(mixed):
    m = cooperation.regional_matrix(
        cooperation.ListFilters({"theme": mixed.theme_a.slug, "cycle": "4"}))
    assert (cell(m, "WEOG", "WEOG")["count"], cell(m, "AFR", "WEOG")["count"]) == (1, 1)


def test_an_invalid_filter_counts_nothing_on_either_path(mixed):
    for params in ({"cycle": "99"}, {"cycle": "99", "theme": mixed.theme_a.slug}):
        m = cooperation.regional_matrix(cooperation.ListFilters(params))
        assert sum(c["count"] for c in m["columns"]) == 0, params


def test_the_matrix_page_and_api_after_a_write_read_no_recommendation(mixed, client,
                                                                      api_client):
    client.get("/analysis/")
    RecommendationFactory(review=mixed.ken, paragraph="99.1", response=Response.NOTED,
                          recommending_states=[state("BRA")])
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/analysis/", {"cycle": "4"})
        api = api_client.get("/api/v1/analysis/regional-matrix/", {"response": "noted"})
        themed = api_client.get("/api/v1/analysis/regional-matrix/",
                                {"theme": mixed.theme_a.slug})
    assert page.status_code == 200 and api.status_code == 200 and themed.status_code == 200
    assert [q["sql"] for q in queries if RECOMMENDATIONS.search(q["sql"])] == []
    assert len([q for q in queries if REGION_TALLY.search(q["sql"])]) == 2
    assert cell(api.json(), "GRULAC", "AFR")["count"] == 1


# The recommending State's profile and the theme over time count the list's rows (issue
# 24); before, they counted the recommendations with their links. Both give the same.

def counted_profile(state, filters: cooperation.ListFilters) -> dict:
    """The profile's figures as counted before issue 24, over the recommendations."""
    made = filters.recommendations().filter(recommending_states=state).order_by()
    totals = made.aggregate(total=Count("id"), supported=Count("id", filter=SUPPORTED))
    by_region = {r["review__state__region"]: (r["count"], r["supported"])
                 for r in made.values("review__state__region")
                 .annotate(count=Count("id"), supported=Count("id", filter=SUPPORTED))}
    through = Recommendation.themes.through
    themes = [(r["slug"], r["count"], r["supported"])
              for r in through.objects.filter(recommendation__in=made)
              .annotate(slug=Coalesce("theme__canonical__slug", "theme__slug"),
                        name=Coalesce("theme__canonical__name", "theme__name"))
              .values("slug", "name")
              .annotate(count=Count("recommendation_id", distinct=True),
                        supported=Count("recommendation_id", distinct=True,
                                        filter=Q(recommendation__response=Response.SUPPORTED)))
              .order_by("-count", "name")[:15]]
    cycles = [(r["review__session__cycle__number"], r["count"], r["supported"])
              for r in made.values("review__session__cycle__number")
              .annotate(count=Count("id"), supported=Count("id", filter=SUPPORTED))
              .order_by("review__session__cycle__number")]
    top = [(r["review__state__iso3"], r["count"], r["supported"])
           for r in made.values("review__state__iso3", "review__state__name")
           .annotate(count=Count("id"), supported=Count("id", filter=SUPPORTED))
           .order_by("-count", "review__state__name")[:10]]
    return {"total": totals["total"], "supported": totals["supported"],
            "regions": {k: v for k, v in by_region.items()}, "themes": themes,
            "cycles": cycles, "top": top}


def profile_figures(p: dict) -> dict:
    return {"total": p["total"], "supported": p["supported"],
            "regions": {r["value"]: (r["count"], r["supported"])
                        for r in p["by_region_under_review"] if r["count"]},
            "themes": [(t["value"], t["count"], t["supported"]) for t in p["by_theme"]],
            "cycles": [(c["cycle"], c["count"], c["supported"]) for c in p["by_cycle"]],
            "top": [(s["iso3"], s["count"], s["supported"])
                    for s in p["states_most_recommended_to"]]}


def counted_theme(theme, filters: cooperation.ListFilters) -> dict:
    """theme_over_time's cells as counted before issue 24."""
    from recommendations.filters import RecommendationFilter

    found = RecommendationFilter(cooperation._query_dict({"theme": theme.slug}),
                                 queryset=filters.recommendations()).qs.order_by()
    return {(r["review__session__cycle__number"], r["review__state__region"]):
            (r["count"], r["supported"])
            for r in found.values("review__session__cycle__number", "review__state__region")
            .annotate(count=Count("id"), supported=Count("id", filter=SUPPORTED))}


FIGURE_FILTERS = [
    {}, {"cycle": "4"}, {"cycle": "3"}, {"theme": "A"}, {"theme": ["A", "B"]},
    {"response": "supported"}, {"region": "WEOG"}, {"recommending_state": "FRA"},
    {"recommending_state": ["DEU", "JPN"]}, {"q": "protocol"}, {"sdg": "16"},
    {"status": "in_progress"}, {"state_under_review": ["FRA", "BRA"]},
    {"recommending_region": "APG", "response": ["noted", "partially_supported"]},
]


def searches_the_recommendations(params: dict) -> bool:
    """On SQLite the list's `q` searches the recommendations (no search vector there)."""
    return "q" in params and connection.vendor != "postgresql"


def _with_slugs(params: dict, small) -> dict:
    slugs = {"A": small.theme_a.slug, "B": small.theme_b.slug}
    if "theme" not in params:
        return params
    themes = params["theme"] if isinstance(params["theme"], list) else [params["theme"]]
    return {**params, "theme": [slugs[t] for t in themes]}


@pytest.mark.parametrize("params", FIGURE_FILTERS)
@pytest.mark.parametrize("iso3", ["DEU", "JPN", "KEN", "BRA"])
def test_a_profile_counted_on_the_list_rows_equals_the_profile_counted(mixed, params, iso3):
    filters = cooperation.ListFilters(_with_slugs(params, mixed))
    assert filters.is_valid(), filters.errors
    with CaptureQueriesContext(connection) as queries:
        p = cooperation.recommending_state_profile(state(iso3), filters)
    if not searches_the_recommendations(params):
        assert [q["sql"] for q in queries if RECOMMENDATIONS.search(q["sql"])] == []
    assert profile_figures(p) == counted_profile(state(iso3), filters)


@pytest.mark.parametrize("params", FIGURE_FILTERS)
def test_a_theme_over_time_on_the_list_rows_equals_the_one_counted(mixed, params):
    from recommendations.models import Theme

    label = Theme.objects.create(name="Torture (source label)", slug="torture-label-x",
                                 canonical=mixed.theme_a)
    mixed.r5.themes.add(label)
    readmodel.end_request()  # as a new request: the codes read anew, with the label
    filters = cooperation.ListFilters(_with_slugs(params, mixed))
    assert filters.is_valid(), filters.errors
    for theme in (mixed.theme_a, mixed.theme_b, label):
        with CaptureQueriesContext(connection) as queries:
            t = cooperation.theme_over_time(theme, filters)
        if not searches_the_recommendations(params):
            assert [q["sql"] for q in queries if RECOMMENDATIONS.search(q["sql"])] == []
        if set(params) <= cooperation.TALLIED_FILTERS:  # from ThemeTally, not the rows
            assert [q["sql"] for q in queries if "recommendationrow" in q["sql"]] == []
        cells = {(row["cycle"], r["region"]): (r["count"], r["supported"])
                 for row in t["cycles"] for r in row["regions"] if r["count"]}
        assert cells == counted_theme(theme, filters), theme
        assert t["total"] == sum(n for n, _s in cells.values())


def test_the_profile_and_theme_pages_are_cached_until_a_write(mixed, client):
    theme = mixed.theme_a
    profile_url, theme_url = "/analysis/recommending/BRA/", f"/analysis/themes/{theme.slug}/"
    before = (client.get(profile_url).context["profile"]["total"],
              client.get(theme_url).context["figures"]["total"])
    with CaptureQueriesContext(connection) as queries:
        again = (client.get(profile_url).context["profile"]["total"],
                 client.get(theme_url).context["figures"]["total"])
    assert again == before
    assert [q["sql"] for q in queries if "recommendationrow" in q["sql"]] == []
    added = RecommendationFactory(review=mixed.fra, paragraph="99.2",
                                  response=Response.SUPPORTED,
                                  recommending_states=[state("BRA")])
    added.themes.set([theme])
    after = (client.get(profile_url).context["profile"]["total"],
             client.get(theme_url).context["figures"]["total"])
    assert after == (before[0] + 1, before[1] + 1)
