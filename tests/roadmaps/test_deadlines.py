"""Table tests for roadmaps.deadlines: every deadline printed in the seeds, and the edge cases.

Expected dates are written out by hand (not computed with calendar), so the tables double as
the specification of each printed form.
"""

import ast
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

MODULE_PATH = Path(__file__).resolve().parents[2] / "roadmaps" / "deadlines.py"


from roadmaps.deadlines import (  # noqa: E402
    DeadlineParseError,
    ParsedDeadline,
    monthly_due_dates,
    parse_deadline,
)

D = date


def _date(due: date) -> ParsedDeadline:
    return ParsedDeadline(kind="date", start_date=None, due_date=due)


def _by(due: date) -> ParsedDeadline:
    return ParsedDeadline(kind="by_date", start_date=None, due_date=due)


def _from(start: date) -> ParsedDeadline:
    return ParsedDeadline(kind="from_date", start_date=start, due_date=None)


def _month(start: date, due: date) -> ParsedDeadline:
    return ParsedDeadline(kind="month", start_date=start, due_date=due)


def _span(start: date, due: date) -> ParsedDeadline:
    return ParsedDeadline(kind="span", start_date=start, due_date=due)


def _quarter(start: date, due: date) -> ParsedDeadline:
    return ParsedDeadline(kind="quarter", start_date=start, due_date=due)


def _monthly(due: date) -> ParsedDeadline:
    return ParsedDeadline(kind="monthly", start_date=None, due_date=due, recurrence="monthly")


NONE = ParsedDeadline(kind="none", start_date=None, due_date=None)


# --- Seeds --------------------------------------------------------------------------------

# Seed 000, Sverdlovsk oblast: all 44 measures (number, printed deadline, expected).
SVERDLOVSK = [
    ("1.1", "31.08.2025", _date(D(2025, 8, 31))),
    ("1.2", "31.08.2025", _date(D(2025, 8, 31))),
    ("1.3", "31.10.2025", _date(D(2025, 10, 31))),
    ("1.4", "31.10.2025", _date(D(2025, 10, 31))),
    ("1.5", "26.12.2025", _date(D(2025, 12, 26))),
    ("1.6", "31.10.2025", _date(D(2025, 10, 31))),
    ("2.1", "31.08.2025", _date(D(2025, 8, 31))),
    ("2.2", "31.08.2025", _date(D(2025, 8, 31))),
    ("2.3", "30.11.2025", _date(D(2025, 11, 30))),
    ("2.4", "26.12.2025", _date(D(2025, 12, 26))),
    ("2.5", "26.12.2025", _date(D(2025, 12, 26))),
    ("2.6", "26.12.2025", _date(D(2025, 12, 26))),
    ("3.1", "30.09.2025", _date(D(2025, 9, 30))),
    ("3.2", "30.09.2025", _date(D(2025, 9, 30))),
    ("3.3", "31.07.2025", _date(D(2025, 7, 31))),
    ("3.4", "31.08.2025", _date(D(2025, 8, 31))),
    ("3.5", "31.10.2025", _date(D(2025, 10, 31))),
    ("3.6", "31.08.2025", _date(D(2025, 8, 31))),
    ("3.7", "31.08.2025", _date(D(2025, 8, 31))),
    ("3.8", "30.09.2025", _date(D(2025, 9, 30))),
    ("3.9", "31.10.2025", _date(D(2025, 10, 31))),
    ("3.10", "31.08.2025", _date(D(2025, 8, 31))),
    ("3.11", "31.10.2025", _date(D(2025, 10, 31))),
    ("3.12", "31.10.2025", _date(D(2025, 10, 31))),
    ("3.13", "31.10.2025", _date(D(2025, 10, 31))),
    ("3.14", "31.12.2025", _date(D(2025, 12, 31))),
    ("3.15", "31.12.2025", _date(D(2025, 12, 31))),
    ("3.16", "31.12.2025", _date(D(2025, 12, 31))),
    ("3.17", "31.12.2025", _date(D(2025, 12, 31))),
    ("3.18", "30.11.2025", _date(D(2025, 11, 30))),
    ("3.19", "30.11.2025", _date(D(2025, 11, 30))),
    ("3.20", "26.12.2025", _date(D(2025, 12, 26))),
    ("3.21", "26.12.2025", _date(D(2025, 12, 26))),
    ("3.22", "26.12.2025", _date(D(2025, 12, 26))),
    ("4.1", "30.11.2025", _date(D(2025, 11, 30))),
    ("4.2", "31.12.2025", _date(D(2025, 12, 31))),
    ("4.3", "30.11.2025", _date(D(2025, 11, 30))),
    ("4.4", "01.09.2025", _date(D(2025, 9, 1))),
    ("4.5", "30.09.2025", _date(D(2025, 9, 30))),
    ("4.6", "ежемесячно до 26.12.2025", _monthly(D(2025, 12, 26))),
    ("4.7", "30.09.2025", _date(D(2025, 9, 30))),
    ("4.8", "26.12.2025", _date(D(2025, 12, 26))),
    ("5.1", "25.12.2025", _date(D(2025, 12, 25))),
    ("5.2", "25.12.2025", _date(D(2025, 12, 25))),
]

