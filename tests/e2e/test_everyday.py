"""Everyday use in the browser (issue 13): the grouped theme picker, sorting by a column
header, the list on a phone (results in the first screen), the searchable multi-select
with the keyboard only, focus styles' contrast, axe-core on the main pages."""

import os
import re

import pytest
from django.urls import reverse

from accounts.roles import Role
from recommendations.models import Recommendation, Theme
from tests.conftest import make_user
from tests.factories import RecommendationFactory, ReviewFactory, session, state

from .helpers import assert_accessible, screenshot

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LIST = "/recommendations/"


@pytest.fixture
def recs(db):
    fra = ReviewFactory(state=state("FRA"), session=session(43))
    deu = ReviewFactory(state=state("DEU"), session=session(44))
    label = Theme.objects.get(slug="migrants")  # UPR Info's label
    canonical = Theme.objects.get(slug="uhri-migrants")  # UHRI's theme
    a = RecommendationFactory(review=fra, paragraph="45.3", text="Protect migrant workers",
                              response="supported")
    a.themes.add(label)
    b = RecommendationFactory(review=deu, paragraph="140.9", response="noted",
                              text="Ratify the migrant workers convention")
    b.themes.add(canonical)
    c = RecommendationFactory(review=fra, paragraph="45.4", response="pending",
                              text="Combat hate speech online")
    return a, b, c


def contrast(page, selector_js: str) -> float:
    """WCAG contrast ratio of the focused element's text on its (first opaque) background."""
    return page.evaluate("""(sel) => {
      const el = document.activeElement;
      const rgb = s => s.match(/[\\d.]+/g).map(Number);
      const lum = ([r, g, b]) => {
        const c = [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92
                                                   : Math.pow((v + 0.055) / 1.055, 2.4); });
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
      };
      let bg = null, node = el;
      while (node && node.nodeType === 1) {
        const c = rgb(getComputedStyle(node).backgroundColor);
        if (c.length < 4 || c[3] > 0.5) { bg = c; break; }
        node = node.parentElement;
      }
      bg = bg || [255, 255, 255];
      const fg = rgb(getComputedStyle(el).color);
      const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      return (hi + 0.05) / (lo + 0.05);
    }""", selector_js)


def test_theme_picker_finds_a_theme_by_typing_and_its_source_labels(open_as, recs):
    from playwright.sync_api import expect  # as the fixtures import it: only when needed

    page = open_as(None)
    page.goto(LIST)
    page.click("#id_theme-ts-control >> xpath=..")
    page.keyboard.type("migr", delay=30)
    # A locator's wait, not wait_for_function: the CSP forbids evaluating strings, and
    # wait_for_function's polling does (it failed whenever the list was not filtered yet
    # at its first check).
    options = page.locator(".ts-dropdown .option:visible")
    expect(options).to_have_count(1)
    assert options.all_inner_texts() == ["Migrants"]  # one theme, not UPR Info's and UHRI's
    assert "Rights of specific persons or groups" in page.inner_text("#id_theme-ts-dropdown")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**theme=uhri-migrants**")
    main = page.inner_text("main")
    assert "2 recommendations" in main
    assert "Protect migrant workers" in main and "Ratify the migrant workers" in main
    assert "hate speech" not in main
    assert "Filters (1 active)" in main


def test_sorting_by_clicking_a_column_header(open_as, recs):
    page = open_as(None)
    page.goto(LIST)
    page.get_by_role("link", name="Response").click()
    page.wait_for_url("**ordering=response**")
    header = page.locator("th", has=page.get_by_role("link", name="Response"))
    assert header.get_attribute("aria-sort") == "ascending"
    rows = page.locator("table.rec-table tbody tr")
    assert "45.3" in rows.nth(2).inner_text()  # noted, pending, supported
    page.get_by_role("link", name="Response").click()
    page.wait_for_url("**ordering=-response**")
    assert header.get_attribute("aria-sort") == "descending"
    assert "45.3" in page.locator("table.rec-table tbody tr").first.inner_text()


