"""Read side of reports (STYLE R4): the alert centre and what the exports write.

Everything is scoped through `visible_to`.

`user=None` means the system (the `export_report` command run by an operator without
`--user`): every region. Everything a person asks for is scoped by `visible_to(user)`.
Large reads iterate (`.iterator(chunk_size=…)` over `values_list`) and never load every row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from agencies import access
from agencies.models import Region
from indicators.models import (
    Indicator,
    IndicatorStage,
    MonitoringRollup,
    MonitoringRow,
    RegionBaseline,
    RegionTarget,
)
from roadmaps.models import Measure, MeasureChange
from roadmaps.querysets import local_dates_by_timezone

from .models import Alert

CHUNK_SIZE = 2000


def _visible(qs: QuerySet, user) -> QuerySet:
    return qs if user is None else qs.visible_to(user)


def export_regions(*, user) -> QuerySet[Region]:
    """Regions the user may export (the region picker of the export page)."""
    return _visible(Region.objects.all(), user).order_by("code")


def export_region_get(*, user, code: str) -> Region:
    """The region with this code if the user may see it, else Region.DoesNotExist."""
    return export_regions(user=user).get(code=code)


# --- roadmap status -----------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureStatusRow:
    region: str  # "" for the federal plan
    roadmap: str
    section_number: str
    section_title: str
    number: str
    title: str
    deadline_text: str
    start_date: dt.date | None
    due_date: dt.date | None
    responsible: list[str]  # agency names in the printed order (the first leads)
    status: str
    status_label: str
    completed_on: dt.date | None
    days_overdue: int
    done_late: bool
    last_comment: str
    last_comment_at: dt.datetime | None


def roadmap_status_rows(
    *, user, region: Region | None = None, now: dt.datetime | None = None
) -> Iterator[MeasureStatusRow]:
    """Every visible measure (of one region or all in scope) with its state on `now`.

    Days overdue count in the region's local date (federal measures: Moscow time).
    Queries: measures + responsibilities (prefetch per chunk) + one for time zones.
    """
    now = now or timezone.now()
    today_by_tz = local_dates_by_timezone(now)
    moscow_today = timezone.localtime(now, timezone.get_default_timezone()).date()
    last_change = MeasureChange.objects.filter(measure=OuterRef("pk")).exclude(comment="")
    qs = _visible(Measure.objects.all(), user)
    if region is not None:
        qs = qs.filter(roadmap__region=region)
    qs = (
        qs.with_list_related()
        .annotate(
            last_comment=Subquery(last_change.order_by("-created_at", "-id").values("comment")[:1]),
            last_comment_at=Subquery(
                last_change.order_by("-created_at", "-id").values("created_at")[:1]
            ),
        )
        .order_by(
            F("roadmap__region__code").asc(nulls_first=True),
            "roadmap__code",
            "section__position",
            "position",
        )
    )
    for measure in qs.iterator(chunk_size=CHUNK_SIZE):
        mregion = measure.roadmap.region
        today = today_by_tz.get(mregion.timezone) if mregion else moscow_today
        section = measure.section
        yield MeasureStatusRow(
            region=mregion.name if mregion else "",
            roadmap=measure.roadmap.title,
            section_number=section.number if section else "",
            section_title=section.title if section else "",
            number=measure.number,
            title=measure.title,
            deadline_text=measure.deadline_text,
            start_date=measure.start_date,
            due_date=measure.due_date,
            responsible=[r.agency.name for r in measure.responsibilities.all()]
            or ([measure.responsible_text] if measure.responsible_text else []),
            status=measure.status,
            status_label=str(measure.get_status_display()),
            completed_on=measure.completed_on,
            days_overdue=measure.days_overdue(today),
            done_late=measure.is_done_late,
            last_comment=measure.last_comment or "",
            last_comment_at=measure.last_comment_at,
        )


# --- indicators ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StageTarget:
    """The target of one indicator stage as it applies to one region."""

    stage: int
    target_date: dt.date
    value: Decimal | None  # percent; None when the baseline is not entered yet
    conditional: bool
    condition: str
    in_force: bool
    in_force_since: dt.date | None

    def in_force_on(self, day: dt.date) -> bool:
        return self.in_force and (self.in_force_since is None or self.in_force_since <= day)


@dataclass(frozen=True)
class IndicatorTargets:
    code: str
    number: int
    name: str
    stages: list[StageTarget]  # by target date

    def for_week(self, week_start: dt.date) -> StageTarget | None:
        """The stage a week works towards: the next stage date on or after the week,
        the last stage once every date has passed."""
        for stage in self.stages:
            if stage.target_date >= week_start:
                return stage
        return self.stages[-1] if self.stages else None


def indicator_targets(*, region: Region) -> list[IndicatorTargets]:
    """I1–I4 with their stage targets for the region (region values override the federal
    ones; a baseline stage takes the region's baseline). Four small queries."""
    baselines = {b.indicator_id: b.value for b in RegionBaseline.objects.filter(region=region)}
    overrides = {(t.indicator_id, t.stage): t for t in RegionTarget.objects.filter(region=region)}
    stages_by_indicator: dict[int, list[IndicatorStage]] = {}
    for stage in IndicatorStage.objects.order_by("target_date", "stage"):
        stages_by_indicator.setdefault(stage.indicator_id, []).append(stage)
    result = []
    for indicator in Indicator.objects.order_by("number"):
        stages = []
        for stage in stages_by_indicator.get(indicator.pk, []):
            override = overrides.get((indicator.pk, stage.stage))
            if override is not None and override.target_value is not None:
                value = override.target_value
            elif stage.target_kind == "baseline":
                value = baselines.get(indicator.pk)
            else:
                value = stage.target_value
            stages.append(
                StageTarget(
                    stage=stage.stage,
                    target_date=stage.target_date,
                    value=value,
                    conditional=bool(override and override.conditional),
                    condition=override.condition if override else "",
                    in_force=override.in_force if override else True,
                    in_force_since=override.in_force_since if override else None,
                )
            )
        result.append(
            IndicatorTargets(
                code=indicator.code, number=indicator.number, name=indicator.name, stages=stages
            )
        )
    return result


@dataclass(frozen=True)
class RollupRow:
    municipality: str  # "" for the region as a whole
    week_start: dt.date
    organisations: int
    # (numerator, denominator) of I1..I4, in the order of DOMAIN.md
    parts: tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]


