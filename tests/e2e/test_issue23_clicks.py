"""Issue 23's audit, in headless Chromium at 390 px, in Arabic and Russian: the list's
"Order by" choices in the page's language (picked by a click), grouped numbers, and a
walk through My State, the regional matrix and the recommending-State profile with a
screenshot of each in /tmp/shots-i23 (looked at, described in the issue's note)."""

import os
from pathlib import Path

import pytest

from accounts.roles import Role
from tests.conftest import make_user
from tests.factories import state

from .test_issue23 import PHONE, assert_fits, data  # noqa: F401 (fixture)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-i23")
DESCENDING = {"ar": "(تنازليًا)", "ru": "(по убыванию)"}
CYCLE = {"ar": "الجولة", "ru": "Цикл"}


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["ar", "ru"])
def test_order_by_descending_is_picked_in_the_pages_language(open_as, data,  # noqa: F811
                                                             language):
    page = open_as(None, viewport=PHONE)
    page.goto("/recommendations/")
    # The language a reader picked stays in a cookie, across the filter form's submits.
    page.context.add_cookies([{"name": "django_language", "value": language,
                               "url": page.url}])
    page.reload()
    labels = page.locator("select#id_ordering option").evaluate_all(
        "options => options.map(o => o.textContent.trim())")
    descending = [label for label in labels if DESCENDING[language] in label]
    assert len(descending) == 10
    assert not [label for label in labels if "descending" in label]
    page.locator("details.filters-panel > summary").click()  # collapsed on a phone
    page.locator("select#id_ordering").select_option("-paragraph")
    page.locator("select#id_ordering").evaluate("s => s.form.requestSubmit()")
    page.wait_for_url("**ordering=-paragraph**")
    assert page.locator("select#id_ordering").evaluate(
        "s => s.selectedOptions[0].textContent.trim()").endswith(
        DESCENDING[language])
    shot(page, f"list-ordering-{language}-390")


@pytest.mark.parametrize("language", ["ar", "ru"])
def test_walk_at_390_my_state_matrix_and_profile(open_as, data, language):  # noqa: F811
    focal = make_user(f"focal-walk-{language}", Role.FOCAL_POINT, state=state("FRA"))
    page = open_as(focal, viewport=PHONE)
    # As the language switcher leaves it: a cookie, so links keep the language too.
    page.context.add_cookies([{"name": "django_language", "value": language,
                               "url": page.url}])
    for name, path in (("my-state", "/my-state/"), ("matrix", "/analysis/"),
                       ("profile-DEU", "/analysis/recommending/DEU/")):
        page.goto(f"{path}?lang={language}")
        assert_fits(page, f"{name} {language}")
        shot(page, f"{name}-{language}-390")
        if name == "profile-DEU":
            # Stacked on a phone, each per-cycle row says which cycle it is.
            cycles = page.locator("table.per-cycle tbody th").all_inner_texts()
            assert cycles and all(CYCLE[language] in c for c in cycles), cycles
    # The update link of each card is on screen and leads to the form.
    page.goto(f"/my-state/?lang={language}")
    link = page.locator("a.update-status").first
    box = link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    link.click()
    page.wait_for_load_state()
    assert page.locator("main form").count() >= 1
    assert page.locator("html").get_attribute("lang") == language
    shot(page, f"my-state-update-{language}-390")


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}],
                         ids=["390", "1280"])
def test_lockout_page_gives_the_time_in_the_readers_zone(browser, live_server, settings,
                                                         ngo_user, viewport):
    from django.core.cache import cache

    settings.AXES_FAILURE_LIMIT = 2
    cache.clear()
    context = browser.new_context(base_url=live_server.url, viewport=viewport,
                                  timezone_id="Asia/Tokyo", locale="en-GB")
    page = context.new_page()
    try:
        for _ in range(3):
            page.goto("/accounts/login/")
            page.fill("#id_username", ngo_user.username)
            page.fill("#id_password", "wrong")
            page.locator("main form button[type=submit]").click()
        when = page.locator("time[data-local-time]")
        text = when.inner_text()
        assert "UTC" not in text and "GMT+9" in text, text
        assert_fits(page, "lockout")
        shot(page, f"lockout-tokyo-{viewport['width']}")
    finally:
        context.close()
