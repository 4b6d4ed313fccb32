"""A number as people and spreadsheets write it in a file or a form: the one grammar.

Digits are ASCII 0-9 only (`Decimal`, `int` and `str.isdigit` also take «²», full-width and
Arabic-Indic digits, `1_000` and `1e3`); a space (also a no-break or narrow no-break space)
only between groups of three (`1 234 567`), never elsewhere (`1 5` is not 15); a comma or a
point before the fractional part; a minus in front. Nothing is guessed: what the grammar
does not take is refused with the reason in Russian, never read as something close.

The monitoring import's counts (`indicators.imports.monitoring.parse_count`) are built on
the same pattern, with their own rules on top (whole numbers, `1,000` ambiguous).

A region code (`normalise_region_code`) is read here too, under every app: files, forms,
the API, command options and query strings (`roadmap_portal.params`) all read it so.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from .tables import cell_text, shown

# the spaces a spreadsheet or a person puts between groups of thousands
GROUP_SPACES = "[ \u00a0\u202f]"
# sign, whole part (plain digits, or groups of three after a space), fractional part
NUMBER_PATTERN = rf"(-?)([0-9]+|[0-9]{{1,3}}(?:{GROUP_SPACES}[0-9]{{3}})+)(?:[.,]([0-9]*))?"
NUMBER_TEXT = re.compile(NUMBER_PATTERN)
_SPACES = re.compile(r"[\s\u00a0\u202f]")
_SPACED_DIGITS = re.compile(r"-?[0-9][0-9\s\u00a0\u202f]*[0-9](?:[.,][0-9]*)?")


_PLAIN_DIGITS = re.compile("[0-9]+")


def plain_digits(text: str) -> bool:
    """Digits 0-9 only, at least one: what `int()` reads as the number it looks like.
    `str.isdigit` is no test: «²» and «١» pass it, and `int("²")` raises."""
    return _PLAIN_DIGITS.fullmatch(text) is not None


class NumberTextError(ValueError):
    """Why a text is no number, in Russian (the message of the exception)."""


def not_a_number_reason(value: object, text: str) -> str:
    """Why `text` (the stripped `value`) is not taken by `NUMBER_TEXT`."""
    if any(char.isdigit() and not ("0" <= char <= "9") for char in text):
        return _("«%(value)s» — не число: допустимы только цифры 0-9") % {"value": shown(value)}
    if _SPACED_DIGITS.fullmatch(text):
        return _(
            "«%(value)s» — не число: пробел или перенос строки внутри числа (пробел допустим "
            "только между группами по три цифры: 1 234)"
        ) % {"value": shown(value)}
    return _("«%(value)s» — не число") % {"value": shown(value)}


def parse_decimal(value: object, *, percent_sign: bool = False) -> Decimal:
    """The exact number a text cell or form field holds (`NUMBER_TEXT`); `percent_sign`:
    a trailing «%» is allowed (a share typed as «75 %»). Raises `NumberTextError`."""
    text = str(value if value is not None else "").strip()
    if percent_sign and text.endswith("%"):
        text = text[:-1].rstrip()
    if text == "":
        raise NumberTextError(_("пустое значение: нужно число"))
    match = NUMBER_TEXT.fullmatch(text)
    if match is None:
        raise NumberTextError(not_a_number_reason(value, text))
    sign, whole, fraction = match.groups()
    digits = sign + _SPACES.sub("", whole)
    return Decimal(f"{digits}.{fraction}" if fraction else digits)


def parse_whole(value: object) -> int:
    """A whole number written as plain digits 0-9 (a step number, a position): `7`, or a
    spreadsheet's 7.0. Raises `NumberTextError`."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip()
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise NumberTextError(not_a_number_reason(value, text))
    return int(text)


def normalise_region_code(value: Any) -> str:
    """A region code as a person or a spreadsheet writes it, the way the portal stores it:
    «7», « 07 », 7 and 7.0 are all «07» (a spreadsheet keeps a code typed as a number
    without its leading zero). Anything else comes back trimmed, to be refused as an unknown
    code by the caller. The one rule for every file, form, API field and command argument.
    (A run of digits far longer than any code comes back as it is, unknown as well: `int`
    refuses to read thousands of digits.)"""
    text = cell_text(value)
    if plain_digits(text) and len(text.lstrip("0")) <= 10:
        return str(int(text)).zfill(2)
    return text
