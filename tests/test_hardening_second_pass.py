# ruff: noqa: F811
"""Hardening, second pass (issue 22): the items that are not about importing files.

Each test names its item of the issue. The Redis tests use a redis-server of their own
(started on a free port, then stopped) and DB 4 of the shared one.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import docx
import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from openpyxl import load_workbook
from rest_framework.test import APIClient

from accounts.roles import Role
from recommendations.export import COLUMNS, iter_csv, write_xlsx
from recommendations.models import Recommendation, Theme
from recommendations.touch import touched
from tests.conftest import make_user, need_service
from tests.factories import RecommendationFactory, ReviewFactory, state

# The progress app's fixture, used here by name (hence F811 off in this file).
from tests.progress.conftest import world  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
EVIL = '\x01=HYPERLINK("http://evil.example","click")'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- 2. formula guard after control characters; control characters stripped on input ---

@pytest.mark.django_db
def test_item2_xlsx_and_csv_guard_a_formula_hidden_behind_a_control_character():
    rec = RecommendationFactory(text="placeholder")
    Recommendation.objects.filter(pk=rec.pk).update(text=EVIL)  # as stored before the fix
    out = io.BytesIO()
    write_xlsx(Recommendation.objects.filter(pk=rec.pk), out)
    book = load_workbook(io.BytesIO(out.getvalue()))
    cell = book.active.cell(row=2, column=COLUMNS.index("text") + 1)
    assert cell.data_type == "s"  # text, not a formula
    assert cell.value == "'" + EVIL[1:]
    for use_copy in (True, False):  # PostgreSQL's COPY and the Python writer
        if use_copy and connection.vendor != "postgresql":
            continue
        text = "".join(p if isinstance(p, str) else p.decode()
                       for p in iter_csv(Recommendation.objects.filter(pk=rec.pk),
                                         use_copy=use_copy))
        assert "'=HYPERLINK" in text, use_copy
        assert "\x01" not in text


@pytest.mark.django_db
def test_item2_control_characters_are_stripped_on_input(ngo_user):
    review = ReviewFactory()
    client = APIClient()
    client.force_authenticate(ngo_user)
    response = client.post("/api/v1/recommendations/", {
        "review": review.pk, "text": "Ratify\x01 the\x0bconvention\x7f", "paragraph": "9.\x021",
        "recommending_states": ["DEU"], "response": "pending"}, format="json")
    assert response.status_code == 201, response.content
    rec = Recommendation.objects.get(pk=response.json()["id"])
    assert rec.text == "Ratify the\nconvention"
    assert rec.paragraph == "9.1"


# The progress app (issue 25) and every other model with free text: stripped on save.

@pytest.mark.django_db
def test_item2_progress_texts_are_stripped_of_control_characters_on_save(
        world):
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile

    from progress import services as progress_services
    from states.models import Institution

    institution = Institution.objects.create(state=world.france, name="Ministry\x01 of Health",
                                             short_name="MoH\x0b")
    assert (institution.name, institution.short_name) == ("Ministry of Health", "MoH\n")
    indicator = world.indicator
    indicator.title, indicator.unit = "Cells\x02 built", "cells\x7f"
    indicator.description = "Counted\x0bby hand"
    indicator.save()
    indicator.refresh_from_db()
    assert (indicator.title, indicator.unit, indicator.description) == (
        "Cells built", "cells", "Counted\nby hand")
    report = progress_services.file_report(
        user=world.focal, indicator=indicator, value=Decimal(90),
        narrative="Opened\x01 a wing\x85", evidence=[
            {"title": "Minutes\x01", "url": "https://example.org/a", "is_public": True},
            {"title": "Scan", "file": SimpleUploadedFile("scan\x01.pdf", b"%PDF"),
             "is_public": True}])
    report.refresh_from_db()
    assert report.narrative == "Opened a wing"
    titles = sorted(e.title for e in report.evidence.all())
    names = sorted(e.original_name for e in report.evidence.all())
    assert titles == ["Minutes", "Scan"]
    assert all("\x01" not in n for n in names), names


@pytest.mark.django_db
def test_item2_every_project_model_with_text_strips_control_characters():
    from django.apps import apps
    from django.db import models as db_models
    from django.db.models.signals import pre_save

    from core.text import strip_control_receiver

    missing = []
    for label in ("accounts", "states", "reviews", "recommendations", "progress", "imports",
                  "reminders"):
        for model in apps.get_app_config(label).get_models():
            if not any(isinstance(f, (db_models.CharField, db_models.TextField))
                       for f in model._meta.concrete_fields):
                continue
            if strip_control_receiver not in pre_save._live_receivers(model)[0]:
                missing.append(model._meta.label)
    assert missing == []


def _dirty_progress(w) -> None:
    """Texts as stored before the fix (queryset updates bypass save)."""
    from decimal import Decimal

    from progress import services as progress_services
    from progress.models import Evidence, Indicator, ProgressReport
    from states.models import Institution

    report = progress_services.file_report(
        user=w.focal, indicator=w.indicator, value=Decimal(90), narrative="x",
        evidence=[{"title": "t", "url": "https://example.org/a", "is_public": True}])
    Indicator.objects.filter(pk=w.indicator.pk).update(title=EVIL, unit="cells\x0b")
    ProgressReport.objects.filter(pk=report.pk).update(narrative="Opened\x01\x0ba wing",
                                                       organisation=EVIL)
    Institution.objects.filter(pk=w.justice.pk).update(name="-1+1\x0b")
    Evidence.objects.filter(report=report).update(title=EVIL)


@pytest.mark.django_db
def test_item2_indicator_and_report_exports_guard_formulas_behind_control_characters(
        api_client, world):
    _dirty_progress(world)
    for path in ("/api/v1/indicators/export/", "/api/v1/progress-reports/export/"):
        text = body(api_client.get(path, {"format": "csv"})).decode("utf-8-sig")
        assert "\x01" not in text and "\x0b" not in text, path
        assert "'=HYPERLINK" in text and '\n=HYPERLINK' not in text, path
        response = api_client.get(path, {"format": "xlsx"})
        assert response.status_code == 200, path
        sheet = load_workbook(io.BytesIO(body(response))).active
        values = [c for row in sheet.iter_rows(values_only=True) for c in row]
        formulas = [v for v in values if isinstance(v, str) and v.startswith(("=", "-", "+"))]
        assert formulas == [], (path, formulas)
        assert "'" + EVIL[1:] in values, path


@pytest.mark.django_db
def test_item6_midterm_report_with_indicator_texts_holding_control_characters(
        client, world):
    _dirty_progress(world)
    review = world.recommendations[0].review
    client.force_login(make_user("ngo-midterm", Role.NGO))
    url = f"/analysis/reviews/{review.pk}/mid-term-report/"
    for version in ("government", "civil_society"):
        response = client.get(url, {"version": version, "format": "docx"})
        assert response.status_code == 200, response.content[:300]
        document = docx.Document(io.BytesIO(body(response)))
        texts = "\n".join(p.text for p in document.paragraphs)
        assert EVIL[1:] in texts and "Opened" in texts
        response = client.get(url, {"version": version, "format": "csv"})
        assert response.status_code == 200
        text = body(response).decode("utf-8-sig")
        assert "\x01" not in text and "\x0b" not in text


# --- 3. deep HTML pages capped; anonymous pages throttled ---------------------------------

@pytest.mark.django_db
def test_item3_deep_html_pages_are_capped(settings, django_assert_max_num_queries):
    settings.HTML_MAX_PAGES = 3
    review = ReviewFactory()
    created = Recommendation.objects.bulk_create([
        Recommendation(review=review, text=f"Recommendation number {i}", paragraph=f"1.{i}",
                       paragraph_sort=f"{i:06d}", text_key=f"recommendation number {i}")
        for i in range(220)])
    touched([r.pk for r in created])  # bulk_create sends no signals; the list reads the rows
    client = Client()
    deep = client.get("/recommendations/", {"page": 1513})
    assert deep.status_code == 200
    page = deep.context["page_obj"]
    assert page.number == 3  # the last allowed page, not page 1513
    assert page.paginator.capped
    assert "Only the first 3 pages are shown" in deep.content.decode()
    sql = [q["sql"] for q in connection.queries] if settings.DEBUG else []
    assert all("OFFSET 75600" not in s for s in sql)


@pytest.mark.django_db
def test_item3_anonymous_html_pages_are_throttled_but_not_logged_in_users(settings, ngo_user):
    settings.THROTTLE_ANON_PAGES = "5/minute"
    anonymous = Client()
    statuses = [anonymous.get("/recommendations/").status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429, 429]
    refused = anonymous.get("/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "Too many requests" in refused.content.decode()
    # Logging in stays possible, and logged-in users are not counted.
    assert anonymous.get("/accounts/login/").status_code == 200
    member = Client()
    member.force_login(ngo_user)
    assert [member.get("/recommendations/").status_code for _ in range(7)] == [200] * 7
    # The API keeps its own throttle.
    assert anonymous.get("/api/v1/states/").status_code == 200


# --- 4. Redis down: the throttle fails open, pages and writes go on ----------------------

@pytest.fixture
def own_redis():
    """A redis-server of this test's own on a free port, which the test may stop."""
    binary = shutil.which("redis-server")
    if not binary:
        need_service("redis", "redis-server not installed")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    for _ in range(50):
        try:
            redis.Redis(port=port, socket_timeout=1).ping()
            break
        except redis.RedisError:
            time.sleep(0.1)
    else:
        process.kill()
        need_service("redis", "redis-server did not start")
    yield process, port
    if process.poll() is None:
        process.terminate()
        process.wait(10)


