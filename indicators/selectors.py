"""Read side of the indicators app (STYLE R4)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from agencies import access
from agencies.choices import Role
from agencies.models import Region, User

from .models import MonitoringRollup, MonitoringUpload


def upload_list(*, user: User, region: Region) -> QuerySet[MonitoringUpload]:
    """The uploads of a region the user sees, newest first."""
    return (
        MonitoringUpload.objects.visible_to(user)
        .filter(region=region)
        .select_related("uploaded_by", "region")
        .order_by("-uploaded_at", "-id")
    )


def regions_for_upload(*, user: User) -> QuerySet[Region]:
    """Regions the user may upload monitoring exports for (see `can_upload`)."""
    if not user.is_authenticated:
        return Region.objects.none()
    return Region.objects.visible_to(user)


def can_upload(user: User, region: Region) -> bool:
    """Staff and coordinators of the region; analysts and administrators of any region they
    see (DOMAIN: ministry staff upload monitoring exports)."""
    if not user.is_authenticated:
        return False
    if access.is_admin(user):
        return True
    return user.role in (Role.STAFF, Role.COORDINATOR, Role.ANALYST) and access.can_see_region(
        user, region.pk
    )


def can_edit_baselines(user: User, region: Region) -> bool:
    """Coordinators of the region and administrators."""
    if access.is_admin(user):
        return True
    return (
        user.is_authenticated
        and user.role == Role.COORDINATOR
        and access.can_see_region(user, region.pk)
    )


def municipality_rollups(*, region: Region, week_start: dt.date) -> QuerySet[MonitoringRollup]:
    """The municipalities of a region for one week (dashboards read these, not raw rows)."""
    return (
        MonitoringRollup.objects.filter(
            region=region, municipality__isnull=False, week_start=week_start
        )
        .select_related("municipality")
        .order_by("municipality__name")
    )