# Seed 001, Moscow oblast: all 17 measures.
MOSCOW_OBLAST = [
    ("1", "июль 2025", _month(D(2025, 7, 1), D(2025, 7, 31))),
    ("2", "июль-август 2025", _span(D(2025, 7, 1), D(2025, 8, 31))),
    ("3", "август 2025", _month(D(2025, 8, 1), D(2025, 8, 31))),
    ("4", "август 2025", _month(D(2025, 8, 1), D(2025, 8, 31))),
    ("5", "август-сентябрь 2025", _span(D(2025, 8, 1), D(2025, 9, 30))),
    ("6", "сентябрь-октябрь 2025", _span(D(2025, 9, 1), D(2025, 10, 31))),
    ("7", "сентябрь-октябрь 2025", _span(D(2025, 9, 1), D(2025, 10, 31))),
    ("8", "сентябрь-октябрь 2025", _span(D(2025, 9, 1), D(2025, 10, 31))),
    ("9", "сентябрь-октябрь 2025", _span(D(2025, 9, 1), D(2025, 10, 31))),
    ("10", "сентябрь-октябрь 2025", _span(D(2025, 9, 1), D(2025, 10, 31))),
    ("11", "октябрь 2025", _month(D(2025, 10, 1), D(2025, 10, 31))),
    ("12", "август-декабрь 2025", _span(D(2025, 8, 1), D(2025, 12, 31))),
    ("13", "октябрь-декабрь 2025", _span(D(2025, 10, 1), D(2025, 12, 31))),
    ("14", "ноябрь-декабрь 2025", _span(D(2025, 11, 1), D(2025, 12, 31))),
    ("15", "ноябрь-декабрь 2025", _span(D(2025, 11, 1), D(2025, 12, 31))),
    ("16", "ноябрь 2025", _month(D(2025, 11, 1), D(2025, 11, 30))),
    ("17", "ноябрь 2025", _month(D(2025, 11, 1), D(2025, 11, 30))),
]

# Seed 004, Vladimir oblast: measures 1-5, 6, 7, 8-10.
VLADIMIR = [
    ("1-5", "до 31.08.2025", _by(D(2025, 8, 31))),
    ("6", "до 29.08.2025", _by(D(2025, 8, 29))),
    ("7", "до 15.09.2025", _by(D(2025, 9, 15))),
    ("8-10", "до 01.10.2025", _by(D(2025, 10, 1))),
]

# Seed 002: the federal plan and Samara's milestones print no year on most lines.
FEDERAL_AND_SAMARA = [
    ("Август", _month(D(2025, 8, 1), D(2025, 8, 31))),
    ("Сентябрь", _month(D(2025, 9, 1), D(2025, 9, 30))),
    ("Сентябрь – октябрь", _span(D(2025, 9, 1), D(2025, 10, 31))),
    ("до 15 сентября", _by(D(2025, 9, 15))),
    ("С 15 сентября", _from(D(2025, 9, 15))),
    ("1 ноября 2025 г.", _date(D(2025, 11, 1))),
    ("Июль", _month(D(2025, 7, 1), D(2025, 7, 31))),
    ("15 сентября", _date(D(2025, 9, 15))),
    ("14 июля 2025 года", _date(D(2025, 7, 14))),
    ("12 августа 2025 г.", _date(D(2025, 8, 12))),
    # docs/domain.md's reading of the same plan.
    ("до 15.09.2025", _by(D(2025, 9, 15))),
    ("с 15.09.2025", _from(D(2025, 9, 15))),
    ("01.11.2025", _date(D(2025, 11, 1))),
]


