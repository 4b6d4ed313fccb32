"""Rate limits that hold under parallel requests: one atomic counter per client and window.

DRF's `SimpleRateThrottle` reads a list of timestamps from the cache, appends and writes it
back: parallel requests of one client read the same list and all pass (8 connections got
twice the limit through). Here every request raises a counter for its fixed window
atomically and is refused once the counter passes the limit:

* Redis cache (`REDIS_URL`): `INCR` + `EXPIRE` in one pipeline;
* another cache (local memory, the embedded default of one process): `add` + `incr`,
  which the local-memory cache does under its lock;
* the cache unavailable (Redis down): a row of `agencies.ApiRateCounter` raised with one
  `UPDATE … SET count = count + 1`. Throttling is never skipped.
"""

from __future__ import annotations

import logging

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, transaction
from django.db.models import F
from rest_framework.throttling import SimpleRateThrottle

from agencies.models import ApiRateCounter, ApiToken

logger = logging.getLogger(__name__)


def _cache_incr(key: str, ttl: int) -> int:
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full_key = backend.make_and_validate_key(key)
        client = backend._cache.get_client(full_key, write=True)  # type: ignore[attr-defined]
        pipe = client.pipeline()
        pipe.incr(full_key)
        pipe.expire(full_key, ttl)
        count, _ok = pipe.execute()
        return int(count)
    backend.add(key, 0, ttl)
    return int(backend.incr(key))


def _db_incr(key: str, window_start: int) -> int:
    rows = ApiRateCounter.objects.filter(key=key, window_start=window_start)
    with transaction.atomic():
        if not rows.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    ApiRateCounter.objects.create(key=key, window_start=window_start, count=1)
            except IntegrityError:  # a parallel request created it first
                rows.update(count=F("count") + 1)
            else:
                # the client's earlier windows are over: keep the table small
                ApiRateCounter.objects.filter(key=key, window_start__lt=window_start).delete()
                return 1
        # our UPDATE holds the row's lock until commit: this is our own increment's value
        return rows.values_list("count", flat=True).get()


def rate_count(key: str, window_start: int, duration: int) -> int:
    """The number of requests of `key` in the window starting at `window_start`, this one
    included, counted atomically (see the module docstring)."""
    try:
        return _cache_incr(f"{key}:{window_start}", ttl=duration + 5)
    except Exception as exc:
        logger.warning("rate limit: cache unavailable (%s), counting in the database", exc)
        return _db_incr(key, window_start)


class AtomicRateThrottle(SimpleRateThrottle):
    """`SimpleRateThrottle` with a fixed-window atomic counter instead of a history list."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = int(self.timer())
        self.window_start = self.now - self.now % self.duration
        self.count = rate_count(self.key, self.window_start, self.duration)
        return self.count <= self.num_requests

    def wait(self):
        return max(self.window_start + self.duration - self.now, 1)


class TokenRateThrottle(AtomicRateThrottle):
    """Requests per token (machine clients); browser sessions are limited per user (an atomic
    counter per window: `roadmap_portal.api.throttling`)."""

    scope = "token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
