import os
import time
import uuid

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "upr_tracker.settings")

app = Celery("upr_tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="upr_tracker.ping")
def ping(token: str) -> str:
    """Write `token` to the shared cache: proof that a worker ran a task end to end."""
    from django.core.cache import cache

    cache.set(f"worker-ping:{token}", "pong", 300)
    return token


def check_worker(timeout: float = 30) -> float:
    """Queue `ping` through the broker and wait for a worker to run it.

    Needs a broker (CELERY_BROKER_URL) and a cache the worker shares (CACHE_URL).
    Returns the seconds it took; raises RuntimeError if no worker answered.
    """
    from django.conf import settings
    from django.core.cache import cache

    backend = settings.CACHES["default"]["BACKEND"].lower()  # Django's or core.cache's
    if not settings.CELERY_BROKER_URL or "redis" not in backend:
        raise RuntimeError("check_worker needs CELERY_BROKER_URL and a Redis CACHE_URL")
    token = uuid.uuid4().hex
    started = time.monotonic()
    ping.delay(token)
    while time.monotonic() - started < timeout:
        if cache.get(f"worker-ping:{token}") == "pong":
            return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError(f"No worker ran the ping task within {timeout} s")
