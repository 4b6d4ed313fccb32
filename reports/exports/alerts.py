"""Alerts of a period: every alert open at some moment between `date_from` and `date_to`.

One sheet «Оповещения» (the primary table, also the CSV): region, kind and severity in
Russian, the message, its subject (measure number and title, indicator, municipality),
when it was opened and resolved, who acknowledged it and with what comment, and the days
it stayed open (to the resolution, or to the report's time for an open alert). Open
alerts are filled by severity (high red, medium amber); closed ones stay unfilled.

An alert belongs to the period when it was opened on or before `date_to` and not resolved
before `date_from`; days and times are Moscow's, like the title block.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from alerts.choices import Severity
from reports import selectors
from roadmap_portal.ru_formats import ru_date

from ..choices_exports import ReportKind
from .base import Book, Column, Fill, Kind

KIND = ReportKind.ALERTS.value
LABEL = ReportKind.ALERTS.label
DESCRIPTION = _(
    "Открытые и закрытые оповещения, действовавшие в периоде (открыты не позже «по» и не "
    "закрыты раньше «с»): вид, важность, субъект, предмет, даты открытия и закрытия, кто "
    "принял к сведению и с каким комментарием, сколько дней оповещение было открыто."
)
PROGRESS_EVERY = 1000

COLUMNS = [
    Column("Код субъекта", width=8),
    Column("Субъект РФ", width=20, wrap=True),
    Column("Вид", width=20, wrap=True),
    Column("Важность", width=10),
    Column("Оповещение", width=40, wrap=True),
    Column("Предмет", width=32, wrap=True),
    Column("Состояние", width=10),
    Column("Открыто", Kind.DATETIME, width=14),
    Column("Закрыто", Kind.DATETIME, width=14),
    Column("Дней открыто", Kind.INT, width=9),
    Column("Принято к сведению", Kind.DATETIME, width=14),
    Column("Кто принял к сведению", width=18, wrap=True),
    Column("Комментарий", width=30, wrap=True),
]
FILLS: dict[int, Fill] = {Severity.HIGH: Fill.RED, Severity.MEDIUM: Fill.AMBER}


def period_text(params, *, now: dt.datetime, region) -> str:
    if params.date_from and params.date_to:
        return f"с {ru_date(params.date_from)} по {ru_date(params.date_to)}"
    if params.date_from:
        return f"с {ru_date(params.date_from)} по {ru_date(now)}"
    if params.date_to:
        return f"по {ru_date(params.date_to)}"
    return "все оповещения"


def local(moment: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
    """A naive local time (Excel has no time zones) in the report's zone."""
    return _naive_local(moment, now) if moment else None


def _naive_local(moment: dt.datetime, now: dt.datetime) -> dt.datetime:
    return moment.astimezone(now.tzinfo).replace(tzinfo=None)


def days_open(opened: dt.datetime, resolved: dt.datetime | None, now: dt.datetime) -> int:
    """Calendar days from opening to resolution (or to now), in the report's zone."""
    end = _naive_local(resolved or now, now)
    return max((end.date() - _naive_local(opened, now).date()).days, 0)


def build(
    book: Book,
    *,
    user,
    region,
    params,
    now: dt.datetime,
    progress: Callable[[int], None] | None = None,
) -> int:
    table = book.table(
        "Оповещения",
        COLUMNS,
        primary=True,
        note="Время московское. Открытые оповещения выделены цветом по важности.",
    )
    for row in selectors.alert_export_rows(
        user=user, region=region, date_from=params.date_from, date_to=params.date_to
    ):
        is_open = row.resolved_at is None
        table.row(
            [
                row.region_code,
                row.region_name,
                row.kind_label,
                row.severity_label,
                row.message,
                row.subject,
                "открыто" if is_open else "закрыто",
                local(row.opened_at, now),
                local(row.resolved_at, now),
                days_open(row.opened_at, row.resolved_at, now),
                local(row.acknowledged_at, now),
                row.acknowledged_by,
                row.ack_comment,
            ],
            fill=FILLS.get(row.severity) if is_open else None,
        )
        if progress and table.rows_written % PROGRESS_EVERY == 0:
            progress(table.rows_written)
    return table.rows_written
