"""Monitoring import through the real Celery worker on PostgreSQL (run by .ci/run)."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from indicators.models import MonitoringRollup, MonitoringRow, MonitoringUpload
from tests.indicators.conftest import csv_bytes, row, xlsx_bytes

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _wait(upload_id: int, timeout: float = 120) -> MonitoringUpload:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        upload = MonitoringUpload.objects.get(pk=upload_id)
        if upload.status not in ("pending", "running"):
            return upload
        time.sleep(0.5)
    raise AssertionError("the worker did not finish the import in time")


def test_worker_imports_an_upload_from_the_api(seeded, client, personas):
    assert connection.vendor == "postgresql"
    client.force_login(personas.coordinator)
    data = csv_bytes([row("INT1"), row("INT2", org_type="ДОО")], encoding="cp1251")
    response = client.post(
        "/api/v1/monitoring/uploads/", {"file": SimpleUploadedFile("w.csv", data), "region": "66"}
    )
    assert response.status_code == 202
    upload = _wait(response.json()["id"])
    assert upload.status == "done", upload.errors
    assert MonitoringRow.objects.filter(organisation__code__startswith="INT").count() == 2
    assert MonitoringRollup.objects.filter(region__code="66", municipality__isnull=True).exists()


def test_worker_refuses_a_broken_xlsx_writing_nothing(seeded, client, personas):
    client.force_login(personas.coordinator)
    data = xlsx_bytes([row("INT3"), row("INT3")])
    response = client.post(
        "/api/v1/monitoring/uploads/", {"file": SimpleUploadedFile("w.xlsx", data), "region": "66"}
    )
    upload = _wait(response.json()["id"])
    assert upload.status == "refused"
    assert upload.errors[0]["row"] == 5
    assert not MonitoringRow.objects.filter(organisation__code="INT3").exists()
