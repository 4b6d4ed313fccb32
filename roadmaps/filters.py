from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Region
from agencies.widgets import VersionedSelect
from roadmap_portal.filtersets import AllYesNoSelect, FlagFilter, IntegerFilter, PortalFilterSet
from roadmap_portal.search import folded_contains

from .choices import MeasureStatus
from .models import Measure, Roadmap, Section
from .querysets import due_within_q, overdue_q


class MeasureFilterSet(PortalFilterSet):
    """One FilterSet for the measure list page and the API (STYLE R7).

    Choice querysets are narrowed to the user's scope in __init__, so a filter never lists
    what the user may not see.
    """

    q = django_filters.CharFilter(method="filter_text", label=_("Поиск"))
    region = django_filters.ModelChoiceFilter(
        field_name="roadmap__region",
        queryset=Region.objects.none(),
        label=_("Субъект"),
        widget=VersionedSelect,
    )
    roadmap = django_filters.ModelChoiceFilter(
        queryset=Roadmap.objects.none(), label=_("Карта"), widget=VersionedSelect
    )
    section = django_filters.ModelChoiceFilter(
        queryset=Section.objects.none(), label=_("Раздел"), widget=VersionedSelect
    )
    agency = django_filters.ModelChoiceFilter(
        field_name="responsibilities__agency",  # the method filters; this names the type
        queryset=Agency.objects.none(),
        label=_("Ответственный"),
        method="filter_agency",
        widget=VersionedSelect,
    )
    status = django_filters.ChoiceFilter(choices=MeasureStatus.choices, label=_("Статус"))
    overdue = FlagFilter(method="filter_overdue", label=_("Просрочено"), widget=AllYesNoSelect)
    mine = FlagFilter(method="filter_mine", label=_("Могу изменять"), widget=AllYesNoSelect)
    due_within = IntegerFilter(
        method="filter_due_within", label=_("Срок в ближайшие, дней"), min_value=0, max_value=366
    )
    ordering = django_filters.OrderingFilter(
        fields=(("due_date", "due_date"), ("position", "position")),
        field_labels={"due_date": _("Срок"), "position": _("Номер")},
        label=_("Сортировка"),
        empty_label=_("По порядку в карте"),
    )

    class Meta:
        model = Measure
        fields = [
            "q",
            "region",
            "roadmap",
            "section",
            "agency",
            "status",
            "overdue",
            "due_within",
            "mine",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user is not None:
            self.filters["region"].queryset = Region.objects.visible_to(user)
            self.filters["roadmap"].queryset = Roadmap.objects.visible_to(user)
            self.filters["section"].queryset = Section.objects.filter(
                roadmap__in=Roadmap.objects.visible_to(user)
            ).select_related("roadmap")
            self.filters["agency"].queryset = Agency.objects.visible_to(user).one_per_body()

    def filter_text(self, queryset, name, value):
        """Words in the title, responsible bodies or result; a number matches exactly.

        Case, «ё»/«е» and Latin/Cyrillic look-alikes («MAX»/«МАХ») are folded alike in the
        stored text and the query (`roadmap_portal.search`), on SQLite and PostgreSQL.
        """
        value = value.strip()
        if not value:
            return queryset
        annotations, found = folded_contains(
            ["title", "responsible_text", "expected_result"], value
        )
        return queryset.alias(**annotations).filter(Q(number__iexact=value) | found)

    def filter_agency(self, queryset, name, value):
        """Measures of the body, whichever of its printed designations the measure names."""
        if value is None:
            return queryset
        body = Agency.objects.same_body_as(value).values("pk")
        return queryset.filter(
            pk__in=Measure.objects.filter(responsibilities__agency__in=body).values("pk")
        )

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())

    def filter_due_within(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(due_within_q(int(value)))

    def filter_mine(self, queryset, name, value):
        """Measures the user may change (or, with «Нет», only those they may not)."""
        if value is None or self.user is None:
            return queryset
        editable = Measure.objects.editable_by(self.user).values("pk")
        return queryset.filter(pk__in=editable) if value else queryset.exclude(pk__in=editable)
