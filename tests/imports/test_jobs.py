"""ImportJob: the Celery task runs the import, records progress and the report."""

import pytest
from django.core.files.base import ContentFile

from imports.models import ImportJob
from imports.tasks import run_import_job, start_import_job
from recommendations.models import Recommendation

pytestmark = pytest.mark.django_db


def make_job(slovenia_c3, **kwargs) -> ImportJob:
    kwargs.setdefault("dry_run", False)
    job = ImportJob(original_name="slovenia.docx", **kwargs)
    job.file.save("slovenia.docx", ContentFile(slovenia_c3.read_bytes()), save=False)
    job.save()
    return job


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_task_imports_the_file_and_stores_the_report(slovenia_c3):
    job = make_job(slovenia_c3)
    run_import_job.delay(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED
    assert (job.rows_total, job.rows_done, job.detected_format) == (215, 215, "ohchr-list")
    assert job.report["created"] == 215
    assert job.finished_at is not None
    assert Recommendation.objects.count() == 215


def test_finished_job_is_not_run_again(slovenia_c3):
    job = make_job(slovenia_c3)
    run_import_job.delay(job.pk)
    Recommendation.objects.all().delete()
    run_import_job.delay(job.pk)
    assert Recommendation.objects.count() == 0


def test_job_with_errors_fails_with_its_report(slovenia_c3, settings):
    job = make_job(slovenia_c3, dry_run=True)
    job.session_number = 12  # the file says session 34
    job.save()
    run_import_job.delay(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "session 34, not 12" in job.report["errors"][0]["message"]


def test_start_import_job_runs_inline_when_the_broker_is_down(slovenia_c3, monkeypatch,
                                                             django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(run_import_job, "delay", unreachable)
    job = make_job(slovenia_c3)
    with django_capture_on_commit_callbacks(execute=True):
        start_import_job(job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED
