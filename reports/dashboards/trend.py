"""Pure helpers of the dashboards: trends, projections, RAG and heat classes (no ORM)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

TREND_WEEKS = 6  # the current trend: a least-squares line through the last weeks

GREEN, AMBER, RED, GREY = "green", "amber", "red", "grey"
RAG_LABELS = {
    GREEN: "в графике",
    AMBER: "под угрозой",
    RED: "не в графике",
    GREY: "нет данных",
}


def slope_per_day(points: Sequence[tuple[dt.date, Decimal | None]]) -> float | None:
    """Least-squares slope (percentage points a day) of the last TREND_WEEKS known points."""
    known = [(d, float(v)) for d, v in points if v is not None][-TREND_WEEKS:]
    if len(known) < 2:
        return None
    origin = known[0][0]
    xs = [(d - origin).days for d, _ in known]
    ys = [v for _, v in known]
    n = len(known)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    var = sum((x - mean_x) ** 2 for x in xs)
    if not var:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var


def projected_date(
    *, last_date: dt.date, last_value: Decimal | None, target: Decimal | None, slope: float | None
) -> dt.date | None:
    """When the target is reached at the current trend: `last_date` if already reached,
    None when it is not reached and the trend does not grow (or is unknown)."""
    if last_value is None or target is None:
        return None
    if last_value >= target:
        return last_date
    if not slope or slope <= 0:
        return None
    days = (float(target) - float(last_value)) / slope
    if days > 3650:
        return None
    return last_date + dt.timedelta(days=int(days) + 1)


def rag(
    *,
    value: Decimal | None,
    target: Decimal | None,
    target_date: dt.date | None,
    projected: dt.date | None,
    today: dt.date,
) -> str:
    """On track (green) / at risk (amber) / off track (red); grey without data or target.

    Green: the target is reached, or the trend reaches it by the stage date. Red: the stage
    date has passed without the target, or the trend never reaches it. Amber: the trend
    reaches it, but after the stage date.
    """
    if value is None or target is None:
        return GREY
    if value >= target:
        return GREEN
    if target_date is not None and target_date < today:
        return RED
    if projected is None:
        return RED
    if target_date is None or projected <= target_date:
        return GREEN
    return AMBER


def heat_class(value: Decimal | None, target: Decimal | None) -> str:
    """A colour step for a value against its target: heat-0 (far) … heat-4 (reached)."""
    if value is None:
        return "heat-none"
    if not target:
        return "heat-na"
    ratio = float(value) / float(target)
    if ratio >= 1:
        return "heat-4"
    if ratio >= 0.85:
        return "heat-3"
    if ratio >= 0.65:
        return "heat-2"
    if ratio >= 0.4:
        return "heat-1"
    return "heat-0"


def sparkline_points(
    values: Sequence[float | Decimal | None],
    *,
    width: float = 120,
    height: float = 32,
    low: float | None = None,
    high: float | None = None,
) -> str:
    """SVG polyline points of a series (None values skipped) scaled into width × height."""
    known = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    if not known:
        return ""
    lo = min(v for _, v in known) if low is None else low
    hi = max(v for _, v in known) if high is None else high
    span = (hi - lo) or 1.0
    step = width / max(len(values) - 1, 1)
    return " ".join(f"{i * step:.1f},{height - (v - lo) / span * height:.1f}" for i, v in known)
