"""The whole follow-up cycle of issue 25, on PostgreSQL with a real Celery worker
(Redis DB 7) and a real SMTP server on loopback: a focal point creates institutions and
a quarterly indicator on a cluster of three recommendations; the institution's
contributor reports (and is refused another institution's indicator by page, forged POST
and API); a due date passes without a report: one reminder, one overdue reminder, one
escalation, nothing twice; civil society reports; the mid-term report shows both."""

import csv
import datetime as dt
import io
import os
import socket
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from progress.models import Indicator, ProgressReport
from reminders.models import Reminder
from reminders.tasks import scan_reminders
from reviews.models import Review, Session
from states.models import Institution
from tests.conftest import make_user, need_service
from tests.factories import RecommendationFactory
from tests.reminders.conftest import celery_broker
from tests.reminders.test_celery_integration import SMTPServer, text_part, wait_for

BROKER_URL = "redis://127.0.0.1:6379/7"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


@pytest.fixture(scope="module")
def smtp():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, smtp, tmp_path_factory):
    """`celery worker --pool=solo` on the test database, Redis DB 7 and `smtp`."""
    if connection.vendor != "postgresql":
        need_service("PostgreSQL", "the worker is another process and needs the same "
                                   "database (DATABASE_URL=postgres://...)")
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError as exc:
        need_service("Redis", f"127.0.0.1:6379: {exc}")
    db = connection.settings_dict
    env = {**os.environ, "CELERY_BROKER_URL": BROKER_URL, "CONN_MAX_AGE": "0",
           "DATABASE_URL": (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
                            f"{db['PORT'] or 5432}/{db['NAME']}"),
           "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}", "REMINDER_RETRY_BACKOFF": "1",
           "SITE_URL": "https://upr.example.org", "INDICATOR_REMINDER_DAYS": "30",
           "INDICATOR_ESCALATE_DAYS": "14", "DJANGO_SETTINGS_MODULE": "upr_tracker.settings"}
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "upr_tracker", "worker", "--pool=solo",
             "-l", "info", "--without-heartbeat", "--without-gossip", "--without-mingle",
             "--purge", "-n", f"progress-test-{os.getpid()}@%h"],
            cwd=django_settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: "ready." in log.read_text() or process.poll() is not None, 60,
                 "the worker to start")
        assert process.poll() is None, log.read_text()
        yield log
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def scan(settings, log, day: dt.date) -> None:
    """scan_reminders for `day`, through the broker, and wait for the worker to run it
    and for every digest it queued to be sent."""
    with celery_broker(settings, BROKER_URL):
        task_id = scan_reminders.delay(day.isoformat()).id
    wait_for(lambda: f"[{task_id}] succeeded" in log.read_text(), 60, "the scan to run")
    # The digests the scan queued: wait until no reminder is pending any more.
    wait_for(lambda: not Reminder.objects.filter(status="pending").exists(), 60,
             "the digests to go out")


def mails(smtp, user, title: str) -> list[str]:
    return [body for body in (text_part(m) for m in smtp.inbox.to(user.email))
            if title in body]


