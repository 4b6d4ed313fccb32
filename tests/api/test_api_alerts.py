"""Alerts through the API: the alert centre's scope, filters and acknowledgement rules."""

from __future__ import annotations

import datetime as dt

import pytest

from agencies.models import Region
from alerts.choices import AlertKind
from alerts.models import Alert
from alerts.services import alerts_sync

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 11, 1)


@pytest.fixture
def alerts(personas):
    for code in ("66", "50"):
        alerts_sync(region=Region.objects.get(code=code), on_date=TODAY)
    overdue = Alert.objects.open().filter(kind=AlertKind.MEASURE_OVERDUE)
    return {
        # 3.1: Ministry of Education alone; 1.6: the Department of information policy alone
        "own": overdue.get(measure__roadmap__code="sverdlovsk-2025", measure__number="3.1"),
        "other_agency": overdue.get(
            measure__roadmap__code="sverdlovsk-2025", measure__number="1.6"
        ),
        "other_region": overdue.get(
            measure__roadmap__code="moscow-oblast-2025", measure__number="1"
        ),
    }


def _all(client, url):
    ids = set()
    while url:
        body = client.get(url).json()
        ids |= {row["id"] for row in body["results"]}
        url = body["next"]
    return ids


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("ministry_user", {"own", "other_agency"}),
        ("coordinator", {"own", "other_agency"}),
        ("analyst", {"own", "other_agency", "other_region"}),
        ("admin", {"own", "other_agency", "other_region"}),
        ("outsider", {"other_region"}),
    ],
)
def test_list_is_scoped(api_as, alerts, persona, sees):
    ids = _all(api_as(persona), "/api/v1/alerts/")
    assert {name for name, alert in alerts.items() if alert.pk in ids} == sees


def test_list_anonymous(api_as, alerts):
    assert api_as("anonymous").get("/api/v1/alerts/").status_code == 401


def test_filters_of_the_alert_centre(api_as, alerts):
    client = api_as("ministry_user")
    mine = _all(client, "/api/v1/alerts/?scope=mine&state=open")
    assert alerts["own"].pk in mine and alerts["other_agency"].pk not in mine
    overdue = client.get("/api/v1/alerts/?kind=measure_overdue").json()["results"]
    assert {row["kind"] for row in overdue} == {"measure_overdue"}
    assert client.get("/api/v1/alerts/?state=closed").json()["count"] == 0
    refused = client.get(f"/api/v1/alerts/?region={alerts['other_region'].region_id}")
    assert refused.status_code == 400


@pytest.mark.parametrize(
    ("persona", "target", "code"),
    [
        ("ministry_user", "own", 200),
        ("ministry_user", "other_agency", 403),
        ("ministry_user", "other_region", 404),
        ("other_agency_user", "own", 403),
        ("other_agency_user", "other_agency", 200),
        ("coordinator", "own", 200),
        ("coordinator", "other_region", 404),
        ("analyst", "own", 403),
        ("analyst", "other_region", 403),
        ("admin", "other_region", 200),
        ("outsider", "own", 404),
        ("outsider", "other_region", 200),
        ("anonymous", "own", 401),
    ],
)
def test_acknowledge_matrix(api_as, personas, alerts, persona, target, code):
    alert = alerts[target]
    response = api_as(persona).post(
        f"/api/v1/alerts/{alert.pk}/acknowledge/", {"comment": "Работаем"}, format="json"
    )
    assert response.status_code == code
    alert.refresh_from_db()
    if code == 200:
        assert alert.acknowledged_by == getattr(personas, persona)
        assert response.json()["ack_comment"] == "Работаем"
        assert response.json()["is_open"] is True
    else:
        assert alert.acknowledged_at is None


def test_acknowledge_needs_a_comment(api_as, alerts):
    response = api_as("coordinator").post(
        f"/api/v1/alerts/{alerts['own'].pk}/acknowledge/", {"comment": "  "}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"]["comment"] == ["Напишите комментарий: что сделано или почему."]
