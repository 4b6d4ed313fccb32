"""Server-side SVG charts for the dashboards: pure Python, no ORM, no JavaScript.

Every chart returns markup with a viewBox (scales to its container), a Russian aria-label
and <title>, and a <title> tooltip on each point or bar with the exact value in Russian
format (ru_formats). Values use the 0-100 percent scale unless unit="points"/"number" is given.
"""

from .bars import bar_gauge, progress_bars, stacked_bar
from .lines import Series, line_chart, small_multiples, sparkline
from .palette import RAG_COLORS, RAG_LABELS, heat_class, heat_legend, rag
from .tilemap import TILE_POSITIONS, Tile, tile_map
from .timeline import TimelineGroup, TimelineMeasure, TimelineMilestone, timeline_chart

__all__ = [
    "RAG_COLORS",
    "RAG_LABELS",
    "Series",
    "TILE_POSITIONS",
    "Tile",
    "TimelineGroup",
    "TimelineMeasure",
    "TimelineMilestone",
    "bar_gauge",
    "heat_class",
    "heat_legend",
    "line_chart",
    "progress_bars",
    "rag",
    "small_multiples",
    "sparkline",
    "stacked_bar",
    "tile_map",
    "timeline_chart",
]
