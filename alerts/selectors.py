"""Read side of the alert centre (STYLE: selectors for reads)."""

from __future__ import annotations

from django.db.models import Count, Q

from agencies import access

from .models import Alert


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
