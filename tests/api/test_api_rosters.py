"""Rosters of expected organisations through the API: scoped, coordinator/admin only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from indicators.models import MonitoringRoster

pytestmark = pytest.mark.django_db


def _post(client, region="66", codes=("A1", "A2")):
    data = ("\r\n".join(["Код организации", *codes]) + "\r\n").encode()
    return client.post(
        "/api/v1/monitoring/rosters/",
        {"region": region, "file": SimpleUploadedFile("roster.csv", data)},
        format="multipart",
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coordinator", 201),
        ("admin", 201),
        ("analyst", 403),
        ("ministry_user", 403),
        ("outsider", 404),
    ],
)
def test_upload_matrix(api_as, persona, status):
    response = _post(api_as(persona))
    assert response.status_code == status
    assert MonitoringRoster.objects.exists() == (status == 201)
    if status == 201:
        assert response.json()["organisations"] == 2


def test_errors_name_row_and_column_and_change_nothing(api_as):
    response = _post(api_as("coordinator"), codes=("A1", "B\x01"))
    assert response.status_code == 400
    [message] = response.json()["fields"]["file"]
    assert message.startswith("Строка 3, столбец «Код организации»")
    assert not MonitoringRoster.objects.exists()


def test_list_is_scoped_and_delete_needs_the_coordinator(api_as):
    _post(api_as("coordinator"))
    roster = MonitoringRoster.objects.get()
    assert api_as("outsider").get("/api/v1/monitoring/rosters/").json()["count"] == 0
    assert api_as("analyst").get("/api/v1/monitoring/rosters/").json()["count"] == 1
    assert api_as("analyst").delete(f"/api/v1/monitoring/rosters/{roster.pk}/").status_code == 403
    assert api_as("outsider").delete(f"/api/v1/monitoring/rosters/{roster.pk}/").status_code == 404
    assert (
        api_as("coordinator").delete(f"/api/v1/monitoring/rosters/{roster.pk}/").status_code == 204
    )
    assert not MonitoringRoster.objects.exists()
