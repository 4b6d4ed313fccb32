"""Reading a date from an uploaded file: the one parser every import uses.

Monitoring exports, index inputs and cascade progress files give dates as:
- a date cell of an XLSX (openpyxl gives a date or a datetime: its calendar date counts);
- an Excel serial number, when the cell is a number formatted as a date elsewhere
  (45936 -> 06.10.2025; only serials between 1954 and 2119 are taken for dates);
- text «06.10.2025», «6.10.2025», «06.10.25» (a two-digit year is 20YY);
- text «2025-10-06».
A time after the date, as spreadsheets write date-times («2025-10-06 00:00:00»,
«2025-10-06T14:30», «06.10.2025 9:05»; a fractional serial), is dropped: the calendar date
counts, as it does for a datetime cell. Digits are 0-9 only, as in every number of a file.
Anything else, or an impossible day («31.02.2025»), is refused: `parse_date` raises
`ValueError`, never guesses. The query-string dates of the pages, the API and its filters,
and the command-line dates are read by the same rule (`roadmap_portal.params.date`, which
refuses a date it cannot read instead of falling back to today). Pure Python, no Django.

**Plausible days.** Every date a person or a file gives the portal (monitoring weeks, index
facts, cascade progress, a roadmap's deadlines and approval date, the forms, the API's date
fields, report periods, the admin's forms through the models' `plausible_date` validator,
query strings, command-line dates) lies in `FIRST_DAY` … `LAST_DAY`, else it is refused with
the one message `implausible(day)`, never stored: «31.12.9999» or «01.01.0001» is a typo
(and the weeks, stages and trends around it would overflow Python's dates). The window is
the programme's, DOMAIN.md: the law (156-FZ) and the roadmaps date from 2025, the regions'
baselines look back to the 2024/2025 school year, so nothing real is before 2024; the
roadmaps run for some years, for the national development goals set to 2030, so nothing
real is after 2030. Extend `LAST_DAY` (one line) if the programme is extended.
"""

from __future__ import annotations

import datetime as dt
import re

# what an error message tells the user to write
DATE_HINT = "ДД.ММ.ГГГГ или ГГГГ-ММ-ДД"
# the same two forms typed into a form field (forms.DateField(input_formats=...))
INPUT_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]

# the days a file, a form, the API or a query string may name (see «Plausible days» above)
FIRST_DAY = dt.date(2024, 1, 1)
LAST_DAY = dt.date(2030, 12, 31)
OUT_OF_RANGE = "Дата {day} невозможна: портал принимает даты с {first} по {last}."


class ImplausibleDate(ValueError):
    """A real day outside FIRST_DAY … LAST_DAY; its text is the Russian message."""


def implausible(day: dt.date | None) -> str | None:
    """The one Russian message for a day outside FIRST_DAY … LAST_DAY, else None."""
    if day is None or FIRST_DAY <= day <= LAST_DAY:
        return None
    return OUT_OF_RANGE.format(
        day=day.strftime("%d.%m.") + f"{day.year:04d}",
        first=FIRST_DAY.strftime("%d.%m.%Y"),
        last=LAST_DAY.strftime("%d.%m.%Y"),
    )


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_SERIALS = (20000, 80000)  # 04.10.1954 … 10.01.2119, exclusive
_TIME = r"(?:[ T](?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?)?"
# re.ASCII: `\d` is 0-9 only, as in every number of a file (roadmap_portal.numbers); without
# it «０６.１０.２０２５» (full-width) or Arabic-Indic digits would read as a date
_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})" + _TIME + r"$", re.ASCII)
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})" + _TIME + r"$", re.ASCII)


def parse_date(value: object) -> dt.date:
    """The date a file cell holds; `ValueError` when it holds none, `ImplausibleDate` (a
    `ValueError` whose text is the message) when it is outside the window (module doc)."""
    day = _parse_date(value)
    problem = implausible(day)
    if problem:
        raise ImplausibleDate(problem)
    return day


def _parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        low, high = _EXCEL_SERIALS
        if low < value < high:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(value)
    if not isinstance(value, str):
        raise ValueError(value)
    text = value.strip()
    match = _DMY.match(text)
    if match:
        day, month, year = match.groups()
        full_year = int(year) + 2000 if len(year) == 2 else int(year)
        return dt.date(full_year, int(month), int(day))
    match = _ISO.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        return dt.date(year, month, day)
    raise ValueError(value)


def parse_optional_date(value: object) -> dt.date | None:
    """As `parse_date`, but an empty cell (None, blank text) is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_date(value)
