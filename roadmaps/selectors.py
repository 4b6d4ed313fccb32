"""Read side of roadmaps (STYLE R4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from agencies.models import Organisation

from .choices import CascadeScope, MeasureStatus, Recurrence
from .deadlines import monthly_due_dates
from .models import (
    Cascade,
    CascadeProgress,
    CascadeTarget,
    Measure,
    MeasureChange,
    MeasurePart,
    MeasureReport,
    MeasureStep,
)
from .querysets import local_dates_by_timezone, overdue_q


@dataclass(frozen=True)
class MeasureRow:
    measure: Measure
    days_overdue: int


MEASURES_PER_PAGE = 100


def measure_list(
    *, measures: Iterable[Measure], today_by_tz: dict[str, dt.date]
) -> list[MeasureRow]:
    """Rows of one page of the measure list with days overdue.

    `measures` is a page of `MeasureQuerySet.with_list_related()`: a constant number of
    queries whatever the page holds.
    """
    rows = []
    for measure in measures:
        region = measure.roadmap.region
        today = today_by_tz.get(region.timezone) if region else None
        rows.append(MeasureRow(measure=measure, days_overdue=measure.days_overdue(today)))
    return rows


@dataclass(frozen=True)
class MeasureCounts:
    total: int
    overdue: int
    by_status: list[tuple[str, str, int]]  # (code, label, count) in the order of MeasureStatus


def measure_counts(
    queryset: QuerySet[Measure], *, today_by_tz: dict[str, dt.date]
) -> MeasureCounts:
    """Total, overdue and per-status counts of a filtered list: one aggregate query."""
    aggregates = {
        f"s_{status.value}": Count("id", filter=Q(status=status.value)) for status in MeasureStatus
    }
    row = queryset.order_by().aggregate(
        total=Count("id"), overdue=Count("id", filter=overdue_q(dates=today_by_tz)), **aggregates
    )
    return MeasureCounts(
        total=row["total"],
        overdue=row["overdue"],
        by_status=[(s.value, str(s.label), row[f"s_{s.value}"]) for s in MeasureStatus],
    )


# --- Measure page ---------------------------------------------------------------------

FIELD_LABELS = {
    "status": _("Статус"),
    "completed_on": _("Дата выполнения"),
    "due_date": _("Срок исполнения"),
    "start_date": _("Начало срока"),
    "done_on": _("Подэтап выполнен"),
    "step": _("Подэтап"),
    "period": _("Месяц"),
    "scope": _("Охват"),
    "organisations": _("Организаций"),
    "imported": _("Загружено строк"),
    "file": _("Файл"),
    "cascade": _("Каскад"),
    "part": _("Орган"),
    "measure_status": _("Статус мероприятия"),
    "target": _("Цель"),
    "quantity": _("Не менее"),
    "achieved": _("Достигнуто"),
    "federal_item": _("Пункт федерального плана"),
}
# kept in the JSON for the record, shown through another key
_HIDDEN_KEYS = frozenset({"cascade", "unit"})


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    change: MeasureChange
    fields: list[FieldChange]


def _display(key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if key in ("status", "measure_status"):
        return str(MeasureStatus(value).label) if value in MeasureStatus.values else str(value)
    if key in ("completed_on", "done_on", "due_date", "start_date"):
        return dt.date.fromisoformat(value).strftime("%d.%m.%Y")
    if key == "period":
        return dt.date.fromisoformat(value).strftime("%m.%Y")
    if key == "scope":
        return str(CascadeScope(value).label) if value in CascadeScope.values else str(value)
    return str(value)


def history_entries(changes: Iterable[MeasureChange]) -> list[HistoryEntry]:
    """History rows with old -> new shown in Russian (the JSON keeps codes and ISO dates)."""
    entries = []
    for change in changes:
        fields = []
        for key, value in (change.changes or {}).items():
            if key in _HIDDEN_KEYS:  # an internal id, or a unit shown with its quantity
                continue
            label = str(FIELD_LABELS.get(key, key))
            if key == "step" and isinstance(value, list):
                fields.append(FieldChange(label, "", f"{value[0]}. {value[1]}"))
            elif isinstance(value, list) and len(value) == 2:
                old = _display(key, value[0]) if value[0] not in (None, "") else ""
                fields.append(FieldChange(label, old, _display(key, value[1])))
            else:
                fields.append(FieldChange(label, "", _display(key, value)))
        entries.append(HistoryEntry(change=change, fields=fields))
    return entries


@dataclass(frozen=True)
class PartLine:
    """One responsible body's part as the measure page, the dashboard and exports show it."""

    part: MeasurePart
    days_overdue: int
    done_late: bool

    @property
    def is_pending(self) -> bool:
        return not self.part.is_closed


