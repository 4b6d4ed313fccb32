"""The country overview judges each region on the day its own dashboard and alerts do.

For today, each region's own local date (`Region.local_today`): staleness, the current
stage, the RAG and the overdue measures. For a date asked for (`?date=`), that date for
every region. The index (places) keeps the one national date. The cache key follows
every zone's date, so no write is needed for a row to move when a region's day turns.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Region
from alerts.choices import AlertKind
from alerts.models import Alert
from alerts.services import alerts_sync
from indicators.models import Indicator, MonitoringRollup, RegionBaseline
from reports.dashboards.country import country_overview, national_rows, overview_days
from reports.dashboards.region import region_dashboard
from reports.dashboards.roadmap import overdue_measures
from tests.factories import make_measure, make_roadmap

pytestmark = pytest.mark.django_db

WEEK = dt.date(2025, 10, 6)  # the newest week, a Monday: fresh up to 20.10, stale from 21.10
# 18:30 on 20.10 in Moscow, 03:30 on 21.10 in Kamchatka (UTC+12)
NOW = dt.datetime(2025, 10, 20, 15, 30, tzinfo=dt.UTC)


def _rollup(region, week, *, i1=50, staff=1000):
    return MonitoringRollup.objects.create(
        region=region,
        week_start=week,
        organisations=1,
        edu_staff_total=staff,
        edu_staff_writers=int(staff * i1 / 100),
    )


def _row(overview, region):
    return next(r for r in overview.rows if r.region.pk == region.pk)


@pytest.fixture
def two_zones(seeded):
    """Moscow (UTC+3) and Kamchatka (UTC+12), each with the week of 06.10 as its newest."""
    moscow, kamchatka = Region.objects.get(code="77"), Region.objects.get(code="41")
    assert (moscow.timezone, kamchatka.timezone) == ("Europe/Moscow", "Asia/Kamchatka")
    for region in (moscow, kamchatka):
        _rollup(region, WEEK)
    return moscow, kamchatka


def test_today_each_region_is_stale_on_its_own_date_as_its_alert_says(two_zones, personas):
    """The reviewer's case: at 20.10 15:30 UTC the overview said «fresh» for Kamchatka,
    judged on Moscow's 20.10, while its alert (on Kamchatka's 21.10) said stale."""
    moscow, kamchatka = two_zones
    o = country_overview(user=personas.analyst, now=NOW)
    assert o.on_date == dt.date(2025, 10, 20)  # the page's date is the national one
    for region, stale in ((moscow, False), (kamchatka, True)):
        day = region.local_today(NOW)
        assert _row(o, region).stale is stale
        dashboard = region_dashboard(user=personas.admin, region=region, today=day)
        assert dashboard.freshness.stale is stale
        alerts_sync(region=region, on_date=day)
        alert = Alert.objects.open().filter(region=region, kind=AlertKind.DATA_STALE).exists()
        assert alert is stale
    # today's date asked for (the page's date field sends it back) is still today
    o = country_overview(user=personas.analyst, on_date=dt.date(2025, 10, 20), now=NOW)
    assert _row(o, kamchatka).stale is True


def test_a_date_asked_for_is_the_day_of_every_region(two_zones, personas):
    moscow, kamchatka = two_zones
    later = NOW + dt.timedelta(days=2)
    o = country_overview(user=personas.analyst, on_date=dt.date(2025, 10, 20), now=later)
    assert o.on_date == dt.date(2025, 10, 20)
    assert not _row(o, moscow).stale and not _row(o, kamchatka).stale
    assert not region_dashboard(
        user=personas.admin, region=kamchatka, today=dt.date(2025, 10, 20)
    ).freshness.stale
    assert overview_days(dt.date(2025, 10, 20), now=later).local is None


def test_overdue_is_counted_on_the_overview_day_not_now(seeded, personas):
    """The reviewer's case: the overview of a past date counted overdue measures as of
    now (and cached that under the past date); the region dashboard counts them on it."""
    region = Region.objects.get(code="66")
    on_date = dt.date(2025, 8, 1)  # before every Sverdlovsk deadline
    then, _lines = overdue_measures(region=region, today=on_date)
    now, _lines = overdue_measures(region=region, today=region.local_today())
    assert then < now
    assert _row(national_rows(on_date=on_date), region).overdue == then
    o = country_overview(user=personas.analyst, on_date=on_date)
    assert _row(o, region).overdue == then


def test_overdue_today_turns_with_each_region_own_midnight(two_zones, personas):
    moscow, kamchatka = two_zones
    for region in two_zones:
        make_measure(make_roadmap(region), due_date=dt.date(2025, 10, 20))
    o = country_overview(user=personas.analyst, now=NOW)
    for region, overdue in ((moscow, 0), (kamchatka, 1)):
        total, _lines = overdue_measures(region=region, today=region.local_today(NOW))
        assert _row(o, region).overdue == total == overdue


def test_the_current_stage_turns_with_each_region_own_midnight(two_zones, personas):
    """Stage 1 of I1 ends on 01.10: at 15:30 UTC that day Moscow still works towards it,
    Kamchatka (already on 02.10) towards stage 2, as each region's dashboard says."""
    i1 = Indicator.objects.get(code="i1")
    now = dt.datetime(2025, 10, 1, 15, 30, tzinfo=dt.UTC)
    for region in two_zones:
        RegionBaseline.objects.create(region=region, indicator=i1, value=Decimal("40"), source="t")
        for week in range(1, 4):
            _rollup(region, dt.date(2025, 9, 29) - dt.timedelta(weeks=week), i1=45 + week)
    o = country_overview(user=personas.analyst, now=now)
    seen = {}
    for region in two_zones:
        card = region_dashboard(
            user=personas.admin, region=region, today=region.local_today(now)
        ).indicators[0]
        item = _row(o, region).indicators[0]
        assert (item.target, item.rag) == (card.current.counted, card.rag)
        seen[region.code] = card.current.stage
    assert seen == {"77": 1, "41": 2}


