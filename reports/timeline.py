"""Read side of the roadmap timeline (STYLE R4): a roadmap's measures as chart rows.

The page filters with the measure list's own `MeasureFilterSet` over
`Measure.objects.visible_to(user)`; this module turns the filtered measures of one roadmap
into the plain values of `reports.charts.timeline`, with the rules where they live:
overdue = `roadmaps.querysets.overdue_q` (the region's local date), the period of a
measure and its monthly due dates = `roadmaps.selectors.measure_period` /
`measure_monthly_dates`. A fixed number of queries whatever the size of the roadmap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone

from roadmaps.choices import MeasureStatus
from roadmaps.models import Measure, Roadmap
from roadmaps.querysets import local_dates_by_timezone, overdue_q
from roadmaps.selectors import measure_monthly_dates, measure_period

from .charts.timeline import TimelineGroup, TimelineMeasure, TimelineMilestone

# More rows than anyone reads on one chart; the page says when the filter left some out.
TIMELINE_LIMIT = 600
NO_SECTION = "Без раздела"


@dataclass(frozen=True)
class RoadmapTimeline:
    roadmap: Roadmap
    today: dt.date  # the region's local date (Moscow for the federal plan)
    groups: list[TimelineGroup]
    milestones: list[TimelineMilestone]
    shown: int
    truncated: bool  # more measures matched than TIMELINE_LIMIT
    undated: int  # measures without any date (listed on the chart as «срок не указан»)
    overdue: int

    @property
    def legend(self) -> list[tuple[str, str]]:
        return [(status.value, str(status.label)) for status in MeasureStatus]


def roadmap_today(roadmap: Roadmap, now: dt.datetime | None = None) -> dt.date:
    """The date deadlines of the roadmap are judged by (as `overdue_q` judges them)."""
    now = now or timezone.now()
    if roadmap.region is not None:
        return roadmap.region.local_today(now)
    return timezone.localtime(now, ZoneInfo(settings.TIME_ZONE)).date()


def _detail_url(base: str, pk: int) -> str:
    return f"{base}{pk}/"


def roadmap_timeline(
    *,
    user: Any,
    roadmap: Roadmap,
    measures: QuerySet[Measure],
    now: dt.datetime | None = None,
) -> RoadmapTimeline:
    """The measures of `measures` (already scoped and filtered) in `roadmap`, grouped by
    section in the roadmap's order, with the federal plan's dated items as milestones.

    Three queries: the time zones' dates, the measures (with section, roadmap, region,
    federal item and the overdue flag) and the federal plan's items.
    """
    now = now or timezone.now()
    dates = local_dates_by_timezone(now)
    today = roadmap_today(roadmap, now)
    order = [str(key) for key in measures.query.order_by] or ["position"]
    rows = list(
        measures.filter(roadmap=roadmap)
        .select_related("roadmap__region", "section", "federal_item")
        .annotate(
            late=Case(
                When(overdue_q(now, dates=dates), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by(*order, "position", "pk")[: TIMELINE_LIMIT + 1]
    )
    truncated = len(rows) > TIMELINE_LIMIT
    rows = rows[:TIMELINE_LIMIT]
    base = reverse("roadmaps:measure-detail", args=[0])[:-2]  # one reverse, not one per row

    by_section: dict[int | None, list[TimelineMeasure]] = {}
    sections: dict[int | None, tuple[int, str]] = {}
    undated = overdue = 0
    for measure in rows:
        start, due = measure_period(measure)
        federal = None
        item = measure.federal_item
        if item is not None and item.due_date is not None:
            federal = TimelineMilestone(
                key=item.number, title=item.title, day=item.due_date,
                href=_detail_url(base, item.pk),
            )  # fmt: skip
        undated += start is None and due is None
        overdue += bool(measure.late)
        by_section.setdefault(measure.section_id, []).append(
            TimelineMeasure(
                key=measure.number,
                title=measure.title,
                status=measure.status,
                status_label=measure.get_status_display(),
                start=start,
                due=due,
                overdue=bool(measure.late),
                monthly=tuple(measure_monthly_dates(measure)),
                federal=federal,
                href=_detail_url(base, measure.pk),
            )
        )
        if measure.section_id not in sections:
            section = measure.section
            sections[measure.section_id] = (
                (section.position, str(section)) if section else (1 << 30, NO_SECTION)
            )
    groups = [
        TimelineGroup(title=sections[key][1], measures=tuple(by_section[key]))
        for key in sorted(by_section, key=lambda key: sections[key][0])
    ]
    milestones: list[TimelineMilestone] = []
    if roadmap.region_id is not None:  # the federal plan's own timeline needs no lane
        milestones = [
            TimelineMilestone(
                key=item.number,
                title=item.title,
                day=item.due_date,
                href=_detail_url(base, item.pk),
            )  # fmt: skip
            for item in Measure.objects.visible_to(user)
            .filter(roadmap__region__isnull=True, due_date__isnull=False)
            .order_by("roadmap__code", "position")
            .only("pk", "number", "title", "due_date")
        ]
    return RoadmapTimeline(
        roadmap=roadmap,
        today=today,
        groups=groups,
        milestones=milestones,
        shown=len(rows),
        truncated=truncated,
        undated=undated,
        overdue=overdue,
    )