def measure_part_lines(measure: Measure, today: dt.date | None = None) -> list[PartLine]:
    """The measure's parts (prefetched `parts__agency` costs no query) with late ones marked."""
    today = today or measure.local_today()
    lines = []
    for part in measure.parts.all():
        part.measure = measure
        lines.append(
            PartLine(part=part, days_overdue=part.days_overdue(today), done_late=part.is_done_late)
        )
    return lines


def pending_bodies(lines: list[PartLine]) -> list[str]:
    """Names of the bodies that have not done their part, late ones first."""
    pending = [line for line in lines if line.is_pending]
    pending.sort(key=lambda line: (-line.days_overdue, line.part.position))
    return [line.part.agency.display_name for line in pending]


def parts_prefetch() -> models.Prefetch[Any]:
    """The `parts` of measures with their agency, in the printed order (one query)."""
    return models.Prefetch(
        "parts", queryset=MeasurePart.objects.select_related("agency").order_by("position", "id")
    )


def measure_period(measure: Measure) -> tuple[dt.date | None, dt.date | None]:
    """(start, due date) of a measure as its monthly duty, the timeline and the alerts read
    it (`duty_period` on the measure's fields; `roadmap` loaded)."""
    return duty_period(
        start_date=measure.start_date,
        approved_on=measure.roadmap.approved_on,
        due_date=measure.due_date,
        monthly=measure.recurrence == Recurrence.MONTHLY,
    )


def duty_period(
    *,
    start_date: dt.date | None,
    approved_on: dt.date | None,
    due_date: dt.date | None,
    monthly: bool,
) -> tuple[dt.date | None, dt.date | None]:
    """The one rule of a measure's period, on plain values (the alerts read `values()`).

    It starts at its start date, else at its roadmap's approval date, never after its due
    date; a monthly duty with neither starts in its due date's month (a single report). A
    measure without a due date keeps its own start (open-ended) or has no period at all.
    """
    if due_date is None:  # «с 15.09.2025»: open-ended from its own start, if it has one
        return start_date, None
    start = start_date or approved_on
    if start is None and monthly:
        start = due_date.replace(day=1)
    return (min(start, due_date) if start is not None else None), due_date


def duty_monthly_dates(*, start: dt.date | None, due: dt.date | None) -> list[dt.date]:
    """The monthly report due dates over a duty's period."""
    if due is None or start is None:
        return []
    return monthly_due_dates(until=due, start=start)


def report_missing(*, report_due: dt.date, reported: bool, closed: bool, on_date: dt.date) -> bool:
    """Is a monthly report missing on `on_date`? Its due date has passed (in the region's
    local date) without a report marked done, and the duty is still open: a done or
    cancelled measure owes no more reports, as its alerts close. The one rule of the
    measure page's «нет отчёта» and the «Нет ежемесячного отчёта» alert."""
    return not closed and not reported and report_due < on_date


def measure_monthly_dates(measure: Measure) -> list[dt.date]:
    """The due dates of a monthly duty over its period (none for other measures)."""
    if measure.recurrence != Recurrence.MONTHLY:
        return []
    start, due = measure_period(measure)
    return duty_monthly_dates(start=start, due=due)


@dataclass(frozen=True)
class ReportMonth:
    period: dt.date
    due_date: dt.date
    report: MeasureReport | None
    is_missing: bool  # `report_missing`: due, not reported as done, the duty still open

    @property
    def is_reported(self) -> bool:
        return self.report is not None and self.report.status == MeasureStatus.DONE


def measure_report_months(measure: Measure, today: dt.date | None = None) -> list[ReportMonth]:
    """Every reporting month of a recurring measure with its report (if any).

    The duty runs over `measure_period`: from the measure's start date, else the roadmap's
    approval date, else the first day of the last month (a single report).
    """
    dates = measure_monthly_dates(measure)
    if not dates:
        return []
    today = today or measure.local_today()
    reports = {report.period: report for report in measure.reports.all()}
    months = []
    for due in dates:
        period = due.replace(day=1)
        report = reports.get(period)
        done = report is not None and report.status == MeasureStatus.DONE
        missing = report_missing(
            report_due=due, reported=done, closed=measure.is_closed, on_date=today
        )
        months.append(ReportMonth(period, due, report, is_missing=missing))
    return months


@dataclass(frozen=True)
class IndicatorValue:
    indicator: object
    value: Decimal | None
    week_start: dt.date | None


def measure_indicator_values(measure: Measure) -> list[IndicatorValue]:
    """Linked indicators with the region's latest weekly value (none until monitoring arrives)."""
    return [
        IndicatorValue(indicator, value, week_start)
        for indicator, value, week_start in measure.indicators.region_latest_values(
            measure.roadmap.region_id
        )
    ]


# --- Cascades -------------------------------------------------------------------------


