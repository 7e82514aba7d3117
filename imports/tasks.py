"""The import's Celery tasks, and queueing a job for them."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction

from imports import jobs
from imports.models import ImportJob

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, soft_time_limit=settings.IMPORT_TIME_LIMIT,
             time_limit=settings.IMPORT_TIME_LIMIT + 60)
def run_import_job(job_id: int) -> None:
    """Import the file of an ImportJob; does nothing if the job has finished already.

    Past the soft time limit the import is interrupted (its transaction rolls back)
    and the job is marked failed with the reason; the hard limit kills the worker
    process, and the redelivered task then fails the job (jobs._claim).
    """
    jobs.run_import_job(job_id)


@shared_task
def scan_import_jobs() -> int:
    """Fail import jobs whose worker was lost (every few minutes, from beat)."""
    return jobs.fail_stale_jobs()


def start_import_job(job: ImportJob) -> None:
    """Queue the job once the transaction that created it commits."""
    transaction.on_commit(lambda: _enqueue(job.pk))


def _enqueue(job_id: int) -> None:
    from kombu.exceptions import OperationalError

    try:
        run_import_job.delay(job_id)
    except (OperationalError, ConnectionError, OSError, TimeoutError) as exc:
        job = ImportJob.objects.get(pk=job_id)
        if jobs.runs_inline(job.file.size):
            logger.warning("Broker unreachable (%s); running small import job %s inline",
                           exc, job_id)
            jobs.run_import_job(job_id)
        else:
            logger.warning("Broker unreachable (%s); import job %s failed", exc, job_id)
            jobs.fail(job_id, "The task queue cannot be reached, so the file was not "
                              "imported. Try again later, or import it with the command "
                              "line (manage.py import_recommendations).")
