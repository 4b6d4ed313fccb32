"""Roadmaps, sections, measures (history, status), cascades (progress) — STYLE R8."""

from __future__ import annotations

from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404

from roadmap_portal.api.viewsets import ScopedFilterBackend, ScopedReadOnlyViewSet

from ..filters import MeasureFilterSet
from ..models import Cascade, CascadeProgress, Measure, MeasureChange, Roadmap, Section
from .filters import CascadeFilterSet, CascadeProgressFilterSet, RoadmapFilterSet, SectionFilterSet
from .serializers import (
    CascadeProgressSerializer,
    CascadeSerializer,
    MeasureChangeSerializer,
    MeasureSerializer,
    RoadmapSerializer,
    SectionSerializer,
)


def measure_etag(measure: Measure) -> str:
    """The measure's version as a strong entity tag: the If-Match of a status update."""
    return f'"{measure.version}"'


class RoadmapViewSet(ScopedReadOnlyViewSet):
    """Roadmaps of the caller's regions and the federal plan."""

    serializer_class = RoadmapSerializer
    filterset_class = RoadmapFilterSet
    ordering_fields = ["code", "approved_on"]

    def get_queryset(self):
        return (
            Roadmap.objects.visible_to(self.request.user)
            .select_related("region")
            .order_by("region__code", "code")
        )


class SectionViewSet(ScopedReadOnlyViewSet):
    """Sections of the roadmaps the caller sees."""

    serializer_class = SectionSerializer
    filterset_class = SectionFilterSet
    ordering_fields = ["position"]

    def get_queryset(self):
        return Section.objects.filter(
            roadmap__in=Roadmap.objects.visible_to(self.request.user)
        ).order_by("roadmap", "position")


class MeasureViewSet(ScopedReadOnlyViewSet):
    """Measures of the caller's scope; filters and `ordering` are those of the measure list.

    The detail carries the measure's `version` as `ETag`: send it back as `If-Match` with
    a status update (see docs/api.md).
    """

    serializer_class = MeasureSerializer
    filterset_class = MeasureFilterSet
    # MeasureFilterSet has its own `ordering` (the page's); DRF's OrderingFilter would clash
    filter_backends = [ScopedFilterBackend]

    def get_queryset(self):
        return (
            Measure.objects.visible_to(self.request.user)
            .with_list_related()
            .prefetch_related("steps", "targets", "indicators")
            .order_by("roadmap", "position")
        )

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    @extend_schema(
        summary="История мероприятия",
        responses=MeasureChangeSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        """Every change of the measure, newest first: status, sub-steps, reports, cascades."""
        measure = get_object_or_404(Measure.objects.visible_to(request.user), pk=pk)
        changes = MeasureChange.objects.filter(measure=measure).select_related("actor")
        page = self.paginate_queryset(changes.order_by("-created_at", "-id"))
        return self.get_paginated_response(MeasureChangeSerializer(page, many=True).data)


class CascadeViewSet(ScopedReadOnlyViewSet):
    """Cascades of the measures the caller sees, with the number of organisations."""

    serializer_class = CascadeSerializer
    filterset_class = CascadeFilterSet
    ordering_fields = ["created_at", "due_date"]

    def get_queryset(self):
        return (
            Cascade.objects.filter(measure__in=Measure.objects.visible_to(self.request.user))
            .select_related("measure__roadmap__region", "municipality")
            .annotate(organisations_total=Count("targets", distinct=True))
            .order_by("-created_at", "-id")
        )


class CascadeProgressViewSet(ScopedReadOnlyViewSet):
    """Each organisation's completion of each sub-step of the cascades the caller sees."""

    serializer_class = CascadeProgressSerializer
    filterset_class = CascadeProgressFilterSet
    ordering_fields = ["done_on", "recorded_at"]

    def get_queryset(self):
        cascades = Cascade.objects.filter(measure__in=Measure.objects.visible_to(self.request.user))
        return (
            CascadeProgress.objects.filter(cascade__in=cascades)
            .select_related("organisation")
            .order_by("cascade", "organisation__code", "step__position")
        )
