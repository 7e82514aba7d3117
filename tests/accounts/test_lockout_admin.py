"""The lockout page says for how long (issue 23); the user's admin page shows the lock
and lifts it in one click."""

import re

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = 0.25
    cache.clear()


def lock(username: str) -> None:
    for _ in range(3):
        Client().post("/accounts/login/", {"username": username, "password": "wrong"},
                      REMOTE_ADDR="203.0.113.50")


def test_lockout_page_says_for_how_long(ngo_user):
    lock("ngo")
    page = Client().post("/accounts/login/", {"username": "ngo", "password": PASSWORD},
                         REMOTE_ADDR="203.0.113.50")
    assert page.status_code == 429
    text = page.content.decode()
    assert "15 minutes" in text
    assert re.search(r"try again after <time [^>]*>\d\d:\d\d", text)


def test_api_lockout_answer_is_json_with_retry_after(rf):
    from accounts.lockout import lockout_response

    response = lockout_response(rf.post("/api/v1/auth/token/"))
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "15 minutes" in response.content.decode()


def test_admin_user_page_shows_the_lock_and_unlocks_in_one_click(ngo_user, admin_user):
    lock("ngo")
    admin = Client()
    admin.force_login(admin_user)
    page = admin.get(f"/admin/auth/user/{ngo_user.pk}/change/").content.decode()
    assert "Locked after 3 failed logins" in page
    unlock_url = f"/admin/auth/user/{ngo_user.pk}/unlock/"
    assert f'formaction="{unlock_url}"' in page
    response = admin.post(unlock_url)
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="ngo").exists()
    assert "Not locked." in admin.get(f"/admin/auth/user/{ngo_user.pk}/change/").content.decode()
    assert Client().post("/accounts/login/", {"username": "ngo", "password": PASSWORD},
                         REMOTE_ADDR="192.0.2.9").status_code == 302


def test_unlock_needs_post_and_an_administrator(ngo_user, admin_user, focal_point):
    lock("ngo")
    admin = Client()
    admin.force_login(admin_user)
    assert admin.get(f"/admin/auth/user/{ngo_user.pk}/unlock/").status_code == 405
    staff = Client()
    staff.force_login(focal_point)
    assert staff.post(f"/admin/auth/user/{ngo_user.pk}/unlock/").status_code == 302  # login
    assert AccessAttempt.objects.filter(username="ngo").exists()
