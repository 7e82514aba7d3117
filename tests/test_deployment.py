"""The deployment files point at real modules and settings (Docker cannot run here)."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_compose_runs_db_redis_web_worker_and_beat():
    assert {"db", "redis", "web", "worker", "beat"} <= set(SERVICES)


def test_postgres_has_a_healthcheck_that_the_app_waits_for():
    assert "pg_isready" in " ".join(SERVICES["db"]["healthcheck"]["test"])
    for name in ("web", "worker", "beat", "migrate"):
        depends = SERVICES[name]["depends_on"]
        if name != "migrate":
            assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert SERVICES["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_app_services_share_one_image():
    images = {SERVICES[n].get("image") for n in ("web", "worker", "beat", "migrate")}
    assert images == {"upr-tracker"}


def test_web_command_points_at_the_wsgi_application():
    command = SERVICES["web"]["command"]
    module, attribute = command[command.index("gunicorn") + 1].split(":")
    assert hasattr(importlib.import_module(module), attribute)


@pytest.mark.parametrize("service", ["worker", "beat"])
def test_celery_commands_point_at_the_celery_app(service):
    command = SERVICES[service]["command"]
    app_module = command[command.index("-A") + 1]
    assert importlib.import_module(app_module).celery_app.main == "upr_tracker"


def test_beat_schedule_names_a_registered_task():
    from upr_tracker.celery import app

    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks


def test_compose_environment_uses_the_settings_names():
    from django.conf import settings

    env = SERVICES["web"]["environment"]
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS",
                 "EMAIL_URL", "DEFAULT_FROM_EMAIL", "SITE_URL"):
        assert name in env
        assert hasattr(settings, name) or name == "DATABASE_URL"


def test_dockerfile_installs_the_project_and_serves_with_gunicorn():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install ." in dockerfile
    assert "collectstatic" in dockerfile
    assert "upr_tracker.wsgi:application" in dockerfile


def test_check_deploy_passes_with_production_settings(tmp_path):
    # Browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a server never has it.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env |= {"DEBUG": "0", "SECRET_KEY": "x" * 20 + "a-long-production-secret-9f8e7d6c",
           "ALLOWED_HOSTS": "upr.example.org", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
           "CACHE_URL": "redis://127.0.0.1:6379/11"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_throttles_are_counted_per_process(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "CACHE_URL")}
    env |= {"DEBUG": "0", "SECRET_KEY": "x" * 20 + "a-long-production-secret-9f8e7d6c",
            "ALLOWED_HOSTS": "upr.example.org", "DATABASE_URL": f"sqlite:///{tmp_path}/db"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "upr_tracker.W001" in result.stdout + result.stderr
