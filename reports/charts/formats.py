"""Russian number and date formats for dashboards, pure Python.

Conventions (one place, used by charts, template filters and exports alike):
- decimal comma: 75.3 -> «75,3»;
- thousands grouped with U+202F NARROW NO-BREAK SPACE: 1234567 -> «1 234 567»
  (GOST 8.417 spacing; it never wraps and is not a digit separator in any parser);
- the percent sign follows a U+00A0 NO-BREAK SPACE: «75,3 %» (ГОСТ Р 7.0.97);
- negative numbers take the typographic minus U+2212: «−2,5»;
- dates as dd.mm.YYYY, short axis dates as dd.mm;
- a missing value (None) is «нет данных», never 0.
Rounding is half-up (75.25 -> «75,3»), as people round, not banker's rounding.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

THOUSANDS_SEP = "\u202f"
NBSP = "\u00a0"
MINUS = "\u2212"
NO_DATA = "нет данных"

Number = int | float | Decimal


def to_decimal(value: object) -> Decimal | None:
    """A finite Decimal from int/float/Decimal/str, or None for missing or non-numeric values."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    else:
        try:
            number = Decimal(str(value).strip().replace(",", ".").replace(MINUS, "-"))
        except (InvalidOperation, ValueError):
            return None
    if not number.is_finite():
        return None
    return number


def to_float(value: object) -> float | None:
    number = to_decimal(value)
    return None if number is None else float(number)


def _group(digits: str) -> str:
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return THOUSANDS_SEP.join(groups)


def ru_number(value: object, digits: int | None = None, *, default: str = NO_DATA) -> str:
    """«1 234 567», «7,5», «−2,25».

    digits=None shows up to two decimals and drops trailing zeros (12.50 -> «12,5»,
    40.00 -> «40»); an int digits fixes the count (digits=1: 40 -> «40,0»).
    """
    number = to_decimal(value)
    if number is None:
        return default
    places = 2 if digits is None else max(0, digits)
    quantum = Decimal(1).scaleb(-places)
    rounded = number.quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{abs(rounded):.{places}f}"
    whole, _, fraction = text.partition(".")
    if digits is None:
        fraction = fraction.rstrip("0")
    sign = MINUS if rounded < 0 else ""
    return sign + _group(whole) + ("," + fraction if fraction else "")


def ru_percent(value: object, digits: int | None = 1, *, default: str = NO_DATA) -> str:
    """«75,3 %» (value already in percent, 0-100 scale); None -> «нет данных».
    digits=None drops trailing zeros («75 %», «48,5 %»), for targets and scales."""
    if to_decimal(value) is None:
        return default
    return ru_number(value, digits) + NBSP + "%"


def ru_delta(value: object, digits: int | None = None, *, unit: str = "") -> str:
    """A signed change: «+2,5», «−1,3 п. п.», «0»."""
    number = to_decimal(value)
    if number is None:
        return NO_DATA
    text = ru_number(number, digits)
    if number > 0 and text.strip("0,") != "":
        text = "+" + text
    return text + (NBSP + unit if unit else "")


def ru_plural(count: object, one: str, few: str, many: str) -> str:
    """Russian plural form: 1 балл, 2 балла, 5 баллов; fractions take the «few» form."""
    number = to_decimal(count)
    if number is None:
        return many
    if number != number.to_integral_value():
        return few
    n = abs(int(number))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def ru_points(value: object, digits: int | None = None, *, default: str = NO_DATA) -> str:
    """Index points: «1 балл», «7,5 балла», «40 баллов»."""
    if to_decimal(value) is None:
        return default
    text = ru_number(value, digits)
    shown = text.replace(THOUSANDS_SEP, "").replace(MINUS, "-").replace(",", ".")
    return text + NBSP + ru_plural(shown, "балл", "балла", "баллов")


def ru_date(value: dt.date | dt.datetime | None, *, default: str = "—") -> str:
    """06.10.2025. A datetime is shown as its own calendar date (convert to local time first)."""
    if value is None:
        return default
    return value.strftime("%d.%m.%Y")


def ru_date_short(value: dt.date | dt.datetime | None, *, default: str = "—") -> str:
    """06.10 (axis ticks, where the year is on the axis caption)."""
    if value is None:
        return default
    return value.strftime("%d.%m")


def ru_datetime(value: dt.datetime | None, *, default: str = "—") -> str:
    """06.10.2025 14:30."""
    if value is None:
        return default
    return value.strftime("%d.%m.%Y %H:%M")
