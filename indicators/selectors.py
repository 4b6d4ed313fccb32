"""Read side of the indicators app (STYLE R4): uploads, stage targets, indicator status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from agencies.models import Region, User

from .choices import TargetKind
from .formulas import rollup_fractions
from .models import (
    Indicator,
    IndicatorStage,
    MonitoringRollup,
    MonitoringRoster,
    MonitoringUpload,
    RegionBaseline,
    RegionTarget,
)
from .stages import RegionStageTarget, current_stage


def upload_list(*, user: User, region: Region) -> QuerySet[MonitoringUpload]:
    """The uploads of a region the user sees, newest first."""
    uploads: QuerySet[MonitoringUpload] = (
        MonitoringUpload.objects.visible_to(user)
        .filter(region=region)
        .select_related("uploaded_by", "region")
        .order_by("-uploaded_at", "-id")
    )
    return uploads


def regions_for_upload(*, user: User) -> QuerySet[Region]:
    """Regions the user may upload monitoring exports for (see `access.can_upload_monitoring`)."""
    if not user.is_authenticated:
        return Region.objects.none()
    regions: QuerySet[Region] = Region.objects.visible_to(user)
    return regions


def region_roster(*, region: Region) -> MonitoringRoster | None:
    """The region's roster (None: coverage by the previous weeks)."""
    return MonitoringRoster.objects.filter(region=region).select_related("uploaded_by").first()


def municipality_rollups(*, region: Region, week_start: dt.date) -> QuerySet[MonitoringRollup]:
    """The municipalities of a region for one week (dashboards read these, not raw rows)."""
    return (
        MonitoringRollup.objects.filter(
            region=region, municipality__isnull=False, week_start=week_start
        )
        .select_related("municipality")
        .order_by("municipality__name")
    )


# --- stage targets as they apply to a region -------------------------------------------


def stage_targets_by_region(
    *, region_ids: Iterable[int], stages: Iterable[IndicatorStage] | None = None
) -> dict[int, dict[int, list[RegionStageTarget]]]:
    """region id → indicator id → its stages by date, as they apply to that region
    (rule 1 of indicators.stages).

    Three queries for any number of regions (two when the caller passes the stages).
    """
    region_ids = list(region_ids)
    stages = sorted(
        IndicatorStage.objects.all() if stages is None else stages,
        key=lambda s: (s.indicator_id, s.target_date, s.stage),
    )
    baselines = {
        (b.region_id, b.indicator_id): b
        for b in RegionBaseline.objects.filter(region_id__in=region_ids)
    }
    overrides = {
        (t.region_id, t.indicator_id, t.stage): t
        for t in RegionTarget.objects.filter(region_id__in=region_ids)
    }
    result: dict[int, dict[int, list[RegionStageTarget]]] = {}
    for region_id in region_ids:
        per_indicator = result.setdefault(region_id, {})
        for stage in stages:
            source = ""
            if stage.target_kind == TargetKind.FIXED:
                value, kind = stage.target_value, "fixed"
            else:
                baseline = baselines.get((region_id, stage.indicator_id))
                value, kind = (baseline.value, "baseline") if baseline else (None, "baseline")
                source = baseline.source if baseline else ""
            override = overrides.get((region_id, stage.indicator_id, stage.stage))
            if override is not None and override.target_value is not None:
                value, kind = override.target_value, "region"
            per_indicator.setdefault(stage.indicator_id, []).append(
                RegionStageTarget(
                    indicator_id=stage.indicator_id,
                    stage=stage.stage,
                    stage_label=str(stage.get_stage_display()),
                    target_date=stage.target_date,
                    value=value,
                    kind=kind,
                    conditional=bool(override and override.conditional),
                    condition=override.condition if override else "",
                    in_force=override.in_force if override else True,
                    in_force_since=override.in_force_since if override else None,
                    source=(override.source if override and override.source else source),
                )
            )
    return result


