"""Read side of the Sferum indicator blocks: region series, targets, municipalities.

Reads MonitoringRollup (weekly sums kept by the import), never raw monitoring rows. Each
function costs a fixed number of queries whatever the number of weeks or municipalities.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

from agencies.models import Municipality, Region
from indicators.choices import UploadStatus
from indicators.formulas import INDICATOR_CODES
from indicators.models import (
    Indicator,
    MonitoringRollup,
    MonitoringUpload,
)
from indicators.selectors import indicator_status, newest_region_rollups, trend_weeks
from indicators.stages import RegionStageTarget, current_stage
from indicators.staleness import is_stale
from indicators.trends import Trend
from reports import charts

from . import trend

SERIES_WEEKS = 30


@dataclass
class IndicatorCard:
    indicator: Indicator
    code: str  # i1..i4, the rollup property
    series: list[tuple[dt.date, Decimal | None]]
    stages: list[RegionStageTarget]  # judged on the day, with the projected dates
    current: RegionStageTarget | None
    latest: Decimal | None
    latest_week: dt.date | None
    previous: Decimal | None
    trend: Trend | None  # the current weekly trend (least squares)
    rag: str

    @property
    def gap(self) -> Decimal | None:
        """The latest value minus the current stage's target that counts (none: no gap)."""
        return self.current.gap if self.current else None

    @property
    def change(self) -> Decimal | None:
        if self.latest is None or self.previous is None:
            return None
        return self.latest - self.previous

    @property
    def rag_label(self) -> str:
        return trend.RAG_LABELS[self.rag]

    @property
    def weekly_trend(self) -> float | None:
        return None if self.trend is None else self.trend.slope * 7

    # the chart library's inputs (reports.charts.line_chart)
    @property
    def chart_series(self) -> list[charts.Series]:
        return [charts.Series(f"П{self.indicator.number}", self.series)]

    @property
    def chart_targets(self) -> list[tuple[str, Decimal]]:
        return [(f"Цель этапа {s.stage}", s.value) for s in self.stages if s.value is not None]

    @property
    def chart_markers(self) -> list[tuple[dt.date, str]]:
        return [(s.target_date, f"Этап {s.stage}") for s in self.stages]

    @property
    def chart_projection(self) -> list[tuple[dt.date, float]] | None:
        """The trend from the latest week to the current stage's date (or the date the
        target is reached, when earlier), clamped to 0–100 %."""
        if (
            self.trend is None
            or self.latest_week is None
            or self.latest is None
            or self.current is None
        ):
            return None
        end = self.current.target_date
        if self.current.projected and self.latest_week < self.current.projected < end:
            end = self.current.projected
        if end <= self.latest_week:
            return None
        value = max(0.0, min(100.0, self.trend.value_at(end)))
        return [(self.latest_week, float(self.latest)), (end, value)]


@dataclass
class Cell:
    code: str
    value: Decimal | None
    previous: Decimal | None
    heat: str

    @property
    def change(self) -> Decimal | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass
class MunicipalityRow:
    municipality: Municipality
    organisations: int
    cells: list[Cell] = field(default_factory=list)
    score: float = 0.0  # mean value/target over the indicators with data: laggards first

    def value(self, code: str) -> Decimal | None:
        for cell in self.cells:
            if cell.code == code:
                return cell.value
        return None


@dataclass
class Freshness:
    latest_week: dt.date | None
    uploaded_at: dt.datetime | None
    upload: MonitoringUpload | None
    stale: bool


def region_series(
    *, region: Region, today: dt.date, weeks: int = SERIES_WEEKS
) -> list[MonitoringRollup]:
    """The region's weekly rollups up to `today`, oldest first (1 query)."""
    rows = list(
        MonitoringRollup.objects.filter(
            region=region, municipality__isnull=True, week_start__lte=today
        ).order_by("-week_start")[:weeks]
    )
    rows.reverse()
    return rows


def judged_series(
    *, region: Region, today: dt.date, series: list[MonitoringRollup]
) -> list[MonitoringRollup]:
    """The region's complete weeks up to `today`, oldest first: the chart's `SERIES_WEEKS`
    and at least the `trend_weeks()` newest, the weeks the country overview and the alerts
    fit the same trend on (`indicators.selectors.newest_region_rollups`). Taking only the
    complete ones among the 30 newest weeks of `series` fitted a shorter trend here whenever
    the setting reached further back, or «неполные недели» were among them.

    `series` (`region_series`) already holds them unless it is full and some of its weeks
    are partial or the trend reaches beyond it: only then one more query."""
    weeks = max(SERIES_WEEKS, trend_weeks())
    judged = [row for row in series if row.complete]
    if len(series) < SERIES_WEEKS or len(judged) >= weeks:
        return judged  # every week up to today is in `series`, or enough complete ones
    rows = newest_region_rollups(days={region.pk: today}, weeks=weeks, complete_only=True)
    return list(reversed(rows.get(region.pk, [])))