@pytest.mark.parametrize(("number", "text", "expected"), SVERDLOVSK)
def test_sverdlovsk_seed(number, text, expected):
    assert parse_deadline(text) == expected


@pytest.mark.parametrize(("number", "text", "expected"), MOSCOW_OBLAST)
def test_moscow_oblast_seed(number, text, expected):
    assert parse_deadline(text) == expected


@pytest.mark.parametrize(("numbers", "text", "expected"), VLADIMIR)
def test_vladimir_seed(numbers, text, expected):
    assert parse_deadline(text) == expected


@pytest.mark.parametrize(("text", "expected"), FEDERAL_AND_SAMARA)
def test_federal_and_samara_seed(text, expected):
    assert parse_deadline(text, default_year=2025) == expected


# --- Month names in every case form -------------------------------------------------------

# (number, nominative, genitive, prepositional, last day in 2025)
MONTH_NAMES = [
    (1, "январь", "января", "январе", 31),
    (2, "февраль", "февраля", "феврале", 28),
    (3, "март", "марта", "марте", 31),
    (4, "апрель", "апреля", "апреле", 30),
    (5, "май", "мая", "мае", 31),
    (6, "июнь", "июня", "июне", 30),
    (7, "июль", "июля", "июле", 31),
    (8, "август", "августа", "августе", 31),
    (9, "сентябрь", "сентября", "сентябре", 30),
    (10, "октябрь", "октября", "октябре", 31),
    (11, "ноябрь", "ноября", "ноябре", 30),
    (12, "декабрь", "декабря", "декабре", 31),
]


@pytest.mark.parametrize(("number", "nominative", "genitive", "prepositional", "last"), MONTH_NAMES)
def test_nominative_month(number, nominative, genitive, prepositional, last):
    expected = _month(D(2025, number, 1), D(2025, number, last))
    assert parse_deadline(f"{nominative} 2025") == expected
    assert parse_deadline(nominative.capitalize(), default_year=2025) == expected
    assert parse_deadline(nominative.upper() + " 2025") == expected


@pytest.mark.parametrize(("number", "nominative", "genitive", "prepositional", "last"), MONTH_NAMES)
def test_genitive_day_and_month(number, nominative, genitive, prepositional, last):
    assert parse_deadline(f"1 {genitive} 2025") == _date(D(2025, number, 1))
    assert parse_deadline(f"{last} {genitive} 2025 г.") == _date(D(2025, number, last))
    assert parse_deadline(f"до {last} {genitive}", default_year=2025) == _by(D(2025, number, last))
    assert parse_deadline(f"с 2 {genitive} 2025 года") == _from(D(2025, number, 2))


@pytest.mark.parametrize(("number", "nominative", "genitive", "prepositional", "last"), MONTH_NAMES)
def test_prepositional_month(number, nominative, genitive, prepositional, last):
    expected = _month(D(2025, number, 1), D(2025, number, last))
    assert parse_deadline(f"в {prepositional} 2025") == expected
    assert parse_deadline(f"В {prepositional.capitalize()}", default_year=2025) == expected


SHORT_NAMES = [
    ("янв", 1, 31),
    ("янв.", 1, 31),
    ("фев", 2, 28),
    ("фев.", 2, 28),
    ("февр.", 2, 28),
    ("мар", 3, 31),
    ("апр.", 4, 30),
    ("июн", 6, 30),
    ("июл.", 7, 31),
    ("авг", 8, 31),
    ("авг.", 8, 31),
    ("сен", 9, 30),
    ("сен.", 9, 30),
    ("сент", 9, 30),
    ("сент.", 9, 30),
    ("окт", 10, 31),
    ("окт.", 10, 31),
    ("ноя", 11, 30),
    ("ноя.", 11, 30),
    ("нояб.", 11, 30),
    ("дек", 12, 31),
    ("дек.", 12, 31),
    ("Дек.", 12, 31),
]


