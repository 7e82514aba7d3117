"""Counting requests in the shared cache (Redis in production), failing open.

A cache that is down must not turn every request into a 500 (issue 22): rate limits
are a protection, not a dependency. Each cache call goes through `guarded`, which
logs the failure (once per pause, not per request), returns the caller's default,
and skips the cache for `CACHE_DOWN_PAUSE` seconds so that a cache that hangs does
not add its timeout to every request. Pages, API reads and writes go on unthrottled
until the cache answers again; `/readyz` reports the cache as down meanwhile.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

logger = logging.getLogger(__name__)

CACHE_DOWN_PAUSE = 5.0  # seconds without trying the cache after it failed
_skip_until = 0.0
UNAVAILABLE = object()  # what `guarded` returns when the cache is down, by default


def reset() -> None:
    """Forget a past failure (tests)."""
    global _skip_until
    _skip_until = 0.0


def guarded(call: Callable[..., Any], *args, default: Any = UNAVAILABLE, **kwargs) -> Any:
    """`call(*args, **kwargs)` on the cache, or `default` if the cache is unreachable."""
    global _skip_until
    now = time.monotonic()
    if now < _skip_until:
        return default
    try:
        return call(*args, **kwargs)
    except Exception as exc:  # redis-py, socket and pickling errors alike
        _skip_until = now + CACHE_DOWN_PAUSE
        logger.warning("Cache unreachable (%s: %s): rate limits are not enforced; "
                       "trying again in %.0f s", exc.__class__.__name__, exc,
                       CACHE_DOWN_PAUSE)
        return default


def parse_rate(rate: str) -> tuple[int, int]:
    """`"30/minute"` -> (30, 60); the unit's first letter is enough (s, m, h, d)."""
    count, _, unit = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit.strip()[:1].lower()]
    return int(count), seconds


def hit(key: str, rate: str) -> float | None:
    """Count one request for `key` against `rate` (fixed window).

    Returns None while under the rate (or when the cache is down: fail open), else
    the seconds until the window ends (for Retry-After).
    """
    limit, window = parse_rate(rate)
    now = time.time()
    slot = f"ratelimit:{key}:{int(now // window)}"

    def count() -> int:
        cache.add(slot, 0, window + 5)
        return cache.incr(slot)

    done = guarded(count)
    if done is UNAVAILABLE or done <= limit:
        return None
    return max(1.0, window - now % window)
