"""Login protection (issue 10): lockout per account and per address on the login
pages, X-Forwarded-For trusted only as far as the configured proxies, and password
validation in add_user."""

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory

from core.net import client_ip

PASSWORD = "pw-for-tests-123"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    cache.clear()


def login(client, path, username, password, ip="203.0.113.7"):
    return client.post(path, {"username": username, "password": password},
                       REMOTE_ADDR=ip)


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_wrong_passwords_lock_the_account_then_the_right_one_is_refused(path, admin_user):
    client = Client()
    for _ in range(4):
        assert login(client, path, "admin", "wrong").status_code == 200
    assert login(client, path, "admin", "wrong").status_code == 429  # the 5th locks
    locked = login(client, path, "admin", PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_holds_across_workers_because_it_is_in_the_database(admin_user):
    for _ in range(5):
        login(Client(), "/accounts/login/", "admin", "wrong")
    assert AccessAttempt.objects.filter(username="admin").exists()
    # Another client (as another gunicorn worker would see it): still locked.
    assert login(Client(), "/accounts/login/", "admin", PASSWORD).status_code == 429


def test_one_address_trying_many_accounts_is_locked_out(ngo_user, admin_user):
    client = Client()
    for i in range(5):
        login(client, "/accounts/login/", f"guess{i}", "wrong", ip="198.51.100.9")
    assert login(client, "/accounts/login/", "ngo", PASSWORD,
                 ip="198.51.100.9").status_code == 429
    # The account itself is not locked for someone elsewhere.
    assert login(Client(), "/accounts/login/", "ngo", PASSWORD,
                 ip="192.0.2.1").status_code == 302


def test_an_administrator_unlocks_the_account(admin_user):
    for _ in range(5):
        login(Client(), "/accounts/login/", "admin", "wrong")
    assert login(Client(), "/accounts/login/", "admin", PASSWORD).status_code == 429
    call_command("axes_reset_username", "admin")
    AccessAttempt.objects.all().delete()  # what deleting them in /admin/axes/ does
    assert login(Client(), "/accounts/login/", "admin", PASSWORD).status_code == 302


def test_the_admin_lists_access_attempts_for_unlocking(admin_user):
    client = Client()
    client.force_login(admin_user)
    assert client.get("/admin/axes/accessattempt/").status_code == 200


def test_forwarded_for_is_ignored_without_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1",
                                   HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "10.0.0.1"


def test_forwarded_for_is_read_as_far_as_the_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1",
                                   HTTP_X_FORWARDED_FOR="6.6.6.6, 1.2.3.4")
    assert client_ip(request) == "1.2.3.4"  # what our proxy saw; the client's own claim not


def test_token_throttle_is_not_reset_by_a_new_forwarded_for_each_time(api_client, settings):
    from rest_framework.settings import api_settings

    assert api_settings.NUM_PROXIES == settings.TRUSTED_PROXY_COUNT == 0
    # The throttle alone: the fifth failure would lock the account (a 429 of its own
    # since issue 22, see tests/test_hardening_second_pass.py).
    settings.AXES_FAILURE_LIMIT = 100
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], anon="5/minute")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    statuses = [api_client.post("/api/v1/auth/token/", {"username": "x", "password": "y"},
                                HTTP_X_FORWARDED_FOR=f"10.9.8.{i}").status_code
                for i in range(7)]
    assert statuses[:5] == [400] * 5
    assert statuses[5:] == [429, 429]


def test_throttles_use_the_shared_cache_when_cache_url_is_set():
    import os
    import subprocess
    import sys

    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.CACHES['default']['BACKEND'])")
    env = dict(os.environ, CACHE_URL="redis://127.0.0.1:6379/11",
               DJANGO_SETTINGS_MODULE="upr_tracker.settings")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "core.cache.RedisCache"


def test_add_user_validates_the_password():
    from django.contrib.auth import get_user_model

    with pytest.raises(CommandError, match="Password refused"):
        call_command("add_user", "weak", "--role", "ngo", "--password", "123")
    assert not get_user_model().objects.filter(username="weak").exists()
    call_command("add_user", "strong", "--role", "ngo", "--password", "a-Long-pass-2026!")
    assert get_user_model().objects.get(username="strong").check_password("a-Long-pass-2026!")
