from __future__ import annotations

from django.db import models

from agencies import access
from agencies.querysets import RegionScopedQuerySet


class AlertQuerySet(RegionScopedQuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)

    def closed(self):
        return self.filter(resolved_at__isnull=False)

    def for_agencies(self, agency_ids):
        """Alerts about measures one of these agencies is responsible for ("my alerts")."""
        from roadmaps.models import MeasureResponsibility

        return self.filter(
            models.Exists(
                MeasureResponsibility.objects.filter(
                    measure_id=models.OuterRef("measure_id"), agency_id__in=list(agency_ids)
                )
            )
        )

    def acknowledgeable_by(self, user):
        """Alerts the user may acknowledge (rules in reports.permissions)."""
        qs = self.visible_to(user)
        if access.is_admin(user):
            return qs
        if user.role == "coordinator":
            return qs
        acting = access.acting_agency_ids(user)
        if not acting:
            return qs.none()
        return qs.for_agencies(acting)