def region_stage_targets(
    *, region: Region, stages: Iterable[IndicatorStage] | None = None
) -> dict[int, list[RegionStageTarget]]:
    """indicator id → its stages by date, as they apply to the region (three queries)."""
    return stage_targets_by_region(region_ids=[region.pk], stages=stages)[region.pk]


@dataclass(frozen=True)
class IndicatorStatus:
    """An indicator of a region as of `on_date`: the latest value, its parts, and each stage
    judged on the date (`RegionStageTarget.judged`)."""

    indicator: Indicator
    value: Decimal | None
    numerator: int | None
    denominator: int | None
    week_start: dt.date | None
    on_date: dt.date
    stages: list[RegionStageTarget] = field(default_factory=list)

    @property
    def current(self) -> RegionStageTarget | None:
        """The stage `on_date` works towards (indicators.stages.current_stage)."""
        return current_stage(self.stages, self.on_date)


def latest_region_rollup(
    *, region: Region, on_date: dt.date | None = None, complete: bool = False
) -> MonitoringRollup | None:
    """The region's rollup of its newest week up to `on_date`; `complete`: of its newest
    week at or above `MONITORING_MIN_COVERAGE` (the one judged: indicators.coverage)."""
    qs = MonitoringRollup.objects.all()
    if complete:
        qs = qs.complete()
    qs = qs.filter(region=region, municipality__isnull=True)
    if on_date is not None:
        qs = qs.filter(week_start__lte=on_date)
    return qs.order_by("-week_start").first()


def trend_weeks() -> int:
    """Weeks a trend is fitted on (`ALERT_TREND_WEEKS`): the dashboards and the alerts."""
    return int(getattr(settings, "ALERT_TREND_WEEKS", 8))


def newest_region_rollups(
    *, days: Mapping[int, dt.date], weeks: int, complete_only: bool = False
) -> dict[int, list[MonitoringRollup]]:
    """Each region's newest `weeks` weekly rollups on or before its own day (`days`: region
    id → date), newest first, in one query whatever the number of regions and dates;
    `complete_only`: without the «неполные недели» (indicators.coverage), never judged.

    The series every judge of an indicator reads (the region dashboard reads the same weeks
    through `latest_region_rollup` and its chart series): the alerts and the country
    overview; `trends.recent_points` takes the trend's weeks from it.
    """
    by_day: dict[dt.date, list[int]] = {}
    for region_id, day in days.items():
        by_day.setdefault(day, []).append(region_id)
    if not by_day:
        return {}
    wanted = Q()
    for day, ids in by_day.items():
        wanted |= Q(region_id__in=ids, week_start__lte=day)
    rollups = MonitoringRollup.objects.all()
    if complete_only:
        rollups = rollups.complete()
    series: dict[int, list[MonitoringRollup]] = {}
    for row in (
        rollups.filter(wanted, municipality__isnull=True)
        .annotate(
            _newest=Window(
                RowNumber(), partition_by=[F("region_id")], order_by=F("week_start").desc()
            )
        )
        .filter(_newest__lte=weeks)
        .order_by("region_id", "-week_start")
    ):
        series.setdefault(row.region_id, []).append(row)
    return series


def incomplete_newest_week(*, region: Region, on_date: dt.date) -> MonitoringRollup | None:
    """The region's newest week up to `on_date` when it is a «неполная неделя» (shown with
    its coverage, never judged), else None."""
    newest = latest_region_rollup(region=region, on_date=on_date)
    return newest if newest is not None and not newest.complete else None


def indicator_status(*, region: Region, on_date: dt.date) -> list[IndicatorStatus]:
    """Every indicator for the region as of `on_date`, judged on the latest complete week
    (a «неполная неделя» is never judged: `incomplete_newest_week`); 5 queries."""
    rollup = latest_region_rollup(region=region, on_date=on_date, complete=True)
    fractions = rollup_fractions(rollup)
    targets = region_stage_targets(region=region)
    result = []
    for indicator in Indicator.objects.order_by("number"):
        numerator, denominator = fractions.get(indicator.code, (None, None))
        value = getattr(rollup, indicator.code, None) if rollup is not None else None
        stages = [
            target.judged(on_date=on_date, latest=value) for target in targets.get(indicator.pk, [])
        ]
        result.append(
            IndicatorStatus(
                indicator=indicator,
                value=value,
                numerator=numerator,
                denominator=denominator,
                week_start=rollup.week_start if rollup else None,
                on_date=on_date,
                stages=stages,
            )
        )
    return result


