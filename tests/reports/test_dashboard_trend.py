import datetime as dt
from decimal import Decimal

import pytest

from indicators.trends import fit_trend
from reports.dashboards import trend

D = dt.date(2025, 9, 1)


def weeks(*values):
    return [
        (D + dt.timedelta(weeks=i), None if v is None else Decimal(v)) for i, v in enumerate(values)
    ]


def test_current_trend_needs_four_weeks_and_uses_the_last_ones():
    assert trend.current_trend(weeks(10, 20, 30)) is None
    line = trend.current_trend(weeks(90, 90, 90, 10, 17, 24, 31, 38, 45, 52, 59))
    assert line is not None and line.slope == pytest.approx(1.0)  # 7 points a week


@pytest.mark.parametrize(
    "last,target,expected",
    [
        (Decimal("80"), Decimal("75"), D),  # already reached: the last week
        (Decimal("50"), None, None),  # no target
        (None, Decimal("75"), None),  # no data
    ],
)
def test_projected_date_edges(last, target, expected):
    line = fit_trend([(D, 10.0), (D + dt.timedelta(days=7), 17.0)])
    assert trend.projected_date(last_date=D, last_value=last, target=target, trend=line) == expected


def test_projected_date_follows_the_line():
    line = fit_trend([(D, 10.0), (D + dt.timedelta(days=10), 20.0)])  # 1 point a day
    last = D + dt.timedelta(days=10)
    got = trend.projected_date(
        last_date=last, last_value=Decimal("20"), target=Decimal("30"), trend=line
    )
    assert got == D + dt.timedelta(days=20)
    flat = fit_trend([(D, 20.0), (D + dt.timedelta(days=10), 20.0)])
    assert (
        trend.projected_date(
            last_date=last, last_value=Decimal("20"), target=Decimal("30"), trend=flat
        )
        is None
    )


def _line(at_d, per_day):
    """A fitted line through `at_d` on D, `per_day` points a day (None: no trend)."""
    if at_d is None:
        return None
    return fit_trend([(D, at_d), (D + dt.timedelta(days=10), at_d + 10 * per_day)])


@pytest.mark.parametrize(
    "value,target,stage_date,line,expected",
    [
        (None, Decimal("75"), D, (10, 1), "none"),
        (Decimal("50"), None, D, (10, 1), "none"),
        (Decimal("80"), Decimal("75"), D, (80, 0), "green"),
        (Decimal("50"), Decimal("75"), D - dt.timedelta(days=1), (50, 1), "red"),  # passed
        (Decimal("80"), Decimal("75"), D - dt.timedelta(days=1), (80, -1), "green"),  # passed
        # reaches 75 on D+25, before the stage date
        (Decimal("50"), Decimal("75"), D + dt.timedelta(days=30), (50, 1), "green"),
        # reaches 75 on D+50, after it
        (Decimal("50"), Decimal("75"), D + dt.timedelta(days=30), (50, 0.5), "amber"),
        (Decimal("50"), Decimal("75"), D + dt.timedelta(days=30), (50, 0), "amber"),  # never
        # above the target now, below it (50) on the stage date: at risk, as the alert says
        (Decimal("80"), Decimal("75"), D + dt.timedelta(days=30), (80, -1), "amber"),
        # no trend (too few weeks) before the stage date: no verdict, as no alert is raised
        (Decimal("72"), Decimal("75"), D + dt.timedelta(days=30), None, "few"),
        (Decimal("50"), Decimal("75"), D + dt.timedelta(days=30), None, "few"),
        (Decimal("80"), Decimal("75"), D + dt.timedelta(days=30), None, "few"),
        # ... and after it the value alone decides
        (Decimal("50"), Decimal("75"), D - dt.timedelta(days=1), None, "red"),
    ],
)
def test_rag(value, target, stage_date, line, expected):
    fitted = _line(*line) if line else None
    got = trend.rag(value=value, target=target, target_date=stage_date, trend=fitted, today=D)
    assert got == expected


def test_weekly_dates_keeps_the_latest_day_of_each_week():
    days = [D + dt.timedelta(days=i) for i in range(0, 21)]  # three ISO weeks, daily scores
    assert trend.weekly_dates(days, 10) == [
        D + dt.timedelta(days=6),
        D + dt.timedelta(days=13),
        D + dt.timedelta(days=20),
    ]
    assert trend.weekly_dates(days, 2) == [D + dt.timedelta(days=13), D + dt.timedelta(days=20)]