ROLLUP_FIELDS = (
    "municipality__name",
    "week_start",
    "organisations",
    "edu_staff_writers",
    "edu_staff_total",
    "edu_learners_active",
    "edu_students_total",
    "np_max_only_users",
    "np_sferum_users",
    "gov_staff_writers",
    "gov_staff_total",
)


def _week_range(qs: QuerySet, date_from: dt.date | None, date_to: dt.date | None) -> QuerySet:
    if date_from:
        qs = qs.filter(week_start__gte=date_from)
    if date_to:
        qs = qs.filter(week_start__lte=date_to)
    return qs


def indicator_rollup_rows(
    *, user, region: Region, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> Iterator[RollupRow]:
    """The region's weekly sums, then each municipality's, week by week (one query)."""
    qs = _visible(MonitoringRollup.objects.filter(region=region), user)
    qs = _week_range(qs, date_from, date_to).order_by(
        F("municipality__name").asc(nulls_first=True), "week_start"
    )
    for values in qs.values_list(*ROLLUP_FIELDS).iterator(chunk_size=CHUNK_SIZE):
        (muni, week, orgs, a1, b1, a2, b2, a3, b3, a4, b4) = values
        yield RollupRow(
            municipality=muni or "",
            week_start=week,
            organisations=orgs,
            # I2's denominator counts one parent per student (DOMAIN.md)
            parts=((a1, b1), (a2, 2 * b2), (a3, b3), (a4, b4)),
        )


ORG_ROW_FIELDS = (
    "week_start",
    "municipality__name",
    "organisation__code",
    "organisation__name",
    "org_type",
    "staff_total",
    "staff_writers",
    "students_total",
    "learners_active",
    "sferum_users",
    "max_only_users",
    "vkm_users",
    "vkm_and_max_users",
)


def _org_rows_qs(*, user, region, date_from, date_to) -> QuerySet:
    qs = _visible(MonitoringRow.objects.filter(region=region), user)
    return _week_range(qs, date_from, date_to)


def monitoring_org_row_count(
    *, user, region: Region, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> int:
    return _org_rows_qs(user=user, region=region, date_from=date_from, date_to=date_to).count()


def monitoring_org_rows(
    *,
    user,
    region: Region,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[tuple]:
    """Raw weekly rows of every organisation as tuples in ORG_ROW_FIELDS order, streamed.

    Ordered by week, then by the monitoring row id (import order) so the database can
    stream from the (region, week) index without sorting 200,000 joined rows.
    """
    qs = _org_rows_qs(user=user, region=region, date_from=date_from, date_to=date_to)
    return qs.order_by("week_start", "id").values_list(*ORG_ROW_FIELDS).iterator(chunk_size)


def export_now() -> dt.datetime:
    return timezone.localtime(timezone.now(), timezone.get_default_timezone())


__all__ = [
    "CHUNK_SIZE",
    "IndicatorTargets",
    "MeasureStatusRow",
    "RollupRow",
    "StageTarget",
    "export_now",
    "export_region_get",
    "export_regions",
    "indicator_rollup_rows",
    "indicator_targets",
    "monitoring_org_row_count",
    "monitoring_org_rows",
    "roadmap_status_rows",
]


# --- alert centre ---------------------------------------------------------------------


def alert_list(*, queryset):
    """Rows of the alert centre with everything the template shows (constant queries)."""
    return queryset.select_related(
        "region", "measure", "indicator", "municipality", "acknowledged_by"
    ).order_by("resolved_at", "-severity", "-opened_at", "-id")


def alert_counts(*, user) -> dict[str, int]:
    """Open alerts: all visible, mine (my agencies' measures), my region — one query."""
    acting = access.acting_agency_ids(user)
    qs = Alert.objects.visible_to(user).open()
    mine_q = Q(pk__in=qs.for_agencies(acting).values("pk")) if acting else Q(pk__in=[])
    return qs.aggregate(
        total=Count("id"),
        mine=Count("id", filter=mine_q),
        region=Count("id", filter=Q(region_id=user.home_region_id)),
    )