def redis_cache(port: int) -> dict:
    return {"default": {"BACKEND": "core.cache.RedisCache",  # as settings.py, with CACHE_URL
                        "LOCATION": f"redis://127.0.0.1:{port}/4",
                        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2}}}


@pytest.mark.django_db
def test_item4_redis_stopped_mid_run_is_no_500(settings, own_redis, ngo_user, caplog):
    process, port = own_redis
    settings.CACHES = redis_cache(port)
    review = ReviewFactory()
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=ngo_user)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/recommendations/").status_code == 200
    process.terminate()
    process.wait(10)
    caplog.set_level(logging.WARNING, logger="core.ratelimit")
    assert client.get("/api/v1/recommendations/").status_code == 200
    assert client.get("/api/v1/recommendations/", {"response": "pending"}).status_code == 200
    created = client.post("/api/v1/recommendations/", {
        "review": review.pk, "text": "Written while Redis is down",
        "recommending_states": ["DEU"], "response": "pending"}, format="json")
    assert created.status_code == 201, created.content
    assert Client(raise_request_exception=False).get("/api/v1/states/").status_code == 200
    assert Client(raise_request_exception=False).get("/recommendations/").status_code == 200
    assert Client(raise_request_exception=False).get(
        "/recommendations/", {"lang": "fr"}).status_code == 200
    assert "Cache unreachable" in caplog.text
    assert Client().get("/readyz").status_code == 503  # still reported


