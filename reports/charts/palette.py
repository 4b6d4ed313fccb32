"""One palette for every chart, and the RAG / heat rules as pure functions.

Colours match static/css/portal.css. Meaning is never carried by colour alone: RAG states
also have a text label (RAG_LABELS) and the charts add patterns (hatching for «нет данных»
and «просрочено») so a black-and-white printout still reads.
"""

from __future__ import annotations

from decimal import Decimal

from roadmap_portal.ru_formats import to_decimal

INK = "#1d2433"  # text
MUTED = "#5b6475"  # axis labels, captions
GRID = "#e3e7ef"  # grid lines
TRACK = "#eceff4"  # empty part of a bar
ACCENT = "#2851a3"  # neutral series / value without a target

RAG_COLORS = {
    "green": "#2e8540",
    "amber": "#d08a0e",
    "red": "#c4362c",
    "none": "#9aa3b2",
    "few": ACCENT,  # a value shown without a verdict: too few weeks to project
}
# Darker twins for text on white (WCAG AA contrast against #fff).
RAG_TEXT = {
    "green": "#1f6b32",
    "amber": "#8a5a00",
    "red": "#a52a21",
    "none": "#5b6475",
    "few": ACCENT,
}
RAG_LABELS = {
    "green": "в графике",
    "amber": "под угрозой",
    "red": "отстаёт",
    "none": "нет данных",
    # before a stage date with fewer weeks than a trend needs (indicators.trends.MIN_POINTS):
    # no outlook, as no «под угрозой» alert is raised (reports.dashboards.trend.rag)
    "few": "мало данных для прогноза",
}

# Series colours for multi-line charts, told apart in print by marker shape too.
SERIES_COLORS = ("#2851a3", "#0f8b8d", "#7a4fb5", "#c4661f", "#5b6475", "#b0306a")
SERIES_MARKERS = ("circle", "square", "triangle", "diamond", "circle", "square")

# Roadmap completion (stacked_bar css_class -> fill); unknown classes fall back to grey.
STATUS_COLORS = {
    "done": "#2e8540",
    "in_progress": "#2851a3",
    "not_started": "#c9d0dc",
    "overdue": "#c4362c",
    "cancelled": "#9aa3b2",
}
# Statuses hatched so they survive greyscale printing next to their neighbours.
STATUS_HATCHED = frozenset({"overdue"})

DEFAULT_AT_RISK_MARGIN = 5


def rag(value: object, target: object, *, at_risk_margin: object = DEFAULT_AT_RISK_MARGIN) -> str:
    """ "green" at or above target; "amber" within at_risk_margin (same units, e.g.
    percentage points) below it; "red" further below; "none" when value or target is missing."""
    number, goal = to_decimal(value), to_decimal(target)
    margin = to_decimal(at_risk_margin) or Decimal(0)
    if number is None or goal is None:
        return "none"
    if number >= goal:
        return "green"
    if number >= goal - abs(margin):
        return "amber"
    return "red"


# Heat steps for municipality tables: share of the target reached (or of 100 % without one).
HEAT_STEPS = ((100, "heat-5"), (90, "heat-4"), (75, "heat-3"), (50, "heat-2"), (25, "heat-1"))


def heat_class(value: object, target: object = None) -> str:
    """CSS class for a table cell: heat-5 (target reached) … heat-0 (under a quarter of it),
    heat-none without data. A zero or missing target measures against 100."""
    number = to_decimal(value)
    if number is None:
        return "heat-none"
    goal = to_decimal(target)
    if goal is None or goal <= 0:
        goal = Decimal(100)
    reached = number * 100 / goal
    for floor, css in HEAT_STEPS:
        if reached >= floor:
            return css
    return "heat-0"


HEAT_LEGEND = (
    ("heat-5", "цель достигнута"),
    ("heat-4", "90–99 % цели"),
    ("heat-3", "75–89 %"),
    ("heat-2", "50–74 %"),
    ("heat-1", "25–49 %"),
    ("heat-0", "меньше 25 %"),
    ("heat-none", "нет данных"),
)


def heat_legend() -> str:
    """The key to heat_class colours, as a small HTML list (styled in charts.css)."""
    items = "".join(
        f'<li><span class="heat-swatch {css}"></span>{text}</li>' for css, text in HEAT_LEGEND
    )
    return f'<ul class="heat-legend" aria-label="Цвет ячеек: доля цели">{items}</ul>'
