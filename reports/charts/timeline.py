"""The roadmap on a timeline (Gantt-style): pure Python, an SVG string from plain values.

Sections are groups; each measure is a row with its label above a bar from its start to the
end of its due day, coloured by its status (STATUS_COLORS, the colours of the completion
bar); an overdue measure's late part (from its due date to today) is hatched red; a
monthly duty has a tick on each monthly due date; today is a dashed line; the federal
plan's milestones are diamonds in a lane of their own and on the rows linked to them.

The caller decides what is overdue (roadmaps.querysets.overdue_q, the region's local
date), the start of each measure (roadmaps.selectors.measure_period) and the monthly due
dates (roadmaps.deadlines.monthly_due_dates); this module only places them.

Layout and drawing are separate: `timeline_layout` returns positions (table-tested),
`timeline_chart` draws them. The chart keeps its natural width (no squeezing: a phone
scrolls it inside its box) and each label is placed at its bar, clamped inside the chart,
so it is never clipped and is read where the bar is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from roadmap_portal.ru_formats import ru_date, ru_plural

from .palette import GRID, INK, MUTED, RAG_COLORS, STATUS_COLORS, TRACK
from .svg import esc, hatch_pattern, marker, n, new_uid, svg_open, text_width, wrap

MILESTONE_COLOR = "#7a4fb5"  # the federal plan's diamonds (a series colour of the palette)
LATE_COLOR = STATUS_COLORS["overdue"]
DAY = dt.timedelta(days=1)
# a white outline under the letters: labels stay legible over grid and today's lines
HALO = 'stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'

MONTHS_SHORT = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")

# Geometry (px at natural size)
MARGIN = 8.0
LABEL_SIZE = 12.0
LABEL_MAX_W = 440.0
HEADER_SIZE = 13.0
BAR_H = 12.0
ROW_H = 36.0  # label line + bar + gap
AXIS_H = 40.0  # month names and the «сегодня» caption
LANE_H = 58.0  # the federal plan's milestones (caption, diamonds, numbers on two levels)
LEGEND_LINE = 22.0
ROWS_PER_PIECE = 16  # a band of the chart prints on one A4 landscape page
MIN_WIDTH = 640.0
DEFAULT_DAY_PX = 2.4  # a year is ~880 px: readable on a screen, fits A4 landscape


@dataclass(frozen=True)
class TimelineMilestone:
    """A dated item of the federal plan."""

    key: str  # its number in the plan
    title: str
    day: dt.date
    href: str | None = None


@dataclass(frozen=True)
class TimelineMeasure:
    key: str  # the measure's number («3.1»)
    title: str
    status: str  # done / in_progress / not_started / cancelled (STATUS_COLORS keys)
    status_label: str  # «В работе»
    start: dt.date | None  # its start, else the roadmap's approval date (the caller's rule)
    due: dt.date | None
    overdue: bool = False  # open and past due in the region's local date (the caller's rule)
    monthly: tuple[dt.date, ...] = ()  # due dates of a monthly duty
    federal: TimelineMilestone | None = None  # the federal plan's item it is linked to
    href: str | None = None


@dataclass(frozen=True)
class TimelineGroup:
    title: str
    measures: tuple[TimelineMeasure, ...]


@dataclass(frozen=True)
class RowLayout:
    """One measure's row. kind: "bar" (start..due), "point" (a due date without a start),
    "open" (a start without a due date: to the end of the axis), "none" (no dates)."""

    measure: TimelineMeasure
    kind: str
    y: float  # top of the row
    label: str
    label_x: float
    bar_x: float = 0.0
    bar_w: float = 0.0
    late_x: float = 0.0  # the hatched late part (late_w 0: none)
    late_w: float = 0.0
    ticks: tuple[float, ...] = ()
    federal_x: float | None = None

    @property
    def bar_y(self) -> float:
        return self.y + LABEL_SIZE + 8

    @property
    def label_y(self) -> float:
        return self.y + LABEL_SIZE + 2


@dataclass(frozen=True)
class GroupLayout:
    title_lines: tuple[str, ...]
    y: float
    height: float
    rows: tuple[RowLayout, ...]


@dataclass(frozen=True)
class MilestoneLayout:
    milestone: TimelineMilestone
    x: float
    y: float  # the diamond's centre
    label_y: float  # its number's baseline (a second level when numbers would touch)


@dataclass(frozen=True)
class MonthLayout:
    day: dt.date  # the first day of the month
    x: float
    label: str  # "" when there is no room for it


@dataclass
class TimelineLayout:
    width: float
    height: float
    axis_start: dt.date
    axis_end: dt.date  # exclusive: the first day after the axis
    day_px: float
    today: dt.date
    today_x: float
    months: list[MonthLayout] = field(default_factory=list)
    lane_y: float | None = None  # top of the milestones lane
    milestones: list[MilestoneLayout] = field(default_factory=list)
    groups: list[GroupLayout] = field(default_factory=list)
    legend: list[tuple[str, str, float, float]] = field(default_factory=list)  # code, text, x, y
    legend_y: float = 0.0
    empty: bool = False
    message_y: float = 0.0  # «нет мероприятий по выбранным условиям»

    def x(self, day: dt.date) -> float:
        """Left edge of a day."""
        return MARGIN + (day - self.axis_start).days * self.day_px

    def mid(self, day: dt.date) -> float:
        return self.x(day) + self.day_px / 2

    @property
    def rows(self) -> list[RowLayout]:
        return [row for group in self.groups for row in group.rows]


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + 1, 1, 1) if day.month == 12 else dt.date(day.year, day.month + 1, 1)


def _label(measure: TimelineMeasure) -> str:
    return f"{measure.key}. {measure.title}" if measure.key else measure.title


def timeline_layout(
    groups: Sequence[TimelineGroup],
    *,
    today: dt.date,
    milestones: Sequence[TimelineMilestone] = (),
    legend: Sequence[tuple[str, str]] = (),
    day_px: float = DEFAULT_DAY_PX,
) -> TimelineLayout:
    """Positions of everything on the chart.

    1. The axis covers whole months from the earliest to the latest date shown (starts,
       due dates, monthly dates, milestones and today), so today is always on it.
    2. A bar runs from the left edge of its start day to the right edge of its due day; a
       start after the due date is taken as the due date. The late part runs from the right
       edge of the due day to today's line, only for a measure flagged overdue.
    3. Labels sit above their bar, moved left where they would leave the chart.
    """
    measures = [m for g in groups for m in g.measures]
    days: list[dt.date] = [today]
    for m in measures:
        days.extend(d for d in (m.start, m.due) if d is not None)
        days.extend(m.monthly)
        if m.federal is not None:
            days.append(m.federal.day)
    days.extend(ms.day for ms in milestones)
    axis_start = _month_start(min(days))
    axis_end = _next_month(max(days))
    # at least six months, so a short roadmap is not a smear of wide months
    while (axis_end.year - axis_start.year) * 12 + axis_end.month - axis_start.month < 6:
        axis_end = _next_month(axis_end)
    span = (axis_end - axis_start).days
    width = max(MIN_WIDTH, span * day_px + 2 * MARGIN)
    day_px = (width - 2 * MARGIN) / span
    layout = TimelineLayout(
        width=width,
        height=0.0,
        axis_start=axis_start,
        axis_end=axis_end,
        day_px=day_px,
        today=today,
        today_x=0.0,
        empty=not measures,
    )
    layout.today_x = layout.mid(today)
    right = width - MARGIN

    # month grid and names: every month if its name fits, else every third
    month = axis_start
    months = []
    while month < axis_end:
        months.append(month)
        month = _next_month(month)
    month_w = 30 * day_px
    widest = max(text_width(f"{name} 2000", 11) for name in MONTHS_SHORT) + 6
    step = 1 if month_w >= widest else 3
    shown_year = None
    for k, first in enumerate(months):
        # the year with the first name shown in it
        name = MONTHS_SHORT[first.month - 1]
        if first.year != shown_year:
            name = f"{name} {first.year}"
        show = k % step == 0 and layout.x(first) + text_width(name, 11) <= right
        if show:
            shown_year = first.year
        layout.months.append(MonthLayout(day=first, x=layout.x(first), label=name if show else ""))

    y = AXIS_H
    if milestones:
        layout.lane_y = y
        placed: list[tuple[float, float, int]] = []  # (left, right, level) of the numbers
        for ms in sorted(milestones, key=lambda item: item.day):
            x = layout.mid(ms.day)
            w = text_width(ms.key, 11)
            level = 0
            while level < 1 and any(
                lvl == level and x - w / 2 - 3 < r and x + w / 2 + 3 > lft for lft, r, lvl in placed
            ):
                level += 1
            placed.append((x - w / 2, x + w / 2, level))
            layout.milestones.append(MilestoneLayout(ms, x, y + 24, y + 42 + 11 * level))
        y += LANE_H

    for group in groups:
        title_lines = tuple(wrap(group.title, HEADER_SIZE, min(right - MARGIN - 4, 720), 2))
        header_h = 8 + len(title_lines) * (HEADER_SIZE + 4)
        rows = []
        row_y = y + header_h
        for m in group.measures:
            rows.append(_row(layout, m, row_y))
            row_y += ROW_H
        layout.groups.append(
            GroupLayout(title_lines=title_lines, y=y, height=row_y - y, rows=tuple(rows))
        )
        y = row_y + 6
    if layout.empty:
        layout.message_y = y + 26
        y += 40
    layout.legend_y = y + 18
    _place_legend(layout, legend)
    layout.height = max(item[3] for item in layout.legend) + 10
    return layout


def _place_legend(layout: TimelineLayout, legend: Sequence[tuple[str, str]]) -> None:
    """The key flows from left to right and wraps at the chart's edge."""
    items: list[tuple[str, str]] = [(code, text) for code, text in legend]
    if any(r.late_w > 0 for r in layout.rows):
        items.append(("late", "просрочено (после срока)"))
    if any(r.ticks for r in layout.rows):
        items.append(("tick", "ежемесячный срок"))
    if layout.milestones or any(r.federal_x is not None for r in layout.rows):
        items.append(("milestone", "веха федерального плана"))
    items.append(("today", "сегодня"))
    x, y = MARGIN, layout.legend_y
    for code, text in items:
        w = 18 + text_width(text, 11.5) + 16
        if x + w > layout.width - MARGIN and x > MARGIN:
            x, y = MARGIN, y + LEGEND_LINE
        layout.legend.append((code, text, x, y))
        x += w


