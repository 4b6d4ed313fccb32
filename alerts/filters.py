from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from agencies import access
from agencies.models import Region
from roadmap_portal.filtersets import PortalFilterSet

from .choices import AlertKind, Severity
from .models import Alert


class AlertFilterSet(PortalFilterSet):
    scope = django_filters.ChoiceFilter(
        label=_("Чьи"),
        choices=[("mine", _("Мои")), ("region", _("Моего субъекта"))],
        empty_label=_("Все доступные"),
        method="filter_scope",
    )
    state = django_filters.ChoiceFilter(
        label=_("Состояние"),
        choices=[("open", _("Открытые")), ("closed", _("Закрытые"))],
        empty_label=_("Все"),
        method="filter_state",
    )
    kind = django_filters.ChoiceFilter(label=_("Вид"), choices=AlertKind.choices)
    severity = django_filters.ChoiceFilter(label=_("Важность"), choices=Severity.choices)
    region = django_filters.ModelChoiceFilter(label=_("Субъект"), queryset=Region.objects.none())

    class Meta:
        model = Alert
        fields = ["scope", "state", "kind", "severity", "region"]

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.filters["region"].queryset = Region.objects.visible_to(user)

    def filter_scope(self, queryset, name, value):
        if value == "mine":
            return queryset.for_agencies(access.acting_agency_ids(self.user))
        if value == "region":
            return queryset.filter(region_id=self.user.home_region_id)
        return queryset

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.open()
        if value == "closed":
            return queryset.closed()
        return queryset
