"""Parse deadlines as printed in regional roadmaps («31.08.2025», «июль-август 2025», …).

Pure Python on purpose: no Django import, so seeds loaders, imports, forms and tests can use
it alike (STYLE.md R12). The printed text is kept beside the parsed dates by the caller;
this module only turns the text into dates.

Supported forms (case-insensitive; NBSP, repeated spaces, hyphen/en dash/em dash with or
without spaces and a trailing «г.»/«года» are tolerated):

    «31.08.2025», «2025-10-01», «1 ноября 2025 г.»        -> kind "date"
    «до 29.08.2025», «до 15 сентября», «не позднее …», «по …» -> kind "by_date"
    «с 15.09.2025», «с 15 сентября»                       -> kind "from_date"
    «ежемесячно до 26.12.2025»                            -> kind "monthly"
    «август 2025», «в августе 2025», «Август»              -> kind "month"
    «июль-август 2025», «ноябрь 2025 - январь 2026»         -> kind "span"
    «IV квартал 2025», «4 квартал 2025»                   -> kind "quarter"
    «Сентябрь – октябрь … с 15 сентября»                  -> kind "span" from that day
    «Сентябрь … до 15 сентября»                           -> kind "by_date" (start: the month)
    «» (empty)                                            -> kind "none"

A period printed as a heading with a precise day in the text («Сентябрь – октябрь» over
«С 15 сентября массовый перевод …») is written with «…», «,», «;» or in brackets between
them; the day must fall inside the period.

A missing year is taken from ``default_year``; without it the text is rejected rather than
guessed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from roadmap_portal.dates import implausible

__all__ = [
    "DeadlineParseError",
    "ImplausibleDeadline",
    "ParsedDeadline",
    "monthly_due_dates",
    "parse_deadline",
]


class DeadlineParseError(ValueError):
    """The printed deadline cannot be turned into dates; the message is shown to users."""


class ImplausibleDeadline(DeadlineParseError):
    """A deadline whose day is outside the programme's years (`implausible`)."""


@dataclass(frozen=True)
class ParsedDeadline:
    """Dates read from a printed deadline.

    ``kind`` is one of "none", "date", "by_date", "month", "span", "quarter", "monthly",
    "from_date". ``due_date`` is the day the measure is due (None for "none" and
    "from_date"); ``start_date`` is set for months, spans, quarters and "с …" deadlines.
    """

    kind: str
    start_date: date | None
    due_date: date | None
    recurrence: str = ""  # "" or "monthly"


# --- Vocabulary -------------------------------------------------------------------------

_NOMINATIVE = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)
_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
_PREPOSITIONAL = (
    "январе",
    "феврале",
    "марте",
    "апреле",
    "мае",
    "июне",
    "июле",
    "августе",
    "сентябре",
    "октябре",
    "ноябре",
    "декабре",
)
# Abbreviations as printed in tables; each may carry a dot («сент.»).
_SHORT = {
    "янв": 1,
    "фев": 2,
    "февр": 2,
    "мар": 3,
    "апр": 4,
    "июн": 6,
    "июл": 7,
    "авг": 8,
    "сен": 9,
    "сент": 9,
    "окт": 10,
    "ноя": 11,
    "нояб": 11,
    "дек": 12,
}

_MONTHS: dict[str, int] = {}
for _forms in (_NOMINATIVE, _GENITIVE, _PREPOSITIONAL):
    for _number, _form in enumerate(_forms, start=1):
        _MONTHS[_form] = _number
_MONTHS.update(_SHORT)

_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}

# Words that may legitimately appear in a deadline; anything else is reported by name.
_KNOWN_WORDS = frozenset(_MONTHS) | {
    "до",
    "по",
    "с",
    "не",
    "позднее",
    "в",
    "ежемесячно",
    "квартал",
    "квартала",
    "квартале",
    "кв",
    "й",
    "г",
    "гг",
    "год",
    "года",
    "i",
    "ii",
    "iii",
    "iv",
}

# --- Grammar (applied to normalised text: lower case, single spaces, "-" for any dash) ----

# Longest first so that «сентябрь» is preferred over «сент» and «сен».
_MONTH_ALTERNATIVES = "|".join(
    re.escape(word) + (r"\.?" if word in _SHORT else "")
    for word in sorted(_MONTHS, key=len, reverse=True)
)
_YEAR_SUFFIX = r"(?: ?(?:года|год|гг?\.?))?"


def _month(name: str) -> str:
    return rf"(?P<{name}>{_MONTH_ALTERNATIVES})(?![а-я])"


def _year(name: str) -> str:
    # Year 0 does not exist in datetime; such text is reported as unparsable.
    return rf"(?P<{name}>[1-9]\d{{3}}){_YEAR_SUFFIX}"