@pytest.mark.django_db
def test_item4_cache_pointed_at_a_closed_port_fails_open(settings):
    settings.CACHES = redis_cache(free_port())  # nothing listens there
    settings.THROTTLE_ANON_PAGES = "5/minute"
    client = Client(raise_request_exception=False)
    assert [client.get("/api/v1/states/").status_code for _ in range(3)] == [200] * 3
    assert client.get("/recommendations/").status_code == 200
    # Filtered lists keep their counts in the cache (issue 24): counted every time now.
    RecommendationFactory(review=ReviewFactory(), paragraph="1.1")
    filtered = client.get("/api/v1/recommendations/", {"state_under_review": "FRA"})
    assert (filtered.status_code, filtered.json()["count"]) == (200, 1)
    assert client.get("/recommendations/", {"state_under_review": "FRA"}).status_code == 200
    # The pages keep what they count and render in the cache: rendered every time now.
    review = Recommendation.objects.get().review
    for path in ("/", "/states/", f"/states/{review.state.iso3}/", f"/reviews/{review.pk}/",
                 f"/reviews/{review.pk}/?group=theme", "/analysis/", "/analysis/?cycle=4",
                 f"/analysis/recommending/{review.state.iso3}/",
                 f"/analysis/themes/{Theme.objects.order_by('pk').first().slug}/"):
        response = client.get(path)
        assert response.status_code == 200, path
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert Recommendation.objects.get().text.split()[0] in page


# --- 6. mid-term report with control characters -----------------------------------------

