"""How the portal writes numbers, percents and dates in Russian: the one place.

Pages (through the built-in template filters of `roadmap_portal.template_formats`), SVG
charts, alert messages and the text cells of exports all format through here; numeric cells
of exports stay numbers and take the Excel formats below. Pure Python, no Django and none
of the portal's other modules (`roadmap_portal/__init__.py` loads nothing either; the Celery
app is loaded by `roadmap_portal.apps`), so that the pure chart package (`reports.charts`)
and every layer above it can import it.

Conventions:
- decimal comma: 75.3 -> «75,3»;
- thousands grouped with U+202F NARROW NO-BREAK SPACE: 67581 -> «67 581» (GOST 8.417
  spacing; it never wraps and no parser takes it for a digit separator);
- the percent sign follows a U+00A0 NO-BREAK SPACE: «75,3 %» (ГОСТ Р 7.0.97);
- negative numbers take the true minus U+2212: «−2,5»;
- a change of a percentage is in percentage points: «+2,5 п.п.», «−1,3 п.п.»;
- dates as dd.mm.YYYY, short axis dates as dd.mm;
- a missing value (None) is «нет данных», never 0.
Rounding is half-up (75.25 -> «75,3»), as people round, not banker's rounding.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

THOUSANDS_SEP = "\u202f"
NBSP = "\u00a0"
MINUS = "\u2212"
NO_DATA = "нет данных"
PERCENTAGE_POINTS = "п.п."

# Excel number formats of numeric export cells (the cell keeps the number; Excel shows the
# thousands separator and decimal comma of the reader's locale). Text in a format code is
# quoted; a `%` outside the quotes is what makes a spreadsheet show the value ×100.
XLSX_INT = "#,##0"
# a fraction of 1 shown as `ru_share` shows it: one decimal, «%» after a no-break space
# (`0.0%` read «6,3%»); thousands grouped as `ru_number` groups them (coverage can pass 100 %)
PERCENT_DIGITS = 1
XLSX_PERCENT = "#,##0." + "0" * PERCENT_DIGITS + f'"{NBSP}"%'
XLSX_DATE = "dd.mm.yyyy"
XLSX_DATETIME = "dd.mm.yyyy hh:mm"


def signed_step(digits: int) -> Decimal:
    """The smallest magnitude that shows a sign with `digits` decimals (half up): 0.05 for
    one decimal; anything closer to zero is shown as zero, with no sign."""
    return Decimal(5).scaleb(-digits - 1)


def xlsx_signed(number: str, digits: int, *, plus: bool, unit: str = "") -> str:
    """An Excel number format that signs a number as `ru_number` (`plus`: `ru_delta`) does:
    the true minus, «+» before a positive change, no sign at all on a number shown as zero
    (−0.04 with one decimal is «0,0», not «−0,0»), `unit` after a no-break space.

    The cell keeps the exact number (a gap's sign is the page's verdict: −0.04 is below the
    target, the fill amber), so the sections are picked by conditions on the rounding step,
    not by the sign: [>=0.05] «+»; [<=-0.05] «−»; the rest unsigned. A section whose
    condition holds only negative numbers adds no minus of its own, in Excel and in
    LibreOffice (the format's «−» is the only one), and the last section shows no minus on
    a number it rounds to zero."""
    step = signed_step(digits)
    code = number + (f'"{NBSP}{unit}"' if unit else "")
    first = f'[>={step}]"+"{code}' if plus else f"[>=0]{code}"
    return f'{first};[<=-{step}]"{MINUS}"{code};{code}'


# decimals, two places: «−12 345,50»; a signed change of them: «+1,50», «−0,25», «0,00»
NUMBER_DIGITS = 2
XLSX_NUMBER = xlsx_signed("#,##0.00", NUMBER_DIGITS, plus=False)
XLSX_DELTA = xlsx_signed("#,##0.00", NUMBER_DIGITS, plus=True)
# a gap between percentages kept as a number of percentage points (−2.5), shown as `ru_pp`
# shows it: one decimal, the sign always shown, «п.п.» after a no-break space, «0,0 п.п.»
# for −0.04 (`xlsx_signed`)
POINTS_DIGITS = 1
POINTS_SIGNED = signed_step(POINTS_DIGITS)  # 0.05: the smallest gap shown ±0.1
XLSX_POINTS = xlsx_signed("0.0", POINTS_DIGITS, plus=True, unit=PERCENTAGE_POINTS)

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


def round_half_up(value: object, places: int) -> Decimal | None:
    """`value` rounded to `places` decimals half away from zero (75.25 -> 75.3, −0.05 ->
    −0.1), as people round and every page shows it; on the decimal value (a float through
    its shortest text, 0.1 + 0.2 -> 0.3), never on its binary one (Python's `round(28.125,
    2)` is 28.12). What the API and alert details publish is rounded here too."""
    number = to_decimal(value)
    return None if number is None else _half_up(number, places)


def _half_up(number: Decimal, places: int) -> Decimal:
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def xlsx_share(value: object) -> float | None:
    """The number a percent cell (`XLSX_PERCENT`) holds for the share `value` (a fraction
    of 1): the share itself, except at a tie of the shown digit whose float lies below it.

    A share exactly halfway between two shown values (23 of 80 = 0.2875: «28,8 %» on the
    pages, half up) mostly has no exact binary form. Where the nearest float lies a hair
    below the tie, LibreOffice, multiplying it by 100 in binary, shows «28,7 %» (Excel,
    rounding to 15 digits first, shows «28,8 %»). Such a tie is written as the nearest
    number above it that a workbook keeps (16 significant digits, as XlsxWriter writes
    them: 0.2875000000000001): every suite then shows the pages' «28,8 %», and none shows
    the difference (a cell shows 15 digits at most). A target that is itself a tie is
    written the same way, so a value equal to its target stays equal to it."""
    number = to_decimal(value)
    if number is None:
        return None
    cell = float(number)
    shown = abs(number).scaleb(PERCENT_DIGITS + 2)  # the share in units of the shown digit
    if shown % 1 != Decimal("0.5") or abs(Decimal(cell)) > abs(number):
        return cell
    step = Decimal(1).scaleb(number.adjusted() - 15)  # one unit of the 16th digit
    for k in range(1, 10):
        cell = float(number + (k * step if number > 0 else -k * step))
        kept = Decimal(float(f"{cell:.16G}"))  # what the workbook will hold
        if abs(kept) > abs(number) and abs(Decimal(cell)) > abs(number):
            return cell
    return float(number)  # not reached: ten units always pass the tie


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
    rounded = _half_up(number, places)
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


def ru_percent_vs(value: object, target: object, digits: int = 1) -> str:
    """`value` in percent next to the `target` it is judged against: with more decimals (up
    to four) where `digits` would make a value that differs from the target read as it:
    74.996 against 75 is «74,996 %», not «75,0 %» «below the target 75 %»."""
    number, goal = to_decimal(value), to_decimal(target)
    if number is None or goal is None or number == goal:
        return ru_percent(value, digits)
    for shown in range(digits, 5):
        if to_decimal(ru_number(number, shown).replace(",", ".")) != goal:
            return ru_percent(number, shown)
    # closer than 0.00005: rounded away from the target, towards the value's side
    side = ROUND_FLOOR if number < goal else ROUND_CEILING
    return ru_percent(number.quantize(Decimal("0.0001"), rounding=side), 4)


def ru_share(value: object, digits: int | None = 1, *, default: str = NO_DATA) -> str:
    """A fraction of 1 as a percent: 0.753 -> «75,3 %»."""
    number = to_decimal(value)
    if number is None:
        return default
    return ru_percent(number * 100, digits)


def ru_delta(
    value: object, digits: int | None = None, *, unit: str = "", default: str = NO_DATA
) -> str:
    """A signed change: «+2,5», «−1,3», «0»; `unit` follows a no-break space."""
    number = to_decimal(value)
    if number is None:
        return default
    text = ru_number(number, digits)
    if number > 0 and text.strip("0,") != "":
        text = "+" + text
    return text + (NBSP + unit if unit else "")


def ru_pp(value: object, digits: int | None = 1, *, default: str = NO_DATA) -> str:
    """A change or gap between two percents, in percentage points: «+2,5 п.п.», «−1,3 п.п.»."""
    return ru_delta(value, digits, unit=PERCENTAGE_POINTS, default=default)


def ru_ratio(numerator: object, denominator: object, *, default: str = "—") -> str:
    """The two sums behind a share: «67 581 / 188 872»."""
    if to_decimal(numerator) is None or to_decimal(denominator) is None:
        return default
    return f"{ru_number(numerator)} / {ru_number(denominator)}"


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
    number = to_decimal(value)
    if number is None:
        return default
    text = ru_number(number, digits)
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