def _row(layout: TimelineLayout, m: TimelineMeasure, y: float) -> RowLayout:
    right = layout.width - MARGIN
    label_text = wrap(_label(m), LABEL_SIZE, min(LABEL_MAX_W, right - MARGIN), 1)[0]
    label_w = text_width(label_text, LABEL_SIZE)
    ticks = tuple(layout.mid(d) for d in m.monthly)
    federal_x = layout.mid(m.federal.day) if m.federal is not None else None
    if m.due is not None:
        start = min(m.start, m.due) if m.start is not None else None
        bar_end = layout.x(m.due + DAY)
        if start is None:
            kind, bar_x = "point", bar_end - max(layout.day_px, 6.0)
        else:
            kind, bar_x = "bar", layout.x(start)
        late_x = late_w = 0.0
        if m.overdue and layout.today_x > bar_end:
            late_x, late_w = bar_end, layout.today_x - bar_end
        anchor = bar_x
    elif m.start is not None:
        kind, bar_x, bar_end = "open", layout.x(m.start), right
        late_x = late_w = 0.0
        anchor = bar_x
    else:
        return RowLayout(
            measure=m, kind="none", y=y, label=label_text, label_x=MARGIN, federal_x=federal_x
        )
    label_x = max(MARGIN, min(anchor, right - label_w))
    return RowLayout(
        measure=m,
        kind=kind,
        y=y,
        label=label_text,
        label_x=label_x,
        bar_x=bar_x,
        bar_w=bar_end - bar_x,
        late_x=late_x,
        late_w=late_w,
        ticks=ticks,
        federal_x=federal_x,
    )


