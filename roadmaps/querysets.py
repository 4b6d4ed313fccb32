from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from agencies import access
from agencies.choices import Role
from agencies.models import Region
from agencies.querysets import RegionScopedQuerySet

from .choices import CLOSED_STATUSES


class RoadmapQuerySet(RegionScopedQuerySet):
    pass


class RoadmapVersionQuerySet(RegionScopedQuerySet):
    pass


class MeasureQuerySet(RegionScopedQuerySet):
    def editable_by(self, user):
        """Measures the user may change (STYLE R5; rules in agencies.access)."""
        qs = self.visible_to(user)
        if access.is_admin(user):
            return qs
        if user.is_authenticated and user.role == Role.COORDINATOR and user.can_edit_region:
            # an editor of their own region (`access.can_edit_region_measures`): not of the
            # federal plan every region sees, nor of a region they only see
            home = user.home_region_id
            return qs.filter(roadmap__region_id=home) if home is not None else qs.none()
        if not user.is_authenticated or user.role != Role.STAFF:
            return qs.none()
        acting = access.acting_agency_ids(user)
        if not acting:
            return qs.none()
        return qs.filter(
            pk__in=models.Subquery(
                self.model.responsibilities.rel.related_model.objects.filter(
                    agency_id__in=acting
                ).values("measure_id")
            )
        )

    def open(self):
        return self.exclude(status__in=CLOSED_STATUSES)

    def overdue_on(self, on_date: dt.date):
        """Open measures whose due date is before `on_date` (the caller's local date)."""
        return self.filter(overdue_on_q(on_date))

    def overdue(self, now: dt.datetime | None = None):
        """Open measures past due in their own region's local date."""
        return self.filter(overdue_q(now))

    def with_list_related(self):
        """What the measure list and exports show, in a constant number of queries."""
        return self.select_related("roadmap__region", "section", "federal_item").prefetch_related(
            models.Prefetch(
                "responsibilities",
                queryset=self.model.responsibilities.rel.related_model.objects.select_related(
                    "agency"
                ).order_by("position"),
            )
        )


class MeasureManager(models.Manager.from_queryset(MeasureQuerySet)):  # type: ignore[misc]
    """The default manager: measures of the roadmaps in force (archived ones left out)."""

    def get_queryset(self):
        return super().get_queryset().filter(archived_at__isnull=True)


def local_dates_by_timezone(now: dt.datetime | None = None) -> dict[str, dt.date]:
    """Today's date in every time zone used by a region (about a dozen in Russia)."""
    now = now or timezone.now()
    zones = set(Region.objects.values_list("timezone", flat=True).distinct())
    return {tz: timezone.localtime(now, ZoneInfo(tz)).date() for tz in zones}


def overdue_on_q(on_date: dt.date, prefix: str = "") -> Q:
    """Open and due before `on_date`, a date already in the measures' region (one region's
    measures, or a federal plan's by Moscow); `overdue_q` for measures of several zones."""
    return Q(**{f"{prefix}due_date__lt": on_date}) & ~Q(**{f"{prefix}status__in": CLOSED_STATUSES})


def overdue_q(
    now: dt.datetime | None = None, prefix: str = "", dates: dict[str, dt.date] | None = None
) -> Q:
    """Open and past due in the region's local date; one OR branch per time zone.

    Federal measures (no region) are judged by Moscow time. `dates` (from
    `local_dates_by_timezone`) saves its query when the caller already has them.
    """
    dates = dates if dates is not None else local_dates_by_timezone(now)
    q = Q()
    for tz, today in dates.items():
        q |= Q(**{f"{prefix}roadmap__region__timezone": tz, f"{prefix}due_date__lt": today})
    moscow_today = timezone.localtime(now or timezone.now(), ZoneInfo(settings.TIME_ZONE)).date()
    q |= Q(**{f"{prefix}roadmap__region__isnull": True, f"{prefix}due_date__lt": moscow_today})
    return q & ~Q(**{f"{prefix}status__in": CLOSED_STATUSES})


def due_within_q(days: int, now: dt.datetime | None = None, prefix: str = "") -> Q:
    """Open and due from today to today + `days` in the region's local date (not yet overdue)."""
    dates = local_dates_by_timezone(now)
    q = Q()
    span = dt.timedelta(days=days)
    for tz, today in dates.items():
        q |= Q(
            **{
                f"{prefix}roadmap__region__timezone": tz,
                f"{prefix}due_date__gte": today,
                f"{prefix}due_date__lte": today + span,
            }
        )
    moscow_today = timezone.localtime(now or timezone.now(), ZoneInfo(settings.TIME_ZONE)).date()
    q |= Q(
        **{
            f"{prefix}roadmap__region__isnull": True,
            f"{prefix}due_date__gte": moscow_today,
            f"{prefix}due_date__lte": moscow_today + span,
        }
    )
    return q & ~Q(**{f"{prefix}status__in": CLOSED_STATUSES})
