from celery import shared_task

from recommendations.importers import jobs


@shared_task(acks_late=True)
def run_import_job(job_id: int) -> None:
    """Import the file of an ImportJob; does nothing if the job has finished already."""
    jobs.run_import_job(job_id)
