"""Each body's part of a measure through the API: read (scoped), status with If-Match."""

from __future__ import annotations

import pytest

from agencies.models import Agency
from roadmaps.models import Measure, MeasurePart
from tests.roadmaps.test_measure_parts import PART_WRITE, PERSONAS, _part

pytestmark = pytest.mark.django_db


@pytest.fixture
def collective(seeded) -> Measure:
    return Measure.objects.get(roadmap__code="sverdlovsk-2025", number="1.1")


# --- the API ------------------------------------------------------------------------------


def _api_status(client, part: MeasurePart, etag: str | None = None, **data):
    headers = {"HTTP_IF_MATCH": etag} if etag is not None else {}
    body = {"status": "in_progress", "comment": "Начали", **data}
    return client.post(f"/api/v1/measure-parts/{part.pk}/status/", body, format="json", **headers)


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_part_status_matrix(api_as, collective, persona):
    part = _part(collective, "so-minobr")
    response = _api_status(api_as(persona), part, '"1"')
    expected = 200 if PART_WRITE[persona] == 302 else PART_WRITE[persona]
    assert response.status_code == expected, response.content
    if expected == 200:
        assert response["ETag"] == '"2"'
        assert response.json()["status"] == "in_progress"


def test_api_part_status_anonymous(api_as, collective):
    assert (
        _api_status(api_as("anonymous"), _part(collective, "so-minobr"), '"1"').status_code == 401
    )


def test_api_part_if_match(api_as, collective):
    part = _part(collective, "so-minobr")
    client = api_as("ministry_user")
    assert _api_status(client, part).status_code == 428
    assert _api_status(client, part, '"7"').status_code == 412
    detail = client.get(f"/api/v1/measure-parts/{part.pk}/")
    assert detail["ETag"] == '"1"'
    assert _api_status(client, part, detail["ETag"]).status_code == 200
    assert _api_status(client, part, '"1"', status="done", comment="x").status_code == 412


def test_api_part_rules_are_russian_field_errors(api_as, collective):
    part = _part(collective, "so-minobr")
    response = _api_status(api_as("ministry_user"), part, '"1"', status="done", comment="")
    assert response.status_code == 400
    assert "comment" in response.json()["fields"]


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("ministry_user", True),
        ("coordinator", True),
        ("analyst", True),
        ("admin", True),
        ("outsider", False),
    ],
)
def test_api_parts_are_scoped(api_as, collective, persona, visible):
    response = api_as(persona).get(f"/api/v1/measure-parts/?measure={collective.pk}")
    assert response.status_code == 200
    count = response.json()["count"]
    assert (count == collective.parts.count()) if visible else count == 0
    detail = api_as(persona).get(f"/api/v1/measures/{collective.pk}/")
    if visible:
        assert len(detail.json()["parts"]) == collective.parts.count()
    else:
        assert detail.status_code == 404


def test_api_measure_status_is_still_the_staff_parts(api_as, collective):
    collective.refresh_from_db()
    response = api_as("ministry_user").post(
        f"/api/v1/measures/{collective.pk}/status/",
        {"status": "in_progress", "comment": "Начали"},
        format="json",
        HTTP_IF_MATCH=f'"{collective.version}"',
    )
    assert response.status_code == 200
    parts = {p["agency"]: p["status"] for p in response.json()["parts"]}
    assert parts[Agency.objects.get(code="so-minobr").pk] == "in_progress"
    assert parts[Agency.objects.get(code="so-dip").pk] == "not_started"
