"""Small SVG-writing helpers shared by the chart modules (pure Python, stdlib only)."""

from __future__ import annotations

import html
import itertools
import math

from .palette import INK

SVG_NS = "http://www.w3.org/2000/svg"

# Ids must be unique within a page that holds many charts (hatch patterns are referenced
# by id). A process-wide counter is enough: ids only need to differ inside one response.
_ids = itertools.count(1)


def new_uid(prefix: str = "ch") -> str:
    return f"{prefix}{next(_ids)}"


def esc(text: object) -> str:
    """Escape text or attribute content (quotes too): labels come from user-entered data."""
    return html.escape(str(text), quote=True)


def n(value: float) -> str:
    """Compact coordinate: one decimal, no trailing zeros (keeps 89-chart pages light)."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


_NARROW = frozenset(" .,:;!|il()[]·'\u202f\u00a0")
_WIDE = frozenset("%—мшщжюыМШЩЖЮЫmwW")


def _char_width(ch: str) -> float:
    if ch.isdigit():
        return 0.64
    if ch in _NARROW:
        return 0.33
    if ch in _WIDE:
        return 0.92
    return 0.72 if ch.isupper() else 0.625


def text_width(text: str, font_size: float, *, bold: bool = False) -> float:
    """Rendered width of a string, erring wide: calibrated on DejaVu Sans (the widest common
    system sans, what Debian's Chromium falls back to), so layouts never collide elsewhere."""
    return font_size * sum(_char_width(ch) for ch in text) * (1.11 if bold else 1.0)


def wrap(text: str, font_size: float, width: float, max_lines: int = 2) -> list[str]:
    """Greedy word wrap; the last line ends with «…» if the text does not fit."""
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if text_width(candidate, font_size) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = " ".join(lines[max_lines - 1 :])
        # the longest prefix that fits with its «…» (widths add up left to right, as in
        # text_width; one pass, not a text_width per dropped character)
        ellipsis = _char_width("…")
        keep, total = 0, 0.0
        for i, ch in enumerate(last):
            total += _char_width(ch)
            if font_size * (total + ellipsis) > width:
                break
            keep = i + 1
        last = last[:keep]
        lines = lines[: max_lines - 1] + [last.rstrip() + "…"]
    return lines or [""]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1-2-2.5-5 steps)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = [round(start, 10)]
    while ticks[-1] < high - step * 1e-9:  # the last tick covers the highest value
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def svg_open(
    width: float, height: float, *, label: str, css: str, extra: str = "", desc: str = ""
) -> str:
    """Root element: viewBox for responsive scaling, natural size as width/height (used when
    no stylesheet applies, e.g. in a saved file), role=img with a Russian label and a
    <title> (tooltip on the whole chart)."""
    parts = [
        f'<svg xmlns="{SVG_NS}" class="chart {css}" viewBox="0 0 {n(width)} {n(height)}" '
        f'width="{n(width)}" height="{n(height)}" role="img" aria-label="{esc(label)}" '
        f'fill="{INK}"{extra}>',
        f"<title>{esc(label)}</title>",
    ]
    if desc:
        parts.append(f"<desc>{esc(desc)}</desc>")
    return "".join(parts)


def hatch_pattern(uid: str, color: str, background: str = "none", spacing: int = 5) -> str:
    """Diagonal hatching, referenced as fill="url(#uid)"."""
    bg = (
        f'<rect width="{spacing}" height="{spacing}" fill="{background}"/>'
        if background != "none"
        else ""
    )
    return (
        f'<pattern id="{uid}" width="{spacing}" height="{spacing}" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">{bg}'
        f'<line x1="0" y1="0" x2="0" y2="{spacing}" stroke="{color}" stroke-width="1.6"/>'
        f"</pattern>"
    )


def marker(shape: str, x: float, y: float, size: float, color: str, inner: str = "") -> str:
    """A point marker (circle/square/triangle/diamond) with white outline, optional children."""
    common = f'fill="{color}" stroke="#fff" stroke-width="1"'
    if shape == "square":
        s = size * 0.9
        return (
            f'<rect x="{n(x - s)}" y="{n(y - s)}" width="{n(2 * s)}" height="{n(2 * s)}" '
            f"{common}>{inner}</rect>"
        )
    if shape == "triangle":
        s = size * 1.2
        points = f"{n(x)},{n(y - s)} {n(x + s)},{n(y + s * 0.8)} {n(x - s)},{n(y + s * 0.8)}"
        return f'<polygon points="{points}" {common}>{inner}</polygon>'
    if shape == "diamond":
        s = size * 1.25
        points = f"{n(x)},{n(y - s)} {n(x + s)},{n(y)} {n(x)},{n(y + s)} {n(x - s)},{n(y)}"
        return f'<polygon points="{points}" {common}>{inner}</polygon>'
    return f'<circle cx="{n(x)}" cy="{n(y)}" r="{n(size)}" {common}>{inner}</circle>'