def _tooltip(m: TimelineMeasure, today: dt.date) -> str:
    if m.due is not None and m.start is not None:
        dates = f"{ru_date(min(m.start, m.due))} – {ru_date(m.due)}"
    elif m.due is not None:
        dates = f"срок {ru_date(m.due)}"
    elif m.start is not None:
        dates = f"с {ru_date(m.start)}, срок окончания не указан"
    else:
        dates = "срок не указан"
    text = f"{_label(m)} — {dates}; {m.status_label}"
    if m.overdue and m.due is not None:
        days = (today - m.due).days
        text += f"; просрочено на {days} {ru_plural(days, 'день', 'дня', 'дней')}"
    if m.monthly:
        text += f"; ежемесячно, сроков: {len(m.monthly)}"
    if m.federal is not None:
        text += f"; пункт {m.federal.key} федерального плана — срок {ru_date(m.federal.day)}"
    return text


def pieces(layout: TimelineLayout) -> list[tuple[float, float]]:
    """Horizontal bands the chart is cut into, top to bottom, without gaps: the axis (and
    the milestones lane), each section (a long one every ROWS_PER_PIECE rows), the key.

    Each band is an SVG of its own with the same width and scale, stacked in one box: on
    screen they read as one chart (and scroll together); printed, a page breaks between
    bands, never through a row.
    """
    cuts = [0.0]
    for group in layout.groups:
        cuts.append(group.y - 3)
        for k in range(ROWS_PER_PIECE, len(group.rows), ROWS_PER_PIECE):
            cuts.append(group.rows[k].y)
    cuts.append(layout.legend_y - 18)
    cuts.append(layout.height)
    return list(zip(cuts, cuts[1:], strict=False))