@pytest.mark.parametrize("width", [1280, 1024, 390])
def test_list_fits_and_on_a_phone_shows_results_first(open_as, recs, width):
    page = open_as(None, viewport={"width": width, "height": 844})
    page.goto(LIST)
    widths = page.evaluate("""() => ({doc: document.documentElement.scrollWidth,
        table: document.querySelector('table').scrollWidth,
        box: document.querySelector('.table-wrap').clientWidth,
        text: document.querySelector('td.rec-text').getBoundingClientRect().width})""")
    assert widths["doc"] <= width and widths["table"] <= widths["box"], widths
    screenshot(page, f"recommendation-list-{width}")
    if width == 390:
        assert not page.locator("details.filters-panel").evaluate("d => d.open")
        first = page.locator("table.rec-table tbody tr").first.bounding_box()
        assert first["y"] < 844, "the first result is below the first screen"
        page.get_by_text("Filters").first.click()  # the toggle opens them
        assert page.locator("#id_q").is_visible()
    else:
        # The recommendation text is the widest column.
        cells = page.locator("table.rec-table tbody tr").first.locator("td")
        others = [cells.nth(i).bounding_box()["width"] for i in range(cells.count())]
        assert widths["text"] == max(others)
    assert_accessible(page, f"recommendation list at {width}px")


def test_searchable_multi_select_with_the_keyboard(open_as, france):
    review = ReviewFactory(state=france, session=session(43))
    page = open_as(make_user("ngo-kb", Role.NGO))
    page.goto(reverse("recommendations:recommendation_create", args=[review.pk]))
    page.fill("#id_text", "Ratify the convention, chosen with the keyboard")
    page.focus("#id_recommending_states-ts-control")
    for name in ("Germany", "Brazil", "Kenya"):
        page.keyboard.type(name[:4], delay=30)
        # Locators, not wait_for_function: the CSP forbids evaluating strings (no eval).
        page.locator(".ts-dropdown .option.active").filter(
            has_text=re.compile(f"^{name}$")).wait_for()
        page.keyboard.press("Enter")
    page.keyboard.press("Backspace")  # removes the last one (Kenya), keeps the others
    selected = page.eval_on_selector(
        "#id_recommending_states", "s => [...s.selectedOptions].map(o => o.text)")
    assert sorted(selected) == ["Brazil", "Germany"]
    control = page.locator("#id_recommending_states-ts-control")
    assert control.get_attribute("role") == "combobox"
    assert page.locator("#id_recommending_states-ts-label").inner_text().startswith(
        "Recommending States")
    page.focus("#id_themes-ts-control")
    page.keyboard.type("NHRI", delay=30)
    page.locator(".ts-dropdown .option.active", has_text="NHRI").wait_for()
    page.keyboard.press("Enter")
    assert_accessible(page, "recommendation form with pickers")
    screenshot(page, "recommendation-form-pickers")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    rec = Recommendation.objects.get(text__startswith="Ratify the convention, chosen")
    assert sorted(rec.recommending_states.values_list("iso3", flat=True)) == ["BRA", "DEU"]
    assert [t.slug for t in rec.themes.all()] == ["national-human-rights-institution-nhri"]


def test_pickers_degrade_to_plain_selects_without_javascript(browser, live_server, france):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto(LIST)
    assert page.locator("select#id_theme optgroup").count() >= 7
    assert page.locator(".ts-wrapper").count() == 0
    assert page.locator("details.filters-panel").evaluate("d => d.open")
    context.close()


@pytest.mark.parametrize("path", ["/", "/states/", LIST, "/deadlines/"])
def test_focus_styles_keep_aa_contrast_and_axe_finds_nothing_serious(open_as, recs, path):
    page = open_as(None)
    page.goto(path)
    checked = 0
    for _ in range(25):  # the header, then into the page
        page.keyboard.press("Tab")
        tag = page.evaluate("document.activeElement.tagName")
        if tag in ("A", "BUTTON", "SUMMARY"):
            ratio = contrast(page, "")
            label = page.evaluate("document.activeElement.textContent.trim().slice(0, 40)")
            assert ratio >= 4.5, f"{path}: focused {tag} '{label}' has contrast {ratio:.2f}"
            checked += 1
        if tag in ("A", "BUTTON") and checked in (1, 3):
            assert_accessible(page, f"{path} with {tag} focused")  # focus state included
    assert checked >= 5
    assert_accessible(page, path)
