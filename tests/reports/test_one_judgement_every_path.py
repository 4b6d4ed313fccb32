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


# --- overdue and due soon of a measure: the region's local date, every path ---------------

DUE = dt.date(2025, 10, 31)


def _khabarovsk_moment(day: dt.date, hour: int, minute: int) -> dt.datetime:
    from zoneinfo import ZoneInfo

    local = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo("Asia/Vladivostok"))
    return local.astimezone(dt.UTC)


def _measure_everywhere(personas, region, measure, moment, monkeypatch) -> dict[str, tuple]:
    """(overdue, due soon) of the measure on every path at `moment` (the clock set there)."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import timezone
    from rest_framework.test import APIClient

    from alerts.services import alerts_sync_many
    from reports.dashboards import roadmap as rm
    from reports.selectors import roadmap_status_rows
    from tests.factories import make_user

    monkeypatch.setattr(timezone, "now", lambda: moment)
    today = region.local_today()
    soon_days = settings.ALERT_DUE_SOON_DAYS
    user = personas.admin
    api = APIClient()
    api.force_authenticate(user)
    body = api.get(f"/api/v1/measures/{measure.pk}/").json()
    listed_overdue = api.get("/api/v1/measures/", {"overdue": "true", "region": region.pk}).json()
    listed_soon = api.get(
        "/api/v1/measures/", {"due_within": soon_days, "region": region.pk}
    ).json()
    from django.test import Client

    client = Client()
    client.force_login(make_user("admin", is_superuser=True, is_staff=True))
    page = client.get(reverse("roadmaps:measure-list"), {"overdue": "true", "region": region.pk})
    page_soon = client.get(
        reverse("roadmaps:measure-list"), {"due_within": soon_days, "region": region.pk}
    )
    board = region_dashboard(user=user, region=region, today=today)
    row = next(
        r for r in country_overview(user=user, on_date=None, now=moment).rows if r.region == region
    )
    (export,) = [
        r
        for r in roadmap_status_rows(user=user, region=region, now=moment)
        if r.number == measure.number
    ]
    alerts_sync_many(regions=[region])
    open_kinds = set(Alert.objects.open().filter(measure=measure).values_list("kind", flat=True))
    upcoming = rm.upcoming_deadlines(region=region, today=today, days=soon_days)

    def ids(listing):
        return (
            {m["id"] for m in listing["results"]}
            if "results" in listing
            else {m["id"] for m in listing}
        )

    return {
        "model": (measure.is_overdue(), None),
        "api detail": (body["is_overdue"], None),
        "api list": (measure.pk in ids(listed_overdue), measure.pk in ids(listed_soon)),
        "measure list": (
            measure.number in page.content.decode(),
            measure.number in page_soon.content.decode(),
        ),
        "region dashboard": (
            board.overdue_total == 1,
            any(line.measure == measure for line in upcoming),
        ),
        "country overview": (row.overdue == 1, None),
        "export": (export.days_overdue > 0, None),
        "alerts": (
            AlertKind.MEASURE_OVERDUE in open_kinds,
            AlertKind.MEASURE_DUE_SOON in open_kinds,
        ),
    }


@pytest.mark.parametrize(
    ("day", "hour", "minute", "overdue", "soon"),
    [
        (DUE - dt.timedelta(days=8), 23, 59, False, False),  # 8 days ahead
        (DUE - dt.timedelta(days=7), 0, 1, False, True),  # 7 days ahead: due soon
        (DUE, 23, 59, False, True),  # the deadline's last minute, local
        (DUE + dt.timedelta(days=1), 0, 1, True, False),  # a minute past it, local
    ],
)
def test_overdue_and_due_soon_agree_on_every_path(
    personas, monkeypatch, day, hour, minute, overdue, soon
):
    """Khabarovsk (UTC+10): 01.11 00:01 there is still 31.10 in Moscow and in UTC."""
    from agencies.models import Region
    from tests.factories import make_measure, make_roadmap

    region = Region.objects.get(code="27")
    measure = make_measure(make_roadmap(region), due_date=DUE, number="77.1")
    seen = _measure_everywhere(
        personas, region, measure, _khabarovsk_moment(day, hour, minute), monkeypatch
    )
    for path, (is_overdue, is_soon) in seen.items():
        assert is_overdue is overdue, path
        assert is_soon in (None, soon), path


# --- «неполная неделя» and the week judged: every path ------------------------------------

W0, W1 = dt.date(2025, 12, 22), dt.date(2025, 12, 29)  # Mondays
JUDGE_DAY = dt.date(2026, 1, 5)  # stage 2 (30.12.2025, I1 ≥ 75 %) has passed


def _covered(region, week, *, i1, reported, expected, staff=1000):
    rollup = _rollup(region, week, i1=i1, staff=staff)
    MonitoringRollup.objects.filter(pk=rollup.pk).update(
        coverage_reported=reported, coverage_expected=expected, vkm_users=100,
        vkm_and_max_users=i1,
    )  # fmt: skip


def _judged_week_everywhere(personas, region) -> dict[str, object]:
    """The week each path judges I1 on (or says complete / partial for W1)."""
    import io
    import json

    from django.core.management import call_command
    from rest_framework.test import APIClient

    from indicators.index.selectors import index_inputs_load
    from indicators.selectors import indicator_status
    from reports.exports.indicators import coverage_cells

    user = personas.admin
    board = region_dashboard(user=user, region=region, today=JUDGE_DAY)
    row = next(r for r in country_overview(user=user, on_date=JUDGE_DAY).rows if r.region == region)
    status = next(
        s for s in indicator_status(region=region, on_date=JUDGE_DAY) if s.indicator.code == "i1"
    )
    out = io.StringIO()
    call_command("indicator_report", "--region", region.code, "--week", "05.01.2026", stdout=out)
    report = json.loads(out.getvalue())
    api = APIClient()
    api.force_authenticate(user)
    (w1,) = api.get(
        "/api/v1/indicator-values/", {"region": region.code, "week": W1.isoformat()}
    ).json()["results"]
    complete_weeks = {
        r["week_start"]
        for r in api.get(
            "/api/v1/indicator-values/", {"region": region.code, "complete": "true"}
        ).json()["results"]
    }
    alerts_sync(region=region, on_date=JUDGE_DAY)
    below = Alert.objects.open().get(region=region, kind=AlertKind.INDICATOR_BELOW)
    rollup = MonitoringRollup.objects.get(region=region, municipality=None, week_start=W1)
    export_state = coverage_cells(rollup.coverage)[2]
    inputs = index_inputs_load(region_ids=[region.pk], on_date=JUDGE_DAY)[region.pk]
    return {
        "region dashboard card": board.indicators[0].latest_week,
        "region dashboard partial": W0 if board.partial is not None else W1,
        "country overview": W0 if row.partial is not None else W1,
        "indicators page": status.week_start,
        "indicator_report": dt.date.fromisoformat(report["judged_week"]),
        "api complete": W1 if w1["complete"] else W0,
        "api filter": W1 if W1.isoformat() in complete_weeks else W0,
        "alert": dt.date.fromisoformat(below.details["week"]),
        "export": W0 if export_state.startswith("неполная неделя") else W1,
        "index M": inputs.sferum_week,
    }


@pytest.mark.parametrize(
    ("reported", "expected", "judged"),
    [
        (9, 10, W1),  # exactly MONITORING_MIN_COVERAGE (0.9): complete
        (90, 100, W1),
        (8, 9, W0),  # 88.9 %: a «неполная неделя», the week before is judged
        (8999, 10000, W0),  # 89.99 %: shown as 89.9 %, still partial
        (0, 0, W1),  # nothing expected: complete
    ],
)
def test_the_judged_week_is_one_judgement(personas, reported, expected, judged):
    region = make_region("91")
    _covered(region, W0, i1=40, reported=10, expected=10)
    _covered(region, W1, i1=50, reported=reported, expected=expected)
    seen = _judged_week_everywhere(personas, region)
    assert seen == dict.fromkeys(seen, judged)


# --- the stage target in force on a date, and its verdict: every path ---------------------

STAGE2 = dt.date(2025, 12, 30)  # I1 stage 2: ≥ 75 % (fixture methodology)


def _verdict_everywhere(personas, region, moment, monkeypatch) -> dict[str, str]:
    """I1's verdict at `moment` (the clock set there; each path on the region's own date):
    «below» (red / ниже цели), «at_risk» (amber / под угрозой), «on_track» (green), «none»
    (no target that counts: no colour, no alert)."""
    from django.utils import timezone

    from alerts.services import alerts_sync_many
    from indicators.selectors import indicator_status
    from reports.dashboards import trend

    monkeypatch.setattr(timezone, "now", lambda: moment)
    today = region.local_today()
    colour = {
        trend.RED: "below",
        trend.AMBER: "at_risk",
        trend.GREEN: "on_track",
        trend.NONE: "none",
        trend.FEW: "few",
    }
    user = personas.admin
    card = region_dashboard(user=user, region=region, today=today).indicators[0]
    row = next(
        r for r in country_overview(user=user, on_date=None, now=moment).rows if r.region == region
    )
    status = next(
        s for s in indicator_status(region=region, on_date=today) if s.indicator.code == "i1"
    )
    alerts_sync_many(regions=[region])
    kinds = set(
        Alert.objects.open()
        .filter(region=region, indicator__code="i1")
        .values_list("kind", flat=True)
    )
    alert = (
        "below"
        if AlertKind.INDICATOR_BELOW in kinds
        else "at_risk"
        if AlertKind.INDICATOR_AT_RISK in kinds
        else "on_track_or_none"
    )
    page = status.current.counted
    return {
        "region dashboard": colour[card.rag],
        "country overview": colour[row.indicators[0].rag],
        "indicators page target": "none" if page is None else "counted",
        "alerts": alert,
    }


def _falling_weeks(region, last_week: dt.date, values=(60, 58, 56, 54)):
    for n, value in enumerate(reversed(values)):
        _rollup(region, last_week - dt.timedelta(weeks=n), i1=value)


@pytest.mark.parametrize(
    ("day", "hour", "minute", "verdict"),
    [
        (STAGE2, 23, 59, "at_risk"),  # the stage date's last minute, local: not passed yet
        (STAGE2 + dt.timedelta(days=1), 0, 1, "below"),  # a minute later: passed, missed
    ],
)
def test_stage_date_edge_is_one_judgement(personas, monkeypatch, day, hour, minute, verdict):
    """Khabarovsk (UTC+10): 31.12 00:01 there is 30.12 in Moscow."""
    from agencies.models import Region

    region = Region.objects.get(code="27")
    _falling_weeks(region, dt.date(2025, 12, 22))
    seen = _verdict_everywhere(personas, region, _khabarovsk_moment(day, hour, minute), monkeypatch)
    assert seen == {
        "region dashboard": verdict,
        "country overview": verdict,
        "indicators page target": "counted",
        "alerts": verdict,
    }


@pytest.mark.parametrize(
    ("day", "counted"),
    [(dt.date(2025, 12, 14), False), (dt.date(2025, 12, 15), True)],
)
def test_conditional_target_in_force_from_its_day_everywhere(personas, monkeypatch, day, counted):
    """A conditional stage 2 in force from 15.12.2025: the day before it is shown and judged
    nowhere; from that day, in the region's time zone, it is judged on every path."""
    from decimal import Decimal

    from agencies.models import Region
    from indicators.models import Indicator, RegionTarget

    region = Region.objects.get(code="27")
    RegionTarget.objects.update_or_create(
        region=region,
        indicator=Indicator.objects.get(code="i1"),
        stage=2,
        defaults={
            "target_value": Decimal("75"),
            "conditional": True,
            "condition": "после утверждения нормативных актов",
            "in_force": True,
            "in_force_since": dt.date(2025, 12, 15),
        },
    )
    _falling_weeks(region, dt.date(2025, 12, 8))
    seen = _verdict_everywhere(personas, region, _khabarovsk_moment(day, 0, 1), monkeypatch)
    if counted:
        assert seen == {
            "region dashboard": "at_risk",
            "country overview": "at_risk",
            "indicators page target": "counted",
            "alerts": "at_risk",
        }
    else:
        assert seen == {
            "region dashboard": "none",
            "country overview": "none",
            "indicators page target": "none",
            "alerts": "on_track_or_none",
        }


