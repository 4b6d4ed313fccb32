"""The MAX bot's per-chat limit: shared through Redis, per process when Redis is absent.
(The cross-process check against a real Redis and the fake MAX server is in
tests/test_integration_jobs.py.)"""

from __future__ import annotations

from alerts import maxbot
from alerts.maxbot import ChatRateLimiter, RedisChatRateLimiter
from tests.processes import free_port


def test_redis_unreachable_falls_back_to_this_process_share(caplog):
    """Redis down: each of `senders` processes sends to a chat at rate / senders, so the
    limit still holds; Redis is not asked again (nor logged) for every message."""
    sleeps: list[float] = []
    now = [100.0]
    limiter = RedisChatRateLimiter(
        f"redis://127.0.0.1:{free_port()}/13",
        rate=2,
        senders=2,
        sleep=sleeps.append,
        clock=lambda: now[0],
    )
    limiter.fallback = ChatRateLimiter(rate=1, clock=lambda: now[0], sleep=sleeps.append)
    calls = []
    real_script = limiter.script
    limiter.script = lambda **kw: calls.append(kw) or real_script(**kw)
    for _ in range(3):
        limiter.wait("chat")
    assert sleeps == [1.0, 2.0]  # one message a second from this process: 2 processes, 2/s
    assert len(calls) == 1  # then the fallback alone until REDIS_RETRY_SECONDS have passed
    assert len([r for r in caplog.records if "Redis unavailable" in r.getMessage()]) == 1
    now[0] += maxbot.REDIS_RETRY_SECONDS + 1
    limiter.wait("chat")
    assert len(calls) == 2  # asked Redis again


def test_fallback_rate_is_the_rate_shared_by_the_senders():
    limiter = RedisChatRateLimiter("redis://127.0.0.1:1/13", rate=2, senders=4)
    assert limiter.fallback.interval == 2.0
    assert limiter.interval_ms == 575  # 1/rate plus the margin


def test_default_limiter_follows_redis_url(settings, monkeypatch):
    monkeypatch.setattr(maxbot, "_limiters", [])
    settings.REDIS_URL = ""
    assert type(maxbot.default_limiter()) is ChatRateLimiter
    monkeypatch.setattr(maxbot, "_limiters", [])
    settings.REDIS_URL = "redis://127.0.0.1:6379/13"
    settings.MAX_BOT_SENDERS = 4
    limiter = maxbot.default_limiter()
    assert type(limiter) is RedisChatRateLimiter
    assert limiter.fallback.interval == 2.0
