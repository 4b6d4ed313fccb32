"""«В графике / под угрозой / отстаёт» is one judgement: the region dashboard, the country
overview and the alerts read the same weeks and ask the trend the same question.

They once disagreed: the country overview read a calendar window counted back from the
newest week of *any* region (a region whose data stopped showed «нет данных» on the overview
while its dashboard showed its last figures, and a region with a gap in its weeks got a trend
on one page and none on the other); a value above the target whose trend falls below it by
the stage date was «в графике» on both dashboards while the alert said «под угрозой»; and a
week without data for an indicator was «нет данных» on the pages while the alerts judged an
older week.
"""

from __future__ import annotations

import datetime as dt

import pytest

from alerts.choices import AlertKind
from alerts.models import Alert
from alerts.services import alerts_sync
from indicators.models import MonitoringRollup
from reports.dashboards import trend
from reports.dashboards.country import country_overview
from reports.dashboards.region import region_dashboard
from tests.factories import make_region

pytestmark = pytest.mark.django_db


def _rollup(region, week, i1, *, staff=1000, reported=None, expected=None):
    return MonitoringRollup.objects.create(
        region=region,
        week_start=week,
        organisations=1,
        edu_staff_total=staff,
        edu_staff_writers=0 if i1 is None else int(staff * i1 / 100),
        coverage_reported=reported,
        coverage_expected=expected,
    )


def _seen(personas, region, day):
    """I1 of the region as (value, colour) on both dashboards, and the open I1 alerts."""
    card = region_dashboard(user=personas.admin, region=region, today=day).indicators[0]
    row = next(
        r for r in country_overview(user=personas.admin, on_date=day).rows if r.region == region
    )
    alerts_sync(region=region, on_date=day)
    kinds = set(
        Alert.objects.open()
        .filter(region=region, indicator__code="i1")
        .values_list("kind", flat=True)
    )
    return {
        "dashboard": (card.latest, card.rag),
        "overview": (row.indicators[0].value, row.indicators[0].rag),
        "at risk alert": AlertKind.INDICATOR_AT_RISK in kinds,
        "below alert": AlertKind.INDICATOR_BELOW in kinds,
    }


def test_a_region_whose_data_stopped_shows_the_same_figure_on_both_dashboards(personas, seeded):
    """Stage 2 (75 % on 30.12.2025). The region's last week is 22.09; another region has
    sent last week's data. The overview used to read only the weeks since the newest week
    of any region minus nine: «нет данных» beside the dashboard's 63 %."""
    region, other = make_region("93"), make_region("94")
    day = dt.date(2025, 12, 10)
    for n, value in enumerate([60, 61, 62, 63]):
        _rollup(region, dt.date(2025, 9, 1) + dt.timedelta(weeks=n), value)
    for n in range(4):
        _rollup(other, dt.date(2025, 12, 8) - dt.timedelta(weeks=n), 50)
    seen = _seen(personas, region, day)
    assert seen["dashboard"] == seen["overview"]
    assert seen["dashboard"][0] == 63


def test_a_gap_in_the_weeks_gives_the_same_trend_everywhere(personas, seeded):
    """Four weeks in June, none until three rising weeks in November-December. The trend is
    fitted on the same weeks (the newest eight weeks with data) on both dashboards and in
    the alert; the overview used to fit none (its calendar window held three weeks)."""
    region = make_region("93")
    day = dt.date(2025, 12, 10)
    for n, value in enumerate([10, 12, 14, 16]):
        _rollup(region, dt.date(2025, 6, 2) + dt.timedelta(weeks=n), value)
    for n, value in enumerate([60, 66, 72]):
        _rollup(region, dt.date(2025, 11, 24) + dt.timedelta(weeks=n), value)
    seen = _seen(personas, region, day)
    assert seen["dashboard"] == seen["overview"]
    on_track = seen["dashboard"][1] == trend.GREEN
    assert seen["at risk alert"] is not on_track


@pytest.mark.parametrize(
    ("values", "colour"),
    [
        ([95, 90, 85, 80], trend.AMBER),  # above the target now, below it by 30.12
        ([50, 58, 66, 74], trend.GREEN),  # below it now, above it by 30.12
        ([80, 80, 80, 80], trend.GREEN),  # above it and staying there
        ([70, 70, 70, 70], trend.AMBER),  # below it and staying there
    ],
)
def test_the_colour_and_the_alert_ask_the_trend_the_same_question(personas, seeded, values, colour):
    """On 05.11.2025, stage 2 of I1 (75 % on 30.12.2025). A value at 80 % falling 5 points a
    week was «в графике» on both dashboards while the alert said «под угрозой»."""
    region = make_region("93")
    day = dt.date(2025, 11, 5)
    for n, value in enumerate(values):
        _rollup(region, dt.date(2025, 10, 13) + dt.timedelta(weeks=n), value)
    seen = _seen(personas, region, day)
    assert seen["dashboard"][1] == seen["overview"][1] == colour
    assert seen["at risk alert"] is (colour == trend.AMBER)


