"""Template tags for the SVG charts and the RAG/heat filters.

    {% load charts %}
    {% sparkline values target=75 %}          {% gauge value target %}
    {% line_chart series targets=t markers=m projection=p %}
    {% progress_bars items %}  {% stacked_bar parts %}  {% small_multiples items %}
    {{ value|heat_class:target }} -> «heat-4»
    {{ value|rag:target }} -> «green»    {{ state|rag_label }} -> «в графике»

The Russian number, percent and date filters (ru_percent, ru_number, ru_date…) are built
into every template by roadmap_portal.template_formats.

The chart functions escape every label themselves, so their output is marked safe here.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from reports import charts

register = template.Library()


@register.simple_tag
def sparkline(values, target=None, unit="percent", label="", width=120):
    return mark_safe(
        charts.sparkline(values or [], target=target, unit=unit, label=label, width=width)
    )


@register.simple_tag
def line_chart(
    series,
    targets=(),
    markers=(),
    y_max=100,
    projection=None,
    unit="percent",
    label="",
    width=640,
    height=300,
):
    svg = charts.line_chart(
        series or [],
        targets=targets or (),
        markers=markers or (),
        y_max=y_max,
        projection=projection,
        unit=unit,
        label=label,
        width=width,
        height=height,
    )
    return mark_safe(svg)


@register.simple_tag
def gauge(value, target=None, max=100, rag=None, unit="percent", label=""):
    return mark_safe(charts.bar_gauge(value, target, max=max, rag=rag, unit=unit, label=label))


@register.simple_tag
def progress_bars(items, unit="points", label="", width=560):
    return mark_safe(charts.progress_bars(items or [], unit=unit, label=label, width=width))


@register.simple_tag
def stacked_bar(parts, label="", width=560):
    return mark_safe(charts.stacked_bar(parts or [], label=label, width=width))


@register.simple_tag
def small_multiples(items, unit="points", y_max=None, target=None, point_titles=True):
    return mark_safe(
        charts.small_multiples(
            items or [], unit=unit, y_max=y_max, target=target, point_titles=point_titles
        )
    )


@register.simple_tag
def heat_legend():
    return mark_safe(charts.heat_legend())


@register.filter
def heat_class(value, target=None) -> str:
    return charts.heat_class(value, target)


@register.filter
def rag(value, target=None) -> str:
    return charts.rag(value, target)


@register.filter
def rag_label(state) -> str:
    return charts.RAG_LABELS.get(str(state), "")
