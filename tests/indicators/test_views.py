"""Pages and API of monitoring uploads and indicators: permission matrix and flows."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import Region
from indicators.models import MonitoringRow, MonitoringUpload
from indicators.services.uploads import monitoring_upload_create
from tests.indicators.conftest import csv_bytes, row

PERSONAS = ["ministry_user", "other_agency_user", "coordinator", "analyst", "admin", "outsider"]
# own region = Sverdlovsk (66); the outsider coordinates Moscow oblast (50)
SEES_66 = {"ministry_user", "other_agency_user", "coordinator", "analyst", "admin"}
SEES_50 = {"analyst", "admin", "outsider"}


def expected(persona, region_code, ok=200):
    sees = SEES_66 if region_code == "66" else SEES_50
    return ok if persona in sees else 404


@pytest.fixture
def upload66(seeded):
    return monitoring_upload_create(
        file=SimpleUploadedFile("w.csv", csv_bytes([row("ORG1")])),
        user=None,
        region=Region.objects.get(code="66"),
    )


@pytest.mark.parametrize("region_code", ["66", "50"])
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", ["upload-create", "upload-list", "region"])
def test_region_pages_access(persona_client, persona, region_code, name):
    client = persona_client(persona)
    response = client.get(reverse(f"indicators:{name}", args=[region_code]))
    assert response.status_code == expected(persona, region_code)


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("ministry_user", 403),
        ("other_agency_user", 403),
        ("coordinator", 200),
        ("analyst", 403),
        ("admin", 200),
        ("outsider", 404),
    ],
)
def test_baselines_access(persona_client, persona, code):
    response = persona_client(persona).get(reverse("indicators:baselines", args=["66"]))
    assert response.status_code == code


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", ["upload-detail", "upload-status"])
def test_upload_detail_access(persona_client, upload66, persona, name):
    response = persona_client(persona).get(reverse(f"indicators:{name}", args=[upload66.pk]))
    assert response.status_code == expected(persona, "66")


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_detail_access(persona_client, upload66, persona):
    response = persona_client(persona).get(f"/api/v1/monitoring/uploads/{upload66.pk}/")
    assert response.status_code == expected(persona, "66")


@pytest.mark.parametrize("region_code", ["66", "50"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_api_upload_access(
    persona_client, persona, region_code, django_capture_on_commit_callbacks
):
    client = persona_client(persona)
    data = csv_bytes([row(f"API{persona}", region=region_code)])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/monitoring/uploads/",
            {"file": SimpleUploadedFile("w.csv", data), "region": region_code},
        )
    assert response.status_code == expected(persona, region_code, ok=202)
    if response.status_code == 202:
        body = client.get(f"/api/v1/monitoring/uploads/{response.json()['id']}/").json()
        assert body["status"] == "done", body
        assert body["rows_created"] == 1


def test_anonymous_is_sent_to_login(client, upload66):
    response = client.get(reverse("indicators:upload-detail", args=[upload66.pk]))
    assert response.status_code == 302
    assert client.get(f"/api/v1/monitoring/uploads/{upload66.pk}/").status_code == 401


def test_post_only_views_refuse_get(persona_client, upload66):
    client = persona_client("coordinator")
    for name in ("upload-confirm", "upload-rerun"):
        assert client.get(reverse(f"indicators:{name}", args=[upload66.pk])).status_code == 405


def test_page_upload_dry_run_then_confirm(persona_client, django_capture_on_commit_callbacks):
    client = persona_client("coordinator")
    data = csv_bytes([row("ORG1"), row("ORG2")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("indicators:upload-create", args=["66"]),
            {"file": SimpleUploadedFile("w.csv", data), "dry_run": "on"},
        )
    upload = MonitoringUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("indicators:upload-detail", args=[upload.pk])
    assert not MonitoringRow.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Подтвердить загрузку" in page
    assert "создание" in page
    assert "06.10.2025" in page and "2025-10-06" not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("indicators:upload-confirm", args=[upload.pk]))
    upload.refresh_from_db()
    assert (upload.status, upload.dry_run, upload.rows_created) == ("done", False, 2)
    assert MonitoringRow.objects.count() == 2
    listing = client.get(reverse("indicators:upload-list", args=["66"])).content.decode()
    assert "w.csv" in listing
    indicators_page = client.get(reverse("indicators:region", args=["66"])).content.decode()
    assert "50,0\u00a0%" in indicators_page  # I1 = 100 / 200 writers, ru_formats


def test_page_refused_file_shows_errors(persona_client, django_capture_on_commit_callbacks):
    client = persona_client("ministry_user")
    data = csv_bytes([row("ORG1", counts=(1, 2, 0, 0, 0, 0, 0, 0))])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("indicators:upload-create", args=["66"]),
            {"file": SimpleUploadedFile("w.csv", data)},
        )
    page = client.get(response["Location"]).content.decode()
    assert "Отклонён" in page
    assert "Строка 2, столбец «Работников, писавших за неделю»" in page
    assert not MonitoringRow.objects.exists()


def test_page_upload_size_limit(persona_client, settings):
    settings.MONITORING_UPLOAD_MAX_BYTES = 10
    response = persona_client("coordinator").post(
        reverse("indicators:upload-create", args=["66"]),
        {"file": SimpleUploadedFile("w.csv", csv_bytes([row()]))},
    )
    assert response.status_code == 400
    assert "допустимого размера" in response.content.decode()
    assert not MonitoringUpload.objects.exists()


def test_running_upload_polls_status(persona_client, upload66):
    MonitoringUpload.objects.filter(pk=upload66.pk).update(status="running")
    client = persona_client("coordinator")
    page = client.get(reverse("indicators:upload-detail", args=[upload66.pk])).content.decode()
    assert "upload_status.js" in page
    data = client.get(reverse("indicators:upload-status", args=[upload66.pk])).json()
    assert (data["status"], data["finished"]) == ("running", False)


def test_rerun_failed_upload(persona_client, upload66, django_capture_on_commit_callbacks):
    MonitoringUpload.objects.filter(pk=upload66.pk).update(status="failed")
    with django_capture_on_commit_callbacks(execute=True):
        persona_client("coordinator").post(reverse("indicators:upload-rerun", args=[upload66.pk]))
    upload66.refresh_from_db()
    assert upload66.status == "done"
    assert MonitoringRow.objects.count() == 1


def test_baseline_form_saves_with_source(persona_client):
    from indicators.models import RegionBaseline

    client = persona_client("coordinator")
    from indicators.models import Indicator

    response = client.post(
        reverse("indicators:baselines", args=["66"]),
        {"indicator": Indicator.objects.get(code="i1").pk, "value": "41,5", "source": "Отчёт ВКМ"},
    )
    assert response.status_code == 302
    baseline = RegionBaseline.objects.get()
    assert (str(baseline.value), baseline.source) == ("41.50", "Отчёт ВКМ")
    page = client.get(reverse("indicators:region", args=["66"])).content.decode()
    assert "41,5\u00a0%" in page


def test_upload_list_query_count(persona_client, upload66, django_assert_max_num_queries):
    client = persona_client("coordinator")
    client.get(reverse("indicators:upload-list", args=["66"]))
    with django_assert_max_num_queries(8):
        client.get(reverse("indicators:upload-list", args=["66"]))


def test_region_page_query_count(persona_client, import_file, django_assert_max_num_queries):
    rows = [row(f"Q{i}", municipality=f"М{i % 3}") for i in range(9)]
    assert import_file(csv_bytes(rows)).status == "done"
    client = persona_client("coordinator")
    client.get(reverse("indicators:region", args=["66"]))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("indicators:region", args=["66"]))
    assert page.content.decode().count("<td>М") == 3


@pytest.mark.parametrize(("persona", "count"), [("coordinator", 1), ("outsider", 0), ("admin", 1)])
def test_api_list_is_scoped(persona_client, upload66, persona, count):
    body = persona_client(persona).get("/api/v1/monitoring/uploads/").json()
    assert body["count"] == count
