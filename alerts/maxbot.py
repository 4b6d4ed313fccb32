"""The MAX bot client: one POST per message, a per-chat rate limit, retries with backoff.

The rate limit (2 messages per second per chat) holds across all worker processes when
Redis is configured (`RedisChatRateLimiter`); with Redis unreachable each process takes its
share (MAX_BOT_SENDERS); in the embedded default (one process, no Redis) it is per process.

Knows nothing about alerts or the database; the outbox (`alerts.outbox`) sends every MAX
message through it and logs the `Delivery` (the `SendResult.reason` here is technical: the
server log's, never a user's).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import math
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from roadmap_portal.numbers import plain_digits

__all__ = [
    "MAX_TEXT_LENGTH",
    "ChatRateLimiter",
    "RedisChatRateLimiter",
    "SendResult",
    "default_limiter",
    "max_send",
]

logger = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 4000


class ChatRateLimiter:
    """At most `rate` messages per second to each chat (thread-safe, per process)."""

    def __init__(
        self,
        rate: float = 2.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.interval = 1.0 / rate
        self.clock = clock
        self.sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, chat_id: str) -> None:
        with self._lock:
            now = self.clock()
            slot = max(now, self._next.get(chat_id, now))
            self._next[chat_id] = slot + self.interval
        if slot > now:
            self.sleep(slot - now)


# Reserves the next free send slot of a chat in Redis, atomically for every process on every
# machine: slot = max(now, next); next = slot + interval. Redis's own clock is the one clock.
# Returns the milliseconds to wait before sending.
_RESERVE_SLOT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local after = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], after, 'PX', after - now + 1000)
return slot - now
"""

# Slots are (1 s + MARGIN_MS) / rate apart, so that a message delayed on its way by up to the
# margin (a busy machine, the network) still does not land in the same second as the one
# `rate` slots later.
MARGIN_MS = 150
# After Redis fails, the process limits itself for this long before asking Redis again (no
# connection attempt and no log line per message while Redis is down).
REDIS_RETRY_SECONDS = 5.0


class RedisChatRateLimiter:
    """At most `rate` messages per second to each chat across all worker processes.

    The slots of a chat live in Redis (one Lua script, atomic), (1 s + `MARGIN_MS`) / rate
    apart. While Redis cannot be reached it fails open at a reduced rate: each process
    limits itself to `rate / senders` per chat (`senders`: how many processes may send at
    once, MAX_BOT_SENDERS), so on average the limit holds when `senders` is right; processes
    that start together may still send one burst, which MAX answers with 429 and `max_send`
    retries after Retry-After (nothing is lost). Redis is asked again after
    REDIS_RETRY_SECONDS.
    """

    def __init__(
        self,
        url: str,
        rate: float = 2.0,
        *,
        senders: int = 1,
        prefix: str = "roadmap:maxbot:chat:",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        import redis

        self.errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self.client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        self.script = self.client.register_script(_RESERVE_SLOT)
        self.interval_ms = max(math.ceil((1000 + MARGIN_MS) / rate), 1)
        self.prefix = prefix
        self.sleep = sleep
        self.clock = clock
        self.fallback = ChatRateLimiter(rate=rate / max(senders, 1), sleep=sleep)
        self._down_until: float | None = None

    def wait(self, chat_id: str) -> None:
        if self._down_until is not None and self.clock() < self._down_until:
            self.fallback.wait(chat_id)
            return
        try:
            delay_ms = int(self.script(keys=[self.prefix + chat_id], args=[self.interval_ms]))
        except self.errors as exc:
            if self._down_until is None:
                logger.warning(
                    "MAX rate limit: Redis unavailable (%s), each process limits itself", exc
                )
            self._down_until = self.clock() + REDIS_RETRY_SECONDS
            self.fallback.wait(chat_id)
            return
        if self._down_until is not None:
            logger.warning("MAX rate limit: Redis is back, the limit is shared again")
            self._down_until = None
        if delay_ms > 0:
            self.sleep(delay_ms / 1000)


Limiter = ChatRateLimiter | RedisChatRateLimiter
_limiters: list[Limiter] = []


def default_limiter() -> Limiter:
    """Shared through Redis when REDIS_URL is set; per process in the embedded default."""
    if not _limiters:
        rate = float(getattr(settings, "MAX_BOT_RATE_PER_CHAT", 2))
        url = getattr(settings, "REDIS_URL", "")
        senders = int(getattr(settings, "MAX_BOT_SENDERS", 1))
        _limiters.append(
            RedisChatRateLimiter(url, rate, senders=senders) if url else ChatRateLimiter(rate)
        )
    return _limiters[0]


@dataclass
class SendResult:
    ok: bool
    attempts: int
    status: int | None = None
    reason: str = ""


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if plain_digits(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - dt.datetime.now(dt.UTC)).total_seconds(), 0.0)


def max_send(
    *,
    base_url: str,
    token: str,
    chat_id: str,
    text: str,
    retries: int = 4,
    backoff: float = 0.5,
    max_delay: float = 30.0,
    timeout: float = 10.0,
    limiter: Limiter | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SendResult:
    """POST {base}/messages?chat_id=… with the bot token; retry 429/5xx/network errors.

    Backoff doubles from `backoff` seconds; a Retry-After header wins when present.
    Other 4xx answers are final (a wrong token or chat does not get better by retrying).
    """
    limiter = limiter or default_limiter()
    url = f"{base_url.rstrip('/')}/messages?{urllib.parse.urlencode({'chat_id': chat_id})}"
    body = json.dumps({"text": text[:MAX_TEXT_LENGTH], "format": "markdown"}).encode()
    result = SendResult(ok=False, attempts=0)
    for attempt in range(1, retries + 2):
        limiter.wait(str(chat_id))
        result.attempts = attempt
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Authorization": token, "Content-Type": "application/json"},
        )
        delay = backoff * 2 ** (attempt - 1)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                result.status = response.status
                result.ok, result.reason = True, ""
                return result
        except urllib.error.HTTPError as exc:
            result.status = exc.code
            detail = exc.read()[:300].decode("utf-8", "replace")
            result.reason = f"HTTP {exc.code}: {detail}".strip()
            if exc.code != 429 and exc.code < 500:
                return result
            delay = _retry_after(exc.headers.get("Retry-After")) or delay
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            result.status = None
            result.reason = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
        if attempt <= retries:
            sleep(min(delay, max_delay))
    return result