def indicator_cards(
    *, region: Region, today: dt.date, series: list[MonitoringRollup]
) -> list[IndicatorCard]:
    """The four indicators: latest value vs the current stage target
    (`indicators.selectors.indicator_status`, 4 queries), the weekly series, the projection
    and the RAG colour."""
    cards = []
    for status in indicator_status(region=region, on_date=today):
        code = status.indicator.code
        if code not in INDICATOR_CODES:
            continue
        points = [(row.week_start, getattr(row, code)) for row in series]
        latest, latest_week = status.value, status.week_start
        earlier = [v for d, v in points if v is not None and latest_week and d < latest_week]
        line = trend.current_trend(points)
        stages = [
            replace(
                stage,
                projected=trend.projected_date(
                    last_date=latest_week, last_value=latest, target=stage.value, trend=line
                )
                if latest_week
                else None,
            )
            for stage in status.stages
        ]
        # the one rule of indicators.stages: the stage the day works towards, judged only
        # against a target that counts on the day
        current = current_stage(stages, today)
        colour = trend.rag(
            value=latest,
            target=current.counted if current else None,
            target_date=current.target_date if current else None,
            trend=line,
            today=today,
        )
        cards.append(
            IndicatorCard(
                indicator=status.indicator,
                code=code,
                series=points,
                stages=stages,
                current=current,
                latest=latest,
                latest_week=latest_week,
                previous=earlier[-1] if earlier else None,
                trend=line,
                rag=colour,
            )
        )
    return cards


MUNICIPALITY_SORTS = {"name", "organisations", *INDICATOR_CODES}


def municipality_rows(
    *,
    region: Region,
    series: list[MonitoringRollup],
    cards: list[IndicatorCard],
    sort: str = "",
) -> list[MunicipalityRow]:
    """I1–I4 of every municipality in the latest week, with last week's values (1 query).

    Default order: laggards first (lowest mean share of the current stage targets). `sort`
    is a column (`name`, `organisations`, `i1`…`i4`), `-` in front for descending.
    """
    weeks = [row.week_start for row in series if row.organisations]
    if not weeks:
        return []
    latest = weeks[-1]
    previous_week = weeks[-2] if len(weeks) > 1 else None
    wanted = [latest] + ([previous_week] if previous_week else [])
    rollups = MonitoringRollup.objects.filter(
        region=region, municipality__isnull=False, week_start__in=wanted
    ).select_related("municipality")
    current: dict[int, MonitoringRollup] = {}
    before: dict[int, MonitoringRollup] = {}
    for rollup in rollups:
        (current if rollup.week_start == latest else before)[rollup.municipality_id] = rollup
    targets = {card.code: (card.current.counted if card.current else None) for card in cards}
    rows = []
    for muni_id, rollup in current.items():
        municipality = rollup.municipality
        if municipality is None:  # not in the query (municipality__isnull=False)
            continue
        prior = before.get(muni_id)
        cells = []
        ratios = []
        for code in INDICATOR_CODES:
            value = getattr(rollup, code)
            target = targets.get(code)
            cells.append(
                Cell(
                    code=code,
                    value=value,
                    previous=getattr(prior, code) if prior else None,
                    heat=charts.heat_class(value, target),
                )
            )
            if value is not None and target:
                ratios.append(min(float(value) / float(target), 1.0))
        rows.append(
            MunicipalityRow(
                municipality=municipality,
                organisations=rollup.organisations,
                cells=cells,
                score=sum(ratios) / len(ratios) if ratios else 2.0,
            )
        )
    return sort_municipalities(rows, sort)


def sort_municipalities(rows: list[MunicipalityRow], sort: str) -> list[MunicipalityRow]:
    key = sort.lstrip("-")
    reverse = sort.startswith("-")
    if key not in MUNICIPALITY_SORTS:
        return sorted(rows, key=lambda r: (r.score, r.municipality.name))
    if key == "name":
        return sorted(rows, key=lambda r: r.municipality.name, reverse=reverse)
    if key == "organisations":
        return sorted(rows, key=lambda r: (r.organisations, r.municipality.name), reverse=reverse)

    def by_value(row: MunicipalityRow):
        value = row.value(key)
        # rows without data go last whichever the direction
        return (value is None) != reverse, value if value is not None else 0, row.municipality.name

    return sorted(rows, key=by_value, reverse=reverse)


def freshness(*, region: Region, series: list[MonitoringRollup], today: dt.date) -> Freshness:
    """The latest week of monitoring and when the latest file of the region landed (1 query)."""
    latest_week = series[-1].week_start if series else None
    upload = (
        MonitoringUpload.objects.filter(region=region, status=UploadStatus.DONE, dry_run=False)
        .order_by("-uploaded_at")
        .first()
    )
    uploaded_at = upload.uploaded_at if upload else (series[-1].updated_at if series else None)
    stale = is_stale(latest_week, today)
    return Freshness(latest_week=latest_week, uploaded_at=uploaded_at, upload=upload, stale=stale)
