"""Roadmap status: every measure with its deadline, responsible bodies and state.

Sheets: «Мероприятия» (one row per measure, overdue rows filled red — the primary table,
also the CSV), «Сводка по разделам» and «Сводка по органам» (counts by status, overdue,
share done). The summaries are counted while the measures stream and written last.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports import selectors
from roadmap_portal.ru_formats import ru_date
from roadmaps.choices import MeasureStatus

from ..choices_exports import ReportKind
from .base import Book, Column, Fill, Kind

KIND = ReportKind.ROADMAP_STATUS.value
LABEL = ReportKind.ROADMAP_STATUS.label
DESCRIPTION = _(
    "Все мероприятия субъекта (или всех доступных субъектов): номер, раздел, срок как в "
    "документе и в виде даты, ответственные, статус, дата выполнения, дни просрочки, "
    "последний комментарий, органы, не выполнившие свою часть; сводки по разделам и по "
    "органам. Просроченные строки выделены."
)

MEASURE_COLUMNS = [
    # widths sum to ~215 characters: one A4 landscape page wide at ~70 % scale
    Column("Субъект РФ", width=13, wrap=True),
    Column("Раздел", width=16, wrap=True),
    Column("№", width=5),
    Column("Мероприятие", width=40, wrap=True),
    Column("Срок (как в документе)", width=12, wrap=True),
    Column("Начало срока", Kind.DATE, width=10.5),
    Column("Срок исполнения", Kind.DATE, width=10.5),
    Column("Ответственные", width=26, wrap=True),
    Column("Статус", width=11, wrap=True),
    Column("Дата выполнения", Kind.DATE, width=10.5),
    Column("Дней просрочки", Kind.INT, width=8),
    Column("Выполнено с опозданием, дней", Kind.INT, width=10),
    Column("Последний комментарий", width=28, wrap=True),
    Column("Дата комментария", Kind.DATETIME, width=14, wrap=True),
    Column("Не выполнили свою часть", width=26, wrap=True),
]

COUNT_COLUMNS = [
    Column("Всего", Kind.INT, width=9),
    Column("Выполнено", Kind.INT, width=11),
    Column("в т.ч. с опозданием", Kind.INT, width=12),
    Column("В работе", Kind.INT, width=10),
    Column("Не начато", Kind.INT, width=10),
    Column("Отменено", Kind.INT, width=10),
    Column("Просрочено", Kind.INT, width=11),
    Column("Доля выполненных", Kind.PERCENT, width=12),
]
SECTION_COLUMNS = [
    Column("Субъект РФ", width=22, wrap=True),
    Column("Раздел", width=50, wrap=True),
    *COUNT_COLUMNS,
]
AGENCY_COLUMNS = [
    Column("Субъект РФ", width=22, wrap=True),
    Column("Ответственный орган", width=55, wrap=True),
    COUNT_COLUMNS[0],
    Column("из них ведущий исполнитель", Kind.INT, width=12),
    *COUNT_COLUMNS[1:],
]
FEDERAL = "Федеральный план"


def period_text(params, *, now: dt.datetime, region) -> str:
    """As of the region's local date (Moscow's when the report spans regions)."""
    today = region.local_today(now) if region else timezone.localdate(now)
    return f"по состоянию на {ru_date(today)}"


class _Tally:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def add(self, row: selectors.MeasureStatusRow) -> None:
        self.counts["total"] += 1
        self.counts[row.status] += 1
        if row.done_late:
            self.counts["late"] += 1
        if row.days_overdue:
            self.counts["overdue"] += 1

    def values(self) -> list:
        c = self.counts
        # cancelled measures are not expected to be done: the share is of the rest
        expected = c["total"] - c[MeasureStatus.CANCELLED]
        share = c[MeasureStatus.DONE] / expected if expected else None
        return [
            c["total"],
            c[MeasureStatus.DONE],
            c["late"],
            c[MeasureStatus.IN_PROGRESS],
            c[MeasureStatus.NOT_STARTED],
            c[MeasureStatus.CANCELLED],
            c["overdue"],
            share,
        ]


def build(
    book: Book,
    *,
    user,
    region,
    params,
    now: dt.datetime,
    progress: Callable[[int], None] | None = None,
) -> int:
    measures = book.table("Мероприятия", MEASURE_COLUMNS, primary=True)
    by_section: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    by_agency: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    lead_counts: Counter[tuple[str, str]] = Counter()
    for row in selectors.roadmap_status_rows(user=user, region=region, now=now):
        region_name = row.region or FEDERAL
        section = (
            f"{row.section_number}. {row.section_title}"
            if row.section_number
            else row.section_title
        )
        measures.row(
            [
                region_name,
                section,
                row.number,
                row.title,
                row.deadline_text,
                row.start_date,
                row.due_date,
                "; ".join(row.responsible),
                row.status_label,
                row.completed_on,
                row.days_overdue,
                row.days_late or None,
                row.last_comment,
                (
                    row.last_comment_at.astimezone(now.tzinfo).replace(tzinfo=None)
                    if row.last_comment_at
                    else None
                ),
                "; ".join(row.pending),
            ],
            fill=Fill.RED if row.days_overdue else None,
        )
        by_section[(region_name, section or "—")].add(row)
        for position, agency in enumerate(row.responsible):
            by_agency[(region_name, agency)].add(row)
            if position == 0:
                lead_counts[(region_name, agency)] += 1
        if progress and measures.rows_written % 500 == 0:
            progress(measures.rows_written)

    sections = book.table("Сводка по разделам", SECTION_COLUMNS)
    for (region_name, section), tally in by_section.items():
        sections.row(
            [region_name, section, *tally.values()],
            fill=Fill.RED if tally.counts["overdue"] else None,
        )
    agencies = book.table("Сводка по органам", AGENCY_COLUMNS)
    for key in sorted(by_agency, key=lambda k: (k[0] != FEDERAL, k[0], k[1])):
        tally = by_agency[key]
        total, *rest = tally.values()
        agencies.row(
            [key[0], key[1], total, lead_counts[key], *rest],
            fill=Fill.RED if tally.counts["overdue"] else None,
        )
    return measures.rows_written
