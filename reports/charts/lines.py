"""Line charts: sparkline (tables), line_chart (weekly series with targets and stage dates),
small_multiples (the country overview grid). Pure Python; every function returns markup."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from roadmap_portal.ru_formats import (
    NO_DATA,
    ru_date,
    ru_date_short,
    ru_number,
    ru_percent,
    ru_points,
    to_float,
)

from .palette import ACCENT, GRID, INK, MUTED, RAG_COLORS, SERIES_COLORS, SERIES_MARKERS, rag
from .svg import esc, marker, n, nice_ticks, svg_open, text_width

Point = tuple[dt.date, object]


@dataclass(frozen=True)
class Series:
    """One named line: weekly points (date, value or None = «нет данных»)."""

    name: str
    points: Sequence[Point] = field(default_factory=list)
    color: str | None = None


def value_formatter(unit: str) -> Callable[[object], str]:
    """unit: "percent" (0-100 scale) -> «75,3 %», "points" -> «7,5 балла», else a number."""
    if unit == "percent":
        return ru_percent
    if unit == "points":
        return ru_points
    return ru_number


def _tick_formatter(unit: str) -> Callable[[float], str]:
    if unit == "percent":
        return lambda v: ru_percent(v, 0)
    return lambda v: ru_number(v)


# Weekly data: two known points further apart than this have at least one week without
# data between them, and the line breaks there instead of drawing a straight rise across it.
MAX_GAP = dt.timedelta(days=10)


def _segments(
    coords: Sequence[tuple[float, float] | None],
    dates: Sequence[dt.date | None] | None = None,
    max_gap: dt.timedelta = MAX_GAP,
) -> tuple[str, list[tuple[float, float]]]:
    """SVG path data with gaps at None and, when `dates` are given, wherever two known
    points are more than `max_gap` apart; and the isolated points (no neighbour to join)."""
    runs: list[list[tuple[float, float]]] = [[]]
    previous: dt.date | None = None
    for i, c in enumerate(coords):
        if c is None:
            if runs[-1]:
                runs.append([])
            continue
        day = dates[i] if dates is not None else None
        if day is not None and previous is not None and day - previous > max_gap and runs[-1]:
            runs.append([])
        if day is not None:
            previous = day
        runs[-1].append(c)
    d = []
    lonely = []
    for run in runs:
        if len(run) == 1:
            lonely.append(run[0])
        elif run:
            d.append("M" + "L".join(f"{n(x)} {n(y)}" for x, y in run))
    return "".join(d), lonely


def _normalise(values: Iterable[object]) -> list[tuple[dt.date | None, float | None]]:
    out: list[tuple[dt.date | None, float | None]] = []
    for item in values:
        if isinstance(item, tuple | list) and len(item) == 2:
            out.append((item[0], to_float(item[1])))
        else:
            out.append((None, to_float(item)))
    return out


def _scale(low: float, high: float, top: float, bottom: float) -> Callable[[float], float]:
    span = (high - low) or 1.0
    return lambda v: bottom - (v - low) / span * (bottom - top)


def _hit_open(column: float) -> str:
    """Invisible full-height hover columns: a transparent stroke as wide as a week, so a
    tiny chart is still easy to point at. Attributes sit on the group to keep pages light."""
    return f'<g class="hit" stroke="{ACCENT}" stroke-opacity="0" stroke-width="{n(column)}">'


def _hit(x: float, height: float, tip: str) -> str:
    return f'<path d="M{n(x)} 0V{n(height)}"><title>{esc(tip)}</title></path>'


# --------------------------------------------------------------------------- sparkline


def sparkline(
    values: Iterable[object],
    *,
    target: object = None,
    unit: str = "percent",
    y_min: float | None = None,
    y_max: float | None = None,
    label: str = "",
    width: int = 120,
    height: int = 28,
) -> str:
    """A tiny line for table cells. values: numbers or (date, value) pairs, None = gap.

    The last value gets a dot (RAG colour when a target is given), the target a dashed line,
    every point a hover column with its exact value."""
    fmt = value_formatter(unit)
    points = _normalise(values)
    goal = to_float(target)
    known = [v for _, v in points if v is not None]
    name = label or "Динамика"
    if not known:
        aria = f"{name}: {NO_DATA}"
        return (
            svg_open(width, height, label=aria, css="chart-sparkline chart-empty")
            + f'<line x1="4" y1="{n(height / 2)}" x2="{width - 4}" y2="{n(height / 2)}" '
            f'stroke="{RAG_COLORS["none"]}" stroke-dasharray="3 3"/></svg>'
        )
    scope = known + ([goal] if goal is not None else [])
    low = min(scope) if y_min is None else y_min
    high = max(scope) if y_max is None else max(y_max, max(scope))
    if high == low:
        if low == 0:
            high = 1.0
        else:
            pad = abs(low) * 0.1
            low, high = low - pad, high + pad
    pad_x, pad_y = 3.0, 4.0
    right = width - pad_x - 3  # room for the last-value dot
    y = _scale(low, high, pad_y, height - pad_y)
    count = len(points)
    step = (right - pad_x) / (count - 1) if count > 1 else 0.0
    xs = [pad_x + i * step if count > 1 else (pad_x + right) / 2 for i in range(count)]
    coords = [None if v is None else (xs[i], y(v)) for i, (_, v) in enumerate(points)]
    d, lonely = _segments(coords, [day for day, _ in points])
    last_i = max(i for i, (_, v) in enumerate(points) if v is not None)
    last = points[last_i][1]
    state = rag(last, goal) if goal is not None else "none"
    dot = RAG_COLORS[state] if goal is not None else ACCENT
    first = next(v for _, v in points if v is not None)
    aria = f"{name}: {fmt(first)} → {fmt(last)}, точек: {len(known)}"
    if goal is not None:
        aria += f"; цель {fmt(goal)}"
    parts = [svg_open(width, height, label=aria, css="chart-sparkline")]
    if goal is not None:
        gy = n(y(goal))
        parts.append(
            f'<line x1="{n(pad_x)}" y1="{gy}" x2="{n(right)}" y2="{gy}" stroke="{MUTED}" '
            f'stroke-width="1" stroke-dasharray="2 2"><title>Цель: {esc(fmt(goal))}</title></line>'
        )
    if d:
        parts.append(
            f'<path d="{d}" fill="none" stroke="{ACCENT}" stroke-width="1.5" '
            'stroke-linejoin="round" stroke-linecap="round"/>'
        )
    for x, yy in lonely:
        parts.append(f'<circle cx="{n(x)}" cy="{n(yy)}" r="1.5" fill="{ACCENT}"/>')
    lx, ly = coords[last_i] or (0.0, 0.0)
    parts.append(f'<circle cx="{n(lx)}" cy="{n(ly)}" r="2.6" fill="{dot}" stroke="#fff"/>')
    # Hover columns: one per point, full height, so a 120 px line is still easy to point at.
    parts.append(_hit_open(max(step, 4.0)))
    for i, (day, v) in enumerate(points):
        when = ru_date(day) if day else f"точка {i + 1}"
        parts.append(_hit(xs[i], height, f"{when}: {fmt(v)}"))
    parts.append("</g></svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- line chart


def _stack(centers: list[float], heights: list[float], low: float, high: float) -> list[float]:
    """Move labels (given centre and height) apart, keeping their order, so none overlap
    and all stay within [low, high]; returns the new centres."""
    if not centers:
        return []
    order = sorted(range(len(centers)), key=lambda i: centers[i])
    tops = [centers[i] - heights[i] / 2 for i in order]
    hs = [heights[i] for i in order]
    tops[0] = max(tops[0], low)
    for k in range(1, len(tops)):
        tops[k] = max(tops[k], tops[k - 1] + hs[k - 1])
    overflow = tops[-1] + hs[-1] - high
    if overflow > 0:
        tops[-1] -= overflow
        for k in range(len(tops) - 2, -1, -1):
            tops[k] = min(tops[k], tops[k + 1] - hs[k])
    out = [0.0] * len(centers)
    for k, i in enumerate(order):
        out[i] = tops[k] + hs[k] / 2
    return out


def compact_formatter(unit: str) -> Callable[[object], str]:
    """Targets and scale values: «75 %», «48,5 %» (no forced decimal)."""
    if unit == "percent":
        return lambda v: ru_percent(v, None)
    return value_formatter(unit)


def line_chart(
    series: Sequence[Series],
    *,
    targets: Sequence[tuple[str, object]] = (),
    markers: Sequence[tuple[dt.date, str]] = (),
    y_max: float | None = 100,
    projection: Sequence[Point] | None = None,
    unit: str = "percent",
    label: str = "",
    width: int = 640,
    height: int = 300,
) -> str:
    """Weekly series with horizontal target lines, vertical stage-date markers, Russian date
    ticks (dd.mm, the year under the first tick and where it changes) and an optional dashed
    projection continuing the first series. The y axis runs 0..y_max and grows past it for
    values above (e.g. above 100 %)."""
    fmt = value_formatter(unit)
    tick_fmt = _tick_formatter(unit)
    y_max = to_float(y_max) or 0.0  # None from a template: scale to the data alone
    series = list(series)
    projected = [(d, to_float(v)) for d, v in (projection or [])]
    goals = [
        (str(name), v) for name, v in ((name, to_float(t)) for name, t in targets) if v is not None
    ]
    clean = [[(d, to_float(v)) for d, v in s.points] for s in series]
    dates = sorted(
        {d for pts in clean for d, _ in pts} | {d for d, _ in projected} | {d for d, _ in markers}
    )
    values = [v for pts in clean for _, v in pts if v is not None]
    values += [v for _, v in projected if v is not None] + [v for _, v in goals]

    # 1. Labels and captions, so the margins can be sized to fit them.
    colors = [s.color or SERIES_COLORS[i % len(SERIES_COLORS)] for i, s in enumerate(series)]
    shapes = [SERIES_MARKERS[i % len(SERIES_MARKERS)] for i in range(len(series))]
    lasts: list[tuple[int, dt.date, float]] = []
    for i, pts in enumerate(clean):
        known = [(d, v) for d, v in pts if v is not None]
        if known:
            lasts.append((i, *known[-1]))
    compact = compact_formatter(unit)
    font = 12.0
    # Right-gutter labels: each series' last value, then each target (name over value).
    gutter_items: list[tuple[float, list[str], str, bool]] = []  # value, lines, colour, bold
    for i, _d, v in lasts:
        gutter_items.append((v, [f"{series[i].name} {fmt(v)}"], colors[i], True))
    for name, v in goals:
        gutter_items.append((v, [name, compact(v)], INK, False))
    summary = (
        "; ".join(f"{series[i].name}: {fmt(v)} на {ru_date(d)}" for i, d, v in lasts) or NO_DATA
    )
    goal_text = "; ".join(f"{name} — {compact(v)}" for name, v in goals)
    aria = (label or "График") + ": " + summary + (f"; {goal_text}" if goal_text else "")

    if not dates or not values:
        return (
            svg_open(width, 120, label=aria, css="chart-line chart-empty")
            + f'<rect x="0.5" y="0.5" width="{width - 1}" height="119" rx="6" fill="none" '
            f'stroke="{GRID}"/><text x="{width / 2}" y="66" text-anchor="middle" '
            f'font-size="14" fill="{MUTED}">{NO_DATA}</text></svg>'
        )

    gutter = 14 + max(
        (text_width(line, font, bold=bold) for _, lines, _, bold in gutter_items for line in lines),
        default=0,
    )
    left = max(text_width(tick_fmt(max(values + [y_max])), font - 1) + 10, 34)
    bottom = 40.0
    right_edge = width - max(gutter, 12)
    plot_w = right_edge - left

    # 2. Scales: x by calendar days (weeks stay evenly spaced, gaps stay honest), y from 0.
    d0, d1 = dates[0], dates[-1]
    if d0 == d1:
        d0, d1 = d0 - dt.timedelta(days=3), d1 + dt.timedelta(days=3)
    span = (d1 - d0).days

    def x(d: dt.date) -> float:
        return left + (d - d0).days / span * plot_w

    # Stage labels sit above the plot, each in the first row where it fits (top grows).
    stage_rows: list[float] = []  # right end of the last label in each row
    stages = []
    for d, text in sorted(markers, key=lambda m: m[0]):
        caption = f"{text} · {ru_date(d)}"
        w = text_width(caption, font - 1)
        cx = min(max(x(d), w / 2 + 2), width - w / 2 - 2)
        row = next((r for r, end in enumerate(stage_rows) if cx - w / 2 > end + 8), None)
        if row is None:
            row = len(stage_rows)
            stage_rows.append(0.0)
        stage_rows[row] = cx + w / 2
        stages.append((d, text, caption, cx, row))
    top = 20.0 + 14 * len(stage_rows) if stage_rows else 12.0
    plot_h = height - top - bottom

    low = min(0.0, min(values))
    ticks = nice_ticks(low, max(y_max, max(values)), 4)
    y = _scale(ticks[0], ticks[-1], top, top + plot_h)
    base_y = top + plot_h

    parts = [svg_open(width, height, label=aria, css="chart-line")]
    # 3. Grid and y ticks.
    parts.append(f'<g stroke="{GRID}" stroke-width="1">')
    for t in ticks:
        parts.append(f'<line x1="{n(left)}" y1="{n(y(t))}" x2="{n(right_edge)}" y2="{n(y(t))}"/>')
    parts.append("</g>")
    parts.append(f'<g font-size="{n(font)}" fill="{MUTED}" text-anchor="end">')
    for t in ticks:
        parts.append(f'<text x="{n(left - 6)}" y="{n(y(t) + 4)}">{esc(tick_fmt(t))}</text>')
    parts.append("</g>")
    parts.append(
        f'<line x1="{n(left)}" y1="{n(base_y)}" x2="{n(right_edge)}" y2="{n(base_y)}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    # 4. Date ticks: data weeks, thinned to >= 52 px apart; the year where it first appears.
    data_dates = sorted({d for pts in clean for d, _ in pts} | {d for d, _ in projected})
    shown: list[dt.date] = []
    for d in data_dates:
        if not shown or x(d) - x(shown[-1]) >= 52:
            shown.append(d)
    parts.append(f'<g font-size="{n(font - 1)}" fill="{MUTED}" text-anchor="middle">')
    year = None
    for d in shown:
        xx = n(x(d))
        parts.append(
            f'<line x1="{xx}" y1="{n(base_y)}" x2="{xx}" y2="{n(base_y + 4)}" stroke="{MUTED}"/>'
        )
        parts.append(f'<text x="{xx}" y="{n(base_y + 16)}">{ru_date_short(d)}</text>')
        if d.year != year:
            parts.append(f'<text x="{xx}" y="{n(base_y + 30)}">{d.year}</text>')
            year = d.year
    parts.append("</g>")

    # 5. Stage-date markers: dashed verticals from their label row down to the axis; all
    # lines first, then the labels (with a white halo) so no line crosses a label.
    for d, _text, _caption, _cx, row in stages:
        xx = n(x(d))
        parts.append(
            f'<line class="stage" x1="{xx}" y1="{n(16 + row * 14)}" x2="{xx}" y2="{n(base_y)}" '
            f'stroke="{INK}" stroke-width="1" stroke-dasharray="4 3" stroke-opacity="0.55"/>'
        )
    for d, text, caption, cx, row in stages:
        parts.append(
            f'<text x="{n(cx)}" y="{n(12 + row * 14)}" font-size="{n(font - 1)}" '
            f'text-anchor="middle" fill="{INK}" stroke="#fff" stroke-width="3" '
            f'paint-order="stroke">{esc(caption)}<title>{esc(text)}: {ru_date(d)}</title></text>'
        )

    # 6. Target lines: dashed, across the plot; their labels go to the right gutter.
    for name, v in goals:
        gy = n(y(v))
        parts.append(
            f'<line class="target" x1="{n(left)}" y1="{gy}" x2="{n(right_edge)}" y2="{gy}" '
            f'stroke="{INK}" stroke-width="1.3" stroke-dasharray="7 4" stroke-opacity="0.8">'
            f"<title>{esc(name)}: {esc(compact(v))}</title></line>"
        )

    # 7. Projection of the first series: dashed, hollow markers, from its last real point.
    if projected and clean and lasts and lasts[0][0] == 0:
        _, ld, lv = lasts[0]
        proj = [(ld, lv)] + [(d, v) for d, v in projected if v is not None]
        d_path = "M" + "L".join(f"{n(x(d))} {n(y(v))}" for d, v in proj)
        parts.append(
            f'<path d="{d_path}" fill="none" stroke="{colors[0]}" stroke-width="2" '
            f'stroke-dasharray="5 4" stroke-opacity="0.8"/>'
        )
        for d, v in proj[1:]:
            parts.append(
                f'<circle cx="{n(x(d))}" cy="{n(y(v))}" r="3.5" fill="#fff" '
                f'stroke="{colors[0]}" stroke-width="1.5"><title>Прогноз, {ru_date(d)}: '
                f"{esc(fmt(v))}</title></circle>"
            )
        pd, pv = proj[-1]
        parts.append(
            f'<text x="{n(x(pd) - 6)}" y="{n(y(pv) - 8)}" font-size="{n(font - 1)}" '
            f'text-anchor="end" fill="{colors[0]}" font-style="italic" stroke="#fff" '
            f'stroke-width="3" paint-order="stroke">прогноз {ru_date_short(pd)}</text>'
        )

    # 8. Series: lines with gaps, a marker per point, hollow grey rings for missing weeks.
    for i, pts in enumerate(clean):
        color, shape = colors[i], shapes[i]
        coords = [None if v is None else (x(d), y(v)) for d, v in pts]
        d_path, _ = _segments(coords, [d for d, _ in pts])
        parts.append(f'<g class="series" data-series="{esc(series[i].name)}">')
        if d_path:
            parts.append(
                f'<path d="{d_path}" fill="none" stroke="{color}" stroke-width="2.2" '
                'stroke-linejoin="round" stroke-linecap="round"/>'
            )
        for d, point in pts:
            tip = f"<title>{esc(series[i].name)}, {ru_date(d)}: {esc(fmt(point))}</title>"
            if point is None:
                parts.append(
                    f'<circle cx="{n(x(d))}" cy="{n(base_y)}" r="3" fill="#fff" '
                    f'stroke="{RAG_COLORS["none"]}" stroke-width="1.2">{tip}</circle>'
                )
            else:
                parts.append(marker(shape, x(d), y(point), 3.4, color, tip))
        parts.append("</g>")

    # 9. Gutter labels, stacked so they never overlap; a leader line when one had to move.
    line_h = font + 3
    heights = [len(lines) * line_h + 3 for _, lines, _, _ in gutter_items]
    anchors = [y(v) for v, _, _, _ in gutter_items]
    centers = _stack(anchors, heights, 2, height - bottom + 14)
    gx = right_edge + 8
    for (_v, lines, color, bold), anchor, center, h in zip(
        gutter_items, anchors, centers, heights, strict=True
    ):
        if abs(center - anchor) > 3:
            parts.append(
                f'<path d="M{n(right_edge + 1)} {n(anchor)}L{n(gx - 2)} {n(center)}" '
                f'stroke="{color}" stroke-opacity="0.5" fill="none"/>'
            )
        weight = ' font-weight="600"' if bold else ""
        first_y = center - h / 2 + font
        for k, line in enumerate(lines):
            shade = color if (bold or k == len(lines) - 1) else MUTED
            size = font if (bold or k == len(lines) - 1) else font - 1
            parts.append(
                f'<text x="{n(gx)}" y="{n(first_y + k * line_h)}" font-size="{n(size)}"'
                f'{weight} fill="{shade}">{esc(line)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- small multiples


def small_multiples(
    items: Sequence[tuple],
    *,
    unit: str = "points",
    y_max: float | None = None,
    target: object = None,
    width: int = 168,
    height: int = 52,
    point_titles: bool = True,
) -> str:
    """A grid of small line charts sharing one x and one y scale (so regions compare
    honestly). items: (title, [(date, value)]) or (title, points, href). Returns HTML.

    point_titles=False drops the per-week hover values (the chart's own title and caption
    still give the latest value): about a fifth of the bytes for 89 regions × 40 weeks."""
    fmt = value_formatter(unit)
    # Tooltips and captions drop the unit word for points: 3 560 tooltips on one page.
    short = (lambda v: ru_number(v, 1)) if unit == "points" else fmt
    tick_fmt = _tick_formatter(unit)
    rows = []
    for item in items:
        title, pts = item[0], [(d, to_float(v)) for d, v in item[1]]
        href = item[2] if len(item) > 2 else None
        rows.append((str(title), pts, href))
    dates = sorted({d for _, pts, _ in rows for d, _ in pts})
    values = [v for _, pts, _ in rows for _, v in pts if v is not None]
    goal = to_float(target)
    if not rows:
        return f'<div class="chart-multiples chart-empty">{NO_DATA}</div>'
    top_value = max(values + ([goal] if goal is not None else []) + [y_max or 0], default=1)
    ticks = nice_ticks(0, top_value or 1, 2)
    pad_t, pad_b, pad_x = 4.0, 3.0, 2.0
    y = _scale(0, ticks[-1], pad_t, height - pad_b)
    if dates:
        d0 = dates[0]
        span = max((dates[-1] - d0).days, 1)
    range_caption = (
        f"{ru_date(dates[0])} — {ru_date(dates[-1])}, шкала 0–{tick_fmt(ticks[-1])}"
        if dates
        else NO_DATA
    )
    out = [f'<div class="chart-multiples" role="list" aria-label="{esc(range_caption)}">']
    for title, pts, href in rows:
        known = [(d, v) for d, v in pts if v is not None]
        last = known[-1][1] if known else None
        caption = f"{title}: {fmt(last)}" + (f" на {ru_date(known[-1][0])}" if known else "")
        svg = [svg_open(width, height, label=caption, css="chart-small")]
        base, mid = n(height - pad_b), n(y(ticks[-1] / 2))
        svg.append(f'<path d="M0 {base}H{width}M0 {mid}H{width}" stroke="{GRID}" fill="none"/>')
        if goal is not None:
            gy = n(y(goal))
            svg.append(
                f'<line x1="0" y1="{gy}" x2="{width}" y2="{gy}" stroke="{MUTED}" '
                'stroke-dasharray="3 2"/>'
            )
        if known:

            def x(d: dt.date) -> float:
                return pad_x + (d - d0).days / span * (width - 2 * pad_x - 3)

            coords = [None if v is None else (x(d), y(v)) for d, v in pts]
            d_path, lonely = _segments(coords, [d for d, _ in pts])
            if d_path:
                svg.append(
                    f'<path d="{d_path}" fill="none" stroke="{ACCENT}" stroke-width="1.6" '
                    'stroke-linejoin="round"/>'
                )
            for lx, ly in lonely:
                svg.append(f'<circle cx="{n(lx)}" cy="{n(ly)}" r="1.6" fill="{ACCENT}"/>')
            lx, ly = x(known[-1][0]), y(known[-1][1])
            svg.append(f'<circle cx="{n(lx)}" cy="{n(ly)}" r="2.4" fill="{ACCENT}"/>')
            if point_titles:
                svg.append(_hit_open((width - 2 * pad_x) / max(len(dates) - 1, 1)))
                svg.extend(_hit(x(d), height, f"{ru_date(d)}: {short(v)}") for d, v in pts)
                svg.append("</g>")
        else:
            svg.append(
                f'<text x="{width / 2}" y="{n(height / 2 + 4)}" text-anchor="middle" '
                f'font-size="11" fill="{MUTED}">{NO_DATA}</text>'
            )
        svg.append("</svg>")
        name = esc(title)
        if href:
            name = f'<a href="{esc(href)}">{name}</a>'
        out.append(
            f'<figure class="chart-multiple" role="listitem"><figcaption>'
            f'<span class="cm-title">{name}</span>'
            f'<span class="cm-value">{esc(short(last))}</span></figcaption>'
            + "".join(svg)
            + "</figure>"
        )
    out.append("</div>")
    return "".join(out)
