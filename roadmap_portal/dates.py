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
Anything else, an impossible day («31.02.2025»), or a day outside the years the portal can
mean (`FIRST_DAY` … `LAST_DAY`: «0001-01-01» is a typo, and the weeks, stages and trends
around it overflow Python's dates) is refused:
`parse_date` raises `ValueError`, never guesses. The query-string dates of the pages and the
API are read by the same rule. Pure Python, no Django.
"""

from __future__ import annotations

import datetime as dt
import re

# what an error message tells the user to write
DATE_HINT = "ДД.ММ.ГГГГ или ГГГГ-ММ-ДД"
# the same two forms typed into a form field (forms.DateField(input_formats=...))
INPUT_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]

# the days a file, a form or a query string may name
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_SERIALS = (20000, 80000)  # 04.10.1954 … 10.01.2119, exclusive
_TIME = r"(?:[ T](?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?)?"
# re.ASCII: `\d` is 0-9 only, as in every number of a file (roadmap_portal.numbers); without
# it «０６.１０.２０２５» (full-width) or Arabic-Indic digits would read as a date
_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})" + _TIME + r"$", re.ASCII)
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})" + _TIME + r"$", re.ASCII)


def parse_date(value: object) -> dt.date:
    """The date a file cell holds; `ValueError` when it holds none (see the module doc)."""
    day = _parse_date(value)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(value)
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
