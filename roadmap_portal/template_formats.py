"""Template filters of the Russian formats, built into every template (TEMPLATES builtins).

    {{ value|ru_percent }} -> «75,3 %»     {{ n|ru_number }} -> «67 581»
    {{ gap|ru_pp }} -> «−1,3 п.п.»        {{ change|ru_delta }} -> «+2»
    {{ a|ru_ratio:b }} -> «67 581 / 188 872»
    {{ day|ru_date }} -> «06.10.2025»      {{ moment|ru_datetime }} -> «06.10.2025 14:30»

Every filter formats through `ru_formats`; datetimes are shown in the current
time zone, as Django's own `date` filter shows them.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from roadmap_portal import ru_formats as formats

register = template.Library()


def _digits(digits):
    return None if digits in (None, "") else int(digits)


@register.filter
def ru_number(value, digits=None) -> str:
    return formats.ru_number(value, _digits(digits))


@register.filter
def ru_percent(value, digits=1) -> str:
    return formats.ru_percent(value, _digits(digits))


@register.filter
def ru_share(value, digits=1) -> str:
    """A fraction of 1 as a percent (0.125 → «12,5 %»), never by `widthratio`, which rounds
    half to even on whole percents."""
    return formats.ru_share(value, _digits(digits))


@register.filter
def ru_points(value) -> str:
    return formats.ru_points(value)


@register.filter
def ru_delta(value, digits=None) -> str:
    return formats.ru_delta(value, _digits(digits))


@register.filter
def ru_pp(value, digits=1) -> str:
    return formats.ru_pp(value, _digits(digits))


@register.filter
def ru_ratio(numerator, denominator) -> str:
    return formats.ru_ratio(numerator, denominator)


def _local(value):
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def ru_date(value) -> str:
    if value in (None, ""):
        return "—"
    return formats.ru_date(_local(value))


@register.filter
def ru_datetime(value) -> str:
    if value in (None, ""):
        return "—"
    return formats.ru_datetime(_local(value))