@pytest.mark.django_db
def test_item6_midterm_docx_with_control_characters_is_a_document(client):
    rec = RecommendationFactory(text="placeholder")
    Recommendation.objects.filter(pk=rec.pk).update(
        text="Protect\x01 defenders\x0b now", response_source="A/HRC/1\x0b")
    client.force_login(make_user("ngo-report", Role.NGO))
    response = client.get(f"/analysis/reviews/{rec.review_id}/mid-term-report/",
                          {"version": "government", "format": "docx",
                           "grouping": "paragraph"})
    assert response.status_code == 200, response.content[:300]
    document = docx.Document(io.BytesIO(body(response)))
    texts = [p.text for p in document.paragraphs]
    assert any(t.startswith("Protect defenders") and t.endswith("now") for t in texts), texts


# --- 8. link_recurring debounced per State; imports on a queue of their own -------------

@pytest.mark.django_db(transaction=True)
def test_item8_many_creates_queue_one_link_recurring_per_state(settings, monkeypatch):
    from recommendations import services, tasks

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"debounce-{uuid.uuid4()}"}}
    queued = []
    monkeypatch.setattr(tasks.link_recurring, "apply_async",
                        lambda args, **kw: queued.append(args))
    review = ReviewFactory()
    for i in range(40):
        services.create_recommendation(review=review, text=f"Recommendation {i}",
                                       recommending_states=[state("DEU")],
                                       response="pending")
    assert queued == [(review.state_id,)]
    # Once the run has started, the next edit queues a new one.
    from django.core.cache import cache

    cache.delete(tasks._pending_key(review.state_id))
    services.create_recommendation(review=review, text="One more",
                                   recommending_states=[state("DEU")], response="pending")
    assert queued == [(review.state_id,), (review.state_id,)]


def test_item8_imports_have_their_own_queue_and_worker():
    import yaml
    from django.conf import settings

    from upr_tracker.celery import app

    app.loader.import_default_modules()
    names = [n for n in app.tasks if n.endswith(".run_import_job")]
    assert names
    for name in names:
        assert app.amqp.router.route({}, name)["queue"].name == settings.IMPORT_QUEUE
    route = app.amqp.router.route({}, "recommendations.tasks.link_recurring")
    assert route["queue"].name == "celery"
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert "--queues=imports" in compose["worker-imports"]["command"]
    assert "--queues=celery" in compose["worker"]["command"]
    readme = (ROOT / "README.md").read_text()
    assert "make worker-imports" in readme and "--queues=imports" in readme
    assert settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD > 0


# --- 9. request bodies capped from Content-Length, before reading -----------------------

