"""FilterSets of the indicator API lists."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from agencies.api.filters import RegionCodeFilter
from roadmap_portal.api.filters import IdFilter
from roadmap_portal.filtersets import DateFilter, FlagFilter, PortalFilterSet

from ..choices import Stage, UploadStatus
from ..models import (
    IndexFact,
    IndexScore,
    MonitoringRollup,
    MonitoringUpload,
    RegionBaseline,
    RegionTarget,
)


class RegionTargetFilterSet(PortalFilterSet):
    region = RegionCodeFilter()
    indicator = django_filters.CharFilter(field_name="indicator__code", label=_("Показатель"))
    stage = django_filters.ChoiceFilter(choices=Stage.choices, label=_("Этап"))

    class Meta:
        model = RegionTarget
        fields = ["region", "indicator", "stage"]


class RegionBaselineFilterSet(PortalFilterSet):
    region = RegionCodeFilter()
    indicator = django_filters.CharFilter(field_name="indicator__code", label=_("Показатель"))

    class Meta:
        model = RegionBaseline
        fields = ["region", "indicator"]


class IndicatorValueFilterSet(PortalFilterSet):
    """Weeks of a region (`level=region`) or of its municipalities (`level=municipality`)."""

    region = RegionCodeFilter()
    level = django_filters.ChoiceFilter(
        choices=[("region", _("Субъект")), ("municipality", _("Муниципальные образования"))],
        method="filter_level",
        label=_("Уровень"),
    )
    municipality = IdFilter(label=_("Муниципальное образование (id)"))
    week = DateFilter(field_name="week_start", label=_("Неделя (понедельник)"))
    week_from = DateFilter(field_name="week_start", lookup_expr="gte", label=_("Недели с"))
    week_to = DateFilter(field_name="week_start", lookup_expr="lte", label=_("Недели по"))
    complete = FlagFilter(
        method="filter_complete",
        label=_("Только полные недели (true) или только неполные (false)"),
    )

    class Meta:
        model = MonitoringRollup
        fields = ["region", "level", "municipality", "week", "week_from", "week_to", "complete"]

    def filter_complete(self, queryset, name, value):
        complete = queryset.complete()
        if value is None:
            return queryset
        return complete if value else queryset.exclude(pk__in=complete.values("pk"))

    def filter_level(self, queryset, name, value):
        if value == "region":
            return queryset.filter(municipality__isnull=True)
        if value == "municipality":
            return queryset.filter(municipality__isnull=False)
        return queryset


class IndexScoreFilterSet(PortalFilterSet):
    """The index history: a region's stored scores over dates."""

    region = RegionCodeFilter()
    on_date = DateFilter(label=_("На дату"))
    date_from = DateFilter(field_name="on_date", lookup_expr="gte", label=_("С даты"))
    date_to = DateFilter(field_name="on_date", lookup_expr="lte", label=_("По дату"))
    version = django_filters.CharFilter(field_name="version__code", label=_("Версия методики"))

    class Meta:
        model = IndexScore
        fields = ["region", "on_date", "date_from", "date_to", "version"]


class IndexFactFilterSet(PortalFilterSet):
    region = RegionCodeFilter()
    criterion = django_filters.CharFilter(field_name="criterion_code", label=_("Критерий"))
    input = django_filters.CharFilter(label=_("Вход"))
    as_of_from = DateFilter(field_name="as_of", lookup_expr="gte", label=_("С"))
    as_of_to = DateFilter(field_name="as_of", lookup_expr="lte", label=_("По"))
    verified = FlagFilter(
        field_name="verified_at", lookup_expr="isnull", exclude=True, label=_("Подтверждено")
    )

    class Meta:
        model = IndexFact
        fields = ["region", "criterion", "input", "as_of_from", "as_of_to", "verified"]


class MonitoringUploadFilterSet(PortalFilterSet):
    region = RegionCodeFilter()
    status = django_filters.ChoiceFilter(choices=UploadStatus.choices, label=_("Статус"))
    uploaded_from = DateFilter(
        field_name="uploaded_at", lookup_expr="date__gte", label=_("Загружены с")
    )

    class Meta:
        model = MonitoringUpload
        fields = ["region", "status", "dry_run", "uploaded_from"]
