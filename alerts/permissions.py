"""Who may act on an alert; visibility itself is `Alert.objects.visible_to(user)`."""

from __future__ import annotations

from agencies import access
from agencies.choices import Role
from roadmaps.models import MeasureResponsibility


def can_acknowledge(user, alert) -> bool:
    """Administrators; coordinators of the alert's region; staff of a responsible agency."""
    if not user.is_authenticated or not access.can_see_region(user, alert.region_id):
        return False
    if access.is_admin(user) or user.role == Role.COORDINATOR:
        return True
    if user.role != Role.STAFF or not alert.measure_id:
        return False
    acting = access.acting_agency_ids(user)
    return MeasureResponsibility.objects.filter(
        measure_id=alert.measure_id, agency_id__in=acting
    ).exists()
