"""Issue 23 in headless Chromium: a clicked theme suggestion shows as a chip and is
saved with another theme picked after it; phones (My State as cards, the regional matrix
and per-cycle tables readable, no page wider than the screen), badges never broken inside
a word, the Russian review page at 1280 px, Arabic (translated State and theme names on
the recommending-State profile, the Arabic comma, the mirrored breadcrumb arrow), and
deleting a recommendation with its confirmation. Screenshots: screenshots/i23-*.png."""

import os

import pytest

from accounts.roles import Role
from recommendations import recurrence, services
from recommendations.models import Recommendation, Theme
from tests.conftest import make_user
from tests.factories import ReviewFactory, session, state

from .helpers import screenshot

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
OPCAT_3 = "Ratify the Optional Protocol to the Convention against Torture"
OPCAT_4 = "Consider ratifying the Optional Protocol to the Convention against Torture"

WIDER_THAN_SCREEN = """() => {
  const W = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('main *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || el.closest('.table-wrap, .visually-hidden, .ts-dropdown')) continue;
    if (r.right > W + 1 || r.left < -1) out.push(el.tagName + '.' + el.className);
  }
  return {scroll: document.documentElement.scrollWidth, width: W, out: out.slice(0, 5)};
}"""

# A badge is one line high, or wraps only between words: no line of it ends inside a word.
BROKEN_BADGES = """() => {
  const broken = [];
  for (const badge of document.querySelectorAll('.badge')) {
    const text = badge.textContent.trim();
    const node = badge.firstChild;
    if (!node || node.nodeType !== 3 || !text) continue;
    const range = document.createRange();
    let lastTop = null;
    const raw = node.textContent;
    for (let i = 0; i < raw.length; i++) {
      range.setStart(node, i); range.setEnd(node, i + 1);
      const rect = range.getBoundingClientRect();
      if (rect.width === 0) continue;
      if (lastTop !== null && rect.top > lastTop + 2 && raw[i - 1] !== ' ' && raw[i] !== ' ')
        broken.push(text);
      lastTop = rect.top;
    }
  }
  return broken;
}"""


def assert_fits(page, name: str) -> None:
    result = page.evaluate(WIDER_THAN_SCREEN)
    assert result["scroll"] <= result["width"], f"{name}: {result}"
    assert not result["out"], f"{name}: {result}"


@pytest.fixture
def data(db):
    fra3 = ReviewFactory(state=state("FRA"), session=session(30))
    fra4 = ReviewFactory(state=state("FRA"), session=session(43))
    torture = Theme.objects.get(slug="prohibition-of-torture-and-cruel-inhuman")
    old = services.create_recommendation(
        review=fra3, paragraph="120.7", text=OPCAT_3, response="supported", themes=[torture],
        recommending_states=[state("DEU")])
    new = services.create_recommendation(
        review=fra4, paragraph="45.1", text=OPCAT_4, response="partially_supported",
        recommending_states=[state("DEU"), state("BRA"), state("KEN")], themes=[torture])
    for n in range(2, 8):
        services.create_recommendation(
            review=fra4, paragraph=f"45.{n}", response="supported",
            text=f"Strengthen the national human rights institution, measure {n}",
            recommending_states=[state("DEU"), state("EGY")])
    new.add_assessment(actor="government", status="partially_implemented")
    recurrence.link_state(state("FRA"))
    return {"old": old, "new": new, "torture": torture, "review": fra4}


