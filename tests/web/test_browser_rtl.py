"""Arabic in a real browser: the main pages are right to left at 1280 and 390 px wide,
nothing sticks out of the page, document symbols stay in their order, and axe-core finds
no serious or critical violation. Screenshots go to screenshots/ar-*.png."""

from django.urls import reverse

from recommendations.models import SDG, AffectedGroup, Theme
from tests.web import test_browser
from tests.web.conftest import make_recommendations
from tests.web.test_browser import SCREENSHOTS, serious_violations

pytestmark = test_browser.pytestmark
browser_page = test_browser.browser_page  # the fixture: Chromium at /usr/bin/chromium

# Elements wider than the viewport, or starting left of it / ending right of it: in
# RTL a layout mistake shows as content pushed off the left edge.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    if (el.closest('.table-wrap, .visually-hidden, .skip-link, [aria-hidden="true"]')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    // Moved far off screen on purpose (the classic accessible hiding, as Tom Select does
    // with its search input when a picker is closed): not part of the layout.
    if (r.right < -1000) continue;
    if (r.left < -1 || r.right > width + 1) {
      const where = `[${Math.round(r.left)}, ${Math.round(r.right)}]`;
      out.push(`${el.tagName.toLowerCase()}.${el.className} ${where}`);
    }
  }
  return {out: out.slice(0, 10), scroll: document.documentElement.scrollWidth, width};
}"""


def test_arabic_pages_are_right_to_left_fit_the_page_and_pass_axe(browser_page, live_server):
    recs = make_recommendations(4)
    rec = recs[0]
    rec.themes.set(Theme.objects.filter(slug__in=["death-penalty", "right-to-health"]))
    rec.sdgs.set(SDG.objects.filter(number__in=[5, 16]))
    rec.affected_groups.set(AffectedGroup.objects.filter(slug="women"))
    pages = {
        "dashboard": reverse("front:home"),
        "state_list": reverse("front:state_list"),
        "state_detail": reverse("front:state_detail", args=["FRA"]),
        "review_detail": reverse("front:review_detail", args=[rec.review_id]),
        "recommendation_list": reverse("recommendations:recommendation_list"),
        "recommendation_detail": reverse("recommendations:recommendation_detail",
                                         args=[rec.pk]),
        "deadlines": reverse("reminders:deadlines"),
        "login": reverse("login"),
    }
    SCREENSHOTS.mkdir(exist_ok=True)
    page = browser_page
    page.context.add_cookies([{"name": "django_language", "value": "ar",
                               "url": live_server.url}])
    problems = {}
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in pages.items():
            response = page.goto(live_server.url + path)
            assert response.status == 200, name
            assert page.get_attribute("html", "dir") == "rtl", name
            assert page.get_attribute("html", "lang") == "ar", name
            assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
            page.screenshot(path=str(SCREENSHOTS / f"ar-{name}-{width}.png"), full_page=True)
            found = page.evaluate(OVERFLOWING)
            if found["out"] or found["scroll"] > found["width"] + 1:
                problems[f"{name}@{width} overflow"] = found
            if width == 1280:
                violations = serious_violations(page)
                if violations:
                    problems[f"{name} axe"] = violations
    assert problems == {}

    # A document symbol inside Arabic text keeps its left-to-right order.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("front:review_detail", args=[rec.review_id]))
    symbol = page.locator("dd code").first
    assert symbol.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert symbol.evaluate("e => getComputedStyle(e).unicodeBidi") == "isolate"
    # The navigation starts on the right: the brand is right of the menu.
    brand = page.locator(".brand").bounding_box()
    nav = page.locator(".site-nav").bounding_box()
    assert brand["x"] > nav["x"]
