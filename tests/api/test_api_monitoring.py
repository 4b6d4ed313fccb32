"""Monitoring uploads through the one API router: the monitoring service, scoped writes.

The persona × region matrix of the endpoint lives with the monitoring tests
(tests/indicators/test_views.py); here: writes that would reach another region.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from indicators.models import MonitoringRow, MonitoringUpload
from tests.indicators.conftest import csv_bytes, row

pytestmark = pytest.mark.django_db


def _upload(client, data: bytes, **fields):
    return client.post(
        "/api/v1/monitoring/uploads/",
        {"file": SimpleUploadedFile("export.csv", data), **fields},
        format="multipart",
    )


def test_upload_for_a_region_outside_scope_is_refused(api_as, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(api_as("outsider"), csv_bytes([row("X1", region="66")]), region="66")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not MonitoringUpload.objects.exists() and not MonitoringRow.objects.exists()


def test_rows_of_another_region_refuse_the_file(api_as, django_capture_on_commit_callbacks):
    client = api_as("coordinator")
    data = csv_bytes([row("OWN1", region="66"), row("ALIEN1", region="50")])
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, data, region="66")
    assert response.status_code == 202
    job = client.get(f"/api/v1/monitoring/uploads/{response.json()['id']}/").json()
    assert job["status"] == "refused" and job["errors"]
    assert not MonitoringRow.objects.filter(region__code="50").exists()


def test_missing_file_is_a_russian_400(api_as):
    response = api_as("coordinator").post(
        "/api/v1/monitoring/uploads/", {"region": "66"}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "file" in response.json()["fields"]


def test_filters(api_as, django_capture_on_commit_callbacks):
    client = api_as("coordinator")
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, csv_bytes([row("F1")]), region="66")
    assert client.get("/api/v1/monitoring/uploads/?status=done").json()["count"] == 1
    assert client.get("/api/v1/monitoring/uploads/?status=refused").json()["count"] == 0
    assert client.get("/api/v1/monitoring/uploads/?region=50").json()["count"] == 0