def test_a_week_without_data_for_the_indicator_is_judged_by_nobody(personas, seeded):
    """The newest complete week has no staff in the I1 organisations (a zero denominator:
    «нет данных»). Stage 1 passed with a 40 % baseline target; the week before was 30 %.
    The pages show «нет данных»; the alert used to judge the older week."""
    from decimal import Decimal

    from indicators.models import Indicator, RegionBaseline

    region = make_region("93")
    RegionBaseline.objects.create(
        region=region, indicator=Indicator.objects.get(code="i1"), value=Decimal("40"), source="t"
    )
    day = dt.date(2025, 10, 8)
    for n in range(4):
        _rollup(region, dt.date(2025, 9, 8) + dt.timedelta(weeks=n), 30)
    _rollup(region, dt.date(2025, 10, 6), None, staff=0)
    seen = _seen(personas, region, day)
    assert seen["dashboard"] == seen["overview"] == (None, trend.NONE)
    assert not seen["below alert"] and not seen["at risk alert"]
    # the week before is judged by everyone once it is the newest: below stage 1's target
    # (passed) and, flat, at risk of missing stage 2's 75 %
    seen = _seen(personas, region, dt.date(2025, 10, 5))
    assert seen["dashboard"] == seen["overview"] == (Decimal("30"), trend.AMBER)
    assert seen["below alert"] and seen["at risk alert"]


@pytest.mark.parametrize(
    "values",
    [
        [50],  # far below the target: the dashboard said «отстаёт»
        [50, 52, 54],  # three weeks: still too few to fit a trend on
        [72, 73],  # within the amber margin: the dashboard said «под угрозой»
        [80, 81, 82],  # above it: the dashboard said «в графике», the trend is unknown
    ],
)
def test_too_few_weeks_before_the_stage_date_is_too_little_data_to_project_everywhere(
    personas, seeded, values
):
    """On 10.11.2025, stage 2 of I1 (75 % on 30.12.2025), with fewer than `MIN_POINTS` (4)
    weeks. The alerts raise nothing (no trend to project); the dashboards judged the value
    against the target alone and called it «отстаёт» (or «под угрозой», «в графике»). One
    outlook now: too few weeks to project is «мало данных для прогноза» on both dashboards,
    no alert; the value itself is still shown."""
    region = make_region("93")
    day = dt.date(2025, 11, 10)
    for n, value in enumerate(values):
        _rollup(region, dt.date(2025, 11, 3) - dt.timedelta(weeks=len(values) - 1 - n), value)
    seen = _seen(personas, region, day)
    assert seen["dashboard"] == seen["overview"] == (values[-1], trend.FEW)
    assert not seen["at risk alert"] and not seen["below alert"]
    assert trend.RAG_LABELS[trend.FEW] == "мало данных для прогноза"
    html = region_dashboard(user=personas.admin, region=region, today=day).indicators[0]
    assert html.rag_label == "мало данных для прогноза"


def test_after_the_stage_date_few_weeks_are_judged_on_the_value(personas, seeded):
    """Once a stage has passed, its verdict needs no projection: two weeks below stage 2's
    75 % after 30.12.2025 are «отстаёт» on both dashboards and raise «ниже цели»."""
    region = make_region("93")
    day = dt.date(2026, 1, 14)
    for n, value in enumerate([50, 52]):
        _rollup(region, dt.date(2026, 1, 5) + dt.timedelta(weeks=n - 1), value)
    seen = _seen(personas, region, day)
    assert seen["dashboard"] == seen["overview"] == (52, trend.RED)
    assert seen["below alert"] and not seen["at risk alert"]


def test_too_few_weeks_does_not_make_a_region_lagging_on_the_overview(personas, seeded):
    """The overview flags the lower quarter of an indicator «отстаёт» while it is not on
    track; with too few weeks to project there is no verdict, so no flag (it used to follow
    the dashboard's «отстаёт» of a value judged alone)."""
    day = dt.date(2025, 11, 10)
    regions = [make_region(code) for code in ("93", "94", "95", "90")]
    for region, value in zip(regions, [20, 40, 60, 80], strict=True):
        _rollup(region, dt.date(2025, 11, 3), value)
    rows = {r.region.code: r for r in country_overview(user=personas.admin, on_date=day).rows}
    assert {rows[r.code].indicators[0].rag for r in regions} == {trend.FEW}
    assert not any(rows[r.code].lagging for r in regions)
