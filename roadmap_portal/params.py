"""Reading a query-string parameter: one reader per kind, one refusal.

A parameter that decides WHICH figures or rows are shown (a date, a period, a region, a
filter, the approved-only switch, a criterion, the map's indicator …) is read by its kind,
and a value that cannot be read is refused with `BadParameter`: its Russian message names
the parameter, the value and what is accepted. It is never replaced by a default: a
coordinator who asked for 01.10.2025 and mistyped it must not read today's figures believing
they are 01.10's. An empty value (`?date=`) is the same as no parameter: the default.

Who answers the refusal (one place each):
- a page: `roadmap_portal.middleware.ServiceRefusalMiddleware` → `errors.bad_parameter`:
  HTTP 400, the portal's Russian error page, with a link to the same page without that
  parameter;
- the API: `roadmap_portal.api.common.exception_handler` → HTTP 400 with the API's body of
  every refusal, `{"code": "invalid", "detail": …, "fields": {"<name>": ["<message>"]}}`;
- a command (`--date`, `--week`, `--region` …): `agencies.commands.PortalCommand` →
  `CommandError` with the same reason.
The lists' filters (pages and API alike) are FilterSets built on
`roadmap_portal.filtersets.PortalFilterSet`, whose fields read through the same kinds and
refuse the same way: a filter value that cannot be read never drops the filter and lists
every row.

Kinds: `date` (`roadmap_portal.dates.parse_date`, the one date parser: ДД.ММ.ГГГГ or
ГГГГ-ММ-ДД, a real day between `FIRST_DAY` and `LAST_DAY`), `choice` (one of a set of
codes), `flag` (1/0, true/false), `integer` (an id or a count, in a range), `region_code`
(as files write it, `numbers.normalise_region_code`) and `region` (that code among the
regions the user may see: a code out of the user's scope is a 404 exactly like one that
does not exist, so the answer never tells which regions exist).

Presentation-only parameters are read leniently on purpose: an unknown value shows the
default, and the figures are the same either way.
- `sort`, `msort`: the column order of the dashboards and of the indicators table;
  `ordering` of the API lists (DRF's `OrderingFilter` ignores an unknown field). The
  measure list's `ordering` is a field of its filter form and is checked with the form.
- `page` of the pages: Django's `Paginator.get_page` (not a number: the first page; past
  the end: the last page). The API's `page` is DRF's page-number pagination: a page that
  does not exist is its 404.
- `q`: a free-text search; any text is a search.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, overload

from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .dates import DATE_HINT, FIRST_DAY, LAST_DAY, ImplausibleDate, parse_date
from .numbers import normalise_region_code, plain_digits
from .tables import shown

MAX_ID = 2**63 - 1  # a primary key fits a signed 64-bit integer on every backend
# a flag's spellings: what the pages' checkboxes send (1) and what the API documents (true)
FLAG_VALUES = {"1": True, "true": True, "0": False, "false": False}
SHOWN_LIMIT = 60  # characters of a refused value quoted in the message

M = TypeVar("M", bound=Model)


class BadParameter(Exception):
    """A query parameter whose value cannot be read; `message` is for the user (Russian).

    `reason` is the part that says what is accepted: a command wraps it in its own words.
    """

    def __init__(self, name: str, value: Any, reason: str):
        self.name = name
        self.value = "" if value is None else str(value)
        self.reason = reason
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return _("Параметр «%(name)s»: значение «%(value)s» не принято. %(reason)s") % {
            "name": shown(self.name, SHOWN_LIMIT),
            "value": shown(self.value, SHOWN_LIMIT),
            "reason": self.reason,
        }


def raw(query: Mapping[str, Any], name: str) -> str:
    """The parameter's text, stripped; empty when absent (a QueryDict gives the last value
    of a repeated parameter)."""
    value = query.get(name)
    return "" if value is None else str(value).strip()


# --- dates -----------------------------------------------------------------------------


def date_reason() -> str:
    return _("Такой даты нет: нужен формат %(hint)s, дата с %(first)s по %(last)s.") % {
        "hint": DATE_HINT,
        "first": FIRST_DAY.strftime("%d.%m.%Y"),
        "last": LAST_DAY.strftime("%d.%m.%Y"),
    }


def date_value(text: str, name: str = "") -> dt.date:
    """A date as the portal reads every date (`parse_date`, its window), or `BadParameter`."""
    try:
        return parse_date(text)
    except ImplausibleDate as exc:  # a real day outside the programme's years
        raise BadParameter(name, text, str(exc)) from None
    except ValueError:
        raise BadParameter(name, text, date_reason()) from None


@overload
def date(query: Mapping[str, Any], name: str, default: dt.date) -> dt.date: ...
@overload
def date(query: Mapping[str, Any], name: str, default: None = None) -> dt.date | None: ...
def date(query: Mapping[str, Any], name: str, default: dt.date | None = None) -> dt.date | None:
    """`?date=01.10.2025`: the day; `default` without one; `BadParameter` for anything else."""
    text = raw(query, name)
    return date_value(text, name) if text else default


# --- choices, flags, integers ----------------------------------------------------------


def choices_reason(codes: Iterable[str]) -> str:
    listed = [str(code) for code in codes if str(code) != ""]
    if not listed:
        return _("Сейчас допустимых значений нет.")
    return _("Допустимые значения: %(codes)s.") % {"codes": ", ".join(listed)}


@overload
def choice(query: Mapping[str, Any], name: str, codes: Iterable[str], default: str) -> str: ...
@overload
def choice(
    query: Mapping[str, Any], name: str, codes: Iterable[str], default: None = None
) -> str | None: ...
def choice(
    query: Mapping[str, Any], name: str, codes: Iterable[str], default: str | None = None
) -> str | None:
    """One of `codes` (compared exactly), `default` without a value."""
    text = raw(query, name)
    if not text:
        return default
    codes = list(codes)
    if text not in codes:
        raise BadParameter(name, text, choices_reason(codes))
    return text


def flag_reason() -> str:
    return _("Допустимые значения: 1 или 0 (true или false).")


def flag_value(text: str, name: str = "") -> bool:
    found = FLAG_VALUES.get(text.strip().lower())
    if found is None:
        raise BadParameter(name, text, flag_reason())
    return found


def flag(query: Mapping[str, Any], name: str, default: bool = False) -> bool:
    """A switch: `?approved=1` (or true), `?approved=0` (or false); absent: `default`."""
    text = raw(query, name)
    return flag_value(text, name) if text else default


def integer_reason(low: int | None = None, high: int | None = None) -> str:
    if low is not None and high is not None and high < MAX_ID:
        return _("Нужно целое число от %(low)s до %(high)s.") % {"low": low, "high": high}
    if low is not None:
        return _("Нужно целое число не меньше %(low)s.") % {"low": low}
    if high is not None:
        return _("Нужно целое число не больше %(high)s.") % {"high": high}
    return _("Нужно целое число.")


def integer_value(text: str, name: str = "", *, low: int = 1, high: int = MAX_ID) -> int:
    """Digits 0-9 only (`roadmap_portal.numbers`), within `low` … `high`."""
    digits = text.strip()
    negative = digits.startswith("-")
    if negative:
        digits = digits[1:]
    # a run of digits far longer than any bound is out of range, without reading it
    if not plain_digits(digits) or len(digits.lstrip("0")) > 30:
        raise BadParameter(name, text, integer_reason(low, high))
    number = -int(digits) if negative else int(digits)
    if not low <= number <= high:
        raise BadParameter(name, text, integer_reason(low, high))
    return number


@overload
def integer(
    query: Mapping[str, Any], name: str, default: int, *, low: int = 1, high: int = MAX_ID
) -> int: ...
@overload
def integer(
    query: Mapping[str, Any], name: str, default: None = None, *, low: int = 1, high: int = MAX_ID
) -> int | None: ...
def integer(
    query: Mapping[str, Any],
    name: str,
    default: int | None = None,
    *,
    low: int = 1,
    high: int = MAX_ID,
) -> int | None:
    """An id (the default range: a primary key) or a count; `default` without a value."""
    text = raw(query, name)
    return integer_value(text, name, low=low, high=high) if text else default


# --- regions ---------------------------------------------------------------------------


def region_reason() -> str:
    return _("Нужен код субъекта РФ из двух цифр, например 66.")


def region_code_value(text: str, name: str = "") -> str:
    """A region code as files write it («7» is «07»); `BadParameter` unless two digits."""
    code = normalise_region_code(text)
    if len(code) != 2 or not plain_digits(code):
        raise BadParameter(name, text, region_reason())
    return code


def region_code(query: Mapping[str, Any], name: str) -> str | None:
    text = raw(query, name)
    return region_code_value(text, name) if text else None


def region(query: Mapping[str, Any], name: str, regions: QuerySet[M] | Iterable[M]) -> M | None:
    """The region of `?region=66` among `regions` (the user's scope); None without one.

    A code that cannot be a code is `BadParameter`; a code of a region the user may not
    see is `Http404`, the answer for a code no region has: a page never tells which
    regions exist."""
    code = region_code(query, name)
    if code is None:
        return None
    if isinstance(regions, QuerySet):
        found = regions.filter(code=code).first()
    else:
        found = next((item for item in regions if getattr(item, "code", None) == code), None)
    if found is None:
        raise Http404
    return found
