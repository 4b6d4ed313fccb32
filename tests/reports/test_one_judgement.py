"""One judgement, every path: the dashboards, the alerts, the exports and the API say the
same about the same thing (grids of edge cases, each asked of every path)."""

import datetime as dt

import pytest

from alerts.choices import AlertKind, Severity
from alerts.models import Alert
from alerts.services import alerts_sync
from indicators.choices import UploadStatus
from indicators.models import MonitoringRollup, MonitoringUpload
from reports.dashboards.country import country_overview
from reports.dashboards.region import region_dashboard
from tests.factories import make_region

pytestmark = pytest.mark.django_db

SEASON = dt.date(2025, 9, 1)  # MONITORING_SEASON_START in these tests
WEEK = dt.date(2025, 10, 6)  # a Monday


@pytest.fixture
def season(settings):
    settings.MONITORING_SEASON_START = SEASON.isoformat()
    return SEASON


def _rollup(region, week, *, i1=50, staff=1000):
    return MonitoringRollup.objects.create(
        region=region,
        week_start=week,
        organisations=1,
        edu_staff_total=staff,
        edu_staff_writers=int(staff * i1 / 100),
    )


def _stale_everywhere(personas, region, day) -> dict[str, bool]:
    dashboard = region_dashboard(user=personas.admin, region=region, today=day)
    row = next(
        r for r in country_overview(user=personas.admin, on_date=day).rows if r.region == region
    )
    alerts_sync(region=region, on_date=day)
    alert = Alert.objects.open().filter(region=region, kind=AlertKind.DATA_STALE).exists()
    return {"region dashboard": dashboard.freshness.stale, "country": row.stale, "alert": alert}


# --- stale data: a region that never reported counts its days from the season's start ----


@pytest.mark.parametrize(
    ("days_after", "weeks", "stale"),
    [
        # never reported: counted from MONITORING_SEASON_START, as a week starting then
        (0, [], False),
        (14, [], False),
        (15, [], True),
        (60, [], True),
        # reported: counted from the newest week's start
        (14, [WEEK], False),
        (15, [WEEK], True),
    ],
)
def test_stale_is_one_judgement(personas, season, days_after, weeks, stale):
    region = make_region("91", timezone="Asia/Vladivostok")
    for week in weeks:
        _rollup(region, week)
    since = weeks[-1] if weeks else season
    seen = _stale_everywhere(personas, region, since + dt.timedelta(days=days_after))
    assert seen == dict.fromkeys(seen, stale)


def test_never_reported_region_raises_the_stale_alert(personas, season):
    region = make_region("91")
    day = season + dt.timedelta(days=40)
    alerts_sync(region=region, on_date=day)
    alert = Alert.objects.open().get(region=region, kind=AlertKind.DATA_STALE)
    assert alert.details["last_week"] is None
    assert alert.details["season_start"] == season.isoformat()
    assert alert.severity == Severity.HIGH  # 40 days: twice the 14 and more
    assert "None" not in alert.message
    assert "ни одной недели" in alert.message and "01.09.2025" in alert.message
    assert alert.days_overdue(day) == 40
    # a second run keeps the one alert
    alerts_sync(region=region, on_date=day)
    assert Alert.objects.filter(region=region, kind=AlertKind.DATA_STALE).count() == 1
    # the region's first accepted week closes it
    _rollup(region, day - dt.timedelta(days=3 + day.weekday()))
    alerts_sync(region=region, on_date=day)
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_never_reported_severity_grows_as_for_a_week(season):
    region = make_region("91")
    alerts_sync(region=region, on_date=season + dt.timedelta(days=20))
    assert Alert.objects.open().get(kind=AlertKind.DATA_STALE).severity == Severity.MEDIUM
    alerts_sync(region=region, on_date=season + dt.timedelta(days=28))
    assert Alert.objects.open().get(kind=AlertKind.DATA_STALE).severity == Severity.HIGH


def test_an_accepted_upload_without_a_week_is_no_week(personas, season):
    """The alerts used to count a region's days from an accepted upload when it had no
    week; the dashboards never did. A week is what the rule counts."""
    region = make_region("91")
    upload = MonitoringUpload.objects.create(
        region=region, original_name="w.csv", sha256="c", status=UploadStatus.DONE
    )
    day = season + dt.timedelta(days=30)
    MonitoringUpload.objects.filter(pk=upload.pk).update(
        uploaded_at=dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
    )
    seen = _stale_everywhere(personas, region, day)
    assert seen == dict.fromkeys(seen, True)


def test_an_alert_without_a_last_week_reads_in_russian_everywhere(
    persona_client, personas, settings, season
):
    """The alert list and page, the API, the alert export and the digest show the alert of
    a region that never reported: its Russian message, no «None», the days counted from the
    season's start."""
    from django.core import mail
    from django.urls import reverse

    from agencies.models import Region
    from alerts.notify import digest_send
    from reports import selectors

    settings.SITE_URL = "https://portal.example"
    sverdlovsk = Region.objects.get(code="66")
    personas.coordinator.email = "coord66@example.org"
    personas.coordinator.save()
    day = season + dt.timedelta(days=40)
    alerts_sync(region=sverdlovsk, on_date=day)
    alert = Alert.objects.open().get(region=sverdlovsk, kind=AlertKind.DATA_STALE)
    text = "Нет данных мониторинга: ни одной недели с начала сезона мониторинга 01.09.2025"
    assert alert.message == text
    client = persona_client("coordinator")
    for url in (reverse("alerts:alert-list"), alert.get_absolute_url()):
        page = client.get(url).content.decode()
        assert text in page and "None" not in page
    api = client.get(f"/api/v1/alerts/{alert.pk}/").json()
    assert api["message"] == text and api["kind_display"] == "Данные мониторинга устарели"
    assert api["details"]["last_week"] is None
    assert api["details"]["season_start"] == "2025-09-01"
    rows = [
        r
        for r in selectors.alert_export_rows(user=personas.coordinator, region=sverdlovsk)
        if r.message == text
    ]
    assert len(rows) == 1 and rows[0].kind_label == "Данные мониторинга устарели"
    digest_send(region=sverdlovsk)
    bodies = [m.body for m in mail.outbox if "coord66@example.org" in m.to]
    assert bodies and text in bodies[0] and "None" not in bodies[0]
