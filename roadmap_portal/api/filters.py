"""Filters shared by the API's FilterSets."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

MAX_ID = 2**63 - 1  # a primary key fits a signed 64-bit integer on every backend


class IdFilter(django_filters.NumberFilter):
    """A foreign key filtered by its id as a plain integer (out-of-range ids are a 400).

    A plain number rather than a choice: a choice filter would tell an id that exists out
    of the caller's scope (empty list) from one that does not (400).
    """

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class AllYesNoSelect(forms.NullBooleanSelect):
    """A yes/no filter's choices on pages: «Все», «Да», «Нет» (not «Неизвестно»)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", _("Все")), ("true", _("Да")), ("false", _("Нет"))]
