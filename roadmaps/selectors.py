"""Read side of roadmaps (STYLE R4)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from .choices import MeasureStatus
from .models import Measure
from .querysets import local_dates_by_timezone


@dataclass(frozen=True)
class MeasureRow:
    measure: Measure
    days_overdue: int


def measure_list(*, user, filterset_qs) -> list[MeasureRow]:
    """Rows of the measure list with days overdue, in a constant number of queries."""
    today_by_tz = local_dates_by_timezone()
    rows = []
    for measure in filterset_qs.with_list_related():
        region = measure.roadmap.region
        today = today_by_tz.get(region.timezone) if region else None
        rows.append(MeasureRow(measure=measure, days_overdue=measure.days_overdue(today)))
    return rows


def status_counts(queryset) -> list[tuple[str, str, int]]:
    """(code, label, count) for every status, in the order of MeasureStatus."""
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("id")))
    return [(status.value, status.label, counts.get(status.value, 0)) for status in MeasureStatus]
