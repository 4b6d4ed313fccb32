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
from typing import Any, Protocol, TypeVar

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Region, User, normalise_region_code
from alerts.models import Alert
from indicators.coverage import Coverage
from indicators.formulas import FORMULAS, INDICATOR_CODES
from indicators.index.scoring import CriterionResult
from indicators.index.selectors import (
    criteria_of,
    criterion_inputs,
    index_evaluate,
    index_ranking,
    rule_text,
)
from indicators.models import (
    Criterion,
    IndexFact,
    Indicator,
    MethodologyVersion,
    MonitoringRollup,
    MonitoringRow,
)
from indicators.selectors import region_stage_targets
from indicators.stages import RegionStageTarget, current_stage, in_date_order
from roadmaps.choices import CLOSED_STATUSES
from roadmaps.models import Measure, MeasureChange, MeasurePart
from roadmaps.querysets import local_dates_by_timezone

CHUNK_SIZE = 2000


class _Scoped(Protocol):
    def visible_to(self, user: User) -> Any: ...


_QS = TypeVar("_QS", bound=_Scoped)
_QSet = TypeVar("_QSet", bound="QuerySet[Any]")


def _visible(qs: _QS, user: User | None) -> _QS:
    """`qs` scoped to what `user` may see (its `visible_to`); everything for the system."""
    if user is None:
        return qs
    scoped: _QS = qs.visible_to(user)
    return scoped


def export_regions(*, user: User | None) -> QuerySet[Region]:
    """Regions the user may export (the region picker of the export page)."""
    return _visible(Region.objects.all(), user).order_by("code")


def export_region_get(*, user: User | None, code: str) -> Region:
    """The region with this code if the user may see it, else Region.DoesNotExist."""
    return export_regions(user=user).get(code=normalise_region_code(code))


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
    days_late: int
    last_comment: str
    last_comment_at: dt.datetime | None
    # bodies that have not done their part (measures with several bodies concerned)
    pending: tuple[str, ...] = ()


def roadmap_status_rows(
    *, user: User | None, region: Region | None = None, now: dt.datetime | None = None
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
        .prefetch_related(
            Prefetch(
                "parts",
                queryset=MeasurePart.objects.exclude(status__in=CLOSED_STATUSES)
                .select_related("agency")
                .order_by("position", "id"),
                to_attr="open_parts",
            )
        )
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
            days_late=measure.days_late,
            last_comment=measure.last_comment or "",
            last_comment_at=measure.last_comment_at,
            pending=tuple(part.agency.name for part in measure.open_parts),
        )


# --- indicators ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorTargets:
    code: str
    number: int
    name: str
    stages: list[RegionStageTarget]  # by target date

    def for_week(self, week_start: dt.date) -> RegionStageTarget | None:
        """The stage a week works towards (indicators.stages.current_stage)."""
        return current_stage(self.stages, week_start)


def indicator_targets(*, region: Region) -> list[IndicatorTargets]:
    """I1–I4 with their stage targets for the region (indicators.stages rules)."""
    targets = region_stage_targets(region=region)
    return [
        IndicatorTargets(
            code=indicator.code,
            number=indicator.number,
            name=indicator.name,
            stages=in_date_order(targets.get(indicator.pk, [])),
        )
        for indicator in Indicator.objects.order_by("number")
    ]


@dataclass(frozen=True)
class RollupRow:
    municipality: str  # "" for the region as a whole
    week_start: dt.date
    organisations: int
    # (numerator, denominator) of I1..I4, in the order of docs/domain.md
    parts: tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]
    coverage: Coverage | None = None  # None: computed before coverage existed
    approval: str = "draft"  # the region-week's approval (indicators.approval)

    @property
    def complete(self) -> bool:
        """Not a «неполная неделя» (indicators.coverage): judged against targets."""
        return self.coverage is None or self.coverage.complete


_INDICATORS = [FORMULAS[code] for code in INDICATOR_CODES]
ROLLUP_FIELDS = (
    "municipality__name",
    "week_start",
    "organisations",
    *(field for f in _INDICATORS for field in (f.rollup_numerator, f.rollup_denominator)),
    "coverage_reported",
    "coverage_expected",
    "coverage_basis",
    "approval_state",
)


def _week_range(qs: _QSet, date_from: dt.date | None, date_to: dt.date | None) -> _QSet:
    if date_from:
        qs = qs.filter(week_start__gte=date_from)
    if date_to:
        qs = qs.filter(week_start__lte=date_to)
    return qs