@dataclass
class MunicipalityShare:
    name: str
    total: int = 0
    done: int = 0

    @property
    def percent(self) -> float | None:
        return self.done * 100 / self.total if self.total else None


@dataclass
class OrgProgress:
    organisation: Organisation
    steps_done: dict[int | None, dt.date]
    is_done: bool


@dataclass
class CascadeSummary:
    cascade: Cascade
    steps: list[MeasureStep]
    orgs: list[OrgProgress]
    by_municipality: list[MunicipalityShare]

    @property
    def total(self) -> int:
        return len(self.orgs)

    @property
    def done(self) -> int:
        return sum(1 for org in self.orgs if org.is_done)

    @property
    def percent(self) -> float | None:
        return self.done * 100 / self.total if self.total else None

    @property
    def not_done(self) -> list[OrgProgress]:
        return [org for org in self.orgs if not org.is_done]


def organisation_done(*, steps_done: int, whole: bool, n_steps: int) -> bool:
    """Has an organisation finished a cascade? With sub-steps, every one of them
    (`steps_done`: its distinct sub-steps of the measure; a whole-measure mark made before
    sub-steps were added does not count); without, the whole measure (`whole`). The rule of
    the cascade's page (`cascade_summary`); `with_done_counts` is the same rule in SQL for
    the region dashboard and the alerts."""
    return steps_done >= n_steps if n_steps else whole


def _count(
    queryset: QuerySet[Any], group: str, counted: str = "id", *, distinct: bool = False
) -> Coalesce:
    """COUNT of a correlated subquery (0 without rows)."""
    return Coalesce(
        Subquery(
            queryset.order_by()
            .values(group)
            .annotate(n=Count(counted, distinct=distinct))
            .values("n")[:1]
        ),
        0,
    )


def with_done_counts(cascades: QuerySet[Cascade]) -> QuerySet[Any]:
    """`cascades` annotated with `n_targets` (its organisations) and `n_done` (those of
    them done, by `organisation_done`: an organisation that left the cascade counts no
    more; with sub-steps, every sub-step of the measure). The count of the region dashboard
    and the «каскад отстаёт» alert, the same as the cascade's page (`cascade_summary`);
    in the query that reads the cascades, no further query."""
    progress = CascadeProgress.objects.filter(
        cascade_id=OuterRef("cascade_id"), organisation_id=OuterRef("organisation_id")
    )
    done = (
        CascadeTarget.objects.filter(cascade_id=OuterRef("pk"))
        .annotate(
            _steps=_count(
                progress.filter(step__measure_id=OuterRef("cascade__measure_id")),
                "cascade_id",
                "step_id",
                distinct=True,
            ),
            _whole=Exists(progress.filter(step__isnull=True)),
            _n_steps=_count(
                MeasureStep.objects.filter(measure_id=OuterRef("cascade__measure_id")),
                "measure_id",
            ),
        )
        .filter(Q(_n_steps__gt=0, _steps__gte=F("_n_steps")) | Q(_n_steps=0, _whole=True))
    )
    return cascades.annotate(
        n_targets=_count(CascadeTarget.objects.filter(cascade_id=OuterRef("pk")), "cascade_id"),
        n_done=_count(done, "cascade_id"),
    )


def cascade_summary(cascade: Cascade) -> CascadeSummary:
    """Share of organisations done (every sub-step, or the whole measure), by municipality.

    Three queries whatever the number of organisations: steps, targets, progress.
    """
    steps = list(cascade.measure.steps.all())
    targets = list(
        CascadeTarget.objects.filter(cascade=cascade)
        .select_related("organisation__municipality")
        .order_by("organisation__municipality__name", "organisation__name")
    )
    progress: dict[int, dict[int | None, dt.date]] = {}
    for organisation_id, step_id, done_on in CascadeProgress.objects.filter(
        cascade=cascade
    ).values_list("organisation_id", "step_id", "done_on"):
        progress.setdefault(organisation_id, {})[step_id] = done_on
    step_ids = {step.pk for step in steps}
    orgs = []
    shares: dict[str, MunicipalityShare] = {}
    for target in targets:
        org = target.organisation
        done_steps = progress.get(org.pk, {})
        is_done = organisation_done(
            steps_done=len(step_ids & done_steps.keys()),
            whole=None in done_steps,
            n_steps=len(step_ids),
        )
        orgs.append(OrgProgress(org, done_steps, is_done))
        name = org.municipality.name if org.municipality else str(_("Без муниципалитета"))
        share = shares.setdefault(name, MunicipalityShare(name))
        share.total += 1
        share.done += int(is_done)
    return CascadeSummary(cascade, steps, orgs, sorted(shares.values(), key=lambda s: s.name))


