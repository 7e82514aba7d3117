from celery import shared_task
from django.conf import settings

from core.tasks import enqueue
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


@shared_task(acks_late=True)
def link_recurring(state_id: int) -> dict:
    """Recompute the recurring links of one State under review (idempotent)."""
    from recommendations.recurrence import link_state

    return link_state(state_id)


def link_recurring_for_states(state_ids) -> None:
    """Queue the recomputation for each State, once the current transaction commits."""
    for state_id in sorted(set(state_ids)):
        enqueue(link_recurring, state_id)


@shared_task
def scan_import_jobs() -> int:
    """Fail import jobs whose worker was lost (every few minutes, from beat)."""
    return jobs.fail_stale_jobs()
