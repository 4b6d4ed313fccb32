"""Form and serializer fields that refuse what cannot be real instead of failing on it.

Dates: the days the portal can mean.

Django's and DRF's `DateField` take any day from 0001-01-01 to 9999-12-31; a typo such as
«0001-01-01» then reaches code that counts weeks, stages and trends around it and overflows
Python's dates (a 500). These fields refuse a day outside `roadmap_portal.dates.FIRST_DAY`
… `LAST_DAY` with a Russian message, as `parse_date` refuses it in a file or a query string.
The form field also reads the two forms a person types (`INPUT_FORMATS`).

Ids: `BoundedModelMultipleChoiceField` refuses an id no database key can hold before it is
looked up (Django guards a single `pk=` lookup, not `pk__in`: 10**30 raised OverflowError on
SQLite and «out of range» on PostgreSQL, a 500).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .dates import FIRST_DAY, INPUT_FORMATS, LAST_DAY
from .numbers import plain_digits

OUT_OF_RANGE = _("Дата должна быть между %(first)s и %(last)s.")


def _range_message() -> str:
    return str(OUT_OF_RANGE) % {
        "first": FIRST_DAY.strftime("%d.%m.%Y"),
        "last": LAST_DAY.strftime("%d.%m.%Y"),
    }


def check_portal_date(day: dt.date | None) -> None:
    """`ValidationError` (Django's) for a day outside FIRST_DAY … LAST_DAY."""
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(_range_message(), code="date_range")


class PortalDateField(forms.DateField):
    input_formats = INPUT_FORMATS

    def validate(self, value):
        super().validate(value)
        check_portal_date(value)


class PortalDateSerializerField(serializers.DateField):
    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise serializers.ValidationError(_range_message(), code="date_range")
        return day


MAX_ID = 2**63 - 1  # a bigint primary key


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for item in value or ():
            text = str(item).strip()
            if not plain_digits(text) or len(text) > 19 or not 0 < int(text) <= MAX_ID:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": text[:50]},
                )
        return super()._check_values(value)
