"""Headless Chromium over the live server: the main public pages render, screenshots go
to screenshots/, and axe-core finds no serious or critical accessibility violation."""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from tests.conftest import need_service
from tests.factories import state
from tests.web.conftest import make_recommendations

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the
# fixtures meanwhile are safe (one thread, nothing concurrent).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

# Transactional: the live server needs committed data. tests/conftest.py loads the
# reference data again after an earlier transactional test's flush.
pytestmark = [pytest.mark.browser, pytest.mark.services,
              pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page():
    if not Path(CHROMIUM).exists():
        need_service("chromium", f"{CHROMIUM} not found")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        yield page
        browser.close()


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – "
        + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_main_pages_render_and_pass_axe(browser_page, live_server):
    recs = make_recommendations(4)
    recs[0].text = "Protect journalists <script>alert(1)</script> and human rights defenders"
    recs[0].save()
    pages = {
        "dashboard": reverse("front:home"),
        "state_list": reverse("front:state_list"),
        "state_detail": reverse("front:state_detail", args=["FRA"]),
        "review_detail": reverse("front:review_detail", args=[recs[0].review_id]),
        "recommendation_list": reverse("recommendations:recommendation_list"),
        "recommendation_detail": reverse("recommendations:recommendation_detail",
                                         args=[recs[0].pk]),
        "login": reverse("login"),
    }
    SCREENSHOTS.mkdir(exist_ok=True)
    page = browser_page
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    problems = {}
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response.status, name
        assert response.status == 200, name
        assert page.locator("main h1").count() == 1, name
        page.screenshot(path=str(SCREENSHOTS / f"web-{name}.png"), full_page=True)
        found = serious_violations(page)
        if found:
            problems[name] = found
    assert problems == {}
    assert dialogs == []  # the <script> in the text never ran


def test_profile_page_passes_axe(browser_page, live_server, client):
    from tests.conftest import make_user

    client.force_login(make_user("focal", "focal-point", state=state("FRA")))
    page = browser_page
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])
    page.goto(live_server.url + reverse("accounts:profile"))
    page.click("text=Create an API token")
    page.fill("#state-filter", "germ")
    assert page.locator("#followed-states label:visible").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "web-profile.png"), full_page=True)
    assert serious_violations(page) == []


def test_language_switcher_and_skip_link_work_with_the_keyboard(
        browser_page, live_server):
    make_recommendations(2)
    page = browser_page
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.select_option("#language-select", "fr")
    page.click(".language-switcher button")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SCREENSHOTS / "web-dashboard-mobile-fr.png"), full_page=True)


CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def test_pages_raise_no_content_security_policy_violation(browser_page, live_server, client):
    """The CSP (django-csp, settings.CONTENT_SECURITY_POLICY) is strict: no inline
    script or style. The app's own pages, htmx included, must satisfy it."""
    from tests.conftest import make_user

    recs = make_recommendations(3)
    admin = make_user("csp-admin", "admin")
    client.force_login(admin)
    page = browser_page
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])
    page.add_init_script(CSP_LISTENER)
    console = []
    page.on("console", lambda m: console.append(m.text)
            if "Content Security Policy" in m.text else None)
    paths = [
        reverse("front:home"), reverse("front:state_list"),
        reverse("front:state_detail", args=["FRA"]),
        reverse("front:review_detail", args=[recs[0].review_id]),
        reverse("recommendations:recommendation_list"),
        reverse("recommendations:recommendation_list") + "?q=torture",
        reverse("recommendations:recommendation_detail", args=[recs[0].pk]),
        reverse("recommendations:recommendation_edit", args=[recs[0].pk]),
        reverse("imports:import_upload"), reverse("accounts:profile"),
        reverse("reminders:deadlines"), reverse("api-docs"), "/admin/",
    ]
    violations = {}
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("networkidle")
        found = page.evaluate("window.__cspViolations")
        if found:
            violations[path] = found
    # htmx at work under the policy: a search that swaps the results in place.
    page.goto(live_server.url + reverse("recommendations:recommendation_list"))
    search = page.locator("input[name=q]")
    if search.count():
        search.first.fill("journalists")
        page.wait_for_load_state("networkidle")
        found = page.evaluate("window.__cspViolations")
        if found:
            violations["htmx search"] = found
    assert violations == {}
    assert console == []
