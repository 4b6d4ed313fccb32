"""docs/api.md «Walkthrough», step by step, through the API with a real token.

A person creates a token in the profile page; a machine then uses only the token. Each
step below is a section of the walkthrough, in the same order.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from roadmaps.models import Measure
from tests.indicators.conftest import csv_bytes, row
from tests.roadmaps.helpers import pdf

pytestmark = pytest.mark.django_db


def test_walkthrough(client, personas, django_capture_on_commit_callbacks):
    # 1. Create a token in your profile (the page shows the key once)
    client.force_login(personas.ministry_user)
    page = client.post(reverse("profile-tokens"), {"name": "Электронный журнал"})
    assert page.status_code == 200
    key = page.context["new_key"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    regions = api.get("/api/v1/regions/").json()
    assert [r["code"] for r in regions["results"]] == ["66"]

    # 2. Upload a monitoring export (multipart; the import runs as a background task)
    export = csv_bytes([row("ORG-WALK-1"), row("ORG-WALK-2", org_type="ДОО")])
    with django_capture_on_commit_callbacks(execute=True):
        accepted = api.post(
            "/api/v1/monitoring/uploads/",
            {"file": SimpleUploadedFile("monitoring-2025-10-06.csv", export), "region": "66"},
            format="multipart",
        )
    assert accepted.status_code == 202, accepted.content
    job = accepted.json()
    assert job["region"] == "66" and job["original_name"] == "monitoring-2025-10-06.csv"

    # 3. Poll the job until it is settled (here the task ran on commit: one poll suffices)
    for _attempt in range(10):
        job = api.get(f"/api/v1/monitoring/uploads/{job['id']}/").json()
        if job["status"] not in ("pending", "running"):
            break
    assert job["status"] == "done", job
    assert job["rows_created"] == 2 and job["weeks"] == ["2025-10-06"]
    values = api.get("/api/v1/indicator-values/?region=66&level=region&week=2025-10-06").json()
    [week] = values["results"]
    # I1 over ОО/СПО/ДО only (the ДОО row is left out), I4: no authority rows = no data
    assert week["i1"] == {"value": "50.00", "numerator": 50, "denominator": 100}
    assert week["i4"] == {"value": None, "numerator": 0, "denominator": 0}

    # 4. Read the index of the region on a date, with the breakdown
    index = api.get("/api/v1/index/regions/66/?date=2025-10-15")
    assert index.status_code == 200
    body = index.json()
    assert body["region_code"] == "66" and body["version"] == "stage1"
    assert [c["code"] for c in body["components"]] == ["services", "digital_id", "promotion"]
    criteria = {c["code"]: c for comp in body["components"] for c in comp["criteria"]}
    # M = 600 / 900 = 66.7 %: 1.5 points for every full 10 %
    assert criteria["sferum_migration"]["points"] == "9.00"
    assert body["total"] == "9.00"

    # 5. Update a measure with If-Match
    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.1")
    url = f"/api/v1/measures/{measure.pk}/"
    etag = api.get(url)["ETag"]
    assert etag == '"1"'
    first = api.post(
        url + "status/",
        {"status": "in_progress", "comment": "Приступили"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert first.status_code == 200, first.content
    assert first["ETag"] == '"2"'
    done = api.post(
        url + "status/",
        {"status": "done", "comment": "Выполнено, акт приложен", "evidence": pdf("akt.pdf")},
        format="multipart",
        HTTP_IF_MATCH=first["ETag"],
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done"
    stale = api.post(
        url + "status/",
        {"status": "cancelled", "comment": "Отмена"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    history = api.get(url + "history/").json()["results"]
    assert [(h["new_status"], h["version"]) for h in history] == [
        ("done", 3),
        ("in_progress", 2),
    ]
    assert history[0]["evidence_url"]