# --- a missing monthly report of a recurring measure: the measure page and the alert -------


@pytest.mark.parametrize(
    ("status", "day", "missing"),
    [
        ("in_progress", dt.date(2025, 10, 26), False),  # the report's due date: not yet
        ("in_progress", dt.date(2025, 10, 27), True),  # the day after: missing
        ("not_started", dt.date(2025, 10, 27), True),
        ("cancelled", dt.date(2025, 10, 27), False),  # a cancelled duty owes nothing
        ("done", dt.date(2025, 10, 27), False),  # a finished duty: its alerts close
    ],
)
def test_missing_monthly_report_is_one_judgement(personas, status, day, missing):
    """The measure page used to mark the months of a cancelled or done duty «нет отчёта»
    while the alerts (rightly) raised nothing for them."""
    from agencies.models import Region
    from roadmaps.selectors import measure_report_months
    from tests.factories import make_measure, make_roadmap

    region = Region.objects.get(code="27")
    measure = make_measure(
        make_roadmap(region),
        recurrence="monthly",
        start_date=dt.date(2025, 10, 1),
        due_date=dt.date(2025, 12, 26),
        deadline_text="ежемесячно до 26.12.2025",
        status=status,
    )
    (october, *_rest) = measure_report_months(measure, day)
    alerts_sync(region=region, on_date=day)
    alert = Alert.objects.open().filter(measure=measure, kind=AlertKind.REPORT_MISSING).exists()
    assert {"measure page": october.is_missing, "alert": alert} == {
        "measure page": missing,
        "alert": missing,
    }


