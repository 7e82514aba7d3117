"""Import jobs: an uploaded file imported in the background, with progress.

The upload page creates an `ImportJob` and calls `imports.tasks.start_import_job()`,
which queues the Celery task `imports.tasks.run_import_job`; the task calls
`run_import_job()` here. This module never imports the tasks (no circle).

An import never runs long inside a web request: with a broker it runs in the
worker under a time limit (settings.IMPORT_TIME_LIMIT); without one (development,
`make run`) only files up to IMPORT_INLINE_MAX_BYTES are accepted by the upload
page and run inline, and larger ones go through `manage.py import_recommendations`.
A job always ends succeeded or failed with a reason: a time limit, a worker that
died mid-import, or a job left "running" (see `fail_stale_jobs`).
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
import time
from pathlib import Path, PurePath

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from imports.models import ImportJob
from imports.pipeline import import_file

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.5  # seconds between progress writes
# A job "running" this much longer than the time limit has lost its worker.
STALE_GRACE = dt.timedelta(minutes=5)
# A job still waiting after this long was never picked up (queue lost or no worker).
PENDING_TOO_LONG = dt.timedelta(hours=6)


def broker_configured() -> bool:
    return bool(settings.CELERY_BROKER_URL)


def runs_inline(size: int) -> bool:
    """Whether a file of `size` bytes may be imported inside the web request."""
    return size <= settings.IMPORT_INLINE_MAX_BYTES


def fail(job_id: int, reason: str) -> None:
    ImportJob.objects.filter(pk=job_id).exclude(
        status__in=(ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED)).update(
        status=ImportJob.Status.FAILED, finished_at=timezone.now(),
        report={"ok": False, "errors": [{"row": None, "message": reason}]})


def _claim(job_id: int) -> ImportJob | None:
    """Mark the job running, unless it has finished already (the task is idempotent).

    A job found "running" was redelivered because its worker died mid-import
    (acks_late): out of memory or killed at the hard time limit. Running the same
    file again would most likely kill the next worker too, so it fails with a reason.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED):
            return None
        if job.status == ImportJob.Status.RUNNING:
            job.status = ImportJob.Status.FAILED
            job.finished_at = timezone.now()
            job.report = {"ok": False, "errors": [{"row": None, "message": (
                "The worker importing this file stopped before it finished (out of memory "
                "or time?). Nothing was saved. Split the file, or import it with the "
                "command line.")}]}
            job.save(update_fields=["status", "finished_at", "report"])
            return None
        job.status = ImportJob.Status.RUNNING
        job.rows_done = 0
        job.started_at = timezone.now()
        job.save(update_fields=["status", "rows_done", "started_at"])
        return job


def fail_stale_jobs(now: dt.datetime | None = None) -> int:
    """Fail jobs whose worker is gone: "running" past the time limit, or never
    picked up. Returns how many were failed. Run by the periodic scan
    (imports.tasks.scan_import_jobs) and before each job."""
    now = now or timezone.now()
    limit = dt.timedelta(seconds=settings.IMPORT_TIME_LIMIT) + STALE_GRACE
    stale_running = ImportJob.objects.filter(
        status=ImportJob.Status.RUNNING, started_at__lt=now - limit)
    count = stale_running.update(
        status=ImportJob.Status.FAILED, finished_at=now,
        report={"ok": False, "errors": [{"row": None, "message": (
            "This import stopped without finishing (its worker was lost). Nothing was "
            "saved; start it again.")}]})
    count += ImportJob.objects.filter(
        status=ImportJob.Status.PENDING, created_at__lt=now - PENDING_TOO_LONG).update(
        status=ImportJob.Status.FAILED, finished_at=now,
        report={"ok": False, "errors": [{"row": None, "message": (
            "No worker picked this import up. Nothing was saved; start it again.")}]})
    if count:
        logger.warning("Failed %s stale import job(s)", count)
    return count


def run_import_job(job_id: int) -> None:
    from celery.exceptions import SoftTimeLimitExceeded

    fail_stale_jobs()
    job = _claim(job_id)
    if job is None:
        return
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if done in (0, total) or now - last[0] >= PROGRESS_INTERVAL:
            last[0] = now
            ImportJob.objects.filter(pk=job.pk).update(rows_done=done, rows_total=total)

    try:
        with _local_copy(job) as path:
            report = import_file(
                path, fmt=job.format or "auto",
                state_iso3=job.state.iso3 if job.state_id else None,
                session=job.session_number, dry_run=job.dry_run, user=job.created_by,
                progress=progress, source_name=job.original_name)
        report.path = job.original_name
        job.report = report.as_dict()
        job.detected_format = report.detected_format
        job.rows_total = job.rows_done = report.rows_read
        job.status = ImportJob.Status.SUCCEEDED if report.ok else ImportJob.Status.FAILED
    except SoftTimeLimitExceeded:
        logger.warning("Import job %s hit the time limit", job_id)
        job.report = {"ok": False, "errors": [{"row": None, "message": (
            f"The import took longer than the limit of {settings.IMPORT_TIME_LIMIT // 60} "
            "minutes and was stopped. Nothing was saved. Split the file, or import it "
            "with the command line.")}]}
        job.status = ImportJob.Status.FAILED
    except Exception as exc:  # a job must end in a state the user can see
        logger.exception("Import job %s crashed", job_id)
        job.report = {"ok": False, "errors": [{"row": None, "message": f"Import failed: {exc}"}]}
        job.status = ImportJob.Status.FAILED
    job.finished_at = timezone.now()
    job.save(update_fields=["report", "detected_format", "rows_total", "rows_done", "status",
                            "finished_at"])


class _local_copy:
    """The job's file as a local path (copied to a temp file for remote storages)."""

    def __init__(self, job: ImportJob) -> None:
        self.job, self.tmp = job, None

    def __enter__(self) -> Path:
        try:
            return Path(self.job.file.path)
        except NotImplementedError:
            suffix = PurePath(self.job.original_name).suffix
            self.tmp = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)
            with self.job.file.open("rb") as source, self.tmp as target:
                shutil.copyfileobj(source, target)
            return Path(self.tmp.name)

    def __exit__(self, *exc) -> None:
        if self.tmp is not None:
            Path(self.tmp.name).unlink(missing_ok=True)
