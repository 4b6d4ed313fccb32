"""Read side of the region dashboard: the roadmap blocks (STYLE R4).

Every function costs a fixed number of queries whatever the size of the region, and takes
`today` (the region's local date) so tests pass dates instead of freezing clocks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from django.db.models import Count, Max, Prefetch, Q

from agencies.models import Agency, Region
from roadmaps.choices import CLOSED_STATUSES, MeasureStatus
from roadmaps.models import (
    Cascade,
    Measure,
    MeasureChange,
    MeasurePart,
    MeasureResponsibility,
)
from roadmaps.querysets import overdue_on_q
from roadmaps.selectors import with_done_counts

SILENCE_DAYS = 14
UPCOMING_DAYS = 14


@dataclass(frozen=True)
class SectionCompletion:
    label: str
    done: int
    in_progress: int
    not_started: int
    overdue: int
    cancelled: int

    @property
    def total(self) -> int:
        return self.done + self.in_progress + self.not_started + self.overdue + self.cancelled


@dataclass(frozen=True)
class MeasureLine:
    measure: Measure
    days: int  # days overdue, or days left for upcoming deadlines
    lead: Agency | None
    # bodies that have not done their part (a measure with several bodies concerned)
    pending: tuple[str, ...] = ()


@dataclass(frozen=True)
class PendingAgency:
    """A body with open parts of measures: how many, how many past due."""

    agency: Agency
    open_parts: int
    overdue_parts: int


@dataclass(frozen=True)
class CascadeLine:
    cascade: Cascade
    targets: int
    done: int

    @property
    def share(self) -> float | None:
        return self.done / self.targets if self.targets else None


@dataclass
class SilentAgency:
    agency: Agency
    last_update: dt.datetime | None
    open_measures: list[Measure] = field(default_factory=list)


def region_measures(region: Region):
    return Measure.objects.filter(roadmap__region=region)


def completion_by_section(*, region: Region, today: dt.date) -> list[SectionCompletion]:
    """Done / in progress / not started / overdue per section: one grouped query.

    Overdue takes precedence: an open measure past due counts as overdue, not in progress.
    """
    overdue = overdue_on_q(today)  # the region's own date
    rows = (
        region_measures(region)
        .values("roadmap__code", "section__position", "section__number", "section__title")
        .annotate(
            done=Count("id", filter=Q(status=MeasureStatus.DONE)),
            cancelled=Count("id", filter=Q(status=MeasureStatus.CANCELLED)),
            overdue=Count("id", filter=overdue),
            in_progress=Count("id", filter=Q(status=MeasureStatus.IN_PROGRESS) & ~overdue),
            not_started=Count("id", filter=Q(status=MeasureStatus.NOT_STARTED) & ~overdue),
        )
        .order_by("roadmap__code", "section__position")
    )
    result = []
    for row in rows:
        number, title = row["section__number"], row["section__title"] or ""
        result.append(
            SectionCompletion(
                label=f"{number}. {title}" if number else title,
                done=row["done"],
                in_progress=row["in_progress"],
                not_started=row["not_started"],
                overdue=row["overdue"],
                cancelled=row["cancelled"],
            )
        )
    return result


def _with_lead(queryset):
    return queryset.select_related("roadmap", "section").prefetch_related(
        Prefetch(
            "responsibilities",
            queryset=MeasureResponsibility.objects.select_related("agency").order_by("position"),
        )
    )


def _lead(measure: Measure) -> Agency | None:
    items = list(measure.responsibilities.all())
    return items[0].agency if items else None


def overdue_measures(
    *, region: Region, today: dt.date, limit: int = 20
) -> tuple[int, list[MeasureLine]]:
    """The overdue count and the most overdue measures with their lead agency."""
    queryset = region_measures(region).overdue_on(today)
    total = queryset.count()
    lines = [
        MeasureLine(measure=m, days=(today - m.due_date).days, lead=_lead(m))
        for m in _with_lead(queryset.order_by("due_date", "position"))[:limit]
    ]
    return total, lines


def upcoming_deadlines(
    *, region: Region, today: dt.date, days: int = UPCOMING_DAYS
) -> list[MeasureLine]:
    queryset = (
        region_measures(region)
        .open()
        .filter(due_date__gte=today, due_date__lte=today + dt.timedelta(days=days))
        .order_by("due_date", "position")
    )
    return [
        MeasureLine(measure=m, days=(m.due_date - today).days, lead=_lead(m))
        for m in _with_lead(queryset)
    ]


def cascades(*, region: Region) -> list[CascadeLine]:
    """Each cascade with its share of organisations that finished every sub-step.

    One query: the cascades with their counts (`roadmaps.selectors.with_done_counts`).
    """
    items = list(
        with_done_counts(Cascade.objects.filter(measure__roadmap__region=region))
        .select_related("measure", "municipality")
        .order_by("document_date", "pk")
    )
    return [CascadeLine(cascade=c, targets=c.n_targets, done=c.n_done) for c in items]


@dataclass(frozen=True)
class PendingParts:
    """Who has not done their part: per measure (names) and per body (counts)."""

    by_measure: dict[int, tuple[str, ...]]
    agencies: list[PendingAgency]

    def lines(self, lines: list[MeasureLine]) -> list[MeasureLine]:
        """The measure lines with the bodies that have not done their part."""
        return [replace(line, pending=self.by_measure.get(line.measure.pk, ())) for line in lines]


def pending_parts(*, region: Region, today: dt.date) -> PendingParts:
    """The open parts of the region's measures in force: one query, grouped in Python.

    Bodies are ordered by their overdue parts, then open parts; a measure's bodies in the
    printed order.
    """
    rows = (
        MeasurePart.objects.filter(
            measure__roadmap__region=region, measure__archived_at__isnull=True
        )
        .exclude(status__in=CLOSED_STATUSES)
        .values_list(
            "measure_id", "measure__due_date", "agency_id", "agency__name", "agency__short_name"
        )
        .order_by("measure_id", "position", "id")
    )
    by_measure: dict[int, list[str]] = {}
    agencies: dict[int, list] = {}
    for measure_id, due_date, agency_id, name, short_name in rows:
        by_measure.setdefault(measure_id, []).append(short_name or name)
        entry = agencies.setdefault(
            agency_id, [Agency(pk=agency_id, name=name, short_name=short_name), 0, 0]
        )
        entry[1] += 1
        if due_date is not None and due_date < today:
            entry[2] += 1
    result = [
        PendingAgency(agency=agency, open_parts=open_parts, overdue_parts=overdue_parts)
        for agency, open_parts, overdue_parts in agencies.values()
    ]
    result.sort(key=lambda p: (-p.overdue_parts, -p.open_parts, p.agency.name))
    return PendingParts(
        by_measure={pk: tuple(names) for pk, names in by_measure.items()}, agencies=result
    )


def silent_agencies(
    *, region: Region, now: dt.datetime, days: int = SILENCE_DAYS
) -> list[SilentAgency]:
    """Responsible agencies whose open measures have had no update for `days` days.

    The reporting-cycle view: who to call. Two queries: the open measures of the region with
    their responsible agencies and last change; the rest is grouping in Python.
    """
    since = now - dt.timedelta(days=days)
    measures = (
        region_measures(region)
        .open()
        .annotate(last_change=Max("changes__created_at"))
        .prefetch_related(
            Prefetch(
                "responsibilities",
                queryset=MeasureResponsibility.objects.select_related("agency").order_by(
                    "position"
                ),
            )
        )
        .order_by("position")
    )
    by_agency: dict[int, SilentAgency] = {}
    active: set[int] = set()
    for measure in measures:
        recent = measure.last_change is not None and measure.last_change >= since
        for responsibility in measure.responsibilities.all():
            agency = responsibility.agency
            if recent:
                active.add(agency.pk)
                continue
            entry = by_agency.setdefault(agency.pk, SilentAgency(agency=agency, last_update=None))
            entry.open_measures.append(measure)
            if measure.last_change and (
                entry.last_update is None or measure.last_change > entry.last_update
            ):
                entry.last_update = measure.last_change
    silent = [entry for pk, entry in by_agency.items() if pk not in active]
    return sorted(silent, key=lambda e: (-len(e.open_measures), e.agency.name))


def status_changes_since(
    *, region: Region, since: dt.datetime, limit: int = 30
) -> list[MeasureChange]:
    """Measures that changed status since `since` (what changed since last week)."""
    return list(
        MeasureChange.objects.filter(
            measure__roadmap__region=region, created_at__gte=since, kind="status"
        )
        .select_related("measure", "actor")
        .order_by("-created_at")[:limit]
    )
