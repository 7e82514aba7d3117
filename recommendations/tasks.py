import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from core import ratelimit
from core.tasks import BROKER_ERRORS

logger = logging.getLogger(__name__)


def _pending_key(state_id: int) -> str:
    return f"link-recurring:pending:{state_id}"


@shared_task(acks_late=True)
def link_recurring(state_id: int) -> dict:
    """Recompute the recurring links of one State under review (idempotent)."""
    from recommendations.recurrence import link_state

    # Cleared before reading: an edit committed from now on queues a new run.
    ratelimit.guarded(cache.delete, _pending_key(state_id))
    return link_state(state_id)


def link_recurring_for_states(state_ids) -> None:
    """Queue the recomputation for each State once the current transaction commits,
    debounced: while a run for the State is queued and has not started, further edits
    queue nothing (it will see them), so 387 creates for France make one task, not 387
    (issue 22). The run starts LINK_RECURRING_DELAY seconds after the first edit."""
    delay = settings.LINK_RECURRING_DELAY
    for state_id in sorted(set(state_ids)):
        transaction.on_commit(lambda state_id=state_id: _queue_once(state_id, delay))


def _queue_once(state_id: int, delay: int) -> None:
    added = ratelimit.guarded(cache.add, _pending_key(state_id), 1, delay + 600)
    if added is False:
        return  # a run is queued already
    try:
        link_recurring.apply_async((state_id,), countdown=delay or None)
    except BROKER_ERRORS as exc:
        ratelimit.guarded(cache.delete, _pending_key(state_id))
        logger.warning("Could not queue link_recurring(%s): %s", state_id, exc)
