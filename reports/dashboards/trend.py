"""Pure helpers of the dashboards: the current trend, projections and RAG (no ORM).

The trend is the one the alerts use (indicators.trends: least squares over the last weeks),
so a dashboard never calls «в графике» what an alert calls «под угрозой».
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from indicators.selectors import trend_weeks as trend_weeks  # the setting the alerts read
from indicators.trends import MIN_POINTS, Trend, fit_trend, reaches_in_time, recent_points
from reports import charts

GREEN, AMBER, RED, NONE = "green", "amber", "red", "none"
FEW = "few"  # before the stage date, too few weeks to project: «мало данных для прогноза»
RAG_LABELS = charts.RAG_LABELS


def current_trend(points: Sequence[tuple[dt.date, Decimal | None]]) -> Trend | None:
    """The least-squares line through the judged weeks' points (`points`: the complete
    weeks, oldest first) of the last `trend_weeks()` weeks (`indicators.trends.recent_points`,
    as the «под угрозой» alert reads them); None with too few."""
    known = recent_points(points, trend_weeks())
    if len(known) < MIN_POINTS:
        return None
    return fit_trend(known)


def projected_date(
    *, last_date: dt.date, last_value: Decimal | None, target: Decimal | None, trend: Trend | None
) -> dt.date | None:
    """When the target is reached at the current trend: `last_date` if it already is, None
    when the trend never reaches it (or there is no trend)."""
    if last_value is None or target is None:
        return None
    if last_value >= target:
        return last_date
    if trend is None:
        return None
    reached = trend.date_reaching(float(target), after=last_date)
    if reached is None or (reached - last_date).days > 3650:
        return None
    return reached


def rag(
    *,
    value: Decimal | None,
    target: Decimal | None,
    target_date: dt.date | None,
    trend: Trend | None,
    today: dt.date,
) -> str:
    """On track (green) / at risk (amber) / behind (red); «none» without data or target;
    «few» (мало данных для прогноза) before the stage date without a trend.

    Once the stage date has passed: green when the target is reached, else red (the
    «ниже цели» alert). Before it, the trend decides as the «под угрозой» alert does
    (`indicators.trends.project` → `reaches_in_time`: the fitted line on the stage date):
    green when it is at or above the target then, amber when it is below (a value above
    the target now whose trend falls below it by the date is at risk). With fewer than
    `indicators.trends.MIN_POINTS` judged weeks there is no trend (`current_trend` None,
    as `project` is None for the alert, which then raises nothing): the outlook is
    unknown, «мало данных для прогноза», whatever the value; the value is still shown.
    """
    if value is None or target is None:
        return NONE
    if target_date is not None and target_date < today:
        return GREEN if value >= target else RED
    if trend is None:
        return FEW
    if target_date is None:
        return GREEN if value >= target else AMBER
    return GREEN if reaches_in_time(trend, target=float(target), stage_date=target_date) else AMBER


def weekly_dates(dates, limit: int) -> list[dt.date]:
    """The latest date of each ISO week among `dates`, the last `limit` weeks, oldest first.

    Scores are recomputed nightly; a trend over weeks reads one score a week.
    """
    by_week: dict[tuple[int, int], dt.date] = {}
    for day in dates:
        key = tuple(day.isocalendar())[:2]
        if key not in by_week or day > by_week[key]:
            by_week[key] = day
    return sorted(by_week.values())[-limit:]
