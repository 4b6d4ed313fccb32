"""A national import never delays an overdue notice: a real worker per queue on a Redis of the
test's own (tests/processes.py), as docker-compose.yml runs them (PostgreSQL stage of .ci/run).
"""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from agencies.models import Region
from alerts.choices import AlertKind
from alerts.models import Alert
from alerts.tasks import alerts_sync_region
from indicators.jobs import monitoring_import_enqueue
from indicators.models import MonitoringUpload
from indicators.services.uploads import monitoring_upload_create
from tests.indicators.conftest import csv_bytes, row
from tests.processes import CeleryWorker, RedisServer, database_url, use_broker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

NATIONAL_ROWS = 200_000  # tens of seconds of import on one worker


@pytest.fixture
def workers_per_queue(seeded):
    """Redis of our own; one worker on "imports", one on "notifications" (each -Q)."""
    assert connection.vendor == "postgresql", "needs the PostgreSQL test database"
    redis = RedisServer().start()
    previous = use_broker(redis.url(0))
    started: list[CeleryWorker] = []
    try:
        for queue in ("imports", "notifications"):
            worker = CeleryWorker(
                broker_url=redis.url(0),
                database=database_url(connection.settings_dict),
                name=f"it-{queue}",
                queues=[queue],
            )
            started.append(worker.start())
        yield dict(zip(("imports", "notifications"), started, strict=True))
    finally:
        for worker in started:
            worker.close()
        use_broker(previous)
        redis.close()


def _upload(pk: int) -> MonitoringUpload:
    return MonitoringUpload.objects.get(pk=pk)


def test_overdue_notice_goes_out_while_a_national_import_runs(workers_per_queue):
    region = Region.objects.get(code="66")
    upload = monitoring_upload_create(
        file=SimpleUploadedFile(
            "national.csv", csv_bytes([row(f"NAT{i:07d}") for i in range(NATIONAL_ROWS)])
        ),
        user=None,
        region=region,
    )
    assert monitoring_import_enqueue(upload.pk)
    wait_for(
        lambda: _upload(upload.pk).status == "running",
        timeout=300,
        what="the import to start on the imports worker",
        every=0.1,
    )

    # measures of the region are past their deadline by then: the hourly sync finds them
    asked = time.monotonic()
    alerts_sync_region.delay(region_id=region.pk, on_date_iso="2031-01-01")
    announced = wait_for(
        lambda: Alert.objects.filter(
            region=region, kind=AlertKind.MEASURE_OVERDUE, notified_at__isnull=False
        ).count(),
        timeout=60,
        what="the overdue notice",
        every=0.1,
    )
    took = time.monotonic() - asked
    running = _upload(upload.pk)
    assert announced > 0
    # the notice did not wait for the import: it is out while the import still runs
    assert running.status == "running", (running.status, took)
    assert took < 30, took
    print(f"overdue notice out {took:.1f} s after it was asked, the import still running")

    wait_for(
        lambda: _upload(upload.pk).status not in ("pending", "running"),
        timeout=900,
        what="the import to finish",
        every=1.0,
    )
    done = _upload(upload.pk)
    assert done.status == "done", (done.errors, workers_per_queue["imports"].log()[-3000:])
    assert done.rows_created == NATIONAL_ROWS
    assert "alerts.tasks" not in workers_per_queue["imports"].log()
    assert "monitoring_import_task" not in workers_per_queue["notifications"].log()