@pytest.mark.parametrize(("short", "number", "last"), SHORT_NAMES)
def test_short_month_names(short, number, last):
    assert parse_deadline(f"5 {short} 2025") == _date(D(2025, number, 5))
    assert parse_deadline(f"{short} 2025") == _month(D(2025, number, 1), D(2025, number, last))


# --- Other forms and tolerance ------------------------------------------------------------

OTHER_FORMS = [
    # Empty means "no deadline", not an error.
    ("", NONE),
    ("   ", NONE),
    ("\u00a0", NONE),
    # ISO dates.
    ("2025-10-01", _date(D(2025, 10, 1))),
    ("до 2025-10-01", _by(D(2025, 10, 1))),
    # Synonyms of «до».
    ("не позднее 01.10.2025", _by(D(2025, 10, 1))),
    ("по 31 декабря 2025 г.", _by(D(2025, 12, 31))),
    # Monthly duties.
    ("Ежемесячно до 26.12.2025", _monthly(D(2025, 12, 26))),
    ("ежемесячно, до 26 декабря 2025 года", _monthly(D(2025, 12, 26))),
    # Single-digit day and month.
    ("1.9.2025", _date(D(2025, 9, 1))),
    # Quarters.
    ("IV квартал 2025", _quarter(D(2025, 10, 1), D(2025, 12, 31))),
    ("4 квартал 2025", _quarter(D(2025, 10, 1), D(2025, 12, 31))),
    ("I квартал 2026", _quarter(D(2026, 1, 1), D(2026, 3, 31))),
    ("ii квартал 2025", _quarter(D(2025, 4, 1), D(2025, 6, 30))),
    ("III квартал 2025 г.", _quarter(D(2025, 7, 1), D(2025, 9, 30))),
    ("в IV квартале 2025 года", _quarter(D(2025, 10, 1), D(2025, 12, 31))),
    ("4-й квартал 2025", _quarter(D(2025, 10, 1), D(2025, 12, 31))),
    ("IV кв. 2025", _quarter(D(2025, 10, 1), D(2025, 12, 31))),
    ("1 квартал 2024", _quarter(D(2024, 1, 1), D(2024, 3, 31))),
    # Spans over a year end, with both years printed.
    ("ноябрь 2025 - январь 2026", _span(D(2025, 11, 1), D(2026, 1, 31))),
    ("декабрь 2025 г. – февраль 2026 г.", _span(D(2025, 12, 1), D(2026, 2, 28))),
    ("ноябрь 2024-февраль 2025", _span(D(2024, 11, 1), D(2025, 2, 28))),
    ("в ноябре 2025 - январе 2026", _span(D(2025, 11, 1), D(2026, 1, 31))),
    # February: leap years, including the century rules.
    ("февраль 2025", _month(D(2025, 2, 1), D(2025, 2, 28))),
    ("февраль 2024", _month(D(2024, 2, 1), D(2024, 2, 29))),
    ("февраль 2028", _month(D(2028, 2, 1), D(2028, 2, 29))),
    ("29.02.2024", _date(D(2024, 2, 29))),
    ("январь-февраль 2028", _span(D(2028, 1, 1), D(2028, 2, 29))),
    # A one-month "span" is still a span.
    ("август-август 2025", _span(D(2025, 8, 1), D(2025, 8, 31))),
]


@pytest.mark.parametrize(("text", "expected"), OTHER_FORMS)
def test_other_forms(text, expected):
    assert parse_deadline(text) == expected


