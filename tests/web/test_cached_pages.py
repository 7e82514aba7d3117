"""Pages' cached aggregates (issue 24): home, the States list, a State, a review and the
analysis matrix keep what they count in the cache (readmodel.cached) and count again after
any write they show: a recommendation or review written, or reference data (themes,
States and their aliases, SDGs) renamed or added. A page that stayed stale fails here."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations import readmodel, services
from recommendations.models import SDG, Theme
from states.models import State, StateAlias
from tests.factories import RecommendationFactory, ReviewFactory, session, state

pytestmark = pytest.mark.django_db


@pytest.fixture
def rec(db):
    review = ReviewFactory(state=state("FRA"), session=session(43))
    return services.create_recommendation(
        review=review, paragraph="45.1", text="Ratify the optional protocol against torture",
        recommending_states=[state("DEU")], response="supported",
        themes=[Theme.objects.order_by("slug").first()], sdgs=[SDG.objects.get(number=16)])


def page(client, url: str) -> tuple[str, int]:
    """The page's HTML and how many queries it ran."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def counts_of(html: str, name: str) -> str:
    """The "N received · M made" of one State on the States list."""
    item = html[html.index(f">{name}<"):]
    return re.search(r'class="state-counts[^"]*">([^<]*)<', item).group(1)


def test_the_states_list_counts_are_cached_and_follow_writes(rec, client):
    html, first = page(client, "/states/")
    assert "1 received · 0 made" in counts_of(html, "France")
    assert "0 received · 1 made" in counts_of(html, "Germany")
    html, second = page(client, "/states/")
    assert second <= first - 2  # the two counts over every recommendation are not run again
    RecommendationFactory(review=rec.review, paragraph="45.2")
    html, _ = page(client, "/states/")
    assert counts_of(html, "France").startswith("2 received")
    services.delete_recommendations([rec], reason="test")
    html, _ = page(client, "/states/")
    assert counts_of(html, "France").startswith("1 received")


def test_the_states_list_renders_only_the_groups_whose_counts_changed(rec, client):
    def groups_rendered() -> int:
        response = client.get("/states/")
        return [t.name for t in response.templates].count("front/includes/state_group.html")

    assert groups_rendered() == 5  # the five regional groups
    services.update_recommendation(rec, expected_version=None, user=None,
                                   text="Ratify the optional protocol, now")
    assert groups_rendered() == 0  # no count changed
    RecommendationFactory(review=rec.review, paragraph="45.2",
                          recommending_states=[state("DEU")])
    assert groups_rendered() == 1  # WEOG: France received one more, Germany made one
    french = client.get("/states/", {"lang": "fr"})
    assert [t.name for t in french.templates].count("front/includes/state_group.html") == 5
    assert "Allemagne" in french.content.decode()


def test_home_counts_are_cached_and_follow_writes(rec, client):
    html, first = page(client, "/")
    _, second = page(client, "/")
    assert second < first
    RecommendationFactory(review=rec.review, paragraph="45.2", response="noted")
    assert page(client, "/")[0] != html


def test_a_state_and_a_review_page_follow_writes(rec, client):
    page(client, "/states/FRA/")
    page(client, f"/reviews/{rec.review_id}/")
    RecommendationFactory(review=rec.review, paragraph="45.9",
                          text="Abolish the death penalty in all territories")
    assert "Abolish the death penalty" in page(client, f"/reviews/{rec.review_id}/")[0]
    assert "2" in page(client, "/states/FRA/")[0]


def _rename_theme(rec) -> str:
    theme = rec.themes.get()
    theme.name = "Prevention of torture (renamed)"
    theme.save()
    return theme.name


def _rename_state(rec) -> str:
    germany = State.objects.get(iso3="DEU")
    germany.name = "Federal Republic of Germany (renamed)"
    germany.save()
    return germany.name


def _add_alias(rec) -> str:
    StateAlias.objects.create(state=State.objects.get(iso3="FRA"), name="Gallia (alias)")
    return "Gallia (alias)"


def _rename_sdg(rec) -> str:
    sdg = SDG.objects.get(number=16)
    sdg.title = "Peace, justice and strong institutions (renamed)"
    sdg.save()
    return sdg.title


@pytest.mark.parametrize("write", [_rename_theme, _rename_state, _add_alias, _rename_sdg])
def test_reference_data_writes_reset_the_page_cache(rec, client, write):
    probes = []
    readmodel.cached("probe", lambda: probes.append(1) or len(probes))
    assert readmodel.cached("probe", lambda: probes.append(1) or len(probes)) == 1
    html = {url: page(client, url)[0] for url in ("/", "/states/", "/states/FRA/",
                                                   f"/reviews/{rec.review_id}/", "/analysis/")}
    shown = write(rec)
    assert readmodel.cached("probe", lambda: probes.append(1) or len(probes)) == 2
    if write is _rename_theme:
        assert shown not in html["/analysis/"]
        assert shown in page(client, "/analysis/")[0]
    if write is _rename_state:
        assert shown not in html["/analysis/"]
        assert shown in page(client, "/analysis/")[0]
        assert shown in page(client, "/states/")[0]