def timeline_chart(
    groups: Sequence[TimelineGroup],
    *,
    today: dt.date,
    milestones: Sequence[TimelineMilestone] = (),
    legend: Sequence[tuple[str, str]] = (),
    label: str = "",
    day_px: float = DEFAULT_DAY_PX,
) -> str:
    """The chart of `timeline_layout` as SVG elements stacked top to bottom (`pieces`):
    the first holds the title and the description of the whole chart. legend: (status
    code, label) in the order to show."""
    layout = timeline_layout(
        groups, today=today, milestones=milestones, legend=legend, day_px=day_px
    )
    uid = new_uid("t")
    rows = layout.rows
    dated = [r for r in rows if r.kind != "none"]
    overdue = sum(1 for r in rows if r.measure.overdue)
    title = label or "Мероприятия на шкале времени"
    desc = (
        f"Мероприятий: {len(rows)}, со сроками: {len(dated)}, просрочено: {overdue}. "
        f"Шкала с {ru_date(layout.axis_start)} по {ru_date(layout.axis_end - DAY)}, "
        f"сегодня {ru_date(today)}."
    )
    if milestones:
        desc += f" Вех федерального плана: {len(milestones)}."
    bands = pieces(layout)
    out = []
    for k, (y0, y1) in enumerate(bands):
        inside = [r for r in rows if y0 <= r.y < y1]
        headers = [g for g in layout.groups if y0 <= g.y < y1]
        if k == 0:
            piece_label, piece_desc, css = title, desc, "chart-timeline tl-head"
        elif k == len(bands) - 1:
            piece_label, piece_desc, css = "Условные обозначения", "", "chart-timeline tl-foot"
        else:
            group = [g for g in layout.groups if g.y - 3 <= y0 + 0.01][-1]
            piece_label = " ".join(group.title_lines)
            if not headers:
                piece_label += " (продолжение)"
            piece_desc, css = "", "chart-timeline tl-piece"
        pid = f"{uid}-{k}"
        part = [
            svg_open(layout.width, y1 - y0, label=piece_label, css=css, desc=piece_desc),
            f"<defs>{hatch_pattern(pid, '#fff', background=LATE_COLOR, spacing=5)}</defs>",
            f'<g transform="translate(0 {n(-y0)})">',
            _grid(layout, y0, y1, head=k == 0),
        ]
        for group in headers:
            part.append(_draw_header(layout, group))
        if layout.empty and y0 <= layout.message_y < y1:
            part.append(
                f'<text x="{n(MARGIN)}" y="{n(layout.message_y)}" font-size="13" '
                f'fill="{MUTED}">нет мероприятий по выбранным условиям</text>'
            )
        if k == 0:
            part.append(_draw_lane(layout))
        part.extend(_draw_row(layout, row, pid) for row in inside)
        if k == len(bands) - 1:
            part.append(_legend(layout, pid))
        part.append("</g></svg>")
        out.append("".join(part))
    return "".join(out)


