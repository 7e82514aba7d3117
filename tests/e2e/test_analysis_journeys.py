"""Journeys of issue 14 in headless Chromium: "Asked before" on a recommendation, a
regional matrix cell leading to its list, downloading a mid-term report, and a one-click
theme suggestion on the new-recommendation form."""

import os

import docx
import pytest

from accounts.roles import Role
from recommendations import recurrence, services
from recommendations.models import Theme
from tests.conftest import make_user
from tests.factories import ReviewFactory, session, state

from .helpers import assert_accessible, screenshot

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPCAT_3 = "Ratify the Optional Protocol to the Convention against Torture"
OPCAT_4 = "Consider ratifying the Optional Protocol to the Convention against Torture"


@pytest.fixture
def two_cycles(db):
    fra3 = ReviewFactory(state=state("FRA"), session=session(30))
    fra4 = ReviewFactory(state=state("FRA"), session=session(43))
    theme = Theme.objects.order_by("slug").first()
    old = services.create_recommendation(
        review=fra3, paragraph="120.7", text=OPCAT_3, response="supported", themes=[theme],
        recommending_states=[state("DEU")])
    old.add_assessment(actor="government", status="in_progress")
    new = services.create_recommendation(
        review=fra4, paragraph="45.1", text=OPCAT_4, recommending_states=[state("BRA")])
    services.create_recommendation(review=fra4, paragraph="45.2", text="Reduce prison "
                                   "overcrowding", recommending_states=[state("KEN")],
                                   response="noted")
    recurrence.link_state(state("FRA"))
    return old, new, theme


def test_visitor_opens_asked_before_from_the_recurring_badge(open_as, two_cycles):
    old, new, _theme = two_cycles
    page = open_as(None)
    page.goto("/recommendations/")
    page.select_option("#id_recurring", "true")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**recurring=true**")
    assert "1 recommendation" in page.inner_text("main")
    page.locator("a.badge-recurring").click()
    page.wait_for_url(f"**/recommendations/{new.pk}/#asked-before")
    section = page.locator("#asked-before")
    text = section.inner_text()
    assert "Asked before" in text and OPCAT_3 in text
    assert "Supported" in text and "In progress" in text and "Cycle 3" in text
    screenshot(page, "asked-before")
    assert_accessible(page, "recommendation page with Asked before")
    section.get_by_role("link", name="120.7").click()
    page.wait_for_url(f"**/recommendations/{old.pk}/")
    page.get_by_role("link", name="Asked again later: 1 recommendation").click()
    page.wait_for_url(f"**similar_to={old.pk}**")
    assert "1 recommendation" in page.inner_text("main") and "Consider ratifying" in \
        page.inner_text("main")


def test_regional_matrix_cell_leads_to_its_list(open_as, two_cycles):
    page = open_as(None)
    page.goto("/analysis/")
    page.select_option("#id_cycle", "4")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**cycle=4**")
    screenshot(page, "regional-matrix")
    assert_accessible(page, "regional matrix")
    # Cycle 4 of France: one recommendation from GRULAC (Brazil), one from AFR (Kenya).
    page.get_by_role("link", name="1 recommendation from Latin American and Caribbean Group "
                                   "to Western European and others Group").click()
    page.wait_for_url("**recommending_region=GRULAC**")
    assert "region=WEOG" in page.url and "cycle=4" in page.url
    main = page.inner_text("main")
    assert "1 recommendation" in main and "Consider ratifying" in main
    assert "prison" not in main


def test_ngo_worker_downloads_a_mid_term_report(open_as, two_cycles, tmp_path):
    _old, new, _theme = two_cycles
    page = open_as(make_user("ngo-e2e", Role.NGO))
    page.goto(new.review.get_absolute_url())
    page.get_by_role("link", name="Mid-term report (Word, CSV)").click()
    page.wait_for_url("**/mid-term-report/")
    screenshot(page, "mid-term-report")
    assert_accessible(page, "mid-term report page")
    with page.expect_download() as info:
        page.locator("#version-civil_society ~ ul, section:has(#version-civil_society) ul"
                     ).first.get_by_role("link", name="Word document, grouped by theme").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.suffix == ".docx"
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    assert texts[0].startswith("Mid-term report on the implementation of the recommendations: "
                               "France, Session 43")
    assert "Summary" in texts and "Contents" in texts
    assert "Recommendation 45.1" in texts and OPCAT_4 in texts
    assert any(t.startswith("Civil-society assessment:") for t in texts)


def test_ngo_worker_takes_a_theme_suggestion_with_one_click(open_as, two_cycles):
    _old, new, theme = two_cycles
    page = open_as(make_user("ngo-e2e", Role.NGO))
    page.goto(f"/recommendations/review/{new.review.pk}/new/")
    page.fill("#id_text", "Ratify promptly the Optional Protocol to the Convention against "
                          "Torture")
    assert page.locator(f'#id_themes option[value="{theme.pk}"]').evaluate(
        "o => o.selected") is False
    page.get_by_role("button", name="Suggest from similar recommendations").click()
    suggestion = page.get_by_role("button", name=f"+ {theme.name}")
    suggestion.wait_for()
    # Suggested, not applied.
    assert page.locator(f'#id_themes option[value="{theme.pk}"]').evaluate(
        "o => o.selected") is False
    suggestion.click()
    assert suggestion.get_attribute("aria-pressed") == "true"
    assert page.locator(f'#id_themes option[value="{theme.pk}"]').evaluate(
        "o => o.selected") is True
    screenshot(page, "tag-suggestions")
