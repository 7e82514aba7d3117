"""core.cache.RedisCache: Django's Redis cache, one client object per connection pool."""

import uuid

import pytest
import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from core.cache import RedisCache
from tests.conftest import need_service

LOCATION = "redis://127.0.0.1:6379/12"


@pytest.fixture
def shared_cache():
    try:
        redis.Redis.from_url(LOCATION, socket_timeout=1).ping()
    except redis.RedisError as exc:
        need_service("redis", str(exc))
    return RedisCache(LOCATION, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}", "TIMEOUT": 30})


def test_every_call_uses_one_client_per_pool(shared_cache):
    client = shared_cache._cache.get_client("a")
    assert shared_cache._cache.get_client("b") is client
    # Django's own client builds a new one per call: what this backend saves.
    django_cache = DjangoRedisCache(LOCATION, {})
    assert django_cache._cache.get_client("a") is not django_cache._cache.get_client("a")


def test_it_stores_reads_and_deletes_as_djangos_does(shared_cache):
    assert shared_cache.get("k") is None
    shared_cache.set("k", {"n": 1, "rows": [b"x"]})
    assert shared_cache.get("k") == {"n": 1, "rows": [b"x"]}
    shared_cache.set_many({"a": 1, "b": 2})
    assert shared_cache.get_many(["a", "b", "c"]) == {"a": 1, "b": 2}
    assert shared_cache.incr("a") == 2
    shared_cache.delete_many(["a", "b", "k"])
    assert shared_cache.get_many(["a", "b", "k"]) == {}
