"""Read side of the indicators app (STYLE R4): uploads, stage targets, indicator status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from agencies import access
from agencies.choices import Role
from agencies.models import Region, User

from .choices import TargetKind
from .models import (
    Indicator,
    IndicatorStage,
    MonitoringRollup,
    MonitoringUpload,
    RegionBaseline,
    RegionTarget,
)


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
    """Regions the user may upload monitoring exports for (see `can_upload`)."""
    if not user.is_authenticated:
        return Region.objects.none()
    regions: QuerySet[Region] = Region.objects.visible_to(user)
    return regions


def can_upload(user: User, region: Region) -> bool:
    """Staff and coordinators of the region; analysts and administrators of any region they
    see (DOMAIN: ministry staff upload monitoring exports)."""
    if not user.is_authenticated:
        return False
    if access.is_admin(user):
        return True
    return user.role in (Role.STAFF, Role.COORDINATOR, Role.ANALYST) and access.can_see_region(
        user, region.pk
    )


def can_edit_baselines(user: User, region: Region) -> bool:
    """Coordinators of the region and administrators."""
    if access.is_admin(user):
        return True
    return (
        user.is_authenticated
        and user.role == Role.COORDINATOR
        and access.can_see_region(user, region.pk)
    )


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


@dataclass(frozen=True)
class RegionStageTarget:
    """The target of one indicator stage for one region: the one rule every reader uses
    (the indicators page, the alerts and the Excel report).

    1. a fixed stage takes its federal value; a baseline stage takes the region's baseline
       (None until a coordinator enters it);
    2. the region's own target (RegionTarget) overrides the value when it names one;
    3. a conditional target counts only once in force (from `in_force_since` when set):
       before that it is shown, but nothing is judged against it.
    """

    indicator_id: int
    stage: int
    stage_label: str
    target_date: dt.date
    value: Decimal | None
    kind: str  # fixed | baseline | region
    conditional: bool
    condition: str
    in_force: bool
    in_force_since: dt.date | None
    source: str

    def in_force_on(self, day: dt.date) -> bool:
        if not self.conditional:
            return True
        return self.in_force and (self.in_force_since is None or self.in_force_since <= day)

    def value_on(self, day: dt.date) -> Decimal | None:
        """The target that counts on `day`: none while a condition is not in force."""
        return self.value if self.in_force_on(day) else None


def stage_targets_by_region(
    *, region_ids: Iterable[int], stages: Iterable[IndicatorStage] | None = None
) -> dict[int, dict[int, list[RegionStageTarget]]]:
    """region id → indicator id → its stages by date, as they apply to that region.

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
    """(numerator, denominator) of I1–I4 and M for a rollup (docs/domain.md formulas)."""
    if rollup is None:
        return {}
    return {
        "i1": (rollup.edu_staff_writers, rollup.edu_staff_total),
        "i2": (rollup.edu_learners_active, 2 * rollup.edu_students_total),
        "i3": (rollup.np_max_only_users, rollup.np_sferum_users),
        "i4": (rollup.gov_staff_writers, rollup.gov_staff_total),
        "m": (rollup.vkm_and_max_users, rollup.vkm_users),
    }


def latest_region_rollup(
    *, region: Region, on_date: dt.date | None = None
) -> MonitoringRollup | None:
    qs = MonitoringRollup.objects.filter(region=region, municipality__isnull=True)
    if on_date is not None:
        qs = qs.filter(week_start__lte=on_date)
    return qs.order_by("-week_start").first()


def indicator_status(*, region: Region, on_date: dt.date) -> list[IndicatorStatus]:
    """Every indicator for the region as of `on_date` (5 queries whatever the data)."""
    rollup = latest_region_rollup(region=region, on_date=on_date)
    fractions = indicator_fractions(rollup)
    targets = region_stage_targets(region=region)
    result = []
    for indicator in Indicator.objects.order_by("number"):
        numerator, denominator = fractions.get(indicator.code, (None, None))
        value = getattr(rollup, indicator.code, None) if rollup is not None else None
        stages = []
        for target in targets.get(indicator.pk, []):
            counted = target.value_on(on_date)
            gap = met = None
            if value is not None and counted is not None:
                gap = value - counted
                met = value >= counted
            stages.append(
                StageTarget(
                    stage=target.stage,
                    stage_label=target.stage_label,
                    target_date=target.target_date,
                    value=target.value,
                    kind=target.kind,
                    conditional=not target.in_force_on(on_date),
                    condition=target.condition,
                    source=target.source,
                    passed=on_date > target.target_date,
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
