"""Read side of the alert centre (STYLE: selectors for reads)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from agencies import access
from agencies.models import Region, User

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
    """Regions where an alert can open or close: every region (one query).

    Every region owes weekly monitoring, and one that has never sent a week goes stale
    once the season is `MONITORING_STALE_DAYS` old (indicators.staleness), as the country
    overview shows it: a region with nothing else to watch is the very laggard the stale
    alert exists for. The causes of all the regions are read together
    (`alert_causes_by_region`), so the hourly run costs the same few queries.
    """
    return list(Region.objects.order_by("code"))


def regions_with_unannounced_overdue() -> QuerySet[Region]:
    """Regions with an open overdue alert not yet announced (one query)."""
    return Region.objects.filter(
        alerts__kind=AlertKind.MEASURE_OVERDUE,
        alerts__notified_at__isnull=True,
        alerts__resolved_at__isnull=True,
    ).distinct()
