"""Reports through the API: order (the export page's rules and job service), poll, fetch."""

from __future__ import annotations

import io

import openpyxl
import pytest

from reports.models import GeneratedExport

pytestmark = pytest.mark.django_db


def _order(client, **data):
    body = {"kind": "roadmap_status", "region": "66", "fmt": "xlsx", **data}
    return client.post("/api/v1/exports/", body, format="json")


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("ministry_user", 403),
        ("other_agency_user", 403),
        ("coordinator", 202),
        ("analyst", 202),
        ("admin", 202),
        ("outsider", 400),  # Sverdlovsk is not in their scope: refused on `region`
        ("anonymous", 401),
    ],
)
def test_order_matrix(api_as, seeded, django_capture_on_commit_callbacks, persona, code):
    with django_capture_on_commit_callbacks(execute=True):
        response = _order(api_as(persona))
    assert response.status_code == code, response.content
    assert GeneratedExport.objects.exists() is (code == 202)
    if code == 400:
        assert "region" in response.json()["fields"]


def test_order_poll_and_fetch(api_as, seeded, django_capture_on_commit_callbacks):
    client = api_as("coordinator")
    with django_capture_on_commit_callbacks(execute=True):
        ordered = _order(client)
    job = client.get(f"/api/v1/exports/{ordered.json()['id']}/").json()
    assert job["status"] == "done" and job["download_url"]
    download = client.get(job["download_url"])
    assert download.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    text = " ".join(str(c) for row in book.active.iter_rows(values_only=True) for c in row if c)
    assert "Свердловская область" in text


def test_not_ready_is_409(api_as, seeded):
    client = api_as("coordinator")
    ordered = _order(client)  # the job is queued after commit: still pending here
    response = client.get(f"/api/v1/exports/{ordered.json()['id']}/download/")
    assert response.status_code == 409
    assert response.json()["code"] == "not_ready"


def test_jobs_are_their_authors(api_as, seeded, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ordered = _order(api_as("coordinator"))
    pk = ordered.json()["id"]
    assert api_as("analyst").get(f"/api/v1/exports/{pk}/").status_code == 404
    assert api_as("analyst").get(f"/api/v1/exports/{pk}/download/").status_code == 404
    assert api_as("analyst").get("/api/v1/exports/").json()["count"] == 0
    assert api_as("coordinator").get("/api/v1/exports/").json()["count"] == 1


def test_form_rules_apply(api_as, seeded):
    response = _order(api_as("analyst"), kind="indicators", region="")
    assert response.status_code == 400
    assert response.json()["fields"]["region"] == ["Для этого отчёта выберите субъект РФ."]
    response = _order(api_as("analyst"), kind="nonsense")
    assert response.status_code == 400 and "kind" in response.json()["fields"]
