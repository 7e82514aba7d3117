"""Queueing Celery tasks from web requests without depending on the broker."""

import logging

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# What kombu and redis-py raise when the broker cannot be reached.
BROKER_ERRORS = (OperationalError, ConnectionError, OSError)


def enqueue(task: Task, *args, **kwargs) -> None:
    """Queue `task` once the current transaction commits (at once outside one).

    A broker that is down must not turn a saved form or API write into an error:
    the failure is logged and the work is left to the durable state in the
    database (e.g. pending reminder rows, which the next daily scan sends).
    """

    def send() -> None:
        try:
            task.delay(*args, **kwargs)
        except BROKER_ERRORS as exc:
            logger.warning("Could not queue %s%r: %s; it will be picked up later",
                           task.name, args, exc)

    transaction.on_commit(send)
