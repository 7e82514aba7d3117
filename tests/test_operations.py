"""Operations (issue 10): health endpoints, 503 when the database is down, a refused
start without SECRET_KEY, uploads never served, ETag on unconditional edits, backups
that restore, and the production install (celery[redis], gunicorn gthread)."""

import os
import re
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path
from unittest import mock

import psycopg2
import pytest
import yaml
from django.db import OperationalError, connection, connections
from django.test import Client
from django.urls import Resolver404, resolve

from tests.conftest import need_service

ROOT = Path(__file__).resolve().parent.parent


# --- health ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_healthz_and_readyz_answer_ok():
    client = Client()
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_503_when_the_broker_cannot_be_reached(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["problems"] == ["broker: OperationalError"] or \
        response.json()["problems"][0].startswith("broker:")


def use_redis(settings, cache_backend: str) -> None:
    """The broker on Redis DB 10 and the cache (`cache_backend`) on DB 11."""
    import redis

    try:
        redis.Redis(host="127.0.0.1", db=10, socket_timeout=1).ping()
    except redis.RedisError as exc:
        need_service("redis", str(exc))
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/10"
    settings.CACHES = {"default": {"BACKEND": cache_backend,
                                   "LOCATION": "redis://127.0.0.1:6379/11"}}


@pytest.mark.django_db
def test_readyz_checks_a_reachable_redis_broker_and_cache(settings):
    use_redis(settings, "django.core.cache.backends.redis.RedisCache")
    assert Client().get("/readyz").json() == {"status": "ok"}


def test_check_worker_accepts_the_cache_settings_py_configures(settings, monkeypatch):
    """With CACHE_URL, settings.py uses core.cache.RedisCache: check_worker must take it
    for the Redis cache it is (it looked for "redis" in the class path, case-sensitively:
    the production smoke test's worker check failed)."""
    from django.core.cache import cache

    from upr_tracker import celery

    use_redis(settings, "core.cache.RedisCache")
    # The worker's part, done here: the task writes its answer to the shared cache.
    monkeypatch.setattr(celery.ping, "delay",
                        lambda token: cache.set(f"worker-ping:{token}", "pong", 30))
    assert celery.check_worker(timeout=5) >= 0


def database_down():
    return mock.patch.object(type(connections["default"]), "ensure_connection",
                             side_effect=OperationalError("could not connect to server"))


@pytest.mark.django_db
def test_database_down_gives_a_503_page_and_503_json():
    client = Client(raise_request_exception=False)
    with database_down():
        page = client.get("/recommendations/")
        api = client.get("/api/v1/recommendations/")
        ready = client.get("/readyz")
        live = client.get("/healthz")
    assert page.status_code == 503
    assert "temporarily unavailable" in page.content.decode()
    assert page["Retry-After"] == "30"
    assert api.status_code == 503
    assert "database cannot be reached" in api.json()["detail"]
    assert ready.status_code == 503
    assert ready.json()["problems"] == ["database: OperationalError"]
    assert live.status_code == 200


# --- settings and deployment files --------------------------------------------------------

def run_check(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env |= env_overrides
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_debug_off_without_secret_key_refuses_to_start():
    result = run_check({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_compose_has_no_usable_default_secret_key():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    secret = compose["services"]["web"]["environment"]["SECRET_KEY"]
    assert re.fullmatch(r"\$\{SECRET_KEY:\?.+\}", secret), secret


def test_production_install_declares_the_redis_transport():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("celery[redis]==") for d in project["dependencies"])
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash .ci/production_smoke.sh" in ci
    smoke = (ROOT / ".ci" / "production_smoke.sh").read_text()
    assert "pip\" install -q ." in smoke and "[test]" not in smoke


def test_gunicorn_uses_threads_and_a_timeout_that_fits():
    namespace: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)
    assert namespace["worker_class"] == "gthread"
    assert namespace["threads"] >= 2
    assert namespace["timeout"] >= 60
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert "gunicorn.conf.py" in compose["services"]["web"]["command"]
    assert "gunicorn.conf.py" in (ROOT / "Dockerfile").read_text()


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy():
    policy = Client().get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


# --- uploads ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_uploaded_files_are_never_served(settings, tmp_path, admin_user):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "imports").mkdir()
    (tmp_path / "imports" / "secret.csv").write_text("confidential,data")
    for path in ("/imports/secret.csv", "/media/imports/secret.csv"):
        with pytest.raises(Resolver404):
            resolve(path)
        for client in (Client(), Client()):
            response = client.get(path)
            assert response.status_code == 404
            assert b"confidential" not in response.content
            assert b"django.views.static.serve" not in response.content
        client.force_login(admin_user)


# --- backups ------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_make_backup_and_make_restore_round_trip(tmp_path):
    from django.contrib.auth import get_user_model

    from states.models import State

    if subprocess.run(["which", "pg_dump"], capture_output=True).returncode:
        need_service("pg_dump", "postgresql-client not installed")
    params = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.skip("backups are for PostgreSQL")
    base = f"postgres://{params['USER']}@{params['HOST']}:{params['PORT'] or 5432}"
    name = f"{params['NAME']}_restore_{uuid.uuid4().hex[:6]}"
    get_user_model().objects.create_user("kept-in-backup", password="x-long-pass-2026")
    users, states = get_user_model().objects.count(), State.objects.count()
    backup = tmp_path / "upr.dump"
    make = ["make", "--no-print-directory", "-C", str(ROOT)]
    subprocess.run([*make, "backup", f"DATABASE_URL={base}/{params['NAME']}",
                    f"BACKUP={backup}"], check=True, capture_output=True, timeout=120)
    assert backup.read_bytes()[:5] == b"PGDMP"  # custom format
    admin = psycopg2.connect(f"{base}/postgres")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        subprocess.run([*make, "restore", f"DATABASE_URL={base}/{name}", f"BACKUP={backup}"],
                       check=True, capture_output=True, timeout=120)
        restored = psycopg2.connect(f"{base}/{name}")
        with restored.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM auth_user")
            assert cursor.fetchone()[0] == users
            cursor.execute("SELECT count(*) FROM states_state")
            assert cursor.fetchone()[0] == states
            cursor.execute("SELECT 1 FROM auth_user WHERE username = 'kept-in-backup'")
            assert cursor.fetchone() == (1,)
        restored.close()
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.mark.django_db
def test_health_checks_answer_by_ip_over_http_in_production(settings):
    settings.ALLOWED_HOSTS = ["upr.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    client = Client(HTTP_HOST="10.0.0.5:8000")
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/").status_code == 400  # everything else still checks the host