class ExplodingInput(io.BytesIO):
    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def call_wsgi(environ: dict) -> tuple[str, bytes]:
    """The production WSGI application called directly (status, body). Django closes the
    database connection at the end of each request: the test client does not (it
    disconnects that handler), and neither does this, or the test's own connection and
    its transaction would be gone for the rest of the test (issue 22)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from upr_tracker.wsgi import application

    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"] = status

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = application(environ, start_response)
        try:
            content = b"".join(response)
        finally:
            response.close()  # sends request_finished, as a WSGI server does
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return started["status"], content


def unread_post(path: str, length: int, content_type: str = "text/plain") -> dict:
    """A WSGI environ declaring `length` bytes whose body raises if anything reads it."""
    from django.test import RequestFactory

    request = RequestFactory().post(path, data=b"x", content_type=content_type)
    return {**request.environ, "CONTENT_LENGTH": str(length), "wsgi.input": ExplodingInput()}


@pytest.mark.django_db
def test_item9_a_huge_anonymous_post_is_refused_unread(settings):
    status, content = call_wsgi(unread_post("/accounts/login/", 1024 ** 3))
    assert status.startswith("413")
    assert b"too large" in content
    for path in ("/api/v1/recommendations/", "/api/v1/auth/token/"):
        status, _content = call_wsgi(unread_post(path, 1024 ** 3, "application/json"))
        assert status.startswith("413"), path


@pytest.mark.django_db
def test_item9_calling_the_wsgi_app_keeps_the_tests_database_connection(ngo_user):
    before = connection.connection
    call_wsgi(unread_post("/accounts/login/", 1024 ** 3))
    assert connection.connection is before and not connection.closed_in_transaction
    assert Recommendation.objects.count() == 0  # the test's transaction still answers
    ngo_user.refresh_from_db()


# Progress reports take an evidence file (issue 25): the cap on other views must not
# refuse it, and a file over the evidence limit is refused from Content-Length.

@pytest.mark.django_db
def test_item9_an_evidence_upload_over_the_page_cap_is_accepted(settings, client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from progress.models import ProgressReport
    from recommendations.models import FollowUpAction

    settings.REQUEST_MAX_BODY_BYTES = 64 * 1024  # far under the file
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024 * 1024
    payload = b"%PDF-1.4 " + b"x" * (settings.EVIDENCE_MAX_UPLOAD_BYTES - 9)
    client.force_login(world.justice_contributor)
    response = client.post(f"/progress/indicators/{world.indicator.pk}/report/", {
        "due_date": world.indicator.schedule()[0].isoformat(), "value": "92",
        "narrative": "A new wing opened", "file_title": "Minutes",
        "file": SimpleUploadedFile("minutes.pdf", payload, "application/pdf")})
    assert response.status_code == 302, response.content[:500]
    evidence = ProgressReport.objects.get().evidence.get()
    assert evidence.file.size == len(payload)
    # The same on a follow-up action's report, civil society's route.
    client.force_login(make_user("ngo-evidence", Role.NGO))
    action = FollowUpAction.objects.create(state=world.france, title="Open a new wing")
    response = client.post(f"/progress/actions/{action.pk}/report/?actor=civil_society", {
        "narrative": "Seen on site", "organisation": "Watch", "file_title": "Photo",
        "file": SimpleUploadedFile("photo.pdf", payload, "application/pdf")})
    assert response.status_code == 302, response.content[:500]


@pytest.mark.django_db(transaction=True)
def test_item9_evidence_upload_through_a_live_server(settings, live_server, world):
    """A real HTTP multipart upload (a socket, the server's own Content-Length): a file
    over the cap for other views goes through, one over the evidence limit is a 413."""
    import re

    import httpx

    from progress.models import ProgressReport

    settings.REQUEST_MAX_BODY_BYTES = 64 * 1024
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024 * 1024
    client = Client()
    client.force_login(world.justice_contributor)
    url = f"{live_server.url}/progress/indicators/{world.indicator.pk}/report/"
    with httpx.Client(cookies=dict((k, v.value) for k, v in client.cookies.items()),
                      timeout=30) as http:
        page = http.get(url)
        assert page.status_code == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        form = {"csrfmiddlewaretoken": token, "value": "92", "narrative": "Built",
                "due_date": world.indicator.schedule()[0].isoformat()}
        payload = b"%PDF-1.4 " + b"x" * 600_000
        response = http.post(url, data=form, headers={"Referer": url},
                             files={"file": ("minutes.pdf", payload, "application/pdf")})
        assert response.status_code == 302, response.text[:500]
        assert ProgressReport.objects.get().evidence.get().file.size == len(payload)
        response = http.post(url, data=form, headers={"Referer": url}, files={
            "file": ("big.pdf", b"%PDF" + b"x" * 2_000_000, "application/pdf")})
        assert response.status_code == 413
        assert ProgressReport.objects.count() == 1


@pytest.mark.django_db
def test_item9_an_evidence_upload_over_its_limit_is_refused_unread(settings, world):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024 * 1024
    client = Client()
    client.force_login(world.justice_contributor)
    environ = unread_post(f"/progress/indicators/{world.indicator.pk}/report/",
                          20 * 1024 * 1024, "multipart/form-data; boundary=x")
    environ["HTTP_COOKIE"] = "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())
    status, content = call_wsgi(environ)
    assert status.startswith("413"), content[:300]
    assert b"1.0 MB" in content


@pytest.mark.django_db
def test_item9_admin_pages_with_a_file_field_take_their_upload(
        settings, admin_client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from progress.models import Evidence, ProgressReport

    settings.REQUEST_MAX_BODY_BYTES = 64 * 1024
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024 * 1024
    from progress import services as progress_services

    report = progress_services.file_report(user=world.focal, indicator=world.indicator,
                                           value=92)
    url = f"/admin/progress/progressreport/{report.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields
            if form.initial.get(name) is not None}
    data.update({"evidence-TOTAL_FORMS": "1", "evidence-INITIAL_FORMS": "0",
                 "evidence-MIN_NUM_FORMS": "0", "evidence-MAX_NUM_FORMS": "1000",
                 "evidence-0-title": "Minutes", "evidence-0-is_public": "on",
                 "evidence-0-file": SimpleUploadedFile("minutes.pdf", b"%PDF" + b"x" * 200_000,
                                                       "application/pdf")})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Evidence.objects.get(report=report).file.size == 200_004
    assert ProgressReport.objects.count() == 1
    # Over the evidence limit: the admin form refuses it as the report page does.
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 100_000
    data["evidence-0-file"] = SimpleUploadedFile("big.pdf", b"%PDF" + b"x" * 150_000)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "too large" in response.content.decode()
    assert Evidence.objects.filter(report=report).count() == 1


@pytest.mark.django_db
def test_item9_bodies_under_the_cap_still_work(client, ngo_user):
    response = client.post("/accounts/login/", {"username": "ngo",
                                                "password": "pw-for-tests-123"})
    assert response.status_code == 302


# --- 11. NUL in a cursor ------------------------------------------------------------------

@pytest.mark.django_db
def test_item11_nul_inside_a_cursor_is_a_400(api_client):
    RecommendationFactory()
    for values in ([1, "\x00", 1], [1, "a\x00b", 2**70]):
        cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
        response = APIClient(raise_request_exception=False).get(
            "/api/v1/recommendations/", {"cursor": cursor})
        assert response.status_code == 400, response.content
        assert "cursor" in response.json()


# --- 12. password reset throttled -------------------------------------------------------

@pytest.mark.django_db
def test_item12_password_reset_is_throttled(settings, ngo_user):
    settings.THROTTLE_PASSWORD_RESET = "3/hour"
    client = Client()
    statuses = [client.post("/accounts/password_reset/", {"email": "ngo@example.org"},
                            REMOTE_ADDR=f"10.0.0.{i}").status_code for i in range(10)]
    assert statuses == [302] * 10  # the page never tells whether mail went out
    assert len(mail.outbox) == 3  # per e-mail address
    mail.outbox.clear()
    statuses = [client.post("/accounts/password_reset/", {"email": f"x{i}@example.org"},
                            REMOTE_ADDR="10.1.1.1").status_code for i in range(5)]
    assert statuses[:3] == [302] * 3
    assert statuses[3:] == [429, 429]  # per address


# --- 14. weak SECRET_KEY refused with DEBUG off -----------------------------------------

@pytest.mark.parametrize("key", ["dev-only-insecure-key-change-me", "abc", "x" * 49,
                                 "django-insecure-" + "k" * 50, "a" * 60])
def test_item14_debug_off_refuses_a_weak_secret_key(key):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env |= {"DEBUG": "0", "SECRET_KEY": key}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "refuses to start" in result.stderr


def test_item14_a_long_random_key_starts():
    import secrets

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env |= {"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50)}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


# --- 15. token endpoint: lockout said, invalid tokens throttled -------------------------

@pytest.mark.django_db
def test_item15_locked_out_account_gets_429_with_retry_after(settings, ngo_user):
    settings.AXES_FAILURE_LIMIT = 3
    client = APIClient()
    statuses = [client.post("/api/v1/auth/token/", {"username": "ngo", "password": "wrong"}
                            ).status_code for _ in range(3)]
    assert statuses[:2] == [400, 400]  # the third failure locks (and says so)
    response = client.post("/api/v1/auth/token/", {"username": "ngo",
                                                   "password": "pw-for-tests-123"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) == int(settings.AXES_COOLOFF_TIME * 3600)
    assert "locked" in response.json()["detail"]
    assert "token" not in response.json()


@pytest.mark.django_db
def test_item15_the_right_password_still_gets_a_token(ngo_user):
    response = APIClient().post("/api/v1/auth/token/", {"username": "ngo",
                                                        "password": "pw-for-tests-123"})
    assert response.status_code == 200
    assert len(response.json()["token"]) == 40


@pytest.mark.django_db
def test_item15_invalid_tokens_are_throttled_as_anonymous_requests(settings):
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], anon="4/minute")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    client = APIClient()
    statuses = [client.get("/api/v1/states/", HTTP_AUTHORIZATION=f"Token {uuid.uuid4().hex}"
                           ).status_code for _ in range(6)]
    assert statuses[:4] == [401] * 4
    assert statuses[4:] == [429, 429]
    # The same address, anonymous: the guesses used up its anonymous rate.
    assert client.get("/api/v1/states/").status_code == 429


# --- 16. PATCH without a precondition: last writer wins, as the README says -------------

@pytest.mark.django_db(transaction=True)
def test_item16_concurrent_patches_without_if_match_all_apply(admin_user):
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks (PostgreSQL)")
    rec = RecommendationFactory(text="Before the race")
    from rest_framework.authtoken.models import Token

    key = Token.objects.create(user=admin_user).key
    barrier = threading.Barrier(12)
    statuses: list[int] = []

    def racer(n: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        barrier.wait()
        try:
            statuses.append(client.patch(f"/api/v1/recommendations/{rec.pk}/",
                                         {"text": f"Racer {n}"}, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [200] * 12
    rec.refresh_from_db()
    assert rec.version == 1 + 12  # every edit applied, one after the other
    assert rec.text.startswith("Racer ")
    readme = (ROOT / "README.md").read_text()
    assert "the last writer wins" in readme


@pytest.mark.django_db(transaction=True)
def test_item16_concurrent_puts_without_if_match_all_apply(admin_user):
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks (PostgreSQL)")
    rec = RecommendationFactory(text="Before the race")
    from rest_framework.authtoken.models import Token

    key = Token.objects.create(user=admin_user).key
    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    current = reader.get(f"/api/v1/recommendations/{rec.pk}/").json()
    full = {"review": current["review"], "paragraph": current["paragraph"],
            "recommending_states": [s["iso3"] for s in current["recommending_states"]],
            "response": current["response"]}
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def racer(n: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        barrier.wait()
        try:
            statuses.append(client.put(f"/api/v1/recommendations/{rec.pk}/",
                                       {**full, "text": f"Racer {n}"},
                                       format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [200] * 8
    rec.refresh_from_db()
    assert rec.version == 1 + 8
    assert rec.text.startswith("Racer ")


# --- 17. add_user --email, backups 0600, "٣" is not 3 -----------------------------------

@pytest.mark.django_db
def test_item17_add_user_refuses_an_email_with_a_newline():
    from django.contrib.auth import get_user_model

    for email in ("a@example.org\nBcc: victim@example.org", "a@example.org\r", "not-an-email"):
        with pytest.raises(CommandError, match="Invalid --email"):
            call_command("add_user", "mailer", "--role", "ngo", "--email", email)
    assert not get_user_model().objects.filter(username="mailer").exists()
    call_command("add_user", "mailer", "--role", "ngo", "--email", "ok@example.org")
    assert get_user_model().objects.get(username="mailer").email == "ok@example.org"


@pytest.mark.django_db(transaction=True)
def test_item17_make_backup_writes_a_file_only_its_owner_can_read(tmp_path):
    if shutil.which("pg_dump") is None:
        need_service("pg_dump", "postgresql-client not installed")
    if connection.vendor != "postgresql":
        pytest.skip("backups are for PostgreSQL")
    params = connection.settings_dict
    url = (f"postgres://{params['USER']}@{params['HOST']}:{params['PORT'] or 5432}/"
           f"{params['NAME']}")
    backup = tmp_path / "upr.dump"
    old = os.umask(0o022)  # a usual umask: files world-readable by default
    try:
        subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "backup",
                        f"DATABASE_URL={url}", f"BACKUP={backup}"], check=True,
                       capture_output=True, timeout=120)
    finally:
        os.umask(old)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600


@pytest.mark.django_db
def test_item17_arabic_indic_digits_are_not_ids(ngo_user):
    review = ReviewFactory()
    rec = RecommendationFactory(review=review)
    arabic = str(review.pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    client = APIClient()
    client.force_authenticate(ngo_user)
    response = client.post("/api/v1/recommendations/", {
        "review": arabic, "text": "Ratify it", "recommending_states": ["DEU"],
        "response": "pending"}, format="json")
    assert response.status_code == 400
    assert "review" in response.json()
    assert client.get(f"/api/v1/reviews/{arabic}/").status_code == 404
    rec_arabic = str(rec.pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert client.get(f"/api/v1/recommendations/{rec_arabic}/").status_code == 404
    assert client.get("/api/v1/recommendations/", {"session": "٤٣"}).status_code == 400
    assert client.get("/api/v1/recommendations/", {"session": "43"}).status_code == 200
