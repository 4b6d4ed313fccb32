"""Indicators: definitions with stages, regional targets and baselines, weekly values."""

from __future__ import annotations

from django.db.models import Prefetch

from roadmap_portal.api.viewsets import ScopedReadOnlyViewSet

from ..models import Indicator, IndicatorStage, MonitoringRollup, RegionBaseline, RegionTarget
from .filters import IndicatorValueFilterSet, RegionBaselineFilterSet, RegionTargetFilterSet
from .serializers import (
    IndicatorSerializer,
    IndicatorValueSerializer,
    RegionBaselineSerializer,
    RegionTargetSerializer,
)


class IndicatorViewSet(ScopedReadOnlyViewSet):
    """The four Sferum indicators with their stages (reference data, the same for everyone)."""

    serializer_class = IndicatorSerializer
    filterset_fields = ["code"]
    ordering_fields = ["number"]

    def get_queryset(self):
        return Indicator.objects.prefetch_related(
            Prefetch("stages", queryset=IndicatorStage.objects.order_by("stage"))
        ).order_by("number")


class RegionTargetViewSet(ScopedReadOnlyViewSet):
    """Regional readings of the stage targets (another value, or a condition)."""

    serializer_class = RegionTargetSerializer
    filterset_class = RegionTargetFilterSet
    ordering_fields = ["stage"]

    def get_queryset(self):
        return (
            RegionTarget.objects.visible_to(self.request.user)
            .select_related("region", "indicator")
            .order_by("region__code", "indicator__number", "stage")
        )


class RegionBaselineViewSet(ScopedReadOnlyViewSet):
    """Stage 1 baselines of the regions (best value in VK Messenger 2024/25)."""

    serializer_class = RegionBaselineSerializer
    filterset_class = RegionBaselineFilterSet
    ordering_fields = ["value"]

    def get_queryset(self):
        return (
            RegionBaseline.objects.visible_to(self.request.user)
            .select_related("region", "indicator")
            .order_by("region__code", "indicator__number")
        )


class IndicatorValueViewSet(ScopedReadOnlyViewSet):
    """Weekly values of I1–I4 and M per region or municipality, with numerators/denominators.

    Read from the weekly rollups the monitoring import keeps up to date.
    """

    serializer_class = IndicatorValueSerializer
    filterset_class = IndicatorValueFilterSet
    ordering_fields = ["week_start"]

    def get_queryset(self):
        return (
            MonitoringRollup.objects.visible_to(self.request.user)
            .select_related("region", "municipality")
            .order_by("region__code", "municipality__name", "-week_start")
        )