@dataclass(frozen=True)
class IndicatorCell:
    value: Decimal | None
    target: RegionStageTarget | None  # the current stage, judged (`current_stage`)

    @property
    def goal(self) -> Decimal | None:
        return self.target.counted if self.target else None

    @property
    def gap(self) -> Decimal | None:
        return self.target.gap if self.target else None


@dataclass(frozen=True)
class RegionIndicatorsRow:
    region: Region
    week_start: dt.date | None
    cells: list[IndicatorCell]  # in the order of Indicator.number


INDICATOR_SORTS = ("code", "name", "week")  # and "i1".."i4", "-" in front: descending


def regions_indicators_table(
    *,
    user: User,
    on_date: dt.date,
    sort: str = "",
    local_dates: Mapping[str, dt.date] | None = None,
) -> tuple[list[Indicator], list[RegionIndicatorsRow]]:
    """The regions the user sees with П1-П4 of their latest complete week on or before
    their day (the week `indicator_status` judges: a «неполная неделя» is never judged) and
    the current stage's target of each (the one rule of `indicators.stages`), sorted by
    `sort` (a column of INDICATOR_SORTS or an indicator code; no value sorts last).

    A region's day is `on_date`, or with `local_dates` (time zone -> date, e.g.
    `roadmaps.querysets.local_dates_by_timezone`) its own zone's date, as its own page and
    its alerts judge it. Five queries whatever the number of regions or weeks."""
    indicators = list(Indicator.objects.order_by("number"))
    regions = list(Region.objects.visible_to(user).order_by("code"))
    ids = [r.pk for r in regions]
    day_of = {
        r.pk: (local_dates.get(r.timezone) or r.local_today()) if local_dates else on_date
        for r in regions
    }
    latest: dict[int, MonitoringRollup] = {}
    for rollup in (
        MonitoringRollup.objects.complete()
        .filter(
            region_id__in=ids,
            municipality__isnull=True,
            week_start__lte=max(day_of.values(), default=on_date),
        )
        .order_by("region_id", "-week_start")
    ):
        if rollup.week_start <= day_of[rollup.region_id]:
            latest.setdefault(rollup.region_id, rollup)
    targets = stage_targets_by_region(region_ids=ids)
    rows = []
    for region in regions:
        day = day_of[region.pk]
        rollup = latest.get(region.pk)
        cells = []
        for indicator in indicators:
            value = getattr(rollup, indicator.code, None) if rollup is not None else None
            stages = [
                t.judged(on_date=day, latest=value)
                for t in targets.get(region.pk, {}).get(indicator.pk, [])
            ]
            cells.append(IndicatorCell(value, current_stage(stages, day)))
        rows.append(RegionIndicatorsRow(region, rollup.week_start if rollup else None, cells))
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    codes = [i.code for i in indicators]
    if key in codes:
        k = codes.index(key)
        known = [(v, r) for r in rows if (v := r.cells[k].value) is not None]
        known.sort(key=lambda pair: pair[0], reverse=descending)
        rows = [r for _v, r in known] + [r for r in rows if r.cells[k].value is None]
    elif key == "name":
        rows.sort(key=lambda r: r.region.name, reverse=descending)
    elif key == "week":
        weeks = [(r.week_start, r) for r in rows if r.week_start is not None]
        weeks.sort(key=lambda pair: pair[0], reverse=descending)
        rows = [r for _w, r in weeks] + [r for r in rows if r.week_start is None]
    elif descending:
        rows.reverse()
    return indicators, rows
