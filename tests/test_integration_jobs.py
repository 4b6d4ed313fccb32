"""Jobs on a real worker, killed and cut off from Redis (PostgreSQL stage of .ci/run).

These tests start their OWN Redis server and their OWN Celery worker (tests/processes.py)
and kill only those, so CI's shared worker and the shared Redis are never touched. The
test process publishes to the same private Redis (`use_broker`).
"""

from __future__ import annotations

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
from tests.indicators.conftest import csv_bytes, row
from tests.processes import (
    CeleryWorker,
    RedisServer,
    database_url,
    send_times,
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


def test_max_rate_limit_holds_across_processes(own_redis):
    """Two processes, 4 messages each to one chat: never more than 2 in any second."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    start_at = time.time() + 3
    workers = [
        context.Process(target=send_times, args=(own_redis.url(2), "chat-1", 4, start_at, out))
        for _ in range(2)
    ]
    for process in workers:
        process.start()
    times = sorted(out.get(timeout=60) + out.get(timeout=60))
    for process in workers:
        process.join(timeout=30)
    assert len(times) == 8
    # the third message is at least a second after the first, whichever process sent it
    gaps = [later - first for first, later in zip(times, times[2:], strict=False)]
    assert min(gaps) >= 0.95, gaps
    assert times[-1] - times[0] >= 3.4  # 8 messages at 2 per second: 3.5 s of slots