def test_the_whole_follow_up_cycle(settings, client, api_client, smtp, worker, france,
                                   ngo_user, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SITE_URL = "https://upr.example.org"
    settings.INDICATOR_REMINDER_DAYS, settings.INDICATOR_ESCALATE_DAYS = 30, 14
    smtp.inbox.messages.clear()
    focal = make_user("focal-cycle", "focal-point", state=france)
    review = Review.objects.create(state=france, session=Session.objects.get(number=43),
                                   review_date=dt.date(2023, 5, 1),
                                   adoption_date=dt.date(2023, 9, 1))
    cluster = [RecommendationFactory(review=review) for _ in range(3)]

    # 1. The focal point creates two institutions (page) and a contributor is added.
    client.force_login(focal)
    for name in ("Ministry of Justice", "Ministry of the Interior"):
        assert client.post("/progress/states/FRA/institutions/",
                           {"name": name, "kind": "ministry"}).status_code == 302
    justice = Institution.objects.get(state=france, name="Ministry of Justice")
    interior = Institution.objects.get(state=france, name="Ministry of the Interior")
    call_command("add_user", "contrib-cycle", "--role", "contributor", "--state", "FRA",
                 "--institution", "Ministry of Justice", "--email", "mj@example.org",
                 stdout=io.StringIO())
    contributor = Institution.objects.get(pk=justice.pk).contributors.get().user
    contributor.set_password("pw-for-tests-123")
    contributor.save()

    # 2. A quarterly indicator on the cluster of three (API), and one of the Interior.
    start = timezone.localdate() - dt.timedelta(days=100)
    api_client.force_authenticate(focal)
    created = api_client.post("/api/v1/indicators/", {
        "state": "FRA", "title": "Prisoners in overcrowded cells", "kind": "outcome",
        "unit": "prisoners", "recommendations": [r.pk for r in cluster],
        "institution": justice.pk, "manager": "contrib-cycle", "baseline_value": "1000",
        "baseline_date": str(start), "target_value": "400", "frequency_months": 3,
        "start_date": str(start), "end_date": str(start + dt.timedelta(days=365))},
        format="json")
    assert created.status_code == 201, created.content
    indicator = Indicator.objects.get(pk=created.json()["id"])
    other = api_client.post("/api/v1/indicators/", {
        "state": "FRA", "title": "Complaints handled", "recommendations": [cluster[0].pk],
        "institution": interior.pk, "frequency_months": 3, "start_date": str(start),
        "end_date": str(start + dt.timedelta(days=365))}, format="json").json()
    first_due, second_due = indicator.schedule()[:2]

    # 3. The contributor reports on the first due date, with a private file.
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(contributor)
    filed = client.post(f"/progress/indicators/{indicator.pk}/report/", {
        "due_date": first_due.isoformat(), "value": "900", "narrative": "A wing reopened",
        "file": SimpleUploadedFile("census.csv", b"block,prisoners\nA,300\n")})
    assert filed.status_code == 302
    # ... and is refused the Interior's indicator: page, forged POST, API.
    other_url = f"/progress/indicators/{other['id']}/report/"
    assert client.get(other_url).status_code == 403
    assert client.post(other_url, {"value": "1"}).status_code == 403
    api_client.force_authenticate(contributor)
    assert api_client.post("/api/v1/progress-reports/", {"indicator": other["id"],
                                                         "value": "1"},
                           format="json").status_code == 403
    assert not ProgressReport.objects.filter(indicator_id=other["id"]).exists()

    # 4. The second due date: reminded 30 days before, overdue, escalated, once each.
    title = "Prisoners in overcrowded cells"
    scan(settings, worker, second_due - dt.timedelta(days=30))
    assert len(mails(smtp, contributor, title)) == 1
    assert "Indicator report due" in mails(smtp, contributor, title)[0]
    scan(settings, worker, second_due - dt.timedelta(days=29))
    assert len(mails(smtp, contributor, title)) == 1
    scan(settings, worker, second_due + dt.timedelta(days=1))
    overdue = mails(smtp, contributor, title)
    assert len(overdue) == 2
    assert "Indicator report overdue" in overdue[1]
    assert mails(smtp, focal, title) == []
    scan(settings, worker, second_due + dt.timedelta(days=14))
    escalated = mails(smtp, focal, title)
    assert len(escalated) == 1
    assert "escalated" in escalated[0]
    assert f"https://upr.example.org/progress/indicators/{indicator.pk}/" in escalated[0]
    assert len(mails(smtp, contributor, title)) == 2
    scan(settings, worker, second_due + dt.timedelta(days=14))
    assert len(mails(smtp, focal, title)) == 1
    assert len(mails(smtp, contributor, title)) == 2
    keys = sorted(Reminder.objects.filter(key__startswith=f"indicator:{indicator.pk}:")
                  .values_list("key", flat=True))
    assert keys == [f"indicator:{indicator.pk}:{second_due}@{stage}"
                    for stage in ("before", "escalation", "overdue")]

    # 5. Civil society files its own report on the same indicator.
    api_client.force_authenticate(ngo_user)
    cs = api_client.post("/api/v1/progress-reports/", {
        "indicator": indicator.pk, "actor": "civil_society", "value": "1100",
        "narrative": "Overcrowding got worse", "organisation": "Prison watch"}, format="json")
    assert cs.status_code == 201, cs.content

    # 6. The mid-term report shows both (civil-society version), the government's alone
    # in the government version.
    client.force_login(ngo_user)
    base = f"/analysis/reviews/{review.pk}/mid-term-report/?format=csv&grouping=paragraph"
    rows = list(csv.reader(io.StringIO(client.get(base + "&version=civil_society")
                                       .content.decode("utf-8-sig"))))
    header, first = rows[0], rows[1]
    assert title in first[header.index("Indicators")]
    assert "900" in first[header.index("Government progress reports")]
    assert "Overcrowding got worse" in first[header.index("Civil-society progress reports")]
    government = client.get(base + "&version=government").content.decode("utf-8-sig")
    assert "A wing reopened" in government
    assert "Overcrowding got worse" not in government