# --------------------------------------------------------------------------- the cache key


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 900
    cache.clear()
    yield
    cache.clear()


def test_the_cached_rows_move_when_a_region_day_turns(two_zones, personas, page_cache):
    """No write between 11:30 and 12:30 UTC, the national date unchanged: Kamchatka's
    midnight alone moves the key; within the hour the rows are a hit."""
    _moscow, kamchatka = two_zones
    before = dt.datetime(2025, 10, 20, 11, 30, tzinfo=dt.UTC)  # Kamchatka 23:30 on 20.10
    assert not _row(country_overview(user=personas.analyst, now=before), kamchatka).stale
    with CaptureQueriesContext(connection) as hit:
        o = country_overview(user=personas.analyst, now=before + dt.timedelta(minutes=20))
    assert len(hit) == 3  # the regions' time zones, the visible regions, the version
    assert not _row(o, kamchatka).stale
    after = dt.datetime(2025, 10, 20, 12, 30, tzinfo=dt.UTC)  # Kamchatka 00:30 on 21.10
    assert _row(country_overview(user=personas.analyst, now=after), kamchatka).stale


def test_the_key_is_every_zone_date_not_only_the_set_of_dates(seeded):
    """At 12:30 and 13:30 UTC the dates are {20.10, 21.10} both times, but Magadan
    (UTC+11) has turned: a key on the set of dates would serve its old row."""
    at = dt.datetime(2025, 10, 20, 12, 30, tzinfo=dt.UTC)
    first, second = overview_days(now=at), overview_days(now=at + dt.timedelta(hours=1))
    assert set(first.local.values()) == set(second.local.values())
    assert first.on_date == second.on_date and first.key != second.key
    assert overview_days(now=at + dt.timedelta(minutes=25)).key == first.key
    # a date asked for: the key is the date, whatever the hour
    asked = dt.date(2025, 9, 1)
    assert overview_days(asked, now=at).key == overview_days(asked, now=NOW).key == "2025-09-01"


def test_the_rendered_overview_moves_when_a_region_day_turns(
    two_zones, personas, client, page_cache, monkeypatch
):
    _moscow, kamchatka = two_zones
    client.force_login(personas.analyst)

    def page(at):
        monkeypatch.setattr(timezone, "now", lambda: at)
        return client.get("/dashboard/?sort=name")

    first = page(dt.datetime(2025, 10, 20, 11, 30, tzinfo=dt.UTC))
    assert not _row(first.context["o"], kamchatka).stale  # rendered
    assert "o" not in page(dt.datetime(2025, 10, 20, 11, 50, tzinfo=dt.UTC)).context  # a hit
    turned = page(dt.datetime(2025, 10, 20, 12, 30, tzinfo=dt.UTC))
    assert _row(turned.context["o"], kamchatka).stale  # rendered again, no write
