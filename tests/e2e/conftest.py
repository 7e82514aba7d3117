"""Browser fixtures: one headless Chromium per module, a fresh context per user.

Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
make around it are synchronous and safe, hence DJANGO_ALLOW_ASYNC_UNSAFE.
"""

import os
from pathlib import Path

import pytest

from tests.conftest import need_service

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PASSWORD = "pw-for-tests-123"  # tests.conftest.make_user's default


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        need_service("chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_as(browser, live_server):
    """`open_as(user)`: a page in a fresh browser context, logged in through the login
    page (None: anonymous)."""
    contexts = []

    def make(user=None, viewport=None):
        context = browser.new_context(base_url=live_server.url, accept_downloads=True,
                                      viewport=viewport or {"width": 1280, "height": 900},
                                      locale="en-GB")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if user is not None:
            page.goto("/accounts/login/")
            page.fill("#id_username", user.username)
            page.fill("#id_password", PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_load_state()
            assert "/accounts/login/" not in page.url, "login failed"
        return page

    yield make
    for context in contexts:
        context.close()

