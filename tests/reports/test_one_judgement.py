"""A share is judged once, on its exact value, and shown rounded the same way everywhere.

The pages, the dashboards, the alerts and the exports once disagreed near a target: the pages
judged a share already rounded to two places (74.996 % «met» 75 %), the XLSX the exact
fraction (amber); and a page rounded that rounded share again (74.9496 % → 74.95 → «75,0 %»)
while the XLSX showed «74,9 %». The all-regions table judged a «неполная неделя» that every
other view skips.
"""

from __future__ import annotations

import datetime as dt

import pytest

from alerts.choices import AlertKind
from alerts.models import Alert
from alerts.services import alerts_sync
from indicators.models import Indicator, MonitoringRollup
from indicators.selectors import indicator_status, regions_indicators_table
from reports import selectors
from reports.dashboards.region import region_dashboard
from reports.exports.indicators import assess
from roadmap_portal.ru_formats import ru_percent, ru_share
from tests.factories import make_region

pytestmark = pytest.mark.django_db


def _rollup(region, week, *, writers, staff, reported=None, expected=None):
    return MonitoringRollup.objects.create(
        region=region,
        week_start=week,
        organisations=1,
        edu_staff_total=staff,
        edu_staff_writers=writers,
        coverage_reported=reported,
        coverage_expected=expected,
    )


def _i1_status(region, day):
    i1 = Indicator.objects.get(code="i1")
    return next(s for s in indicator_status(region=region, on_date=day) if s.indicator == i1)


def test_just_below_the_target_is_below_it_everywhere(personas, seeded):
    """П1 = 74 996 / 100 000 = 74,996 % against stage 2's 75 % (due 30.12.2025)."""
    region = make_region("93")
    week, day = dt.date(2025, 12, 29), dt.date(2026, 1, 5)
    for n in range(4):
        _rollup(region, week - dt.timedelta(weeks=n), writers=74_996, staff=100_000)

    status = _i1_status(region, day)
    card = region_dashboard(user=personas.admin, region=region, today=day).indicators[0]
    alerts_sync(region=region, on_date=day)
    _value, target, gap, stage, _note = assess(
        selectors.indicator_targets(region=region)[0], week, 74_996, 100_000
    )

    assert stage.stage == status.current.stage and target == 0.75
    assert status.current.met is False  # the region's indicators page
    assert card.rag != "green"  # the dashboard
    assert Alert.objects.open().filter(region=region, kind=AlertKind.INDICATOR_BELOW).exists()
    assert gap is not None and gap < 0  # the XLSX: amber, not green


def test_exactly_on_the_target_is_met_everywhere(personas, seeded):
    region = make_region("94")
    week, day = dt.date(2025, 12, 29), dt.date(2026, 1, 5)
    for n in range(4):
        _rollup(region, week - dt.timedelta(weeks=n), writers=75_000, staff=100_000)
    status = _i1_status(region, day)
    alerts_sync(region=region, on_date=day)
    *_, gap, _stage, _note = assess(
        selectors.indicator_targets(region=region)[0], week, 75_000, 100_000
    )
    assert status.current.met is True
    assert not Alert.objects.open().filter(region=region, kind=AlertKind.INDICATOR_BELOW).exists()
    assert gap == 0


def test_the_page_and_the_export_show_the_same_rounded_share(personas, seeded):
    """749 496 / 1 000 000 = 74,9496 %: «74,9 %» on the page and in the XLSX (XLSX_PERCENT)."""
    region = make_region("96")
    week = dt.date(2025, 10, 6)
    _rollup(region, week, writers=749_496, staff=1_000_000)
    status = _i1_status(region, week)
    value, *_ = assess(selectors.indicator_targets(region=region)[0], week, 749_496, 1_000_000)
    assert ru_percent(status.value) == ru_share(value) == "74,9\xa0%"


def test_the_all_regions_table_judges_the_week_every_other_view_judges(personas, seeded):
    """A newest week at 10 % coverage is a «неполная неделя»: the table shows the latest
    complete week, as the region's page, the dashboard, the export and the alerts do."""
    region = make_region("95")
    day = dt.date(2026, 1, 5)
    _rollup(region, dt.date(2025, 12, 22), writers=80, staff=100)
    _rollup(region, dt.date(2025, 12, 29), writers=10, staff=100, reported=1, expected=10)
    _indicators, rows = regions_indicators_table(user=personas.admin, on_date=day)
    row = next(r for r in rows if r.region == region)
    status = _i1_status(region, day)
    assert status.week_start == row.week_start == dt.date(2025, 12, 22)
    assert row.cells[0].value == status.value and row.cells[0].target.met is True


def test_the_alert_never_reads_as_the_target_it_is_below(personas, seeded):
    region = make_region("92")
    week, day = dt.date(2025, 12, 29), dt.date(2026, 1, 5)
    for n in range(4):
        _rollup(region, week - dt.timedelta(weeks=n), writers=74_996, staff=100_000)
    alerts_sync(region=region, on_date=day)
    alert = Alert.objects.open().get(region=region, kind=AlertKind.INDICATOR_BELOW)
    assert "74,996\xa0% за неделю" in alert.message, alert.message


def test_a_percent_next_to_its_target_shows_the_digits_that_tell_them_apart():
    from roadmap_portal.ru_formats import ru_percent_vs

    assert ru_percent_vs(70, 75) == "70,0\xa0%"
    assert ru_percent_vs(75, 75) == "75,0\xa0%"
    assert ru_percent_vs(74.95, 75) == "74,95\xa0%"
    assert ru_percent_vs(74.996, 75) == "74,996\xa0%"
    assert ru_percent_vs(74.99999, 75) == "74,9999\xa0%"  # towards the value's side
    assert ru_percent_vs(75.000001, 75) == "75,0001\xa0%"
    assert ru_percent_vs(None, 75) == "нет данных"


def test_the_indicator_tables_colour_a_stage_by_one_verdict(personas, seeded):
    """The all-regions table coloured every unmet current stage red; the region's page only
    a stage whose date had passed. Both now show `RegionStageTarget.verdict`."""
    region = make_region("91")
    day = dt.date(2025, 10, 20)  # stage 2 (30.12.2025) still ahead
    _rollup(region, dt.date(2025, 10, 13), writers=50, staff=100)
    status = _i1_status(region, day)
    assert status.current.met is False and status.current.verdict == ""
    _i, rows = regions_indicators_table(user=personas.admin, on_date=day)
    assert next(r for r in rows if r.region == region).cells[0].target.verdict == ""


def test_a_passed_stage_missed_is_missed_and_a_reached_one_met(personas, seeded):
    region = make_region("90")
    day = dt.date(2026, 1, 5)  # stage 2 (30.12.2025) passed
    _rollup(region, dt.date(2025, 12, 29), writers=50, staff=100)
    assert _i1_status(region, day).stages[1].verdict == "missed"
    region = make_region("89")
    _rollup(region, dt.date(2025, 12, 29), writers=80, staff=100)
    assert _i1_status(region, day).stages[1].verdict == "met"
