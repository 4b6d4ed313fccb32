"""FilterSets of API lists without a page of their own; measures use roadmaps.filters."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from agencies.api.filters import RegionCodeFilter
from roadmap_portal.api.filters import IdFilter
from roadmap_portal.filtersets import DateFilter, FlagFilter, PortalFilterSet

from ..choices import MeasureStatus
from ..models import Cascade, CascadeProgress, MeasurePart, Roadmap, Section


class RoadmapFilterSet(PortalFilterSet):
    region = RegionCodeFilter()
    federal = FlagFilter(field_name="region", lookup_expr="isnull", label=_("Федеральный план"))

    class Meta:
        model = Roadmap
        fields = ["region", "federal", "code"]


class SectionFilterSet(PortalFilterSet):
    roadmap = IdFilter(label=_("Дорожная карта (id)"))

    class Meta:
        model = Section
        fields = ["roadmap"]


class CascadeFilterSet(PortalFilterSet):
    measure = IdFilter(label=_("Мероприятие (id)"))
    municipality = IdFilter(label=_("Муниципальное образование (id)"))
    region = RegionCodeFilter("measure__roadmap__region__code")

    class Meta:
        model = Cascade
        fields = ["measure", "region", "scope", "municipality"]


class CascadeProgressFilterSet(PortalFilterSet):
    cascade = IdFilter(label=_("Каскад (id)"))
    step = IdFilter(label=_("Подэтап (id)"))
    organisation_code = django_filters.CharFilter(
        field_name="organisation__code", label=_("Код организации")
    )
    done_from = DateFilter(field_name="done_on", lookup_expr="gte", label=_("Выполнено с"))
    done_to = DateFilter(field_name="done_on", lookup_expr="lte", label=_("Выполнено по"))

    class Meta:
        model = CascadeProgress
        fields = ["cascade", "organisation_code", "step", "done_from", "done_to"]


class MeasurePartFilterSet(PortalFilterSet):
    measure = IdFilter(label=_("Мероприятие (id)"))
    agency = IdFilter(label=_("Орган (id)"))
    status = django_filters.ChoiceFilter(choices=MeasureStatus.choices, label=_("Статус"))
    region = RegionCodeFilter("measure__roadmap__region__code")

    class Meta:
        model = MeasurePart
        fields = ["measure", "agency", "status", "region"]