def _grid(layout: TimelineLayout, y0: float, y1: float, *, head: bool) -> str:
    """Month lines and today's line within a band (under everything else); the month
    names and today's caption in the head."""
    bottom = layout.legend_y - 14
    out = ['<g class="tl-axis">']
    top, low = max(y0, AXIS_H - 18), min(y1, bottom)
    if top < low:
        for month in layout.months:
            out.append(
                f'<line x1="{n(month.x)}" y1="{n(top)}" x2="{n(month.x)}" y2="{n(low)}" '
                f'stroke="{GRID}" stroke-width="1"/>'
            )
    if head:
        for month in layout.months:
            if month.label:
                out.append(
                    f'<text x="{n(month.x + 3)}" y="14" font-size="11" fill="{MUTED}">'
                    f"{esc(month.label)}</text>"
                )
    out.append("</g>")
    today = ru_date(layout.today)
    top = max(y0, AXIS_H - 4)
    out.append(f'<g class="tl-today"><title>Сегодня: {today}</title>')
    if top < low:
        out.append(
            f'<line x1="{n(layout.today_x)}" y1="{n(top)}" x2="{n(layout.today_x)}" '
            f'y2="{n(low)}" stroke="{INK}" stroke-width="1.5" stroke-dasharray="4 3"/>'
        )
    if head:
        caption = f"сегодня {today}"
        cw = text_width(caption, 11, bold=True)
        cx = min(max(layout.today_x, MARGIN + cw / 2), layout.width - MARGIN - cw / 2)
        out.append(
            f'<text x="{n(cx)}" y="30" font-size="11" font-weight="700" '
            f'text-anchor="middle">{esc(caption)}</text>'
        )
    out.append("</g>")
    return "".join(out)


def _draw_header(layout: TimelineLayout, group: GroupLayout) -> str:
    head_h = 8 + len(group.title_lines) * (HEADER_SIZE + 4)
    out = [
        f'<g class="tl-group"><rect x="0" y="{n(group.y)}" width="{n(layout.width)}" '
        f'height="{n(head_h - 2)}" fill="{TRACK}"/>'
    ]
    for k, line in enumerate(group.title_lines):
        out.append(
            f'<text class="tl-group-title" x="{n(MARGIN)}" '
            f'y="{n(group.y + 4 + HEADER_SIZE + k * (HEADER_SIZE + 4))}" '
            f'font-size="{n(HEADER_SIZE)}" font-weight="700">{esc(line)}</text>'
        )
    out.append("</g>")
    return "".join(out)


def _draw_lane(layout: TimelineLayout) -> str:
    if layout.lane_y is None:
        return ""
    out = [
        f'<g class="tl-lane"><text x="{n(MARGIN)}" y="{n(layout.lane_y + 10)}" '
        f'font-size="11" fill="{MUTED}">Вехи федерального плана</text>'
    ]
    for item in layout.milestones:
        ms = item.milestone
        tip = f"Пункт {ms.key} федерального плана: {ms.title} — срок {ru_date(ms.day)}"
        body = (
            f"<title>{esc(tip)}</title>"
            + marker("diamond", item.x, item.y, 5.5, MILESTONE_COLOR)
            + f'<text x="{n(item.x)}" y="{n(item.label_y)}" font-size="11" '
            f'text-anchor="middle" fill="{MILESTONE_COLOR}">{esc(ms.key)}</text>'
        )
        body = f'<g class="tl-milestone" data-key="{esc(ms.key)}">{body}</g>'
        if ms.href:
            body = f'<a href="{esc(ms.href)}">{body}</a>'
        out.append(body)
    out.append("</g>")
    return "".join(out)


