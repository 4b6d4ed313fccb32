from django import template

from roadmap_portal.ru_formats import ru_number

register = template.Library()


@register.filter
def points(value) -> str:
    """Points as Russian text shows them (ru_formats), «—» when missing: 56,5 · 10 · 7,25."""
    return ru_number(None if value == "" else value, default="—")
