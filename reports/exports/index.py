"""The implementation index: the ranking of regions on a date and the scores behind it.

Sheets:
* «Рейтинг» — place (among every region, as on the ranking page; the sheet lists only the
  regions in the user's scope), region, verified and claimed totals, the points of each
  component (its maximum in the header), the total on the earlier date and the change
  (the primary table, also the CSV). The total is filled green from 70 % of the maximum,
  amber from 40 %, red below; the change green when it grew, amber when it stayed, red
  when it fell (a fall stays a negative number).
* «Критерии» — region × criterion: points as verified and as claimed, the maximum, the
  inputs (value, date, verified or not, evidence), the methodology's rule and the rule
  applied in words, and the methodology version.

Dates: `date_to` is the date of the ranking (today in Moscow when empty), `date_from` the
earlier date to compare with (no change column values when empty). Scores are evaluated by
`indicators` (`index_ranking`, `index_evaluate`): nothing is recomputed or stored here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from indicators.index.selectors import national_date
from reports import selectors
from roadmap_portal.ru_formats import ru_date, ru_number

from ..choices_exports import ReportKind
from .base import Book, Column, Kind, Rag

KIND = ReportKind.INDEX.value
LABEL = ReportKind.INDEX.label
DESCRIPTION = _(
    "Рейтинг доступных субъектов на дату «по» (место среди всех субъектов), итоги "
    "подтверждённые и заявленные, баллы по компонентам, изменение с даты «с»; лист по "
    "критериям: входные данные с датами и подтверждениями, применённое правило, версия методики."
)

GREEN_SHARE = 0.7  # of the maximum: a total from 70 % is green, from 40 % amber
AMBER_SHARE = 0.4

RANK_LEAD = [
    Column("Место", Kind.INT, width=7),
    Column("Код субъекта", width=8),
    Column("Субъект РФ", width=30, wrap=True),
    Column("Итого (подтверждено)", Kind.NUMBER, width=12),
    Column("Итого (заявлено)", Kind.NUMBER, width=12),
]
RANK_TAIL = [
    Column("Итого на дату сравнения", Kind.NUMBER, width=12),
    Column("Изменение", Kind.DELTA, width=11),
    # indicators.approval: the total rests on approved weeks only, or is preliminary
    Column("Данные", width=16, wrap=True),
]
CRITERIA_LEAD = [
    Column("Код субъекта", width=8),
    Column("Субъект РФ", width=18, wrap=True),
    Column("Компонент", width=13, wrap=True),
    Column("Код критерия", width=14, wrap=True),
    Column("Критерий", width=28, wrap=True),
    Column("Баллы (подтверждено)", Kind.NUMBER, width=11),
    Column("Баллы (заявлено)", Kind.NUMBER, width=11),
    Column("Максимум", Kind.NUMBER, width=9),
]
CRITERIA_TAIL = [
    Column("Правило методики", width=28, wrap=True),
    Column("Применённое правило", width=22, wrap=True),
    Column("Правило по заявленным сведениям", width=22, wrap=True),
    Column("Подтверждение", width=13, wrap=True),
    Column("Версия методики", width=14, wrap=True),
]


def input_columns(n: int) -> list[Column]:
    return [
        Column(f"Вход {n}", width=14, wrap=True),
        Column(f"Значение {n}", Kind.NUMBER, width=9),
        Column(f"Дата {n}", Kind.DATE, width=10.5),
        Column(f"Подтверждено {n}", width=9),
        Column(f"Основание {n}", width=20, wrap=True),
    ]


def criteria_columns(slots: int) -> list[Column]:
    """One group of input columns per input of the criterion with the most inputs (stage 1:
    two — share numerator and denominator, publications and reach)."""
    return [
        *CRITERIA_LEAD,
        *(c for n in range(1, slots + 1) for c in input_columns(n)),
        *CRITERIA_TAIL,
    ]


def rank_columns(components: tuple[selectors.IndexComponentHead, ...]) -> list[Column]:
    return [
        *RANK_LEAD,
        *(
            Column(f"{c.name} (из {ru_number(c.max_points)})", Kind.NUMBER, width=12)
            for c in components
        ),
        *RANK_TAIL,
    ]


def dates(params, now: dt.datetime) -> tuple[dt.date, dt.date | None]:
    """(the date of the ranking, the earlier date to compare with)."""
    return params.date_to or national_date(now), params.date_from


def period_text(params, *, now: dt.datetime, region) -> str:
    on_date, since = dates(params, now)
    text = f"на {ru_date(on_date)}"
    if since:
        text += f", изменение с {ru_date(since)}"
    return text


def verification(row: selectors.IndexCriterionRow) -> str:
    if row.is_monitoring:
        return "расчёт по мониторингу"
    given = [i for i in row.inputs if i.value is not None]
    if not given:
        return "нет сведений"
    if all(i.verified for i in given):
        return "подтверждено"
    if any(i.verified for i in given):
        return "частично подтверждено"
    return "заявлено, не подтверждено"


def build(
    book: Book,
    *,
    user,
    region,
    params,
    now: dt.datetime,
    progress: Callable[[int], None] | None = None,
) -> int:
    on_date, since = dates(params, now)
    data = selectors.index_export(user=user, region=region, on_date=on_date, since=since)
    version = data.version
    max_total = float(sum(c.max_points for c in data.components))
    columns = rank_columns(data.components)
    total_col, change_col = 3, len(columns) - 2
    if version is None:
        note = f"На {ru_date(on_date)} нет действующей методики индекса."
    else:
        note = f"Методика: {version}. Место — среди всех субъектов РФ."
        if since:
            note += f" Дата сравнения: {ru_date(since)}."
    ranking = book.table(
        "Рейтинг",
        columns,
        primary=True,
        rag=[
            Rag(total_col, GREEN_SHARE * max_total, AMBER_SHARE * max_total),
            Rag(change_col, 0.005, 0),  # grew / stayed / fell (points have two decimals)
        ],
        note=note,
    )
    for row in data.ranking:
        ranking.row(
            [
                row.place,
                row.code,
                row.name,
                row.total,
                row.claimed_total,
                *row.components,
                row.earlier,
                row.change,
                ("утверждено" if row.approved else "предварительные данные")
                if row.total is not None
                else "",
            ]
        )
    slots = max((len(row.inputs) for row in data.criteria), default=1)
    criteria = book.table(
        "Критерии",
        criteria_columns(slots),
        note="Баллы «подтверждено» засчитываются в индекс; входы — последние сведения на дату.",
    )
    version_text = str(version) if version else ""
    for crit in data.criteria:
        values: list[object] = [
            crit.region_code,
            crit.region_name,
            crit.component,
            crit.code,
            crit.name,
            crit.points,
            crit.claimed,
            crit.max_points,
        ]
        for n in range(slots):
            item = crit.inputs[n] if n < len(crit.inputs) else None
            if item is None:
                values += [None] * 5
            else:
                values += [
                    item.label,
                    item.value,
                    item.as_of,
                    ("да" if item.verified else "нет") if item.value is not None else None,
                    item.evidence,
                ]
        values += [
            crit.rule,
            crit.applied,
            crit.claimed_applied,
            verification(crit),
            version_text,
        ]
        criteria.row(values)
    return ranking.rows_written
