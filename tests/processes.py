"""Processes that integration tests start, stop and kill themselves: a Redis server of their
own and a Celery worker of their own. They never touch the shared Redis or CI's worker.

Each process runs in its own session (process group), so killing it means `killpg` of that
group only.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class RedisServer:
    """`redis-server` on a free port, no persistence; `stop()` and `start()` again keep the
    port, as a restarted Redis would."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="it-redis-")
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except (redis.RedisError, OSError):
            return False

    def start(self) -> RedisServer:
        assert self.binary, "redis-server is not installed"
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(self.ping, timeout=15, what=f"redis on port {self.port}")
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def database_url(settings_dict: dict) -> str:
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


class CeleryWorker:
    """A Celery worker of the test's own on `broker_url`, sharing the test database."""

    def __init__(
        self,
        *,
        broker_url: str,
        database: str,
        name: str,
        env: dict | None = None,
        queues: list[str] | None = None,
        include: list[str] | None = None,
    ):
        """`queues`: the queues it consumes (-Q); all of them when None. `include`: modules
        of test-only tasks it imports too (-I)."""
        self.queues = queues
        self.include = include
        self.broker_url = broker_url
        self.database = database
        self.name = name
        self.extra_env = env or {}
        self.logdir = tempfile.mkdtemp(prefix="it-worker-")
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def logfile(self) -> Path:
        return Path(self.logdir) / f"worker-{self.starts}.log"

    def log(self) -> str:
        try:
            return self.logfile.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def start(self) -> CeleryWorker:
        self.starts += 1
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "roadmap_portal.settings_test",
            "DATABASE_URL": self.database,
            "CELERY_BROKER_URL": self.broker_url,
            # follow-up tasks (index, alerts after an import) go through their queues
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }
        env.pop("REDIS_URL", None)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "roadmap_portal",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{self.name}-{self.starts}@%h",
                f"--logfile={self.logfile}",
                *(["-Q", ",".join(self.queues)] if self.queues else []),
                *(["-I", ",".join(self.include)] if self.include else []),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(lambda: " ready." in self.log(), timeout=90, what="the worker to be ready")
        return self

    def kill(self) -> None:
        """SIGKILL to the worker and its pool children (its own process group only)."""
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.logdir, ignore_errors=True)


def use_broker(url: str) -> str:
    """Points this process's Celery app at `url`; returns the previous URL. (Celery reads
    the CELERY_BROKER_URL environment variable before its settings: both are set.)"""
    from roadmap_portal.celery import app

    previous = app.conf.broker_url
    os.environ["CELERY_BROKER_URL"] = url
    app.conf["CELERY_BROKER_URL"] = url
    app.conf["broker_url"] = url
    app._pool = None  # the next publish opens connections to the new URL
    app.amqp._producer_pool = None
    return previous


def send_messages(
    redis_url: str, max_url: str, chats: list[str], count: int, senders: int, start_at: float, out
) -> None:
    """In a separate process: `count` messages to each of `chats`, round robin, through the
    MAX bot client and the Redis limiter, to the fake MAX server at `max_url`; puts how many
    were delivered on `out`. (Here, not in a test module: a spawned process imports this
    module without Django set up.)"""
    from alerts.maxbot import RedisChatRateLimiter, max_send

    limiter = RedisChatRateLimiter(redis_url, rate=2, senders=senders)
    while time.time() < start_at:
        time.sleep(0.005)
    delivered = 0
    for number in range(count):
        for chat in chats:
            result = max_send(
                base_url=max_url,
                token="bench-token",
                chat_id=chat,
                text=f"{chat} #{number} from {os.getpid()}",
                retries=0,
                limiter=limiter,
            )
            delivered += result.ok
    out.put(delivered)
