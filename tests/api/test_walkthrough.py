"""docs/api.md «Walkthrough», step by step, through the API with a real token.

A person creates a token in the profile page; a machine then uses only the token. Each
step below is a section of the walkthrough, in the same order.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from roadmaps.models import Measure

pytestmark = pytest.mark.django_db


def test_walkthrough(client, personas):
    # 1. Create a token in your profile (the page shows the key once)
    client.force_login(personas.ministry_user)
    page = client.post(reverse("profile-tokens"), {"name": "Электронный журнал"})
    assert page.status_code == 200
    key = page.context["new_key"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    regions = api.get("/api/v1/regions/").json()
    assert [r["code"] for r in regions["results"]] == ["66"]

    # 4. Read the index of the region on a date, with the breakdown
    index = api.get("/api/v1/index/regions/66/?date=2025-10-15")
    assert index.status_code == 200
    body = index.json()
    assert body["region_code"] == "66" and body["version"] == "stage1"
    assert [c["code"] for c in body["components"]] == ["services", "digital_id", "promotion"]

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
    from tests.roadmaps.helpers import pdf

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
