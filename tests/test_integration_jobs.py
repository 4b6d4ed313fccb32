"""Jobs on a real worker, killed and cut off from Redis (PostgreSQL stage of .ci/run).

These tests start their OWN Redis server and their OWN Celery worker (tests/processes.py)
and kill only those, so CI's shared worker and the shared Redis are never touched. The
test process publishes to the same private Redis (`use_broker`).
"""

from __future__ import annotations

import bisect
import datetime as dt
import multiprocessing
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from agencies.models import Organisation, Region
from indicators.jobs import monitoring_import_enqueue
from indicators.models import MonitoringRow, MonitoringUpload
from indicators.services.uploads import monitoring_upload_create
from reports.tasks import jobs_sweep_all
from tests.alerts.servers import FakeMaxApi
from tests.indicators.conftest import csv_bytes, row
from tests.processes import (
    CeleryWorker,
    RedisServer,
    database_url,
    send_messages,
    use_broker,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BIG_ROWS = 200_000  # seconds of import on the worker: time to kill it half way


@pytest.fixture
def own_redis():
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def own_worker(own_redis, seeded):
    assert connection.vendor == "postgresql", "needs the PostgreSQL test database"
    previous = use_broker(own_redis.url(0))
    worker = CeleryWorker(
        broker_url=own_redis.url(0),
        database=database_url(connection.settings_dict),
        name="it-jobs",
    )
    try:
        yield worker.start()
    finally:
        worker.close()
        use_broker(previous)


def _status(upload_id: int) -> MonitoringUpload:
    return MonitoringUpload.objects.get(pk=upload_id)


def _big_file(rows: int) -> bytes:
    return csv_bytes([row(f"BIG{i:07d}") for i in range(rows)])


def _sweep_until(predicate, *, timeout: float, what: str):
    """The beat task's work, run every second until `predicate` holds."""

    def swept():
        jobs_sweep_all()
        return predicate()

    return wait_for(swept, timeout=timeout, what=what, every=1.0)


def test_worker_killed_mid_import_then_restarted(own_worker):
    """SIGKILL half way: nothing half-written, never left RUNNING, the rerun succeeds."""
    rows_before = MonitoringRow.objects.count()
    orgs_before = Organisation.objects.count()
    upload = monitoring_upload_create(
        file=SimpleUploadedFile("national.csv", _big_file(BIG_ROWS)),
        user=None,
        region=Region.objects.get(code="66"),
    )
    assert monitoring_import_enqueue(upload.pk)
    wait_for(
        lambda: _status(upload.pk).status == "running" and _status(upload.pk).progress > 0,
        timeout=300,
        what="the import to be half way",
        every=0.1,
    )
    own_worker.kill()
    assert _status(upload.pk).status == "running"  # what a lost worker leaves behind

    # nothing half-written: the import's one transaction died with the worker
    wait_for(
        lambda: MonitoringRow.objects.count() == rows_before,
        timeout=60,
        what="the killed transaction to roll back",
    )
    assert Organisation.objects.count() == orgs_before

    own_worker.start()
    _sweep_until(
        lambda: _status(upload.pk).status not in ("running", "pending"),
        timeout=600,
        what="the re-queued import to finish",
    )
    upload = _status(upload.pk)
    assert upload.status == "done", (upload.errors, own_worker.log()[-3000:])
    assert upload.attempts == 2
    assert upload.rows_created == BIG_ROWS
    assert MonitoringRow.objects.count() == rows_before + BIG_ROWS
    assert Organisation.objects.count() == orgs_before + BIG_ROWS

    # a second delivery of the finished job changes nothing
    finished_at = upload.finished_at
    assert monitoring_import_enqueue(upload.pk)
    time.sleep(3)
    upload = _status(upload.pk)
    assert (upload.status, upload.finished_at, upload.attempts) == ("done", finished_at, 2)


def test_redis_stopped_during_an_upload(own_worker, own_redis, client, personas):
    """No 500 while Redis is down; the upload waits and is processed once Redis is back."""
    dead_or_alive_cache = {
        "default": {
            "BACKEND": "roadmap_portal.cache.DegradingRedisCache",
            "LOCATION": own_redis.url(1),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    with override_settings(CACHES=dead_or_alive_cache):
        own_redis.stop()
        assert client.get("/login/").status_code == 200
        client.force_login(personas.coordinator)
        response = client.post(
            reverse("indicators:upload-create", args=["66"]),
            {"file": SimpleUploadedFile("w.csv", csv_bytes([row("REDIS1"), row("REDIS2")]))},
        )
        assert response.status_code == 302
        upload = MonitoringUpload.objects.get(original_name="w.csv")
        assert (upload.status, upload.enqueued_at) == ("pending", None)
        page = client.get(response["Location"])
        assert page.status_code == 200
        assert "Очередь обработки сейчас недоступна" in page.content.decode()
        assert client.get("/indicators/regions/66/").status_code == 200
        assert client.get(f"/api/v1/monitoring/uploads/{upload.pk}/").status_code == 200
        assert jobs_sweep_all()["uploads"]["unpublished"] == []  # too fresh for the sweeper
        MonitoringUpload.objects.filter(pk=upload.pk).update(
            uploaded_at=timezone.now() - dt.timedelta(minutes=2)
        )
        assert jobs_sweep_all()["uploads"]["unpublished"] == [upload.pk]  # still down

        own_redis.start()
        _sweep_until(
            lambda: _status(upload.pk).status == "done",
            timeout=180,
            what="the upload to be processed after Redis is back",
        )
    upload = _status(upload.pk)
    assert upload.rows_created == 2 and upload.enqueued_at is not None
    assert MonitoringRow.objects.filter(organisation__code__startswith="REDIS").count() == 2


# --- the MAX bot's rate limit across processes ------------------------------------------------


def _most_in_one_second(times: list[float]) -> int:
    """The most messages inside any window [t, t + 1 s) (sliding, not calendar seconds)."""
    times = sorted(times)
    return max(bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times))


def _send_from_processes(redis_url: str, api: FakeMaxApi, *, processes: int, count: int):
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    start_at = time.time() + 4  # every process imported and waiting
    senders = [
        context.Process(
            target=send_messages,
            args=(redis_url, api.url, ["chat-a", "chat-b"], count, processes, start_at, out),
        )
        for _ in range(processes)
    ]
    for process in senders:
        process.start()
    delivered = sum(out.get(timeout=120) for _ in senders)
    for process in senders:
        process.join(timeout=30)
    by_chat: dict[str, list[float]] = {}
    for message in api.received:
        by_chat.setdefault(message.query["chat_id"][0], []).append(message.at)
    return delivered, by_chat


@pytest.fixture
def max_api():
    api = FakeMaxApi()
    try:
        yield api
    finally:
        api.close()


def test_max_rate_limit_holds_across_processes(own_redis, max_api):
    """Three processes send to two chats through the real client to the fake MAX server:
    no chat gets more than 2 messages in any second (as MAX counts them, on arrival), and
    one chat's queue does not hold up the other."""
    delivered, by_chat = _send_from_processes(own_redis.url(2), max_api, processes=3, count=3)
    assert delivered == 18
    assert sorted(by_chat) == ["chat-a", "chat-b"]
    for chat, times in by_chat.items():
        assert len(times) == 9
        assert _most_in_one_second(times) <= 2, (chat, sorted(times))
    # per chat: 9 messages in slots 0.575 s apart take ~4.6 s; the two chats run side by side
    first = min(min(t) for t in by_chat.values())
    last = max(max(t) for t in by_chat.values())
    assert 4.0 <= last - first < 8, last - first


def test_max_rate_limit_with_redis_down_is_each_process_share(own_redis, max_api):
    """Redis stopped: nothing is lost, and each of the three processes sends to a chat at a
    third of the rate (MAX_BOT_SENDERS=3), so a chat gets 2 per second on average. (Without
    Redis the processes cannot agree on who goes first: their first messages may arrive
    together; MAX answers such a burst with 429 and the client retries after Retry-After.)"""
    own_redis.stop()
    delivered, by_chat = _send_from_processes(own_redis.url(2), max_api, processes=3, count=3)
    assert delivered == 18
    senders: dict[tuple[str, str], list[float]] = {}
    for message in max_api.received:
        sender = message.body["text"].rsplit(" from ", 1)[1]
        senders.setdefault((message.query["chat_id"][0], sender), []).append(message.at)
    assert len(senders) == 6  # 2 chats × 3 processes
    for key, times in senders.items():
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        # each process: 1.5 s apart (3 processes / 2 per second), less the way's jitter
        assert len(times) == 3 and min(gaps) >= 1.3 and sum(gaps) >= 2.9, (key, gaps)


def test_a_task_that_kills_its_worker_every_time_is_dropped(own_redis, tmp_path, settings):
    """acks_late + reject_on_worker_lost give a dead worker's message back; one that kills
    its worker on every delivery was delivered for ever (roadmap_portal.celery.PortalTask).
    It is now dropped once its worker was lost JOBS_MAX_ATTEMPTS times, and the worker
    goes on with the next message."""
    import redis

    from roadmap_portal.celery import DELIVERY_KEY, app

    previous = use_broker(own_redis.url(0))
    worker = CeleryWorker(
        broker_url=own_redis.url(0),
        database=database_url(connection.settings_dict),
        name="it-poison",
        include=["tests.poison_tasks"],
    )
    try:
        worker.start()
        marker = tmp_path / "deliveries"
        task_id = app.send_task("tests.poison_tasks.kill_the_worker", args=[str(marker)]).id
        wait_for(
            lambda: "not delivered again" in worker.log(),
            timeout=180,
            what="the poison message to be dropped",
            every=0.5,
        )
        done = tmp_path / "done"
        app.send_task("tests.poison_tasks.write_marker", args=[str(done)])
        wait_for(done.exists, timeout=60, what="the next message to run")
        time.sleep(2)
        assert marker.read_text().count("delivered") == settings.JOBS_MAX_ATTEMPTS
        assert task_id in worker.log()
        assert not redis.Redis.from_url(own_redis.url(0)).exists(f"{DELIVERY_KEY}{task_id}")
    finally:
        worker.close()
        use_broker(previous)
