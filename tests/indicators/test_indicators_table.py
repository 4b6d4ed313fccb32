"""The indicators page of those who see several regions: a sortable, scoped table of
П1-П4 with the current stage's target, not a bare list of names."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from agencies.choices import Role
from agencies.models import Region
from indicators.models import MonitoringRollup
from indicators.selectors import regions_indicators_table
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