_DATE = (
    r"(?:"
    rf"(?P<num_day>\d{{1,2}})\.(?P<num_month>\d{{1,2}})\.{_year('num_year')}"
    rf"|(?P<iso_year>[1-9]\d{{3}})-(?P<iso_month>\d{{2}})-(?P<iso_day>\d{{2}}){_YEAR_SUFFIX}"
    rf"|(?P<text_day>\d{{1,2}}) {_month('text_month')}(?: {_year('text_year')})?"
    r")"
)
_DATE_PREFIXES = {
    "": "date",
    "до": "by_date",
    "по": "by_date",
    "не позднее": "by_date",
    "с": "from_date",
    "ежемесячно до": "monthly",
}

_DATE_RE = re.compile(rf"(?:(?P<prefix>ежемесячно,? до|не позднее|до|по|с) )?(?P<date>{_DATE})")
_MONTHS_RE = re.compile(
    rf"(?:в )?{_month('first')}(?: {_year('first_year')})?"
    rf"(?:-{_month('last')}(?: {_year('last_year')})?)?"
)
_QUARTER_RE = re.compile(
    rf"(?:в )?(?P<quarter>[ivx]+|\d+)(?:-?й)? (?:квартал[ае]?|кв\.?)(?: {_year('year')})?"
)

# «<month or span> … с|до <day>»: the period's heading and the precise day printed with it
_PERIOD_DAY_RE = re.compile(rf"(?P<period>.+?) ?(?:\.\.\.|…|,|;|\() ?(?P<day>(?:с|до) {_DATE})\)?")

