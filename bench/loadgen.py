"""A bounded, self-stopping HTTP load generator for loopback targets (stdlib only).

Each virtual user is a thread with its own logged-in session (cookie), requesting the given
paths in turn until the duration is up or its request budget is spent. Only loopback URLs
are accepted: this never sends traffic anywhere else.
"""

from __future__ import annotations

import http.cookiejar
import re
import statistics
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

LOOPBACK = re.compile(r"^http://(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?/")


def _opener() -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def login(base: str, username: str, password: str) -> urllib.request.OpenerDirector:
    """Logs in through the real login form (CSRF included) and returns the session opener."""
    if not LOOPBACK.match(base):
        raise ValueError(f"only loopback targets are allowed: {base}")
    opener, jar = _opener()
    page = opener.open(base + "login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password}
    ).encode()
    request = urllib.request.Request(
        base + "login/", data=data, headers={"Referer": base + "login/"}
    )
    response = opener.open(request, timeout=30)
    if "/login/" in response.geturl():
        raise RuntimeError(f"login failed for {username}")
    return opener


def login_many(
    base: str, accounts: list[tuple[str, str]], *, at_once: int = 4
) -> list[urllib.request.OpenerDirector]:
    """`login` for each (username, password), `at_once` at a time, in their order: set-up
    before a measurement, mostly the password hash's CPU, which the server's workers share."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=at_once) as pool:
        return list(pool.map(lambda account: login(base, *account), accounts))


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed_get(opener, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    try:
        with opener.open(url, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0
    return (time.perf_counter() - started) * 1000, status


def sample(opener, url: str, *, count: int, warmup: int = 2) -> dict:
    """p50/p95 of `count` sequential requests (after a warm-up)."""
    for _ in range(warmup):
        timed_get(opener, url)
    times, errors = [], 0
    for _ in range(count):
        ms, status = timed_get(opener, url)
        times.append(ms)
        errors += status != 200
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "errors": errors,
        "n": count,
    }


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "throughput_rps": round(self.requests / self.seconds, 1) if self.seconds else 0,
            "p50_ms": round(percentile(self.latencies, 50), 1),
            "p95_ms": round(percentile(self.latencies, 95), 1),
            "seconds": round(self.seconds, 1),
        }


def run_load(
    base: str,
    paths: dict[str, list[str]],
    *,
    users: int,
    seconds: float,
    credentials: dict[str, tuple[str, str]] | None = None,
    sessions: dict[str, list[urllib.request.OpenerDirector]] | None = None,
    think_s: tuple[float, float] = (0.0, 0.0),
    max_requests_per_user: int = 100_000,
    seed: int = 1,
) -> LoadResult:
    """`users` concurrent sessions for `seconds`; bounded, and stops by itself.

    User i takes persona i mod the personas, and requests only its persona's pages, in turn,
    pausing a random `think_s` (seconds, min and max) between pages as a person reading them
    would; (0, 0) is a closed-loop stress run that measures the saturation throughput.
    Each user logs in with its persona's `credentials`, or takes one of the persona's
    logged-in `sessions` in turn (shared when there are more users than sessions).
    """
    import random

    if not LOOPBACK.match(base):
        raise ValueError(f"only loopback targets are allowed: {base}")
    personas = sorted(paths)
    plan = [personas[i % len(personas)] for i in range(users)]
    if sessions is not None:
        openers = [
            sessions[persona][(i // len(personas)) % len(sessions[persona])]
            for i, persona in enumerate(plan)
        ]
    elif credentials is not None:
        openers = login_many(base, [credentials[persona] for persona in plan])
    else:
        raise ValueError("run_load needs credentials or sessions")
    result = LoadResult()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def user(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        opener, own = openers[index], paths[plan[index]]
        local, errors = [], 0
        for n in range(max_requests_per_user):
            if time.monotonic() >= stop_at:
                break
            ms, status = timed_get(opener, base + own[(index + n) % len(own)].lstrip("/"))
            local.append(ms)
            errors += status != 200
            pause = rng.uniform(*think_s)
            if pause and time.monotonic() + pause < stop_at:
                time.sleep(pause)
        with lock:
            result.requests += len(local)
            result.errors += errors
            result.latencies.extend(local)

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    result.seconds = time.monotonic() - started
    return result