TOLERATED_SPELLINGS = [
    ("  31.08.2025  ", _date(D(2025, 8, 31))),
    ("31.08.2025 г.", _date(D(2025, 8, 31))),
    ("31.08.2025г.", _date(D(2025, 8, 31))),
    ("31.08.2025 г", _date(D(2025, 8, 31))),
    ("31.08.2025 года", _date(D(2025, 8, 31))),
    ("ДО 29.08.2025", _by(D(2025, 8, 29))),
    ("до\u00a029.08.2025", _by(D(2025, 8, 29))),
    ("до \u00a0 29.08.2025\u00a0г.", _by(D(2025, 8, 29))),
    ("до   29.08.2025", _by(D(2025, 8, 29))),
    ("до\t29.08.2025\n", _by(D(2025, 8, 29))),
    ("ЕЖЕМЕСЯЧНО  ДО  26.12.2025", _monthly(D(2025, 12, 26))),
    ("июль - август 2025", _span(D(2025, 7, 1), D(2025, 8, 31))),
    ("июль–август 2025", _span(D(2025, 7, 1), D(2025, 8, 31))),
    ("июль – август 2025", _span(D(2025, 7, 1), D(2025, 8, 31))),
    ("июль—август 2025", _span(D(2025, 7, 1), D(2025, 8, 31))),
    ("июль — август 2025", _span(D(2025, 7, 1), D(2025, 8, 31))),
    ("июль\u00a0–\u00a0август\u00a02025", _span(D(2025, 7, 1), D(2025, 8, 31))),
    ("Июль-Август 2025 г.", _span(D(2025, 7, 1), D(2025, 8, 31))),
    ("ИЮЛЬ-АВГУСТ 2025 ГОДА", _span(D(2025, 7, 1), D(2025, 8, 31))),
    ("август  2025", _month(D(2025, 8, 1), D(2025, 8, 31))),
    ("август 2025 года", _month(D(2025, 8, 1), D(2025, 8, 31))),
    ("Август 2025 г.", _month(D(2025, 8, 1), D(2025, 8, 31))),
    ("15  сентября  2025", _date(D(2025, 9, 15))),
]


@pytest.mark.parametrize(("text", "expected"), TOLERATED_SPELLINGS)
def test_tolerated_spellings(text, expected):
    assert parse_deadline(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Август", _month(D(2026, 8, 1), D(2026, 8, 31))),
        ("Сентябрь – октябрь", _span(D(2026, 9, 1), D(2026, 10, 31))),
        ("до 15 сентября", _by(D(2026, 9, 15))),
        ("IV квартал", _quarter(D(2026, 10, 1), D(2026, 12, 31))),
        # A printed year wins over default_year.
        ("август 2025", _month(D(2025, 8, 1), D(2025, 8, 31))),
        ("до 15 сентября 2025", _by(D(2025, 9, 15))),
        ("31.08.2025", _date(D(2025, 8, 31))),
        # One printed year covers both ends of a span.
        ("ноябрь-декабрь 2025", _span(D(2025, 11, 1), D(2025, 12, 31))),
        ("ноябрь 2025-декабрь", _span(D(2025, 11, 1), D(2025, 12, 31))),
        ("", NONE),
    ],
)
def test_default_year(text, expected):
    assert parse_deadline(text, default_year=2026) == expected


# --- Errors -------------------------------------------------------------------------------

INVALID = [
    # Days and months that do not exist.
    ("31.02.2025", None),
    ("29.02.2025", None),
    ("32.01.2025", None),
    ("31.04.2025", None),
    ("00.01.2025", None),
    ("15.13.2025", None),
    ("15.00.2025", None),
    ("2025-02-30", None),
    ("2025-13-01", None),
    ("30 февраля 2025", None),
    ("31 сентября 2025 г.", None),
    ("до 31.06.2025", None),
    ("ежемесячно до 31.11.2025", None),
    ("август 0000", None),
    # Unknown words and shapes.
    ("завтра", None),
    ("до завтра", None),
    ("июль-автуст 2025", None),
    ("в течение года", None),
    ("31.08.25", None),
    ("2025", None),
    ("31.08.2025 31.09.2025", None),
    ("ежемесячно", None),
    ("до", None),
    ("5 квартал 2025", None),
    ("V квартал 2025", None),
    ("август.", None),
    # Spans whose end is before their start.
    ("октябрь-август 2025", None),
    ("декабрь-январь 2025", None),
    ("ноябрь-январь 2026", None),
    ("январь 2026 - декабрь 2025", None),
    ("ноябрь 2025 - январь", None),
    # No year printed and no default_year.
    ("август", None),
    ("Сентябрь – октябрь", None),
    ("в августе", None),
    ("до 15 сентября", None),
    ("С 15 сентября", None),
    ("IV квартал", None),
    # A default_year does not rescue a date that does not exist.
    ("30 февраля", 2025),
    ("октябрь-август", 2025),
]


@pytest.mark.parametrize(("text", "default_year"), INVALID)
def test_invalid_deadlines_raise(text, default_year):
    with pytest.raises(DeadlineParseError) as excinfo:
        parse_deadline(text, default_year=default_year)
    message = str(excinfo.value)
    assert message.startswith("Не удалось разобрать срок: ")
    assert f"«{text}»" in message


