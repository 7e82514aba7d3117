from celery import shared_task
from django.conf import settings

from recommendations.importers import jobs


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
