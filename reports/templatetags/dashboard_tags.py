"""Template helpers of the dashboards: sortable column links and CSS bar widths.

Numbers, dates and charts come from the shared chart library (`{% load charts %}`).
"""

from __future__ import annotations

from django import template
from django.utils.http import urlencode

register = template.Library()


@register.filter
def width(value, maximum=100) -> str:
    """A CSS width in percent (clamped 0–100) for bars."""
    if value is None or not maximum:
        return "0"
    share = float(value) / float(maximum) * 100
    return f"{max(0.0, min(share, 100.0)):.1f}"


@register.simple_tag(takes_context=True)
def sort_url(context, key, param="sort"):
    """The current query string with `param` set to `key`, or `-key` when already `key`."""
    query = context["request"].GET.copy()
    query[param] = f"-{key}" if query.get(param, "") == key else key
    return "?" + urlencode(sorted(query.items()))


@register.simple_tag(takes_context=True)
def sort_mark(context, key, param="sort"):
    current = context["request"].GET.get(param, "")
    if current == key:
        return "▲"
    if current == f"-{key}":
        return "▼"
    return ""
