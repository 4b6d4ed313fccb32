"""Small server-side SVG charts of the dashboards (offline, printable, no scripts).

Interim: the shared chart library (reports/charts) replaces these when it lands.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def fmt_pct(value) -> str:
    """`75,3 %`"""
    if value is None:
        return "—"
    return f"{float(value):.1f}".replace(".", ",") + "\u00a0%"


def fmt_num(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    text = f"{float(value):.{digits}f}".replace(".", ",")
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


def sparkline(
    values: Sequence[Decimal | float | None],
    *,
    width: int = 140,
    height: int = 34,
    low: float | None = None,
    high: float | None = None,
    label: str = "",
) -> SafeString:
    known = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    if not known:
        return mark_safe('<span class="muted">—</span>')
    lo = min(v for _, v in known) if low is None else low
    hi = max(v for _, v in known) if high is None else high
    span = (hi - lo) or 1.0
    step = (width - 4) / max(len(values) - 1, 1)
    pts = [(2 + i * step, height - 3 - (v - lo) / span * (height - 6)) for i, v in known]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    last_x, last_y = pts[-1]
    return mark_safe(
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(label)}">'
        f'<polyline points="{line}" fill="none" stroke="currentColor" stroke-width="1.6"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.4" fill="currentColor"/></svg>'
    )


def line_chart(
    series: Sequence[tuple[dt.date, Decimal | None]],
    *,
    stages: Sequence = (),
    projection: tuple[dt.date, Decimal, dt.date, Decimal] | None = None,
    width: int = 420,
    height: int = 170,
    y_max: float = 100.0,
    label: str = "",
) -> SafeString:
    """A weekly series (percent) with stage targets (dashed), stage dates and a projection."""
    left, right, top, bottom = 34, 8, 8, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    dates = [d for d, _ in series]
    stage_dates = [s.date for s in stages]
    if not dates:
        return mark_safe('<p class="muted">Нет данных мониторинга.</p>')
    start = min(dates)
    end = max([*dates, *stage_dates, *([projection[2]] if projection else [])])
    end = min(end, max(dates) + dt.timedelta(days=200))
    days = max((end - start).days, 7)
    y_top = max(
        [y_max if y_max else 0.0]
        + [float(v) for _, v in series if v is not None]
        + [float(s.value) for s in stages if s.value is not None]
    )

    def x(day: dt.date) -> float:
        return left + (min(max((day - start).days, 0), days) / days) * plot_w

    def y(value) -> float:
        return top + plot_h - float(value) / (y_top or 1) * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" role="img" aria-label="{escape(label)}">'
    ]
    for tick in (0, 25, 50, 75, 100):
        if tick > y_top:
            continue
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}"/><text class="tick" x="{left - 4}" y="{y(tick) + 3:.1f}" '
            f'text-anchor="end">{tick}</text>'
        )
    label_edge = left + 30  # the start date's label occupies the left corner
    for stage in stages:
        sx = x(stage.date)
        parts.append(
            f'<line class="stage" x1="{sx:.1f}" x2="{sx:.1f}" y1="{top}" y2="{top + plot_h}"/>'
        )
        if sx - 62 >= label_edge:
            parts.append(
                f'<text class="tick" x="{sx - 2:.1f}" y="{height - 6}" text-anchor="end">'
                f"этап {stage.stage} · {stage.date:%d.%m}</text>"
            )
            label_edge = sx + 2
        if stage.value is not None:
            ty = y(stage.value)
            parts.append(
                f'<line class="target" x1="{left}" x2="{sx:.1f}" y1="{ty:.1f}" y2="{ty:.1f}">'
                f"<title>Цель этапа {stage.stage}: {fmt_pct(stage.value)}</title></line>"
                f'<text class="target-label" x="{sx - 3:.1f}" y="{max(ty - 3, top + 8):.1f}" '
                f'text-anchor="end">{fmt_pct(stage.value)}</text>'
            )
    known = [(d, v) for d, v in series if v is not None]
    if projection:
        d0, v0, d1, v1 = projection
        parts.append(
            f'<line class="projection" x1="{x(d0):.1f}" y1="{y(v0):.1f}" x2="{x(d1):.1f}" '
            f'y2="{y(v1):.1f}"/>'
        )
    if known:
        line = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in known)
        parts.append(f'<polyline class="series" points="{line}"/>')
        for d, v in known:
            parts.append(
                f'<circle class="dot" cx="{x(d):.1f}" cy="{y(v):.1f}" r="2">'
                f"<title>неделя с {d:%d.%m.%Y}: {fmt_pct(v)}</title></circle>"
            )
    parts.append(f'<text class="tick" x="{left}" y="{height - 6}">{start:%d.%m}</text></svg>')
    return mark_safe("".join(parts))
