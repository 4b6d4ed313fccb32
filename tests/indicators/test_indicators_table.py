"""The indicators page of those who see several regions: a sortable, scoped table of
П1-П4 with the current stage's target, not a bare list of names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.choices import Role
from agencies.models import Region
from indicators.models import Indicator, MonitoringRollup, RegionBaseline
from indicators.selectors import indicator_status, regions_indicators_table
from roadmaps.querysets import local_dates_by_timezone
from tests.factories import make_user
from tests.reports.dashboard_data import FIRST_WEEK, build_baselines, build_monitoring

pytestmark = pytest.mark.django_db
WEEKS = 4
ON = FIRST_WEEK + dt.timedelta(weeks=WEEKS, days=1)


@pytest.fixture
def data(personas):
    sverdlovsk = Region.objects.get(code="66")
    build_monitoring(sverdlovsk, municipalities=2, weeks=WEEKS)
    build_baselines(sverdlovsk)
    return sverdlovsk


def test_values_and_targets_of_every_visible_region(data, personas):
    indicators, rows = regions_indicators_table(user=personas.analyst, on_date=ON)
    assert [i.number for i in indicators] == [1, 2, 3, 4]
    assert len(rows) == Region.objects.count()
    row = next(r for r in rows if r.region.code == "66")
    latest = MonitoringRollup.objects.filter(region=data, municipality=None).latest("week_start")
    assert row.week_start == latest.week_start
    assert [c.value for c in row.cells] == [latest.i1, latest.i2, latest.i3, latest.i4]
    assert row.cells[0].goal is not None  # the current stage's target (baseline-based)
    assert row.cells[0].gap == row.cells[0].value - row.cells[0].goal
    empty = next(r for r in rows if r.region.code == "77")
    assert empty.week_start is None and all(c.value is None for c in empty.cells)


def test_sorted_by_an_indicator_with_no_data_last(data, personas):
    _i, rows = regions_indicators_table(user=personas.analyst, on_date=ON, sort="-i1")
    assert rows[0].region.code == "66" and rows[1].cells[0].value is None
    _i, rows = regions_indicators_table(user=personas.analyst, on_date=ON, sort="-name")
    assert [r.region.name for r in rows] == sorted((r.region.name for r in rows), reverse=True)


def test_page_is_scoped(client, data, personas):
    client.force_login(personas.analyst)
    html = client.get(reverse("indicators:home"), {"sort": "i1"}).content.decode()
    assert 'data-testid="indicators-table"' in html
    assert html.count("<tr data-region=") == Region.objects.count()
    two = make_user(Role.COORDINATOR, region=data)
    two.extra_regions.add(Region.objects.get(code="50"))
    client.force_login(two)
    html = client.get(reverse("indicators:home")).content.decode()
    assert html.count("<tr data-region=") == 2
    assert 'data-region="66"' in html and 'data-region="50"' in html
    client.force_login(personas.coordinator)  # one region: straight to its page
    response = client.get(reverse("indicators:home"))
    assert response.status_code == 302 and response.url.endswith("/66/")


def test_each_region_is_judged_on_its_own_local_date(personas, client, monkeypatch):
    """Stage 1 of I1 ends on 01.10: at 15:30 UTC that day Moscow (18:30, 01.10) still works
    towards it, Kamchatka (03:30, 02.10) towards stage 2, as each region's page says; the
    table used to judge every region on the Moscow date."""
    now = dt.datetime(2025, 10, 1, 15, 30, tzinfo=dt.UTC)
    i1 = Indicator.objects.get(code="i1")
    regions = [Region.objects.get(code="77"), Region.objects.get(code="41")]
    for region in regions:
        RegionBaseline.objects.create(region=region, indicator=i1, value=Decimal("40"), source="t")
    _i, rows = regions_indicators_table(
        user=personas.analyst,
        on_date=dt.date(2025, 10, 1),
        local_dates=local_dates_by_timezone(now),
    )
    monkeypatch.setattr(timezone, "now", lambda: now)
    client.force_login(personas.analyst)
    page = client.get(reverse("indicators:home")).context
    assert page["on_date"] == dt.date(2025, 10, 1)  # the heading: the national date
    for region, stage in zip(regions, (1, 2), strict=True):
        own = indicator_status(region=region, on_date=region.local_today(now))[0].current
        for table in (rows, page["rows"]):
            cell = next(r for r in table if r.region.pk == region.pk).cells[0]
            assert cell.target is not None and cell.target.stage == own.stage == stage
            assert cell.goal == own.counted