def _draw_row(layout: TimelineLayout, row: RowLayout, uid: str) -> str:
    m = row.measure
    css = f"tl-bar tl-{esc(m.status)}" + (" tl-overdue" if m.overdue else "")
    parts = [
        f'<g class="{css}" data-key="{esc(m.key)}" data-kind="{row.kind}">',
        f"<title>{esc(_tooltip(m, layout.today))}</title>",
        f'<text class="tl-label" x="{n(row.label_x)}" y="{n(row.label_y)}" '
        f'font-size="{n(LABEL_SIZE)}" {HALO}>{esc(row.label)}</text>',
    ]
    color = STATUS_COLORS.get(m.status, RAG_COLORS["none"])
    y = row.bar_y
    if row.kind == "none":
        parts.append(
            f'<text x="{n(MARGIN)}" y="{n(y + BAR_H - 2)}" font-size="11" fill="{MUTED}" '
            'font-style="italic">срок не указан</text>'
        )
    elif row.kind == "open":
        parts.append(
            f'<rect class="tl-span" x="{n(row.bar_x)}" y="{n(y)}" width="{n(row.bar_w)}" '
            f'height="{n(BAR_H)}" rx="2" fill="{color}" fill-opacity="0.35" stroke="{color}" '
            'stroke-dasharray="4 2"/>'
        )
    else:
        parts.append(
            f'<rect class="tl-span" x="{n(row.bar_x)}" y="{n(y)}" width="{n(row.bar_w)}" '
            f'height="{n(BAR_H)}" rx="2" fill="{color}"/>'
        )
    if row.late_w > 0:
        parts.append(
            f'<rect class="tl-late" x="{n(row.late_x)}" y="{n(y)}" width="{n(row.late_w)}" '
            f'height="{n(BAR_H)}" fill="url(#{uid})"/>'
        )
    for tx in row.ticks:
        parts.append(
            f'<line class="tl-tick" x1="{n(tx)}" y1="{n(y - 3)}" x2="{n(tx)}" '
            f'y2="{n(y + BAR_H + 3)}" stroke="{INK}" stroke-width="1.5"/>'
        )
    if row.federal_x is not None:
        parts.append(
            marker("diamond", row.federal_x, y + BAR_H / 2, 4.5, MILESTONE_COLOR).replace(
                "<polygon ", '<polygon class="tl-federal" ', 1
            )
        )
    parts.append("</g>")
    body = "".join(parts)
    if m.href:
        body = f'<a href="{esc(m.href)}">{body}</a>'
    return body


def _legend(layout: TimelineLayout, uid: str) -> str:
    out = ['<g class="tl-legend">']
    for code, text, x, y in layout.legend:
        sy = y - 10
        if code == "late":
            out.append(f'<rect x="{n(x)}" y="{n(sy)}" width="13" height="12" fill="url(#{uid})"/>')
        elif code == "tick":
            out.append(
                f'<rect x="{n(x)}" y="{n(sy + 2)}" width="13" height="8" fill="{TRACK}"/>'
                f'<line x1="{n(x + 6.5)}" y1="{n(sy - 1)}" x2="{n(x + 6.5)}" y2="{n(sy + 13)}" '
                f'stroke="{INK}" stroke-width="1.5"/>'
            )
        elif code == "milestone":
            out.append(marker("diamond", x + 6.5, sy + 6, 4.5, MILESTONE_COLOR))
        elif code == "today":
            out.append(
                f'<line x1="{n(x + 6.5)}" y1="{n(sy - 1)}" x2="{n(x + 6.5)}" y2="{n(sy + 13)}" '
                f'stroke="{INK}" stroke-width="1.5" stroke-dasharray="4 3"/>'
            )
        else:
            color = STATUS_COLORS.get(code, RAG_COLORS["none"])
            out.append(
                f'<rect x="{n(x)}" y="{n(sy)}" width="13" height="12" rx="2" fill="{color}"/>'
            )
        out.append(f'<text x="{n(x + 18)}" y="{n(y)}" font-size="11.5">{esc(text)}</text>')
    out.append("</g>")
    return "".join(out)
