"""Sferum indicators I1–I4 of one region and its municipalities, week by week.

Sheets, all filled in one pass over the weekly rollups (constant_memory writes every sheet
in its own row order):
* «Показатели» — per territory and week: numerator, denominator, value, target and gap of
  each indicator (the primary table, also the CSV unless the organisation sheet is asked);
* «П1» … «П4» — the weekly series of one indicator with the stage
  the target belongs to and why a gap is missing;
* «Организации» (optional) — the raw weekly rows of every organisation, streamed from
  MonitoringRow (up to hundreds of thousands of rows; run by a Celery job).

Targets: a week works towards the next stage date on or after it (the last stage once all
dates have passed); a region's own target overrides the federal one; a baseline stage
takes the region's baseline. A conditional target not yet in force is shown, but no gap is
computed against it. The gap is value − target in percentage points (−2.5 in the cell,
shown «−2,5 п.п.»; values and targets stay fractions shown as percents), its cell shaded
by the size of the gap: green at or above the target, amber up to `DEFAULT_AT_RISK_MARGIN`
points below, red further below (`reports.charts.rag`, value against target; the region
dashboard's «в графике / под угрозой / отстаёт» also weighs the weekly trend,
`reports.dashboards.trend.rag`, and the indicators pages colour a stage by its verdict,
`RegionStageTarget.verdict`). A zero denominator is "no data":
an empty cell, never 0 %.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from agencies.choices import OrgType
from indicators.approval import figure_label, state_label
from indicators.choices import ApprovalState
from indicators.coverage import BASIS_LABELS, INCOMPLETE_LABEL, Coverage
from indicators.formulas import FORMULAS, share_fraction, share_percent
from indicators.models.indicators import indicator_label
from indicators.stages import RegionStageTarget
from reports import selectors
from reports.charts.palette import DEFAULT_AT_RISK_MARGIN as AMBER_POINTS
from roadmap_portal.ru_formats import ru_date

from ..choices_exports import ReportKind
from .base import Book, Column, Kind, Rag

KIND = ReportKind.INDICATORS.value
LABEL = ReportKind.INDICATORS.label
DESCRIPTION = _(
    "Показатели 1–4 по субъекту и муниципалитетам по неделям выбранного периода: числители, "
    "знаменатели, цели и отклонения; по листу на показатель; по желанию — лист по "
    "организациям (формируется в фоне)."
)

I1, I2, I3 = FORMULAS["i1"], FORMULAS["i2"], FORMULAS["i3"]
PROGRESS_EVERY = 5000

INDICATOR_FIELDS = ("числитель", "знаменатель", "значение", "цель", "отклонение")
LEAD_COLUMNS = [
    Column("Территория", width=30, wrap=True),
    Column("Уровень", width=14),
    Column("Начало недели", Kind.DATE, width=12),
    Column("Организаций", Kind.INT, width=12),
    # coverage (indicators.coverage): a «неполная неделя» is shown, never judged
    Column("Ожидалось организаций", Kind.INT, width=12),
    Column("Охват", Kind.PERCENT, width=9),
    Column("Полнота недели", width=24, wrap=True),
    # indicators.approval: «утверждено» or «предварительные данные (подготовлено/направлено)»
    Column("Утверждение недели", width=22, wrap=True),
]
SERIES_COLUMNS = [
    Column("Территория", width=30, wrap=True),
    Column("Уровень", width=14),
    Column("Начало недели", Kind.DATE, width=12),
    Column("Числитель", Kind.INT, width=12),
    Column("Знаменатель", Kind.INT, width=12),
    Column("Значение", Kind.PERCENT, width=10),
    Column("Цель", Kind.PERCENT, width=9),
    Column("Этап", Kind.INT, width=6),
    Column("Срок этапа", Kind.DATE, width=12),
    Column("Отклонение от цели, п.п.", Kind.POINTS, width=12),
    Column("Примечание", width=45, wrap=True),
]
ORG_COLUMNS = [
    Column("Начало недели", Kind.DATE, width=12),
    Column("Муниципальное образование", width=28, wrap=True),
    Column("Код организации", width=14),
    Column("Наименование организации", width=50, wrap=True),
    Column("Тип организации", width=10),
    Column("Работников всего", Kind.INT, width=11),
    Column("Работников, писавших за неделю", Kind.INT, width=13),
    Column("Обучающихся всего", Kind.INT, width=11),
    Column("Обучающихся и родителей, активных за неделю", Kind.INT, width=14),
    Column("Пользователей Сферума всего", Kind.INT, width=12),
    Column("Пользователей только в MAX", Kind.INT, width=12),
    Column("Пользователей с профилем в VK Мессенджере", Kind.INT, width=14),
    Column("из них с профилем в MAX", Kind.INT, width=12),
    Column("Доля пишущих работников", Kind.PERCENT, width=11),
    Column("Активность обучающихся и родителей", Kind.PERCENT, width=12),
    Column("Доля только в MAX", Kind.PERCENT, width=11),
]
REGION_LEVEL = "субъект"
MUNICIPALITY_LEVEL = "муниципалитет"


def main_columns(targets: list[selectors.IndicatorTargets]) -> list[Column]:
    columns = list(LEAD_COLUMNS)
    for indicator in targets:
        for name in INDICATOR_FIELDS:
            if name in ("числитель", "знаменатель"):
                kind = Kind.INT
            elif name == "отклонение":
                kind, name = Kind.POINTS, "отклонение, п.п."
            else:
                kind = Kind.PERCENT
            columns.append(Column(f"{indicator_label(indicator.number)}: {name}", kind, width=12))
    return columns


def period_text(params, *, now: dt.datetime, region) -> str:
    if params.date_from and params.date_to:
        return f"недели с {ru_date(params.date_from)} по {ru_date(params.date_to)}"
    if params.date_from:
        return f"недели с {ru_date(params.date_from)}"
    if params.date_to:
        return f"недели по {ru_date(params.date_to)}"
    return "все загруженные недели"


def _pct(value: Decimal | None) -> float | None:
    return float(value) / 100 if value is not None else None


def approval_cell(state: str) -> str:
    """The week's approval in words: «утверждено», else preliminary with its state."""
    if state == ApprovalState.APPROVED:
        return state_label(state)
    return f"{figure_label(state)} ({state_label(state)})"