@pytest.mark.parametrize(
    ("text", "default_year", "detail"),
    [
        ("31.02.2025", None, "(даты «31.02.2025» не существует)"),
        ("июль-автуст 2025", None, "(неизвестное слово «автуст»)"),
        ("Завтра", None, "(неизвестное слово «завтра»)"),
        ("октябрь-август 2025", None, "(конец периода раньше его начала)"),
        ("август", None, "(не указан год)"),
        ("5 квартал 2025", None, "(квартала «5» не существует)"),
    ],
)
def test_error_messages_are_in_russian(text, default_year, detail):
    with pytest.raises(DeadlineParseError) as excinfo:
        parse_deadline(text, default_year=default_year)
    assert str(excinfo.value) == f"Не удалось разобрать срок: «{text}» {detail}"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("31.12.9999", "31.12.9999"),
        ("до 31.12.2098", "31.12.2098"),
        ("ежемесячно до 26.12.2099", "26.12.2099"),
        ("ноябрь 2023-февраль 2024", "01.11.2023"),
        ("февраль 2100", "01.02.2100"),
        ("IV квартал 2031", "01.10.2031"),
    ],
)
def test_a_day_outside_the_programmes_years_is_refused(text, day):
    """The window of every date a person gives (roadmap_portal.dates.implausible)."""
    with pytest.raises(DeadlineParseError) as excinfo:
        parse_deadline(text)
    assert str(excinfo.value) == (
        f"Дата {day} невозможна: портал принимает даты с 01.01.2024 по 31.12.2030."
    )


def test_parse_error_is_a_value_error():
    assert issubclass(DeadlineParseError, ValueError)


def test_parsed_deadline_is_frozen():
    parsed = parse_deadline("31.08.2025")
    with pytest.raises(AttributeError):
        parsed.due_date = D(2025, 9, 1)  # type: ignore[misc]


# --- monthly_due_dates --------------------------------------------------------------------

MONTHLY = [
    # Sverdlovsk 4.6, counted from the roadmap's approval on 22.08.2025.
    (
        D(2025, 12, 26),
        D(2025, 8, 22),
        [D(2025, 8, 26), D(2025, 9, 26), D(2025, 10, 26), D(2025, 11, 26), D(2025, 12, 26)],
    ),
    # Starting mid-month after the due day: the first month is skipped.
    (
        D(2025, 12, 26),
        D(2025, 8, 27),
        [D(2025, 9, 26), D(2025, 10, 26), D(2025, 11, 26), D(2025, 12, 26)],
    ),
    # Starting on the due day itself keeps that day.
    (D(2025, 10, 26), D(2025, 8, 26), [D(2025, 8, 26), D(2025, 9, 26), D(2025, 10, 26)]),
    # Until the 31st: clamped in 30-day months and February.
    (
        D(2025, 12, 31),
        D(2025, 1, 1),
        [
            D(2025, 1, 31),
            D(2025, 2, 28),
            D(2025, 3, 31),
            D(2025, 4, 30),
            D(2025, 5, 31),
            D(2025, 6, 30),
            D(2025, 7, 31),
            D(2025, 8, 31),
            D(2025, 9, 30),
            D(2025, 10, 31),
            D(2025, 11, 30),
            D(2025, 12, 31),
        ],
    ),
    # Leap February.
    (D(2024, 3, 31), D(2024, 1, 10), [D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31)]),
    # Until the 30th, starting on 31.01: January's 30th is before start; February clamps to 28.
    (D(2025, 3, 30), D(2025, 1, 31), [D(2025, 2, 28), D(2025, 3, 30)]),
    # Start on the clamped day of February is kept.
    (D(2025, 4, 30), D(2025, 2, 28), [D(2025, 2, 28), D(2025, 3, 30), D(2025, 4, 30)]),
    # Until in a 30-day month, clamped nowhere.
    (D(2025, 11, 30), D(2025, 9, 15), [D(2025, 9, 30), D(2025, 10, 30), D(2025, 11, 30)]),
    # Across a year end.
    (D(2026, 1, 31), D(2025, 11, 15), [D(2025, 11, 30), D(2025, 12, 31), D(2026, 1, 31)]),
    # Start in until's month, before or on until: only until.
    (D(2025, 12, 26), D(2025, 12, 1), [D(2025, 12, 26)]),
    (D(2025, 12, 26), D(2025, 12, 26), [D(2025, 12, 26)]),
]