def test_clicked_theme_suggestion_shows_as_a_chip_and_is_saved(open_as, data):
    page = open_as(make_user("ngo-chips", Role.NGO))
    review = data["review"]
    page.goto(f"/recommendations/review/{review.pk}/new/")
    page.fill("#id_paragraph", "45.90")
    page.fill("#id_text", "Ratify promptly the Optional Protocol to the Convention against "
                          "Torture")
    page.get_by_role("button", name="Suggest from similar recommendations").click()
    torture = data["torture"]
    suggestion = page.get_by_role("button", name=f"+ {torture.name}")
    suggestion.click()
    # A chip in the searchable picker, not only a hidden selected option.
    chips = page.locator("#id_themes + .ts-wrapper .item")
    assert torture.name in chips.all_inner_texts()[0]
    # Another theme picked afterwards keeps the suggestion.
    other = Theme.objects.pickable().exclude(pk=torture.pk).order_by("name").first()
    themes_input = page.locator("#id_themes-ts-control")
    themes_input.click()
    themes_input.fill(other.name[:12])
    page.locator(".ts-dropdown .option", has_text=other.name).first.click()
    assert len(chips.all_inner_texts()) == 2
    page.locator("#id_recommending_states-ts-control").click()
    page.locator("#id_recommending_states-ts-control").fill("Germany")
    page.locator(".ts-dropdown .option", has_text="Germany").first.click()
    screenshot(page, "i23-theme-chips")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/recommendations/*/")
    saved = Recommendation.objects.get(review=review, paragraph="45.90")
    assert set(saved.themes.values_list("pk", flat=True)) == {torture.pk, other.pk}


@pytest.mark.parametrize("language", ["ar", "ru"])
def test_my_state_is_cards_on_a_phone_with_the_update_link_on_screen(open_as, data,
                                                                     language):
    focal = make_user(f"focal-{language}", Role.FOCAL_POINT, state=state("FRA"))
    page = open_as(focal, viewport=PHONE)
    page.goto(f"/my-state/?lang={language}")
    assert_fits(page, f"my state {language}")
    link = page.locator("a.update-status").first
    box = link.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"]
    assert not page.evaluate(BROKEN_BADGES)
    screenshot(page, f"i23-my-state-{language}-390")
    if language == "ar":
        # The Arabic comma between the recommending States.
        assert "، " in page.locator("table.my-state-table").inner_text()


@pytest.mark.parametrize("language", ["ar", "ru"])
def test_matrix_numbers_are_readable_on_a_phone(open_as, data, language):
    page = open_as(None, viewport=PHONE)
    page.goto(f"/analysis/?lang={language}")
    assert_fits(page, f"matrix {language}")
    # Every cell with a count is on screen, not scrolled away behind the row names.
    for link in page.locator("table.matrix td a").all():
        box = link.bounding_box()
        assert box and 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, f"i23-matrix-{language}-390")


def test_profile_in_arabic_names_states_and_themes_in_arabic(open_as, data):
    page = open_as(None, viewport=PHONE)
    page.goto("/analysis/recommending/DEU/?lang=ar")
    heading = page.locator("h1").inner_text()
    assert "ألمانيا" in heading and "Germany" not in heading
    main = page.locator("main").inner_text()
    assert "حظر التعذيب" in main  # the UHRI theme, from its NameTranslation
    assert "فرنسا" in main  # the State it recommended to
    assert_fits(page, "profile ar")
    # The breadcrumb arrow points the way Arabic reads.
    arrow = page.evaluate("""() => getComputedStyle(
        document.querySelector('.breadcrumbs li + li'), '::before').content""")
    assert arrow == '"‹"'
    screenshot(page, "i23-profile-ar-390")


@pytest.mark.parametrize("language", ["ar", "ru"])
def test_per_cycle_tables_fit_a_phone(open_as, data, language):
    page = open_as(None, viewport=PHONE)
    for path in ("/", "/states/FRA/", "/analysis/recommending/DEU/",
                 f"/analysis/themes/{data['torture'].slug}/"):
        page.goto(f"{path}?lang={language}")
        assert_fits(page, f"{path} {language}")
        for cell in page.locator("table.per-cycle td").all():
            box = cell.bounding_box()
            if box and box["width"]:
                assert box["x"] >= -1 and box["x"] + box["width"] <= PHONE["width"] + 1, path


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_badges_never_break_inside_a_word_in_russian(open_as, data, viewport):
    page = open_as(None, viewport=viewport)
    for path in ("/recommendations/", f"/reviews/{data['review'].pk}/", "/my-state/"):
        page.goto(f"{path}?lang=ru")
        assert not page.evaluate(BROKEN_BADGES), path


def test_russian_review_page_is_no_wider_than_the_screen_at_1280(open_as, data):
    page = open_as(None, viewport=DESKTOP)
    page.goto(f"/reviews/{data['review'].pk}/?lang=ru")
    assert_fits(page, "review ru 1280")
    screenshot(page, "i23-review-ru-1280")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_ngo_deletes_a_recommendation_after_confirming_what_goes(open_as, data, viewport):
    page = open_as(make_user(f"ngo-del-{viewport['width']}", Role.NGO), viewport=viewport)
    new = data["new"]
    page.goto(new.get_absolute_url())
    page.get_by_role("link", name="Delete", exact=True).click()
    page.wait_for_url(f"**/recommendations/{new.pk}/delete/")
    assert "entered by someone else" in page.locator("main").inner_text()
    page.get_by_role("button", name="Delete the recommendation").click()
    assert "Tick the box" in page.locator("main").inner_text()
    assert Recommendation.objects.filter(pk=new.pk).exists()
    page.get_by_label("I have read what is listed above; delete it too.").check()
    page.get_by_role("button", name="Delete the recommendation").click()
    page.wait_for_url(f"**/reviews/{new.review_id}/")
    assert not Recommendation.objects.filter(pk=new.pk).exists()
