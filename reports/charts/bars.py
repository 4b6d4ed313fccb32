"""Bar charts: bar_gauge (latest value vs target), progress_bars (index breakdown),
stacked_bar (roadmap completion by status). Pure Python; each returns an SVG string."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from roadmap_portal.ru_formats import NO_DATA, ru_number, ru_percent, to_float

from .lines import compact_formatter, value_formatter
from .palette import (
    ACCENT,
    DEFAULT_AT_RISK_MARGIN,
    INK,
    MUTED,
    RAG_COLORS,
    RAG_LABELS,
    RAG_TEXT,
    STATUS_COLORS,
    STATUS_HATCHED,
    TRACK,
)
from .palette import (
    rag as rag_of,
)
from .svg import esc, hatch_pattern, n, new_uid, svg_open, text_width, wrap


def _clamp01(share: float) -> float:
    return min(1.0, builtins.max(0.0, share))


def bar_gauge(
    value: object,
    target: object,
    *,
    max: object = 100,
    rag: str | None = None,
    unit: str = "percent",
    label: str = "",
    at_risk_margin: object = DEFAULT_AT_RISK_MARGIN,
    width: int = 380,
) -> str:
    """A horizontal bar with a target tick: the latest value against the stage target.

    Colour = RAG state (given, or computed from value vs target); the state is also written
    out in words next to the value so it survives greyscale print. A value above max fills
    the bar and gets an arrow; None shows a hatched empty bar «нет данных»."""
    fmt = value_formatter(unit)
    compact = compact_formatter(unit)
    number, goal = to_float(value), to_float(target)
    top_value = to_float(max) or 100.0
    state = rag or (rag_of(number, goal, at_risk_margin=at_risk_margin) if goal is not None else "")
    if number is None:
        state = "none"
    fill = RAG_COLORS.get(state, ACCENT) if state else ACCENT
    height = 44
    bar_x, bar_y, bar_h = 1.0, 6.0, 16.0
    bar_w = width - 132
    uid = new_uid("g")
    name = label or "Значение"
    status = RAG_LABELS.get(state, "") if state else ""
    aria = f"{name}: {fmt(number)}"
    if goal is not None:
        aria += f", цель {compact(goal)}"
    if status and number is not None:
        aria += f" — {status}"
    parts = [svg_open(width, height, label=aria, css="chart-gauge")]
    parts.append(
        f'<rect x="{n(bar_x)}" y="{n(bar_y)}" width="{n(bar_w)}" height="{n(bar_h)}" rx="3" '
        f'fill="{TRACK}"/>'
    )
    if number is None:
        parts.append(f"<defs>{hatch_pattern(uid, RAG_COLORS['none'])}</defs>")
        parts.append(
            f'<rect x="{n(bar_x)}" y="{n(bar_y)}" width="{n(bar_w)}" height="{n(bar_h)}" rx="3" '
            f'fill="url(#{uid})"><title>{esc(name)}: {NO_DATA}</title></rect>'
        )
    else:
        share = 0.0 if top_value <= 0 else number / top_value
        w = bar_w * _clamp01(share)
        parts.append(
            f'<rect x="{n(bar_x)}" y="{n(bar_y)}" width="{n(w)}" height="{n(bar_h)}" rx="3" '
            f'fill="{fill}"><title>{esc(name)}: {esc(fmt(number))}</title></rect>'
        )
        if share > 1:  # above the scale: an arrow past the end, the true value in the label
            ax = bar_x + bar_w
            parts.append(
                f'<polygon points="{n(ax + 1)},{n(bar_y - 1)} {n(ax + 9)},{n(bar_y + bar_h / 2)} '
                f'{n(ax + 1)},{n(bar_y + bar_h + 1)}" fill="{fill}"><title>выше шкалы '
                f"{esc(fmt(top_value))}</title></polygon>"
            )
    if goal is not None:
        gx = bar_x + bar_w * _clamp01(goal / top_value if top_value else 0)
        caption = f"цель {compact(goal)}"
        cw = text_width(caption, 11)
        tx = min(builtins.max(gx, bar_x + cw / 2), bar_x + bar_w - cw / 2)
        parts.append(
            f'<g class="target"><line x1="{n(gx)}" y1="{n(bar_y - 4)}" x2="{n(gx)}" '
            f'y2="{n(bar_y + bar_h + 4)}" stroke="{INK}" stroke-width="2.5"/>'
            f'<text x="{n(tx)}" y="{n(bar_y + bar_h + 16)}" font-size="11" fill="{MUTED}" '
            f'text-anchor="middle">{esc(caption)}</text>'
            f"<title>Цель: {esc(compact(goal))}</title></g>"
        )
    text_x = bar_x + bar_w + 16
    value_color = RAG_TEXT.get(state, INK) if state else INK
    parts.append(
        f'<text x="{n(text_x)}" y="{n(bar_y + 13)}" font-size="16" font-weight="700" '
        f'fill="{value_color if number is not None else MUTED}">{esc(fmt(number))}</text>'
    )
    if status and number is not None:
        parts.append(
            f'<text x="{n(text_x)}" y="{n(bar_y + bar_h + 15)}" font-size="11.5" '
            f'fill="{RAG_TEXT[state]}">{esc(status)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def progress_bars(
    items: Sequence[tuple],
    *,
    unit: str = "points",
    label: str = "",
    width: int = 560,
) -> str:
    """Earned / max per component or criterion. items: (label, earned, max) or
    (label, earned, max, level) with level 0 = component (bold), 1 = criterion (indented).
    Full marks are green, partial blue, zero an empty track; None is hatched «нет данных»."""
    rows = []
    for item in items:
        level = int(item[3]) if len(item) > 3 else 0
        rows.append((str(item[0]), to_float(item[1]), to_float(item[2]), level))
    value_fmt = ru_number
    unit_word = "баллов" if unit == "points" else ""
    uid = new_uid("p")
    summary = "; ".join(
        f"{lbl}: {value_fmt(e) if e is not None else NO_DATA} из {value_fmt(m)}"
        for lbl, e, m, lvl in rows
        if lvl == 0
    )
    aria = (label or "Баллы по составляющим") + (f": {summary}" if summary else f": {NO_DATA}")
    if not rows:
        return (
            svg_open(width, 32, label=aria, css="chart-progress chart-empty")
            + f'<text x="0" y="20" font-size="13" fill="{MUTED}">{NO_DATA}</text></svg>'
        )
    layout = []
    y = 0.0
    value_w = 96.0
    for lbl, earned, top, level in rows:
        indent = 16.0 * level
        size = 14.0 if level == 0 else 13.0
        lines = wrap(lbl, size, width - indent - value_w - 8, max_lines=2)
        row_h = len(lines) * (size + 3) + (12 if level == 0 else 10) + 12
        layout.append((lbl, earned, top, level, indent, size, lines, y))
        y += row_h
    height = y
    parts = [
        svg_open(width, height, label=aria, css="chart-progress"),
        f"<defs>{hatch_pattern(uid, RAG_COLORS['none'])}</defs>",
    ]
    for lbl, earned, top, level, indent, size, lines, y0 in layout:
        weight = ' font-weight="600"' if level == 0 else ""
        for k, line in enumerate(lines):
            parts.append(
                f'<text x="{n(indent)}" y="{n(y0 + size + k * (size + 3))}" '
                f'font-size="{n(size)}"{weight}>{esc(line)}</text>'
            )
        shown = f"{value_fmt(earned)} из {value_fmt(top)}" if earned is not None else NO_DATA
        parts.append(
            f'<text x="{width}" y="{n(y0 + size)}" font-size="{n(size)}" text-anchor="end"'
            f"{weight} "
            f'fill="{INK if earned is not None else MUTED}">{esc(shown)}</text>'
        )
        bar_y = y0 + len(lines) * (size + 3) + 3
        bar_h = 12.0 if level == 0 else 9.0
        bar_w = width - indent
        parts.append(
            f'<rect x="{n(indent)}" y="{n(bar_y)}" width="{n(bar_w)}" height="{n(bar_h)}" '
            f'rx="{n(bar_h / 2)}" fill="{TRACK}"/>'
        )
        if earned is None:
            tip = f"{lbl}: {NO_DATA}"
            parts.append(
                f'<rect x="{n(indent)}" y="{n(bar_y)}" width="{n(bar_w)}" height="{n(bar_h)}" '
                f'rx="{n(bar_h / 2)}" fill="url(#{uid})"><title>{esc(tip)}</title></rect>'
            )
            continue
        share = earned / top if top else 0.0
        tip = f"{lbl}: {value_fmt(earned)} из {value_fmt(top)}"
        tip += f" {unit_word}" if unit_word else ""
        tip += f" ({ru_percent(share * 100)})"
        w = bar_w * min(1.0, max(0.0, share))
        color = RAG_COLORS["green"] if share >= 1 else ACCENT
        if level > 0 and share < 1:
            color = "#5b7fc7"
        parts.append(
            f'<rect x="{n(indent)}" y="{n(bar_y)}" width="{n(max(w, 0))}" height="{n(bar_h)}" '
            f'rx="{n(bar_h / 2)}" fill="{color}"><title>{esc(tip)}</title></rect>'
        )
        # An invisible full-width twin: the tooltip also works over the empty part.
        parts.append(
            f'<rect x="{n(indent)}" y="{n(bar_y)}" width="{n(bar_w)}" height="{n(bar_h)}" '
            f'fill="#fff" fill-opacity="0"><title>{esc(tip)}</title></rect>'
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bar(
    parts: Sequence[tuple[str, object, str]],
    *,
    label: str = "",
    width: int = 560,
) -> str:
    """One bar split by status with a legend (label — count, share) underneath.
    parts: (label, count, css_class) with css_class done / in_progress / not_started /
    overdue / cancelled (unknown classes are grey). Overdue is hatched for print."""
    rows = [(str(lbl), int(to_float(cnt) or 0), str(css)) for lbl, cnt, css in parts]
    total = sum(c for _, c, _ in rows)
    uid = new_uid("s")
    summary = "; ".join(f"{lbl}: {c}" for lbl, c, _ in rows)
    aria = (label or "Выполнение") + f": всего {total}" + (f"; {summary}" if summary else "")
    bar_h = 26.0
    # Legend under the bar in two columns (a grid reads better than a flowing line and
    # never collides, whatever the font): swatch, label — count (share).
    legend = []
    col_w = width / 2
    ly = bar_h + 24.0
    for k, (lbl, c, css) in enumerate(rows):
        share = ru_percent(c * 100 / total) if total else ru_percent(0)
        lx = col_w * (k % 2)
        if k and k % 2 == 0:
            ly += 20
        legend.append((lx, ly, f"{lbl} — {ru_number(c)} ({share})", css))
    height = ly + 8
    parts_out = [
        svg_open(width, height, label=aria, css="chart-stacked"),
        f"<defs>{hatch_pattern(uid, '#fff', spacing=6)}</defs>",
    ]
    if total == 0:
        parts_out.append(
            f'<rect x="0" y="0" width="{width}" height="{n(bar_h)}" rx="4" fill="{TRACK}"/>'
            f'<text x="{width / 2}" y="{n(bar_h / 2 + 5)}" text-anchor="middle" font-size="13" '
            f'fill="{MUTED}">нет мероприятий</text>'
        )
    else:
        parts_out.append(
            f'<clipPath id="{uid}c"><rect x="0" y="0" width="{width}" height="{n(bar_h)}" '
            'rx="4"/></clipPath>'
        )
        parts_out.append(f'<g clip-path="url(#{uid}c)">')
        x = 0.0
        for lbl, c, css in rows:
            if c <= 0:
                continue
            w = width * c / total
            color = STATUS_COLORS.get(css, RAG_COLORS["none"])
            share = ru_percent(c * 100 / total)
            tip = f"<title>{esc(lbl)}: {ru_number(c)} из {ru_number(total)} ({share})</title>"
            parts_out.append(
                f'<g class="seg seg-{esc(css)}"><rect x="{n(x)}" y="0" width="{n(w)}" '
                f'height="{n(bar_h)}" fill="{color}"/>'
            )
            if css in STATUS_HATCHED:
                parts_out.append(
                    f'<rect x="{n(x)}" y="0" width="{n(w)}" height="{n(bar_h)}" '
                    f'fill="url(#{uid})" fill-opacity="0.45"/>'
                )
            count = ru_number(c)
            if text_width(count, 13) + 10 <= w:
                light = css in {"not_started"}
                parts_out.append(
                    f'<text x="{n(x + w / 2)}" y="{n(bar_h / 2 + 5)}" font-size="13" '
                    f'font-weight="700" text-anchor="middle" '
                    f'fill="{INK if light else "#fff"}">{count}</text>'
                )
            # Hover target on top of the text so the tooltip shows wherever you point.
            parts_out.append(
                f'<rect x="{n(x)}" y="0" width="{n(w)}" height="{n(bar_h)}" fill="#fff" '
                f'fill-opacity="0">{tip}</rect></g>'
            )
            # Thin white separators keep neighbouring segments apart in greyscale.
            x += w
            if x < width - 0.5:
                parts_out.append(
                    f'<line x1="{n(x)}" y1="0" x2="{n(x)}" y2="{n(bar_h)}" stroke="#fff" '
                    'stroke-width="1.5"/>'
                )
        parts_out.append("</g>")
    for lx, ly, text, css in legend:
        color = STATUS_COLORS.get(css, RAG_COLORS["none"])
        parts_out.append(
            f'<rect x="{n(lx)}" y="{n(ly - 11)}" width="13" height="13" rx="2" fill="{color}"/>'
        )
        if css in STATUS_HATCHED:
            parts_out.append(
                f'<rect x="{n(lx)}" y="{n(ly - 11)}" width="13" height="13" rx="2" '
                f'fill="url(#{uid})" fill-opacity="0.45"/>'
            )
        parts_out.append(f'<text x="{n(lx + 18)}" y="{n(ly)}" font-size="12.5">{esc(text)}</text>')
    parts_out.append("</svg>")
    return "".join(parts_out)
