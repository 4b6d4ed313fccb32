"""The load test: people opening the portal's pages, against gunicorn on loopback.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/roadmap_bench \\
    REDIS_URL=redis://127.0.0.1:6379/2 \\
    .venv/bin/python bench/load.py --users 50,200 --seconds 60 \\
        --configs sync:3,sync:5,gthread:2x8,gthread:3x4

Every user is a logged-in person (coordinator of region 66 or the analyst) who opens the
pages such a person opens — the region dashboard, the roadmap's measures, the country
overview, the index ranking, the country-wide measure list, other regions' dashboards —
pausing 2-8 s between pages (`--think`). For every gunicorn configuration (`class:workers`
or `gthread:workersxthreads`; by default the production one of gunicorn.conf.py) and every
number of users it runs twice: *cold* (the page cache emptied first, so the first views
compute) and *warm* (right after, the cache filled), and prints p95 against the target
(< 300 ms at 50 users, < 800 ms at 200, 0 errors) with met / missed and the machine's load
average (the machine may be shared: figures are only comparable within one run). The
database is the benchmark's (`bench/run.py --steps import,rest,index,recompute` fills it);
`REDIS_URL` is the cache the servers share (its database is emptied for the cold runs,
nothing else). Only loopback is ever contacted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import runpy
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import loadgen  # noqa: E402

PYTHON = sys.executable
WORK = ROOT / "var" / "bench"
TARGETS_MS = {50: 300.0, 200: 800.0}  # p95 per number of users (issue 17); 0 errors always
USERS = {"analyst": ("analyst", "demo-analyst"), "coordinator": ("coord66", "demo-coord66")}
SESSIONS_PER_PERSONA = 8  # people of one persona share a few logged-in sessions (tabs)


def target_for(users: int) -> float:
    """The p95 target for `users` (the nearest stated one at or above, else the largest)."""
    for count in sorted(TARGETS_MS):
        if users <= count:
            return TARGETS_MS[count]
    return TARGETS_MS[max(TARGETS_MS)]


@dataclass(frozen=True)
class Config:
    worker_class: str  # sync | gthread
    workers: int
    threads: int = 1

    @classmethod
    def parse(cls, text: str) -> Config:
        kind, _, size = text.partition(":")
        if kind not in ("sync", "gthread"):
            raise ValueError(f"unknown worker class {kind!r}")
        workers, _, threads = size.partition("x")
        return cls(kind, int(workers), int(threads or (4 if kind == "gthread" else 1)))

    def __str__(self) -> str:
        return (
            f"{self.worker_class} {self.workers}×{self.threads}"
            if self.worker_class == "gthread"
            else f"{self.worker_class} {self.workers}"
        )


def production_config() -> Config:
    """What the web service runs: gunicorn.conf.py's worker class, count and threads (under
    this environment's GUNICORN_* variables, as in production)."""
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return Config(conf["worker_class"], conf["workers"], conf["threads"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with `config` on loopback, through the project's gunicorn.conf.py."""

    def __init__(
        self,
        env: dict[str, str],
        config: Config,
        *,
        wait: bool = True,
        log_name: str = "gunicorn-load.log",
    ):
        """Starts gunicorn, its errors in var/bench/`log_name`; with `wait`, returns once it
        answers (else call `wait_ready`)."""
        self.log_name = log_name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        WORK.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "roadmap_portal.wsgi:application",
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            cwd=ROOT,
            env={
                **env,
                "GUNICORN_WORKER_CLASS": config.worker_class,
                "GUNICORN_WORKERS": str(config.workers),
                "GUNICORN_THREADS": str(config.threads),
                "GUNICORN_ACCESS_LOG": "",
            },
            stdout=subprocess.DEVNULL,
            stderr=(WORK / log_name).open("w"),
        )
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            # answering, not only listening: the workers import Django after the bind
            if loadgen.timed_get(loadgen._opener()[0], self.base + "healthz")[1] == 200:
                return
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"gunicorn did not start: see var/bench/{self.log_name}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def collect_static(env: dict[str, str]) -> None:
    """The static files' manifest, which the pages link through, in `STATIC_ROOT`: hashed,
    not compressed, since no figure reads a static file (bench/collect_settings.py)."""
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "bench.collect_settings"},
        check=True,
        stdout=subprocess.DEVNULL,
    )


