"""A region that never reported is stale from the season's start; its first accepted week,
through the real import and the sync it triggers, closes the alert."""

import datetime as dt

import pytest

from agencies.models import Region
from alerts.choices import AlertKind
from alerts.models import Alert
from alerts.services import alerts_sync
from roadmap_portal.ru_formats import ru_date

from .conftest import csv_bytes, row

pytestmark = pytest.mark.django_db


def test_first_accepted_week_closes_the_never_reported_alert(
    import_file, django_capture_on_commit_callbacks
):
    region = Region.objects.get(code="66")
    today = region.local_today()
    alerts_sync(region=region, on_date=today)
    alert = Alert.objects.open().get(region=region, kind=AlertKind.DATA_STALE)
    assert alert.details["last_week"] is None
    # a refused file is no week: the alert stays
    last_monday = today - dt.timedelta(days=today.weekday() + 7)
    refused = import_file(csv_bytes([row("ORG1", week="07.10.2025", region="66", counts=())]))
    assert refused.status != "done"
    alert.refresh_from_db()
    assert alert.resolved_at is None
    with django_capture_on_commit_callbacks(execute=True):
        done = import_file(csv_bytes([row("ORG1", week=ru_date(last_monday))]))
    assert done.status == "done", done.errors
    alert.refresh_from_db()
    assert alert.resolved_at is not None
    assert not Alert.objects.open().filter(region=region, kind=AlertKind.DATA_STALE).exists()