def coverage_cells(coverage: Coverage | None) -> list:
    """Expected organisations, the coverage share and the week's completeness in words. The
    share is the one the pages show (`Coverage.percent`, rounded down: 8 997 of 10 000 is
    «89,9 %», never «90,0 %» beside «неполная неделя»); reported and expected are exact."""
    if coverage is None:
        return [None, None, "охват не рассчитан"]
    if coverage.complete:
        state = "полная"
        if coverage.no_base:
            state += f" ({BASIS_LABELS[coverage.basis]})"
    else:
        state = f"{INCOMPLETE_LABEL}: не сравнивается с целью"
    return [coverage.expected, coverage.percent / 100, state]


def assess(
    targets: selectors.IndicatorTargets,
    week: dt.date,
    numerator: int,
    denominator: int,
    *,
    complete: bool = True,
) -> tuple[float | None, float | None, float | None, RegionStageTarget | None, str]:
    """(value, target, gap, stage, note) of one indicator in one week; a «неполная неделя»
    (`complete` false) is never judged: no gap, no colour."""
    value = share_fraction(numerator, denominator)
    stage = targets.for_week(week)
    notes = []
    target = gap = None
    if not complete:
        notes.append(f"{INCOMPLETE_LABEL}: не сравнивается с целью")
    if value is None:
        notes.append("нет данных (знаменатель равен нулю)")
    if stage is None:
        notes.append("цель не установлена")
    else:
        target = _pct(stage.value)
        if target is None:
            notes.append("базовое значение субъекта не внесено")
        if stage.conditional and not stage.in_force_on(week):
            notes.append(f"цель условная, не вступила в силу: {stage.condition}".rstrip(": "))
        elif (
            complete
            and stage.value is not None
            and (exact := share_percent(numerator, denominator)) is not None
        ):
            # in percentage points, from the exact share: its sign is the pages' verdict
            # (`RegionStageTarget.met`), even a millionth of a point below
            gap = float(exact - stage.value)
    return value, target, gap, stage, "; ".join(notes)


