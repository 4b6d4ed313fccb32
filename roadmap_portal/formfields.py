"""Form and serializer fields that refuse what cannot be real instead of failing on it.

Dates: the days the portal can mean.

Django's and DRF's `DateField` take any day from 0001-01-01 to 9999-12-31; a typo such as
«31.12.9999» would be stored, and code that counts weeks, stages and trends around it
overflows Python's dates (a 500). A day outside the programme's years
(`roadmap_portal.dates.FIRST_DAY` … `LAST_DAY`) is refused with the one Russian message of
`roadmap_portal.dates.implausible`, as `parse_date` refuses it in a file or a query string:
by the form field and the serializer field, and by `plausible_date`, the validator of every
model date a person gives (so the admin's forms, its imports and every `full_clean` too).
The form field also reads the two forms a person types (`INPUT_FORMATS`).

Ids: `BoundedModelMultipleChoiceField` refuses an id no database key can hold before it is
looked up (Django guards a single `pk=` lookup, not `pk__in`: 10**30 raised OverflowError on
SQLite and «out of range» on PostgreSQL, a 500).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from rest_framework import serializers

from .dates import INPUT_FORMATS, implausible
from .numbers import plain_digits
from .uploads import check_upload_size, size_problem


def plausible_date(day: dt.date | None) -> None:
    """`ValidationError` (Django's) for a day outside the programme's years: the validator
    of the models' date fields and of the form field."""
    problem = implausible(day)
    if problem:
        raise ValidationError(problem, code="date_range")


class PortalDateField(forms.DateField):
    input_formats = INPUT_FORMATS
    default_validators = [plausible_date]


class PortalDateSerializerField(serializers.DateField):
    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        problem = implausible(day)
        if problem:
            raise serializers.ValidationError(problem, code="date_range")
        return day


class CappedFileField(forms.FileField):
    """A file field refusing a file over its kind's cap (`roadmap_portal.uploads`)."""

    def __init__(self, *args, kind: str, **kwargs):
        self.kind = kind
        super().__init__(*args, **kwargs)

    def validate(self, value):
        super().validate(value)
        check_upload_size(getattr(value, "size", None), self.kind)


class CappedFileSerializerField(serializers.FileField):
    """The API's twin of `CappedFileField`."""

    def __init__(self, *args, kind: str, **kwargs):
        self.kind = kind
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        file = super().to_internal_value(data)
        problem = size_problem(getattr(file, "size", None), self.kind)
        if problem:
            raise serializers.ValidationError(problem, code="file_too_large")
        return file


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
