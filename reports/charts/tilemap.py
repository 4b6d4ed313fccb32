"""The tile-grid cartogram of Russia: one equal square per region at its approximate place
(the way Russian data journalism draws the country), coloured by a value, with a legend.
Pure Python: the page passes plain values and links; the grid positions live here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from roadmap_portal.ru_formats import NO_DATA, to_float

from .lines import value_formatter
from .palette import GRID, INK, MUTED, RAG_COLORS
from .svg import esc, hatch_pattern, n, new_uid, svg_open

# Region code -> (column, row) of its tile; row 0 is the north, column 0 the west.
# Source: drawn for this portal after the common tile-grid maps of Russian media (RIA,
# «Коммерсантъ», «Если быть точным»): neighbours stay neighbours where a square grid allows,
# the European part is spread out (many small regions), Siberia and the Far East are
# compressed; Moscow sits inside the oblast's row, the new regions and Crimea in the
# south-west. Approximate by design: a place to find a region, not a map to measure.
GRID_ROWS: dict[int, dict[int, str]] = {
    0: {3: "51", 17: "87"},
    1: {3: "10", 4: "29", 5: "83", 7: "89", 10: "24", 13: "14", 16: "49", 17: "41"},
    2: {
        1: "78", 2: "47", 3: "53", 4: "35", 5: "11", 7: "86", 9: "70", 11: "38",
        13: "28", 14: "27", 16: "65",
    },
    3: {
        0: "39", 1: "60", 2: "69", 3: "76", 4: "44", 5: "43", 6: "59", 7: "66", 8: "72",
        9: "55", 10: "54", 11: "42", 12: "03", 13: "75", 14: "79", 15: "25",
    },
    4: {
        1: "67", 2: "77", 3: "50", 4: "33", 5: "37", 6: "52", 7: "18", 8: "74", 9: "45",
        10: "22", 11: "19", 12: "17",
    },
    5: {1: "32", 2: "40", 3: "71", 4: "62", 5: "13", 6: "21", 7: "12", 8: "02", 10: "04"},
    6: {0: "31", 1: "46", 2: "57", 3: "48", 4: "68", 5: "58", 6: "73", 7: "16", 8: "56"},
    7: {0: "93", 1: "94", 2: "36", 3: "61", 4: "34", 5: "64", 6: "63"},
    8: {0: "95", 1: "90", 2: "23", 3: "01", 4: "26", 5: "08", 6: "30"},
    9: {0: "92", 1: "91", 3: "09", 4: "07", 5: "15", 6: "06", 7: "20", 8: "05"},
}  # fmt: skip
TILE_POSITIONS: dict[str, tuple[int, int]] = {
    code: (col, row) for row, cols in GRID_ROWS.items() for col, code in cols.items()
}

# Five steps of one blue, light (low) to dark (high): readable in greyscale print too.
STEPS = ("#dbe5f6", "#aec3ea", "#7b9cdc", "#4a72c4", "#234a94")
STEP_TEXT = (INK, INK, INK, "#fff", "#fff")


@dataclass(frozen=True)
class Tile:
    code: str  # region code, the key of TILE_POSITIONS
    name: str
    value: object = None  # None: «нет данных»
    href: str | None = None  # None: no link (e.g. a region the user may not see)


def step_of(value: float, low: float, high: float) -> int:
    """0..4: the value's fifth of [low, high] (everything equal: the top step)."""
    if high <= low:
        return len(STEPS) - 1
    share = (value - low) / (high - low)
    return min(int(share * len(STEPS)), len(STEPS) - 1)


def tile_map(
    tiles: Sequence[Tile],
    *,
    unit: str = "points",
    low: float | None = None,
    high: float | None = None,
    label: str = "",
    cell: int = 34,
) -> str:
    """The cartogram as one SVG: a square per region of TILE_POSITIONS (regions without a
    tile in `tiles` are drawn empty), its code in the square, name and value in the tooltip,
    a link where `href` is given, and the legend of the five steps and «нет данных»."""
    fmt = value_formatter(unit)
    by_code = {t.code: t for t in tiles}
    values = [v for t in tiles if (v := to_float(t.value)) is not None]
    low = min(values, default=0.0) if low is None else low
    high = max(values, default=0.0) if high is None else high
    cols = max(c for c, _ in TILE_POSITIONS.values()) + 1
    rows = max(r for _, r in TILE_POSITIONS.values()) + 1
    gap = 3
    width = cols * cell
    legend_top = rows * cell + 14
    height = legend_top + 30
    uid = new_uid("tm")
    summary = f"{len(values)} из {len(TILE_POSITIONS)} субъектов с данными"
    if values:
        summary += f", от {fmt(min(values))} до {fmt(max(values))}"
    parts = [
        svg_open(width, height, label=f"{label or 'Карта субъектов'}: {summary}", css="chart-map"),
        "<defs>" + hatch_pattern(uid, RAG_COLORS["none"], "#fff") + "</defs>",
    ]
    for code, (col, row) in sorted(TILE_POSITIONS.items(), key=lambda item: item[1][::-1]):
        tile = by_code.get(code)
        x, y = float(col * cell), float(row * cell)
        size = cell - gap
        value = to_float(tile.value) if tile else None
        if value is None:
            fill, ink = f"url(#{uid})", MUTED
        else:
            step = step_of(value, low, high)
            fill, ink = STEPS[step], STEP_TEXT[step]
        name = tile.name if tile else code
        tip = f"{name}: {fmt(value) if tile else NO_DATA}"
        square = (
            f'<rect x="{n(x)}" y="{n(y)}" width="{size}" height="{size}" rx="3" fill="{fill}" '
            f'stroke="{GRID if value is None else "none"}"/>'
            f'<text x="{n(x + size / 2)}" y="{n(y + size / 2 + 4)}" text-anchor="middle" '
            f'font-size="11" fill="{ink}">{esc(code)}</text>'
        )
        body = f'<g class="tile" data-code="{esc(code)}"><title>{esc(tip)}</title>{square}</g>'
        if tile and tile.href:
            body = f'<a href="{esc(tile.href)}">{body}</a>'
        parts.append(body)
    # Legend: the five steps with their lower bounds, then «нет данных».
    x = 0.0
    parts.append(f'<g font-size="11" fill="{INK}">')
    for k, color in enumerate(STEPS):
        bound = low + (high - low) * k / len(STEPS)
        text = f"от {fmt(bound)}" if high > low else fmt(high)
        if high <= low and k < len(STEPS) - 1:
            continue
        parts.append(
            f'<rect x="{n(x)}" y="{n(legend_top)}" width="14" height="14" fill="{color}"/>'
            f'<text x="{n(x + 18)}" y="{n(legend_top + 11)}">{esc(text)}</text>'
        )
        x += 26 + len(text) * 6.2
    parts.append(
        f'<rect x="{n(x)}" y="{n(legend_top)}" width="14" height="14" fill="url(#{uid})" '
        f'stroke="{GRID}"/><text x="{n(x + 18)}" y="{n(legend_top + 11)}" fill="{MUTED}">'
        f"{NO_DATA}</text></g></svg>"
    )
    return "".join(parts)