_WORD_RE = re.compile(r"[a-zа-я]+")
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))
_INVISIBLE = str.maketrans(dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", ""))


def _normalise(text: str) -> str:
    text = text.translate(_INVISIBLE).translate(_DASHES).casefold().replace("ё", "е")
    text = " ".join(text.split())  # str.split() also splits on NBSP and narrow NBSP
    return re.sub(r" ?- ?", "-", text)


# --- Errors -------------------------------------------------------------------------------


def _unparsable(text: str, normalised: str) -> DeadlineParseError:
    for word in _WORD_RE.findall(normalised):
        if word not in _KNOWN_WORDS:
            return DeadlineParseError(
                f"Не удалось разобрать срок: «{text}» (неизвестное слово «{word}»)"
            )
    return DeadlineParseError(f"Не удалось разобрать срок: «{text}»")


def _no_year(text: str) -> DeadlineParseError:
    return DeadlineParseError(f"Не удалось разобрать срок: «{text}» (не указан год)")


def _make_date(year: int, month: int, day: int, *, printed: str, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DeadlineParseError(
            f"Не удалось разобрать срок: «{text}» (даты «{printed}» не существует)"
        ) from None


def _first_given(*years: int | None) -> int | None:
    return next((year for year in years if year is not None), None)


def _first_day(year: int, month: int) -> date:
    return date(year, month, 1)


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


# --- Rules --------------------------------------------------------------------------------


def _from_date_match(
    match: re.Match[str], *, text: str, default_year: int | None
) -> ParsedDeadline:
    printed = match["date"]
    if match["num_day"]:
        year, month, day = int(match["num_year"]), int(match["num_month"]), int(match["num_day"])
    elif match["iso_day"]:
        year, month, day = int(match["iso_year"]), int(match["iso_month"]), int(match["iso_day"])
    else:
        month, day = _MONTHS[match["text_month"].rstrip(".")], int(match["text_day"])
        if match["text_year"]:
            year = int(match["text_year"])
        elif default_year is not None:
            year = default_year
        else:
            raise _no_year(text)
    when = _make_date(year, month, day, printed=printed, text=text)

    prefix = (match["prefix"] or "").replace(",", "")
    kind = _DATE_PREFIXES[prefix]
    if kind == "from_date":
        return ParsedDeadline(kind=kind, start_date=when, due_date=None)
    if kind == "monthly":
        return ParsedDeadline(kind=kind, start_date=None, due_date=when, recurrence="monthly")
    return ParsedDeadline(kind=kind, start_date=None, due_date=when)


def _from_months_match(
    match: re.Match[str], *, text: str, default_year: int | None
) -> ParsedDeadline:
    first = _MONTHS[match["first"].rstrip(".")]
    first_year = int(match["first_year"]) if match["first_year"] else None
    if not match["last"]:
        year = first_year if first_year is not None else default_year
        if year is None:
            raise _no_year(text)
        return ParsedDeadline(
            kind="month", start_date=_first_day(year, first), due_date=_last_day(year, first)
        )

    last = _MONTHS[match["last"].rstrip(".")]
    last_year = int(match["last_year"]) if match["last_year"] else None
    # A single printed year covers the whole span («июль-август 2025»); a span over a year
    # end must name both years («ноябрь 2025 - январь 2026»), so «ноябрь-январь 2026» is
    # rejected below instead of being guessed.
    start_year = _first_given(first_year, last_year, default_year)
    end_year = _first_given(last_year, first_year, default_year)
    if start_year is None or end_year is None:
        raise _no_year(text)
    start, due = _first_day(start_year, first), _last_day(end_year, last)
    if due < start:
        raise DeadlineParseError(
            f"Не удалось разобрать срок: «{text}» (конец периода раньше его начала)"
        )
    return ParsedDeadline(kind="span", start_date=start, due_date=due)


def _from_quarter_match(
    match: re.Match[str], *, text: str, default_year: int | None
) -> ParsedDeadline:
    quarter = _QUARTERS.get(match["quarter"])
    if quarter is None:
        raise DeadlineParseError(
            f"Не удалось разобрать срок: «{text}» (квартала «{match['quarter']}» не существует)"
        )
    year = int(match["year"]) if match["year"] else default_year
    if year is None:
        raise _no_year(text)
    first_month = 3 * quarter - 2
    return ParsedDeadline(
        kind="quarter",
        start_date=_first_day(year, first_month),
        due_date=_last_day(year, first_month + 2),
    )


_RULES = (
    (_DATE_RE, _from_date_match),
    (_MONTHS_RE, _from_months_match),
    (_QUARTER_RE, _from_quarter_match),
)


def _from_period_and_day(
    match: re.Match[str], *, text: str, default_year: int | None
) -> ParsedDeadline | None:
    period_match = _MONTHS_RE.fullmatch(match["period"])
    day_match = _DATE_RE.fullmatch(match["day"])
    if period_match is None or day_match is None:
        return None
    period = _from_months_match(period_match, text=text, default_year=default_year)
    day = _from_date_match(day_match, text=text, default_year=default_year)
    when = day.start_date if day.kind == "from_date" else day.due_date
    assert period.start_date and period.due_date and when
    if not period.start_date <= when <= period.due_date:
        raise DeadlineParseError(
            f"Не удалось разобрать срок: «{text}» (дата {when:%d.%m.%Y} вне периода "
            f"{period.start_date:%d.%m.%Y}–{period.due_date:%d.%m.%Y})"
        )
    if day.kind == "from_date":
        return ParsedDeadline(kind="span", start_date=when, due_date=period.due_date)
    return ParsedDeadline(kind="by_date", start_date=period.start_date, due_date=when)


# --- Public API ---------------------------------------------------------------------------


def parse_deadline(text: str, *, default_year: int | None = None) -> ParsedDeadline:
    """Parse a printed deadline; raise DeadlineParseError (Russian message) if impossible.

    An empty or blank text means "no deadline" and gives ``kind="none"`` with no dates.
    ``default_year`` supplies the year for texts that omit it («до 15 сентября», «Август»).
    A day outside the programme's years («31.12.9999») is refused with the portal's one
    message (`roadmap_portal.dates.implausible`), as every other date a person gives.
    """
    parsed = _parse_deadline(text, default_year=default_year)
    for day in (parsed.start_date, parsed.due_date):
        problem = implausible(day)
        if problem:
            raise ImplausibleDeadline(problem)
    return parsed


def _parse_deadline(text: str, *, default_year: int | None) -> ParsedDeadline:
    normalised = _normalise(text or "")
    if not normalised:
        return ParsedDeadline(kind="none", start_date=None, due_date=None)
    for pattern, build in _RULES:
        match = pattern.fullmatch(normalised)
        if match:
            return build(match, text=text, default_year=default_year)
    match = _PERIOD_DAY_RE.fullmatch(normalised)
    if match:
        parsed = _from_period_and_day(match, text=text, default_year=default_year)
        if parsed is not None:
            return parsed
    raise _unparsable(text, normalised)


def monthly_due_dates(*, until: date, start: date) -> list[date]:
    """Due dates of a monthly duty («ежемесячно до 26.12.2025») from ``start`` to ``until``.

    1. One date per calendar month from ``start``'s month to ``until``'s month.
    2. Each falls on ``until``'s day of month, clamped to the month's length (31 -> 30.09,
       28.02 or 29.02 in a leap year).
    3. A date before ``start`` is dropped (a duty starting 27.08 with reports due on the 26th
       first reports on 26.09); the last date is always ``until`` itself.
    """
    if start > until:
        raise ValueError(f"Дата начала {start:%d.%m.%Y} позже срока окончания {until:%d.%m.%Y}")
    dates = []
    year, month = start.year, start.month
    while (year, month) <= (until.year, until.month):
        day = min(until.day, calendar.monthrange(year, month)[1])
        due = date(year, month, day)
        if due >= start:
            dates.append(due)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return dates
