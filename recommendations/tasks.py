from celery import shared_task

from core.tasks import enqueue


@shared_task(acks_late=True)
def link_recurring(state_id: int) -> dict:
    """Recompute the recurring links of one State under review (idempotent)."""
    from recommendations.recurrence import link_state

    return link_state(state_id)


def link_recurring_for_states(state_ids) -> None:
    """Queue the recomputation for each State, once the current transaction commits."""
    for state_id in sorted(set(state_ids)):
        enqueue(link_recurring, state_id)