def test_the_trend_reads_the_same_weeks_everywhere(personas, settings):
    """`ALERT_TREND_WEEKS` beyond the region dashboard's 30 weeks of chart: the dashboard
    fitted its trend on the 30 newest weeks only, the country overview and the alert on all
    the weeks the setting names, so the card said «в графике» beside «под угрозой»."""
    from reports.dashboards import trend

    settings.ALERT_TREND_WEEKS = 40
    region = make_region("91")
    last = dt.date(2025, 12, 22)
    values = [100] * 5 + [46 + n for n in range(30)]  # 35 complete weeks, oldest first
    for n, value in enumerate(values):
        _rollup(region, last - dt.timedelta(weeks=len(values) - 1 - n), i1=value)
    day = dt.date(2025, 12, 23)  # stage 2 (30.12, ≥ 75 %) still ahead
    card = region_dashboard(user=personas.admin, region=region, today=day).indicators[0]
    row = next(
        r for r in country_overview(user=personas.admin, on_date=day).rows if r.region == region
    )
    alerts_sync(region=region, on_date=day)
    at_risk = Alert.objects.open().filter(
        region=region, kind=AlertKind.INDICATOR_AT_RISK, indicator__code="i1"
    )
    assert card.rag == row.indicators[0].rag == trend.AMBER
    assert at_risk.exists()
