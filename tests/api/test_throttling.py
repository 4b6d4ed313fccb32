"""The API rate limit is an atomic counter: parallel requests never pass more than the limit,
and with the cache down the database counts (throttling is never skipped)."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import caches
from django.db import connections
from django.test import override_settings
from rest_framework.test import APIClient

from agencies.models import ApiRateCounter
from agencies.services import api_token_create
from roadmap_portal.api.throttling import rate_count

BROKEN_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
    }
}


def _parallel(func, n: int) -> list[int]:
    start = threading.Barrier(n)

    def one(_):
        start.wait()
        try:
            return func()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return sorted(pool.map(one, range(n)))


@pytest.fixture
def limit_3():
    from roadmap_portal.api.common import TokenRateThrottle  # after DRF's settings load

    rates = TokenRateThrottle.THROTTLE_RATES
    TokenRateThrottle.THROTTLE_RATES = {"token": "3/hour"}
    caches["default"].clear()
    yield
    TokenRateThrottle.THROTTLE_RATES = rates
    caches["default"].clear()


def test_parallel_counts_are_unique_in_the_local_cache():
    caches["default"].clear()
    assert _parallel(lambda: rate_count("t-local", 1000, 60), 16) == list(range(1, 17))


@pytest.mark.django_db
def test_the_database_counts_when_the_cache_is_down(caplog):
    with override_settings(CACHES=BROKEN_CACHE):
        counts = [rate_count("t-db", 6000, 60) for _ in range(3)]
        assert counts == [1, 2, 3]
        assert rate_count("t-db", 6060, 60) == 1  # a new window starts at 1 …
    # … and the finished window's row is gone
    assert list(ApiRateCounter.objects.values_list("window_start", "count")) == [(6060, 1)]
    assert "counting in the database" in caplog.text


@pytest.mark.django_db
def test_api_is_throttled_with_the_cache_down(personas, limit_3):
    _token, key = api_token_create(user=personas.analyst, name="ИС")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    with override_settings(CACHES=BROKEN_CACHE):
        codes = [api.get("/api/v1/regions/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


@pytest.mark.integration
def test_parallel_counts_are_unique_in_redis():
    url = os.environ["REDIS_URL"]
    config = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    with override_settings(CACHES=config):
        caches["default"].delete("t-redis:2000")
        counts = _parallel(lambda: rate_count("t-redis", 2000, 60), 24)
        caches["default"].delete("t-redis:2000")
    assert counts == list(range(1, 25))


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_parallel_counts_are_unique_in_the_database():
    with override_settings(CACHES=BROKEN_CACHE):
        counts = _parallel(lambda: rate_count("t-pg", 3000, 60), 8)
    assert counts == list(range(1, 9))
