"""Import jobs: an uploaded file imported in the background, with progress.

The upload page creates an `ImportJob` and calls `start_import_job()`; the Celery
task `recommendations.tasks.run_import_job` calls `run_import_job()` here.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from pathlib import Path, PurePath

from django.db import transaction
from django.utils import timezone

from recommendations.models import ImportJob

from . import import_file

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.5  # seconds between progress writes


def start_import_job(job: ImportJob) -> None:
    """Queue the job once the transaction that created it commits.

    If the broker cannot be reached the job runs inline: the upload is never lost
    because Redis is down, it just makes the request slower.
    """
    transaction.on_commit(lambda: _enqueue(job.pk))


def _enqueue(job_id: int) -> None:
    from kombu.exceptions import OperationalError

    from recommendations.tasks import run_import_job as task

    try:
        task.delay(job_id)
    except (OperationalError, ConnectionError, OSError, TimeoutError) as exc:
        logger.warning("Broker unreachable (%s); running import job %s inline", exc, job_id)
        run_import_job(job_id)


def _claim(job_id: int) -> ImportJob | None:
    """Mark the job running, unless it is finished already (the task is idempotent)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED):
            return None
        # A RUNNING job is one whose worker died (acks_late redelivers it): the import
        # is all-or-nothing, so running it again is safe.
        job.status = ImportJob.Status.RUNNING
        job.rows_done = 0
        job.save(update_fields=["status", "rows_done"])
        return job


def run_import_job(job_id: int) -> None:
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
