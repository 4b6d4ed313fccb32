"""The MAX bot's per-chat limit: shared through Redis, per process when Redis is absent.
(The cross-process check against a real Redis is in tests/test_integration_jobs.py.)"""

from __future__ import annotations

from alerts import maxbot
from alerts.maxbot import ChatRateLimiter, RedisChatRateLimiter
from tests.processes import free_port


def test_redis_unreachable_falls_back_to_the_process_limiter():
    sleeps: list[float] = []
    limiter = RedisChatRateLimiter(
        f"redis://127.0.0.1:{free_port()}/13", rate=2, sleep=sleeps.append
    )
    now = [100.0]
    limiter.fallback = ChatRateLimiter(rate=2, clock=lambda: now[0], sleep=sleeps.append)
    for _ in range(3):
        limiter.wait("chat")
    assert sleeps == [0.5, 1.0]


def test_default_limiter_follows_redis_url(settings, monkeypatch):
    monkeypatch.setattr(maxbot, "_limiters", [])
    settings.REDIS_URL = ""
    assert type(maxbot.default_limiter()) is ChatRateLimiter
    monkeypatch.setattr(maxbot, "_limiters", [])
    settings.REDIS_URL = "redis://127.0.0.1:6379/13"
    assert type(maxbot.default_limiter()) is RedisChatRateLimiter
