from decimal import Decimal, InvalidOperation

from django import template

from indicators.index.selectors import fmt_number

register = template.Library()


@register.filter
def points(value) -> str:
    """Points as Russian text shows them, without trailing zeros: 56,5 · 10 · 7,25."""
    if value is None or value == "":
        return "—"
    try:
        return fmt_number(Decimal(str(value)))
    except InvalidOperation:
        return str(value)
