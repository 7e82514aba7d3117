"""Shared fixtures. Test-only settings live here, not in a second settings module."""

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient

from accounts.roles import Role, assign_role
from states.models import State

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def need_service(name: str, reason: str) -> None:
    """Skip a test whose service is missing, or fail it when REQUIRE_SERVICES=1 (CI)."""
    message = f"{name} unavailable: {reason}"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (REQUIRE_SERVICES=1)")
    pytest.skip(message)


# Test modules that share something outside their own database: Redis database numbers
# and Celery queues (a worker started by one test would take another's tasks), the
# repository's staticfiles/ directory (collectstatic), fixed subprocess set-ups. Under
# pytest-xdist (`make test` runs `-n auto --dist loadgroup`) they all run on one worker,
# one after another; every other test spreads over the workers, each with its own test
# database (test_<name>_gw0, _gw1…).
SHARED_SERVICES_GROUP = "shared-services"
SHARED_SERVICES_MODULES = {
    "tests/accounts/test_login_protection.py",
    "tests/api/test_export_truncation.py",
    "tests/api/test_generated_client.py",
    "tests/imports/test_hardening_second_pass.py",
    "tests/imports/test_un_documents.py",
    "tests/imports/test_un_documents_every_cycle.py",
    "tests/progress/test_cycle.py",
    "tests/reminders/test_celery_integration.py",
    "tests/reminders/test_tasks.py",
    "tests/test_deployment.py",
    "tests/test_hardening_second_pass.py",
    "tests/test_load.py",
    "tests/test_operations.py",
}


def pytest_collection_modifyitems(config, items):
    root = Path(__file__).resolve().parent.parent
    for item in items:
        if "[" in item.name and "[" not in item.nodeid:
            # schemathesis names each API operation's test `test_x[GET /path]` but gives
            # them all the function's node id: pytest-xdist schedules by node id and
            # would run the first operation only. Each gets its own id.
            item._id = item.parent.id.child(item.name)
        if Path(item.fspath).resolve().relative_to(root).as_posix() in SHARED_SERVICES_MODULES:
            item.add_marker(pytest.mark.xdist_group(SHARED_SERVICES_GROUP))


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        need_service("../shared/data", f"{SHARED_DATA} not found")
    return SHARED_DATA


REFERENCE_DATA_LOADERS = [
    ("states.migrations.0002_reference_data", "load"),
    ("states.migrations.0003_un_document_names", "load"),
    ("reviews.migrations.0002_reference_data", "load"),
    ("recommendations.migrations.0002_reference_data", "load"),
    ("recommendations.migrations.0010_merge_duplicate_themes", "merge"),
    ("recommendations.migrations.0017_uhri_theme_translations", "load"),
    ("accounts.migrations.0002_role_groups", "create_groups"),
]


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    """Transactional tests (live server, Celery worker, concurrency) end with a flush
    that empties the tables the data migrations filled. Load that reference data again
    from the same migration functions before each such test, rather than through
    serialized_rollback, which breaks once Playwright has switched the thread's
    connection (it restores nothing, or restores content types twice)."""
    marker = request.node.get_closest_marker("django_db")
    if not marker or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("_django_db_helper")
    if State.objects.exists():
        return
    _load_reference_data()


def _load_reference_data() -> None:
    import importlib

    from django.apps import apps

    for module, function in REFERENCE_DATA_LOADERS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """With --reuse-db, the last session's transactional tests may have flushed the
    reference data away: a session that starts on an empty State table loads it again
    (otherwise every test that reads a State fails until --create-db)."""
    with django_db_blocker.unblock():
        if not State.objects.exists():
            _load_reference_data()


CELERY_KEYS = ("broker_url", "task_always_eager")


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Anonymous page throttling (issue 22) is off here: page tests load many pages from
    # one address; tests/test_hardening_second_pass.py turns it on where it is tested.
    settings.THROTTLE_ANON_PAGES = ""
    cache.clear()  # throttling counters
    from core import ratelimit

    ratelimit.reset()
    from upr_tracker import celery_app

    celery_app.loader.import_default_modules()  # loads the configuration: `changes` is real
    celery_before = {k: celery_app.conf.changes.get(k) for k in CELERY_KEYS}
    yield
    # A test that points Celery at another broker (tests/reminders/conftest.py
    # celery_broker) must put it back: a leak made later tests queue to a closed port.
    celery_after = {k: celery_app.conf.changes.get(k) for k in CELERY_KEYS}
    assert celery_after == celery_before, f"Celery's conf leaked: {celery_after}"
    ratelimit.guarded(cache.clear)  # a test may have stopped the Redis it pointed at
    # LocaleMiddleware activates the request's language on the test thread; a French
    # page test must not leave later tests speaking French.
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def france(db) -> State:
    return State.objects.get(iso3="FRA")


@pytest.fixture
def germany(db) -> State:
    return State.objects.get(iso3="DEU")


def make_user(username: str, role: str | None = None, state: State | None = None,
              password: str = "pw-for-tests-123"):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password=password)
    if role:
        assign_role(user, role, state=state)
    return user


@pytest.fixture
def ngo_user(db):
    return make_user("ngo", Role.NGO)


@pytest.fixture
def focal_point(db, france):
    """A government focal point for France."""
    return make_user("focal-fra", Role.FOCAL_POINT, state=france)


@pytest.fixture
def researcher(db):
    return make_user("researcher", Role.RESEARCHER)


@pytest.fixture
def admin_user(db):
    return make_user("admin", Role.ADMIN)


@pytest.fixture
def plain_user(db):
    return make_user("nobody")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
