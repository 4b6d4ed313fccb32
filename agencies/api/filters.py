"""FilterSets of the API lists that have no page of their own (pages keep theirs in filters.py)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from roadmap_portal.api.filters import IdFilter
from roadmap_portal.filtersets import PortalFilterSet, QueryRegionCodeField
from roadmap_portal.search import folded_contains

from ..choices import OrgType
from ..models import Municipality, Organisation


class RegionCodeFilter(django_filters.CharFilter):
    """`?region=07` by a region's code, read as every file and form reads one
    (`normalise_region_code`: `?region=7` is region 07); a text that cannot be a code is
    refused (400). A code out of the caller's scope lists nothing, as a code no region has:
    the rows are the caller's own (`visible_to`)."""

    field_class = QueryRegionCodeField

    def __init__(self, field_name: str = "region__code", **kwargs):
        kwargs.setdefault("label", _("Код субъекта"))
        super().__init__(field_name=field_name, **kwargs)


class MunicipalityFilterSet(PortalFilterSet):
    region = RegionCodeFilter()
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("Наименование"))

    class Meta:
        model = Municipality
        fields = ["region", "name"]


class OrganisationFilterSet(PortalFilterSet):
    region = RegionCodeFilter()
    municipality = IdFilter(label=_("Муниципальное образование (id)"))
    org_type = django_filters.ChoiceFilter(choices=OrgType.choices, label=_("Тип"))
    code = django_filters.CharFilter(label=_("Код организации"))
    q = django_filters.CharFilter(method="filter_text", label=_("Поиск"))

    class Meta:
        model = Organisation
        fields = ["region", "municipality", "org_type", "code", "q"]

    def filter_text(self, queryset, name, value):
        """The name; case, «ё» and Latin/Cyrillic look-alikes folded (roadmap_portal.search)."""
        if not value.strip():
            return queryset
        annotations, found = folded_contains(["name"], value)
        return queryset.alias(**annotations).filter(found)
