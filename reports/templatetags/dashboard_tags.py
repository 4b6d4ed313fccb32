"""Template helpers of the dashboards: Russian numbers, sparklines, indicator charts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils.http import urlencode

from reports.dashboards import svg

register = template.Library()


@register.filter
def pct(value) -> str:
    """75.3 -> «75,3 %»; None -> «—»."""
    return svg.fmt_pct(value)


@register.filter
def num(value, digits=1) -> str:
    """7.50 -> «7,5»; 10 -> «10»."""
    return svg.fmt_num(value, int(digits))


@register.filter
def signed(value, digits=1) -> str:
    """A change with its sign: «+2,5», «−1», «0»."""
    if value is None:
        return "—"
    text = svg.fmt_num(abs(value), int(digits))
    if value > 0:
        return "+" + text
    if value < 0:
        return "\u2212" + text
    return text


@register.filter
def width(value, maximum=100) -> str:
    """A CSS width in percent (clamped 0–100) for bars."""
    if value is None or not maximum:
        return "0"
    share = float(value) / float(maximum) * 100
    return f"{max(0.0, min(share, 100.0)):.1f}"


@register.simple_tag
def spark(values, label="", low=None, high=None):
    return svg.sparkline(list(values), label=label, low=low, high=high)


@register.simple_tag
def index_trend(history, label=""):
    return svg.sparkline([total for _d, total in history], width=220, height=48, label=label)


@register.simple_tag
def small_multiple(history, high=100, label=""):
    return svg.sparkline(
        [total for _d, total in history], width=120, height=30, low=0, high=float(high), label=label
    )


@register.simple_tag
def indicator_chart(card):
    """The indicator's weekly series, stage targets and dates, and the trend projected."""
    projection = None
    stage = card.current
    if card.latest is not None and card.latest_week and stage and stage.value is not None:
        if stage.projected and stage.projected > card.latest_week:
            projection = (card.latest_week, card.latest, stage.projected, stage.value)
        elif card.slope is not None and stage.date > card.latest_week and not stage.projected:
            days = (stage.date - card.latest_week).days
            end = Decimal(str(max(0.0, min(100.0, float(card.latest) + card.slope * days))))
            projection = (card.latest_week, card.latest, stage.date, end)
    return svg.line_chart(
        card.series, stages=card.stages, projection=projection, label=card.indicator.name
    )


@register.simple_tag(takes_context=True)
def sort_url(context, key, param="sort"):
    """The current query string with `param` set to `key`, or `-key` when already `key`."""
    request = context["request"]
    query = request.GET.copy()
    current = query.get(param, "")
    query[param] = f"-{key}" if current == key else key
    return "?" + urlencode(sorted(query.items()))


@register.simple_tag(takes_context=True)
def sort_mark(context, key, param="sort"):
    current = context["request"].GET.get(param, "")
    if current == key:
        return "▲"
    if current == f"-{key}":
        return "▼"
    return ""


@register.filter
def days_ago(value: dt.date | None, today: dt.date) -> int | None:
    if value is None:
        return None
    return (today - value).days