@pytest.mark.parametrize(("until", "start", "expected"), MONTHLY)
def test_monthly_due_dates(until, start, expected):
    result = monthly_due_dates(until=until, start=start)
    assert result == expected
    assert result[-1] == until
    assert all(due >= start for due in result)


def test_monthly_due_dates_from_parsed_deadline():
    parsed = parse_deadline("ежемесячно до 26.12.2025")
    assert parsed.recurrence == "monthly"
    dates = monthly_due_dates(until=parsed.due_date, start=D(2025, 9, 1))
    assert dates == [D(2025, 9, 26), D(2025, 10, 26), D(2025, 11, 26), D(2025, 12, 26)]


def test_monthly_due_dates_rejects_start_after_until():
    with pytest.raises(ValueError, match="позже срока окончания"):
        monthly_due_dates(until=D(2025, 12, 26), start=D(2025, 12, 27))


# --- No Django ----------------------------------------------------------------------------


def test_module_source_does_not_import_django():
    tree = ast.parse(MODULE_PATH.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert not {name for name in imported if name.split(".")[0] == "django"}


def test_fresh_import_does_not_load_django():
    # Load the file on its own in a new interpreter, so neither this test session nor the
    # package's __init__ can have put Django into sys.modules. The project root is on the
    # path for the one date window it imports (roadmap_portal.dates: pure, as its package).
    code = (
        "import importlib.util, sys\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "spec = importlib.util.spec_from_file_location('deadlines_alone', sys.argv[1])\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "sys.modules[spec.name] = module\n"
        "spec.loader.exec_module(module)\n"
        "assert module.parse_deadline('31.08.2025').kind == 'date'\n"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", code, str(MODULE_PATH), str(MODULE_PATH.parents[1])],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"


# --- A period with the precise day printed with it ---------------------------------------

# The federal plan prints a heading per period and the precise day in the item's text:
# «Сентябрь – октябрь» over «С 15 сентября массовый перевод …» starts on 15.09, not 01.09.
PERIOD_AND_DAY = [
    ("Сентябрь – октябрь … с 15 сентября", _span(D(2025, 9, 15), D(2025, 10, 31))),
    ("Сентябрь – октябрь ... с 15 сентября", _span(D(2025, 9, 15), D(2025, 10, 31))),
    ("сентябрь-октябрь 2025, с 15.09.2025", _span(D(2025, 9, 15), D(2025, 10, 31))),
    ("Сентябрь – октябрь (с 15 сентября)", _span(D(2025, 9, 15), D(2025, 10, 31))),
    (
        "Сентябрь … до 15 сентября",
        ParsedDeadline(kind="by_date", start_date=D(2025, 9, 1), due_date=D(2025, 9, 15)),
    ),
    (
        "сентябрь; до 15 сентября 2025 г.",
        ParsedDeadline(kind="by_date", start_date=D(2025, 9, 1), due_date=D(2025, 9, 15)),
    ),
    ("Сентябрь – октябрь … с 1 сентября", _span(D(2025, 9, 1), D(2025, 10, 31))),
]


@pytest.mark.parametrize(("text", "expected"), PERIOD_AND_DAY)
def test_period_with_its_precise_day(text, expected):
    assert parse_deadline(text, default_year=2025) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Август … до 15 сентября", "вне периода 01.08.2025–31.08.2025"),
        ("Сентябрь – октябрь … с 15 ноября", "вне периода"),
        ("Сентябрь … с 31 сентября", "не существует"),
        ("Сентябрь … когда-нибудь", "неизвестное слово «когда»"),
    ],
)
def test_period_with_a_day_outside_or_unknown_is_refused(text, message):
    with pytest.raises(DeadlineParseError) as error:
        parse_deadline(text, default_year=2025)
    assert message in str(error.value)


def test_period_with_a_day_needs_a_year():
    with pytest.raises(DeadlineParseError, match="не указан год"):
        parse_deadline("Сентябрь – октябрь … с 15 сентября")
