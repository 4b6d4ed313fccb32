"""The base of every FilterSet of the portal (pages and API alike, STYLE R7).

django-filter reads an invalid filter value by leaving it out of the form's cleaned data:
the filter is silently dropped and the list shows every row, as if nothing had been asked
(`?status=donee`, `?overdue=yes`, `?week=31.02.2025`). Here a value that cannot be read
is refused instead, once for every list: `PortalFilterSet.qs` raises
`roadmap_portal.params.BadParameter` for the first field of the form that does not
validate, naming the parameter, the value and what is accepted, and the page (a 400 page)
or the API (its 400 body) answers it as every other unreadable query parameter.

The fields read by the kinds of `roadmap_portal.params`, not by Django's lenient readers:
- `DateFilter`: the one date parser (`parse_date`) and its window, not the locale's formats;
- `FlagFilter`: 1/0, true/false (empty or the select's «Все» is no filter), where Django's
  `NullBooleanField` and DRF's `BooleanWidget` read «yes» as «no filter»;
- `IntegerFilter` / `IdFilter`: digits 0-9 only, in a range (Django's `IntegerField` takes
  «1.0» and Arabic-Indic digits; django-filter's `NumberFilter` takes «1.5»).
`PortalFilterSet.FILTER_DEFAULTS` gives the same to the filters generated from a model's
fields (`Meta.fields`, the API's `filterset_fields`).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import params

# --- fields: the kinds of roadmap_portal.params as form fields ---------------------------


class QueryDateField(forms.Field):
    """A date read by `params.date_value` (ДД.ММ.ГГГГ or ГГГГ-ММ-ДД, in the window)."""

    def to_python(self, value):
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        try:
            return params.date_value(text)
        except params.BadParameter as exc:
            raise ValidationError(exc.reason, code="invalid") from None


class QueryFlagField(forms.Field):
    """A yes/no filter: True, False or None (no filter)."""

    NO_FILTER = ("", "unknown")  # «Все» of the select

    def to_python(self, value):
        if value is None or isinstance(value, bool):
            return value
        text = str(value).strip()
        if text.lower() in self.NO_FILTER:
            return None
        try:
            return params.flag_value(text)
        except params.BadParameter as exc:
            raise ValidationError(exc.reason, code="invalid") from None


class QueryIntegerField(forms.Field):
    def __init__(self, *args, min_value: int = 0, max_value: int = params.MAX_ID, **kwargs):
        self.min_value = min_value
        self.max_value = max_value
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        try:
            return params.integer_value(text, low=self.min_value, high=self.max_value)
        except params.BadParameter as exc:
            raise ValidationError(exc.reason, code="invalid") from None


class QueryRegionCodeField(forms.CharField):
    """A region code as files write it («7» is «07»); two digits, else refused."""

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return ""
        try:
            return params.region_code_value(text)
        except params.BadParameter as exc:
            raise ValidationError(exc.reason, code="invalid") from None


class AllYesNoSelect(forms.Select):
    """A yes/no filter's choices on pages: «Все», «Да», «Нет» (not «Неизвестно»). It hands
    the field the text sent, so that the field, not the widget, judges it."""

    def __init__(self, attrs=None):
        choices = [("unknown", _("Все")), ("true", _("Да")), ("false", _("Нет"))]
        super().__init__(attrs, choices)

    def format_value(self, value):
        if isinstance(value, bool):
            return ["true" if value else "false"]
        text = str(value or "").strip().lower()
        found = params.FLAG_VALUES.get(text)
        if found is None:
            return ["unknown"]
        return ["true" if found else "false"]


# --- filters ---------------------------------------------------------------------------


class DateFilter(django_filters.DateFilter):
    field_class = QueryDateField


class FlagFilter(django_filters.BooleanFilter):
    field_class = QueryFlagField


class IntegerFilter(django_filters.NumberFilter):
    """A whole number in `min_value` … `max_value`."""

    field_class = QueryIntegerField


class IdFilter(IntegerFilter):
    """A foreign key filtered by its id as a plain integer (out-of-range ids are a 400).

    A plain number rather than a choice: a choice filter would tell an id that exists out
    of the caller's scope (empty list) from one that does not (400).
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", params.MAX_ID)
        super().__init__(*args, **kwargs)


def _reason(field: forms.Field, errors: list[str]) -> str:
    """What a refused filter value should have been, said by the field's kind."""
    if isinstance(
        field, QueryDateField | QueryFlagField | QueryIntegerField | QueryRegionCodeField
    ):
        return " ".join(errors)  # the reason of roadmap_portal.params itself
    if isinstance(field, forms.ModelChoiceField):
        return str(
            _("Нужен номер (id) одного из вариантов списка «%(label)s», доступных вам.")
            % {"label": field.label or ""}
        )
    if isinstance(field, forms.ChoiceField):
        return params.choices_reason(str(code) for code, _label in _flat_choices(field))
    return " ".join(errors)


def _flat_choices(field: forms.ChoiceField):
    for code, label in list(field.choices):  # type: ignore[arg-type]
        if isinstance(label, list | tuple):  # an option group
            yield from label
        else:
            yield code, label


class PortalFilterSet(django_filters.FilterSet):
    """A FilterSet that refuses a value it cannot read (module docstring)."""

    FILTER_DEFAULTS: dict[Any, dict[str, Any]] = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.DateField: {"filter_class": DateFilter},
        models.BooleanField: {"filter_class": FlagFilter},
    }

    def refusal(self) -> params.BadParameter | None:
        """The first filter value that cannot be read, as the refusal of its parameter."""
        if not self.is_bound or self.form.is_valid():
            return None
        for name, errors in self.form.errors.items():
            field = self.form.fields.get(name)
            value = self.data.get(name, "") if hasattr(self.data, "get") else ""
            reason = _reason(field, list(errors)) if field is not None else " ".join(errors)
            return params.BadParameter(name, value, reason)
        return None

    @property
    def qs(self):
        problem = self.refusal()
        if problem is not None:
            raise problem
        return super().qs