def estimate(*, user, region, params) -> int:
    """Rows of the organisation sheet, for the job's progress bar."""
    if not params.orgs:
        return 0
    return selectors.monitoring_org_row_count(
        user=user, region=region, date_from=params.date_from, date_to=params.date_to
    )


def build(
    book: Book,
    *,
    user,
    region,
    params,
    now: dt.datetime,
    progress: Callable[[int], None] | None = None,
) -> int:
    targets = selectors.indicator_targets(region=region)
    columns = main_columns(targets)
    gap_columns = [len(LEAD_COLUMNS) + 5 * i + 4 for i in range(len(targets))]
    main = book.table(
        "Показатели",
        columns,
        primary=not params.orgs,
        rag=[Rag(col, 0, -AMBER_POINTS) for col in gap_columns],
        note="Отклонение — значение минус цель, в процентных пунктах. Пусто — нет данных.",
    )
    series = [
        book.table(
            indicator_label(t.number),
            SERIES_COLUMNS,
            rag=[Rag(9, 0, -AMBER_POINTS)],
            note=f"{indicator_label(t.number)}. {t.name}",
        )
        for t in targets
    ]
    rows = 0
    for rollup in selectors.indicator_rollup_rows(
        user=user, region=region, date_from=params.date_from, date_to=params.date_to
    ):
        territory = rollup.municipality or region.name
        level = MUNICIPALITY_LEVEL if rollup.municipality else REGION_LEVEL
        values: list = [territory, level, rollup.week_start, rollup.organisations]
        values += coverage_cells(rollup.coverage)
        values.append(approval_cell(rollup.approval))
        for indicator, (numerator, denominator), sheet in zip(
            targets, rollup.parts, series, strict=False
        ):
            value, target, gap, stage, note = assess(
                indicator, rollup.week_start, numerator, denominator, complete=rollup.complete
            )
            values += [numerator, denominator, value, target, gap]
            sheet.row(
                [
                    territory,
                    level,
                    rollup.week_start,
                    numerator,
                    denominator,
                    value,
                    target,
                    stage.stage if stage else None,
                    stage.target_date if stage else None,
                    gap,
                    note,
                ]
            )
        main.row(values)
        rows += 1
    if params.orgs:
        rows += _organisations(book, user=user, region=region, params=params, progress=progress)
    return rows


def _organisations(book: Book, *, user, region, params, progress) -> int:
    table = book.table("Организации", ORG_COLUMNS, primary=True)
    labels = {code: str(label) for code, label in OrgType.choices}
    for (
        week,
        municipality,
        code,
        name,
        org_type,
        staff_total,
        staff_writers,
        students_total,
        learners_active,
        sferum_users,
        max_only_users,
        vkm_users,
        vkm_and_max_users,
    ) in selectors.monitoring_org_rows(
        user=user, region=region, date_from=params.date_from, date_to=params.date_to
    ):
        table.row(
            (
                week,
                municipality,
                code,
                name,
                labels.get(org_type, org_type),
                staff_total,
                staff_writers,
                students_total,
                learners_active,
                sferum_users,
                max_only_users,
                vkm_users,
                vkm_and_max_users,
                share_fraction(*I1.parts(staff_writers, staff_total)),
                share_fraction(*I2.parts(learners_active, students_total)),
                share_fraction(*I3.parts(max_only_users, sferum_users)),
            )
        )
        if progress and table.rows_written % PROGRESS_EVERY == 0:
            progress(table.rows_written)
    return table.rows_written