def persona_sessions(
    base: str, paths: dict[str, list[str]], *, users: int | None = None
) -> dict[str, list]:
    """`SESSIONS_PER_PERSONA` logged-in sessions of each persona, or fewer when at most
    `users` people will use them: no more sessions than people (through the login form,
    several at once: set-up, not measured)."""
    personas = sorted(paths)
    each = SESSIONS_PER_PERSONA
    if users is not None:
        each = max(1, min(each, -(-users // len(personas))))
    openers = loadgen.login_many(base, [USERS[p] for p in personas for _ in range(each)])
    return {persona: openers[i * each : (i + 1) * each] for i, persona in enumerate(personas)}


def load_paths(env: dict[str, str], regions: int) -> dict[str, list[str]]:
    """The pages each persona opens (from the database: region ids, the roadmap)."""
    done = subprocess.run(
        [PYTHON, "bench/steps.py", "load-paths", str(regions)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def flush_page_cache(redis_url: str) -> None:
    """Empties the cache's own Redis database (the one in REDIS_URL), nothing else."""
    if not redis_url:
        return  # local-memory caches die with the server: every server starts cold
    import redis

    redis.Redis.from_url(redis_url).flushdb()


@dataclass
class Result:
    requests: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    by_page: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0


def run_people(
    base: str,
    paths: dict[str, list[str]],
    sessions: dict[str, list],
    *,
    users: int,
    seconds: float,
    think_s: tuple[float, float],
    seed: int,
) -> Result:
    """`users` people for `seconds`, each opening its persona's pages in turn with a pause
    of `think_s` between pages; each starts after a random part of a pause, so the
    requests do not arrive in lockstep. Bounded: every thread stops at the deadline."""
    personas = sorted(paths)
    result = Result()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def person(index: int) -> None:
        rng = random.Random(seed * 10_000 + index)
        persona = personas[index % len(personas)]
        opener = sessions[persona][index % len(sessions[persona])]
        own = paths[persona]
        local: list[tuple[str, float]] = []
        errors = 0
        time.sleep(rng.uniform(0, think_s[1]))
        n = rng.randrange(len(own))
        while time.monotonic() < stop_at:
            path = own[n % len(own)]
            ms, status = loadgen.timed_get(opener, base + path.lstrip("/"))
            local.append((path, ms))
            errors += status != 200
            n += 1
            pause = rng.uniform(*think_s)
            if time.monotonic() + pause >= stop_at:
                break
            time.sleep(pause)
        with lock:
            result.requests += len(local)
            result.errors += errors
            for path, ms in local:
                result.latencies.append(ms)
                page = path.split("?")[0]
                result.by_page.setdefault(page, []).append(ms)

    threads = [threading.Thread(target=person, args=(i,), daemon=True) for i in range(users)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    result.seconds = time.monotonic() - started
    return result


def figures(result: Result, users: int, phase: str, config: Config, load: tuple) -> dict:
    p95 = round(loadgen.percentile(result.latencies, 95), 1)
    target = target_for(users)
    return {
        "config": str(config),
        "users": users,
        "phase": phase,
        "requests": result.requests,
        "errors": result.errors,
        "throughput_rps": round(result.requests / result.seconds, 1) if result.seconds else 0,
        "p50_ms": round(loadgen.percentile(result.latencies, 50), 1),
        "p95_ms": p95,
        "target_p95_ms": target,
        "met": bool(result.requests) and p95 < target and result.errors == 0,
        "load_average_before": [round(x, 2) for x in load[0]],
        "load_average_after": [round(x, 2) for x in load[1]],
        "slowest_pages_p95_ms": dict(
            sorted(
                (
                    (page, round(loadgen.percentile(times, 95), 1))
                    for page, times in result.by_page.items()
                ),
                key=lambda item: -item[1],
            )[:4]
        ),
    }


def print_rows(rows: list[dict]) -> None:
    header = (
        f"{'gunicorn':<14} {'users':>5} {'phase':<5} {'req/s':>6} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'target':>7} {'errors':>6}  {'result':<7} load avg (1 min) before → after"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        verdict = "met" if r["met"] else "MISSED"
        print(
            f"{r['config']:<14} {r['users']:>5} {r['phase']:<5} {r['throughput_rps']:>6} "
            f"{r['p50_ms']:>8} {r['p95_ms']:>8} {'<' + format(r['target_p95_ms'], 'g'):>7} "
            f"{r['errors']:>6}  {verdict:<7} "
            f"{r['load_average_before'][0]} → {r['load_average_after'][0]}"
        )


def bench_env() -> dict[str, str]:
    from bench.run import base_env

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise SystemExit("DATABASE_URL: the benchmark's database (bench/run.py fills it)")
    env = base_env(url)
    env["REDIS_URL"] = os.environ.get("REDIS_URL", "")
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", default="50,200", help="numbers of users, comma-separated")
    parser.add_argument("--seconds", type=float, default=60.0, help="per run")
    parser.add_argument("--think", default="2,8", help="seconds between pages: min,max")
    parser.add_argument(
        "--configs",
        default="",
        help="gunicorn configurations: sync:N or gthread:NxT, comma-separated "
        "(default: the production one, gunicorn.conf.py)",
    )
    parser.add_argument("--regions", type=int, default=20, help="region dashboards opened")
    parser.add_argument("--no-warm", action="store_true", help="cold runs only")
    parser.add_argument("--out", type=Path, default=WORK / "load.json")
    args = parser.parse_args(argv)
    users_list = [int(u) for u in args.users.split(",") if u.strip()]
    think = tuple(float(x) for x in args.think.split(","))
    configs = [Config.parse(c.strip()) for c in args.configs.split(",") if c.strip()] or [
        production_config()
    ]
    env = bench_env()
    if not (Path(env["STATIC_ROOT"]) / "staticfiles.json").exists():  # collected once
        collect_static(env)
    paths = load_paths(env, args.regions)
    rows: list[dict] = []
    for config in configs:
        with Server(env, config) as server:
            sessions = persona_sessions(server.base, paths, users=max(users_list))
            for users in users_list:
                phases = ["cold"] if args.no_warm else ["cold", "warm"]
                for phase in phases:
                    if phase == "cold":
                        flush_page_cache(env["REDIS_URL"])
                    before = os.getloadavg()
                    result = run_people(
                        server.base,
                        paths,
                        sessions,
                        users=users,
                        seconds=args.seconds,
                        think_s=think,  # type: ignore[arg-type]
                        seed=users,
                    )
                    rows.append(figures(result, users, phase, config, (before, os.getloadavg())))
                    print_rows(rows[-1:])
                    sys.stdout.flush()
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "seconds_per_run": args.seconds,
        "think_s": list(think),
        "runs": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print()
    print_rows(rows)
    print(f"\nwritten: {args.out}")
    return 1 if any(r["errors"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
