"""Read side of the alert centre (STYLE: selectors for reads)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from agencies import access
from agencies.models import Region, User
from indicators.models import MonitoringRollup, MonitoringUpload
from roadmaps.choices import MeasureStatus
from roadmaps.models import Measure

from .choices import AlertKind
from .models import Alert


def alert_list(*, queryset: QuerySet[Alert]) -> QuerySet[Alert]:
    """Rows of the alert centre with everything the template shows (constant queries)."""
    return queryset.select_related(
        "region", "measure", "indicator", "municipality", "acknowledged_by"
    ).order_by("resolved_at", "-severity", "-opened_at", "-id")


def alert_counts(*, user: User) -> dict[str, int]:
    """Open alerts: all visible, mine (my agencies' measures), my region — one query."""
    acting = access.acting_agency_ids(user)
    qs = Alert.objects.visible_to(user).open()
    mine_q = Q(pk__in=qs.for_agencies(acting).values("pk")) if acting else Q(pk__in=[])
    counts: dict[str, int] = qs.aggregate(
        total=Count("id"),
        mine=Count("id", filter=mine_q),
        region=Count("id", filter=Q(region_id=user.home_region_id)),
    )
    return counts


def regions_with_alert_sources() -> list[Region]:
    """Regions where an alert can open or close: open measures, monitoring, open alerts.

    Four indexed DISTINCT queries, so an hourly run over 89 regions syncs only the few
    that have data and skips the rest without a query each.
    """
    ids = set(
        Measure.objects.filter(roadmap__region__isnull=False)
        .exclude(status=MeasureStatus.CANCELLED)
        .values_list("roadmap__region_id", flat=True)
        .distinct()
    )
    ids |= set(
        MonitoringRollup.objects.filter(municipality__isnull=True)
        .values_list("region_id", flat=True)
        .distinct()
    )
    ids |= set(
        MonitoringUpload.objects.filter(region__isnull=False)
        .values_list("region_id", flat=True)
        .distinct()
    )
    ids |= set(Alert.objects.open().values_list("region_id", flat=True).distinct())
    return list(Region.objects.filter(pk__in=ids))


def regions_with_unannounced_overdue() -> QuerySet[Region]:
    """Regions with an open overdue alert not yet announced (one query)."""
    return Region.objects.filter(
        alerts__kind=AlertKind.MEASURE_OVERDUE,
        alerts__notified_at__isnull=True,
        alerts__resolved_at__isnull=True,
    ).distinct()
