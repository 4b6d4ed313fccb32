"""A Redis cache that degrades instead of failing when Redis is down.

Pages, login and the API use the cache only to save work (progress of an import, the login
attempt counter, rendered fragments): with Redis unreachable, a read is a miss, a write is
dropped, and the request goes on. After a failure the cache is skipped for
`DOWN_SECONDS`, so a dead Redis costs one connection attempt per process every few seconds,
not one per call. The API rate limit talks to Redis directly and falls back to its database
counter (`roadmap_portal.api.throttling`); it is never skipped.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

DOWN_SECONDS = 5.0


class DegradingRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache` that treats an outage as a miss."""

    _down_until = 0.0

    def _call(self, name: str, default: Any, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < self._down_until:
            return default
        try:
            return getattr(super(), name)(*args, **kwargs)
        except (ValueError, TypeError):  # key missing for incr/decr, bad arguments: not an outage
            raise
        except Exception as exc:  # any client or socket error is an outage
            self._down_until = time.monotonic() + DOWN_SECONDS
            logger.warning("cache unavailable, degraded for %ss: %s", DOWN_SECONDS, exc)
            return default

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", [], data, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def incr(self, key, delta=1, version=None):
        value = self._call("incr", None, key, delta, version)
        if value is None:
            raise ValueError(f"Key {key!r} not found (cache unavailable).")
        return value

    def decr(self, key, delta=1, version=None):
        value = self._call("decr", None, key, delta, version)
        if value is None:
            raise ValueError(f"Key {key!r} not found (cache unavailable).")
        return value

    def clear(self):
        return self._call("clear", False)
