"""Least-squares trend of a weekly indicator series: will it reach the target in time?

Pure Python, no Django import, so it is table-tested on its own (tests/reports/test_trends.py).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "MIN_POINTS",
    "Projection",
    "Trend",
    "fit_trend",
    "project",
    "reaches_in_time",
    "recent_points",
]

MIN_POINTS = 4


@dataclass(frozen=True)
class Trend:
    """value(day) = intercept + slope × (day − origin).days; slope is per day."""

    origin: dt.date
    intercept: float
    slope: float

    def value_at(self, day: dt.date) -> float:
        return self.intercept + self.slope * (day - self.origin).days

    def date_reaching(self, target: float, *, after: dt.date) -> dt.date | None:
        """First day on or after `after` with a fitted value ≥ target; None if never."""
        if self.value_at(after) >= target:
            return after
        if self.slope <= 0:
            return None
        days = math.ceil((target - self.intercept) / self.slope - 1e-9)
        return self.origin + dt.timedelta(days=days)


@dataclass(frozen=True)
class Projection:
    value_at_stage: float
    reach_date: dt.date | None  # None: the trend never reaches the target
    target: float
    stage_date: dt.date
    on_track: bool  # `reaches_in_time`


def recent_points(
    points: Sequence[tuple[dt.date, float | Decimal | None]], weeks: int
) -> list[tuple[dt.date, float]]:
    """The points a trend is fitted on: of a region's judged weeks (oldest first, the
    «неполные недели» already left out), the newest `weeks` weeks, those with a value.

    The window counts weeks, not values: a week without data for the indicator (a zero
    denominator) shortens it rather than reaching further back. One rule for the region
    dashboard, the country overview and the «под угрозой» alert.
    """
    return [(day, float(value)) for day, value in points[-weeks:] if value is not None]


def reaches_in_time(trend: Trend, *, target: float, stage_date: dt.date) -> bool:
    """Is the trend at or above the target on the stage date (the day the stage is judged)?

    The one «on track» of the dashboards' colour and the «под угрозой» alert: a value above
    the target now whose trend falls below it by the stage date is at risk, a value below it
    whose trend crosses it by then is on track."""
    return trend.value_at(stage_date) >= target


def fit_trend(points: Sequence[tuple[dt.date, float]]) -> Trend | None:
    """Ordinary least squares over (date, value); None with fewer than 2 distinct dates."""
    if len({day for day, _ in points}) < 2:
        return None
    origin = min(day for day, _ in points)
    xs = [float((day - origin).days) for day, _ in points]
    ys = [float(value) for _, value in points]
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    return Trend(origin=origin, intercept=mean_y - slope * mean_x, slope=slope)


def project(
    points: Sequence[tuple[dt.date, float]],
    *,
    target: float,
    stage_date: dt.date,
    min_points: int = MIN_POINTS,
) -> Projection | None:
    """Where the trend of `points` stands on `stage_date`; None with too few points.

    1. Fit a straight line through the points (at least `min_points`).
    2. Read it at the stage date: the projected value.
    3. Solve it for the target, from the last point on: the projected date it is reached.
    """
    if len(points) < min_points:
        return None
    trend = fit_trend(points)
    if trend is None:
        return None
    last = max(day for day, _ in points)
    return Projection(
        value_at_stage=trend.value_at(stage_date),
        reach_date=trend.date_reaching(target, after=last),
        target=target,
        stage_date=stage_date,
        on_track=reaches_in_time(trend, target=target, stage_date=stage_date),
    )
