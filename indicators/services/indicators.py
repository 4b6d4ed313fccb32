"""Indicator status per region: latest value, the stage targets, the gap, dates passed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from agencies.models import Region, User

from ..choices import TargetKind
from ..models import Indicator, IndicatorStage, MonitoringRollup, RegionBaseline, RegionTarget


@dataclass(frozen=True)
class StageTarget:
    stage: int
    stage_label: str
    target_date: dt.date
    value: Decimal | None  # None: not set (a baseline not entered yet)
    kind: str  # fixed | baseline | region
    conditional: bool  # shown as conditional until in force
    condition: str
    source: str
    passed: bool  # the stage date is behind on_date
    met: bool | None  # None: no value or no target
    gap: Decimal | None  # value - target, percentage points


@dataclass(frozen=True)
class IndicatorStatus:
    indicator: Indicator
    value: Decimal | None
    numerator: int | None
    denominator: int | None
    week_start: dt.date | None
    stages: list[StageTarget] = field(default_factory=list)

    @property
    def current(self) -> StageTarget | None:
        """The first stage whose date has not passed, else the last one."""
        for stage in self.stages:
            if not stage.passed:
                return stage
        return self.stages[-1] if self.stages else None


def indicator_fractions(rollup: MonitoringRollup | None) -> dict[str, tuple[int, int]]:
    """(numerator, denominator) of I1–I4 and M for a rollup (DOMAIN.md formulas)."""
    if rollup is None:
        return {}
    return {
        "i1": (rollup.edu_staff_writers, rollup.edu_staff_total),
        "i2": (rollup.edu_learners_active, 2 * rollup.edu_students_total),
        "i3": (rollup.np_max_only_users, rollup.np_sferum_users),
        "i4": (rollup.gov_staff_writers, rollup.gov_staff_total),
        "m": (rollup.vkm_and_max_users, rollup.vkm_users),
    }


def latest_region_rollup(*, region: Region, on_date: dt.date | None = None):
    qs = MonitoringRollup.objects.filter(region=region, municipality__isnull=True)
    if on_date is not None:
        qs = qs.filter(week_start__lte=on_date)
    return qs.order_by("-week_start").first()


def indicator_status(*, region: Region, on_date: dt.date) -> list[IndicatorStatus]:
    """Every indicator for the region as of `on_date` (4 queries whatever the data)."""
    rollup = latest_region_rollup(region=region, on_date=on_date)
    fractions = indicator_fractions(rollup)
    baselines = {b.indicator_id: b for b in RegionBaseline.objects.filter(region=region)}
    overrides = {(t.indicator_id, t.stage): t for t in RegionTarget.objects.filter(region=region)}
    stages_by_indicator: dict[int, list[IndicatorStage]] = {}
    for stage in IndicatorStage.objects.order_by("indicator_id", "stage"):
        stages_by_indicator.setdefault(stage.indicator_id, []).append(stage)
    result = []
    for indicator in Indicator.objects.order_by("number"):
        numerator, denominator = fractions.get(indicator.code, (None, None))
        value = getattr(rollup, indicator.code, None) if rollup is not None else None
        stages = []
        for stage in stages_by_indicator.get(indicator.pk, []):
            override = overrides.get((indicator.pk, stage.stage))
            conditional, condition, source = False, "", ""
            if stage.target_kind == TargetKind.FIXED:
                target, kind = stage.target_value, "fixed"
            else:
                baseline = baselines.get(indicator.pk)
                target = baseline.value if baseline else None
                source = baseline.source if baseline else ""
                kind = "baseline"
            if override is not None:
                if override.target_value is not None:
                    target, kind = override.target_value, "region"
                conditional = override.conditional and not override.in_force
                condition = override.condition
                source = override.source or source
            gap = met = None
            if value is not None and target is not None:
                gap = value - target
                met = value >= target
            stages.append(
                StageTarget(
                    stage=stage.stage,
                    stage_label=str(stage.get_stage_display()),
                    target_date=stage.target_date,
                    value=target,
                    kind=kind,
                    conditional=conditional,
                    condition=condition,
                    source=source,
                    passed=on_date > stage.target_date,
                    met=met,
                    gap=gap,
                )
            )
        result.append(
            IndicatorStatus(
                indicator=indicator,
                value=value,
                numerator=numerator,
                denominator=denominator,
                week_start=rollup.week_start if rollup else None,
                stages=stages,
            )
        )
    return result


@transaction.atomic
def region_baseline_set(
    *, region: Region, indicator: Indicator, value: Decimal, source: str, actor: User
) -> RegionBaseline:
    """Enters (or replaces) a region's stage 1 baseline with its source."""
    baseline = RegionBaseline.objects.filter(region=region, indicator=indicator).first()
    if baseline is None:
        baseline = RegionBaseline(region=region, indicator=indicator)
    baseline.value = value
    baseline.source = source
    baseline.entered_by = actor
    baseline.full_clean()
    baseline.save()
    return baseline
