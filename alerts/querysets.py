from __future__ import annotations

from typing import Self

from django.db import models

from agencies.querysets import RegionScopedQuerySet
from roadmaps.models import MeasureResponsibility


class AlertQuerySet(RegionScopedQuerySet):
    def open(self) -> Self:
        return self.filter(resolved_at__isnull=True)

    def closed(self) -> Self:
        return self.filter(resolved_at__isnull=False)

    def for_agencies(self, agency_ids):
        """Alerts about measures one of these agencies is responsible for ("my alerts")."""
        return self.filter(
            models.Exists(
                MeasureResponsibility.objects.filter(
                    measure_id=models.OuterRef("measure_id"), agency_id__in=list(agency_ids)
                )
            )
        )