@dataclass
class CascadeNode:
    """A cascade with its own progress and the levels below it, rolled up."""

    summary: CascadeSummary
    children: list[CascadeNode]
    depth: int

    @property
    def cascade(self) -> Cascade:
        return self.summary.cascade

    @property
    def rolled_total(self) -> int:
        """Organisations at the lowest level under this cascade (its own when it has none)."""
        if not self.children:
            return self.summary.total
        return sum(child.rolled_total for child in self.children)

    @property
    def rolled_done(self) -> int:
        if not self.children:
            return self.summary.done
        return sum(child.rolled_done for child in self.children)

    @property
    def rolled_percent(self) -> float | None:
        total = self.rolled_total
        return self.rolled_done * 100 / total if total else None


@dataclass
class CascadeLevel:
    """Every cascade of one level of a measure's chain (1 = the first letter)."""

    depth: int
    nodes: list[CascadeNode]

    @property
    def total(self) -> int:
        return sum(node.summary.total for node in self.nodes)

    @property
    def done(self) -> int:
        return sum(node.summary.done for node in self.nodes)

    @property
    def percent(self) -> float | None:
        return self.done * 100 / self.total if self.total else None

    @property
    def due_dates(self) -> list[dt.date]:
        return sorted({node.cascade.due_date for node in self.nodes if node.cascade.due_date})


def cascade_tree(cascades: list[Cascade]) -> list[CascadeNode]:
    """The measure's cascades as chains (roots first), each with its summary."""
    by_parent: dict[int | None, list[Cascade]] = {}
    ids = {cascade.pk for cascade in cascades}
    for cascade in sorted(cascades, key=lambda c: (c.document_date or dt.date.min, c.pk)):
        parent = cascade.parent_id if cascade.parent_id in ids else None
        by_parent.setdefault(parent, []).append(cascade)

    def build(cascade: Cascade, depth: int, seen: frozenset[int]) -> CascadeNode:
        children = [
            build(child, depth + 1, seen | {cascade.pk})
            for child in by_parent.get(cascade.pk, [])
            if child.pk not in seen
        ]
        return CascadeNode(cascade_summary(cascade), children, depth)

    return [build(root, 1, frozenset()) for root in by_parent.get(None, [])]


def cascade_levels(tree: list[CascadeNode]) -> list[CascadeLevel]:
    """Progress level by level: every cascade of depth 1, then of depth 2 …"""
    levels: dict[int, list[CascadeNode]] = {}
    stack = list(tree)
    while stack:
        node = stack.pop(0)
        levels.setdefault(node.depth, []).append(node)
        stack.extend(node.children)
    return [CascadeLevel(depth, nodes) for depth, nodes in sorted(levels.items())]


def cascade_targets_q(cascade: Cascade) -> Q:
    """Organisations targeted by a cascade, as a filter on `Organisation`."""
    return Q(pk__in=CascadeTarget.objects.filter(cascade=cascade).values("organisation_id"))


# --- The federal plan ---------------------------------------------------------------------


@dataclass(frozen=True)
class FederalItemProgress:
    """A federal plan item and the regions' measures linked to it (within the user's scope)."""

    item: Measure
    linked: int
    done: int
    overdue: int
    later: int  # regional deadline later than the federal one
    regions: int

    @property
    def share(self) -> float | None:
        return self.done / self.linked if self.linked else None


def federal_progress(user: Any, *, now: dt.datetime | None = None) -> list[FederalItemProgress]:
    """Each item of the federal plan with the progress of the linked regional measures.

    Two queries: the federal items, and one grouped count of the linked measures the user
    sees (overdue in each region's local date).
    """
    items = list(
        Measure.objects.filter(roadmap__region__isnull=True)
        .select_related("roadmap")
        .order_by("roadmap__code", "position")
    )
    rows = (
        Measure.objects.visible_to(user)
        .filter(federal_item__in=items, roadmap__region__isnull=False)
        .values("federal_item_id")
        .annotate(
            linked=Count("id"),
            done=Count("id", filter=Q(status=MeasureStatus.DONE)),
            overdue=Count("id", filter=overdue_q(now, dates=local_dates_by_timezone(now))),
            later=Count("id", filter=Q(due_date__gt=models.F("federal_item__due_date"))),
            regions=Count("roadmap__region", distinct=True),
        )
        .order_by()
    )
    by_item = {row["federal_item_id"]: row for row in rows}
    empty = {"linked": 0, "done": 0, "overdue": 0, "later": 0, "regions": 0}
    result = []
    for item in items:
        row = by_item.get(item.pk, empty)
        result.append(
            FederalItemProgress(
                item=item,
                linked=row["linked"],
                done=row["done"],
                overdue=row["overdue"],
                later=row["later"],
                regions=row["regions"],
            )
        )
    return result