def indicator_rollup_rows(
    *,
    user: User | None,
    region: Region,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Iterator[RollupRow]:
    """The region's weekly sums, then each municipality's, week by week (one query)."""
    qs = _visible(MonitoringRollup.objects.filter(region=region).with_approval(), user)
    qs = _week_range(qs, date_from, date_to).order_by(
        F("municipality__name").asc(nulls_first=True), "week_start"
    )
    for values in qs.values_list(*ROLLUP_FIELDS).iterator(chunk_size=CHUNK_SIZE):
        muni, week, orgs, *sums, reported, expected, basis, approval = values
        yield RollupRow(
            municipality=muni or "",
            week_start=week,
            organisations=orgs,
            # the indicator formulas (I2's denominator is 2 × students)
            parts=tuple(  # type: ignore[arg-type]
                f.parts(sums[2 * i], sums[2 * i + 1]) for i, f in enumerate(_INDICATORS)
            ),
            coverage=Coverage(reported, expected, basis) if expected is not None else None,
            approval=approval,
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


def _org_rows_qs(
    *, user: User | None, region: Region, date_from: dt.date | None, date_to: dt.date | None
) -> QuerySet[MonitoringRow]:
    qs = _visible(MonitoringRow.objects.filter(region=region), user)
    return _week_range(qs, date_from, date_to)


def monitoring_org_row_count(
    *,
    user: User | None,
    region: Region,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> int:
    return _org_rows_qs(user=user, region=region, date_from=date_from, date_to=date_to).count()


def monitoring_org_rows(
    *,
    user: User | None,
    region: Region,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[tuple[Any, ...]]:
    """Raw weekly rows of every organisation as tuples in ORG_ROW_FIELDS order, streamed.

    Ordered by week, then by the monitoring row id (import order) so the database can
    stream from the (region, week) index without sorting 200,000 joined rows.
    """
    qs = _org_rows_qs(user=user, region=region, date_from=date_from, date_to=date_to)
    return qs.order_by("week_start", "id").values_list(*ORG_ROW_FIELDS).iterator(chunk_size)


# --- index --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexComponentHead:
    code: str
    name: str
    max_points: Decimal


@dataclass(frozen=True)
class IndexRankRow:
    place: int | None  # among every region (ties share a place); None: no data
    code: str
    name: str
    total: Decimal | None
    claimed_total: Decimal | None
    components: tuple[Decimal | None, ...]  # verified points, as `IndexExport.components`
    earlier: Decimal | None
    change: Decimal | None
    approved: bool = False  # the total rests on approved weeks only (indicators.approval)


@dataclass(frozen=True)
class IndexInputRow:
    label: str
    value: Decimal | None
    as_of: dt.date | None  # the fact's date (the monitoring week for the Sferum share)
    verified: bool
    evidence: str


@dataclass(frozen=True)
class IndexCriterionRow:
    region_code: str
    region_name: str
    component: str
    code: str
    name: str
    points: Decimal | None  # as verified: what counts; None: the region has no data («нет данных»)
    claimed: Decimal | None  # every fact as claimed
    max_points: Decimal
    rule: str  # the methodology's wording
    applied: str  # the rule applied, with figures (verified reading)
    claimed_applied: str
    requires_verification: bool
    is_monitoring: bool
    inputs: tuple[IndexInputRow, ...]


@dataclass(frozen=True)
class IndexExport:
    on_date: dt.date
    since: dt.date | None
    version: MethodologyVersion | None  # None when no methodology is in force on the date
    components: tuple[IndexComponentHead, ...]
    ranking: list[IndexRankRow]
    criteria: list[IndexCriterionRow]


def _evidence(url: str, file: str, text: str) -> str:
    parts = [url, file.rsplit("/", 1)[-1] if file else "", text]
    return "; ".join(p.strip() for p in parts if p and p.strip())


def _index_inputs(
    criterion: Criterion, result: CriterionResult, evidence: dict[int, str]
) -> tuple[IndexInputRow, ...]:
    return tuple(
        IndexInputRow(
            item.label,
            item.value,
            item.as_of,
            item.verified,
            "мониторинг Сферума"
            if item.from_monitoring
            else evidence.get(item.fact_id, "")
            if item.fact_id is not None
            else "",
        )
        for item in criterion_inputs(criterion, result)
    )


def index_export(
    *, user: User | None, region: Region | None, on_date: dt.date, since: dt.date | None = None
) -> IndexExport:
    """The ranking on `on_date` with the change since `since` (indicators' own ranking,
    places among every region) cut to the regions in scope, and the per-criterion breakdown
    of those regions with the inputs, their evidence and the rule applied.

    Queries do not grow with the number of regions: the ranking's two evaluations, one more
    evaluation of the regions in scope for the breakdown (the version already loaded), the
    regions in scope and the evidence of the facts used.
    """
    version, ranking = index_ranking(on_date=on_date, since=since)
    scope = _visible(Region.objects.all(), user)
    if region is not None:
        scope = scope.filter(pk=region.pk)
    visible = set(scope.values_list("id", flat=True))
    ranking = [row for row in ranking if row.region.pk in visible]
    if version is None:
        return IndexExport(on_date, since, None, (), [], [])
    components = tuple(
        IndexComponentHead(c.code, c.name, c.max_points) for c in version.components.all()
    )
    _v, results = index_evaluate(
        region_ids=[row.region.pk for row in ranking], on_date=on_date, version=version
    )
    fact_ids = {
        record.get("fact_id")
        for result in results.values()
        for criterion in result.claimed
        for record in criterion.inputs.values()
        if isinstance(record, dict) and record.get("fact_id")
    }
    evidence = {
        pk: _evidence(url, file, text)
        for pk, url, file, text in IndexFact.objects.filter(pk__in=fact_ids).values_list(
            "id", "evidence_url", "evidence_file", "evidence_text"
        )
    }
    criteria_by_code = criteria_of(version)
    component_names = {
        criterion.code: component.name
        for component in version.components.all()
        for criterion in component.criteria.all()
    }
    rank_rows, criterion_rows = [], []
    for row in ranking:
        result = results[row.region.pk]
        rank_rows.append(
            IndexRankRow(
                place=row.place,
                code=row.region.code,
                name=row.region.name,
                total=row.total,
                claimed_total=row.claimed_total,
                components=tuple(
                    c.points if row.total is not None else None for c in result.components
                ),
                earlier=row.earlier,
                change=row.change,
                approved=row.approved,
            )
        )
    for row in sorted(ranking, key=lambda r: r.region.code):
        result = results[row.region.pk]
        known = result.has_data  # the one «нет данных» of the index: no points, never 0
        for official, claimed in zip(result.criteria, result.claimed, strict=True):
            criterion = criteria_by_code[official.code]
            criterion_rows.append(
                IndexCriterionRow(
                    region_code=row.region.code,
                    region_name=row.region.name,
                    component=component_names[official.code],
                    code=official.code,
                    name=criterion.name,
                    points=official.points if known else None,
                    claimed=claimed.points if known else None,
                    max_points=official.max_points,
                    rule=criterion.rule_text,
                    applied=rule_text(official) if known else _("нет данных"),
                    claimed_applied=rule_text(claimed) if known else _("нет данных"),
                    requires_verification=criterion.requires_verification,
                    is_monitoring=criterion.source == "monitoring",
                    inputs=_index_inputs(criterion, claimed, evidence),
                )
            )
    return IndexExport(on_date, since, version, components, rank_rows, criterion_rows)


# --- alerts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertExportRow:
    region_code: str
    region_name: str
    kind_label: str
    severity: int
    severity_label: str
    message: str
    subject: str
    opened_at: dt.datetime
    resolved_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    acknowledged_by: str
    ack_comment: str


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the portal's time zone (Moscow), as periods are read."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _alert_subject(alert: Alert) -> str:
    # (the relations come with the row: select_related; a missing one is None, no query)
    if alert.measure is not None:
        return f"Мероприятие {alert.measure.number}. {alert.measure.title}"
    if alert.indicator is not None:
        text = f"{alert.indicator.label}. {alert.indicator.name}"
        if alert.municipality is not None:
            text += f" — {alert.municipality.name}"
        return text
    if alert.municipality is not None:
        return f"Муниципальное образование: {alert.municipality.name}"
    if alert.upload_id:
        return f"Загрузка мониторинга № {alert.upload_id}"
    return "Субъект РФ в целом"


def alert_export_rows(
    *,
    user: User | None,
    region: Region | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Iterator[AlertExportRow]:
    """Alerts open at some moment of the period, streamed in one query.

    An alert belongs to the period when it was opened on or before `date_to` and not
    resolved before `date_from` (days in Moscow time); an open bound is unlimited.
    """
    qs = _visible(Alert.objects.all(), user)
    if region is not None:
        qs = qs.filter(region=region)
    if date_to is not None:
        qs = qs.filter(opened_at__lt=_day_start(date_to + dt.timedelta(days=1)))
    if date_from is not None:
        qs = qs.filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=_day_start(date_from)))
    qs = qs.select_related(
        "region", "measure", "indicator", "municipality", "acknowledged_by"
    ).order_by("region__code", "opened_at", "id")
    for alert in qs.iterator(chunk_size=CHUNK_SIZE):
        by = alert.acknowledged_by
        yield AlertExportRow(
            region_code=alert.region.code,
            region_name=alert.region.name,
            kind_label=str(alert.get_kind_display()),
            severity=alert.severity,
            severity_label=str(alert.get_severity_display()),
            message=alert.message,
            subject=_alert_subject(alert),
            opened_at=alert.opened_at,
            resolved_at=alert.resolved_at,
            acknowledged_at=alert.acknowledged_at,
            acknowledged_by=(by.get_full_name() or by.username) if by else "",
            ack_comment=alert.ack_comment,
        )


def export_now() -> dt.datetime:
    return timezone.localtime(timezone.now(), timezone.get_default_timezone())


__all__ = [
    "CHUNK_SIZE",
    "AlertExportRow",
    "IndexComponentHead",
    "IndexCriterionRow",
    "IndexExport",
    "IndexInputRow",
    "IndexRankRow",
    "alert_export_rows",
    "index_export",
    "IndicatorTargets",
    "MeasureStatusRow",
    "RollupRow",
    "export_now",
    "export_region_get",
    "export_regions",
    "indicator_rollup_rows",
    "indicator_targets",
    "monitoring_org_row_count",
    "monitoring_org_rows",
    "roadmap_status_rows",
]
