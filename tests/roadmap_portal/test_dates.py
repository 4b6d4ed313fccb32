"""The one date parser of every import (monitoring, index inputs, cascade progress)."""

import datetime as dt

import pytest

from roadmap_portal.dates import parse_date, parse_optional_date

D = dt.date(2025, 10, 6)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D, D),
        (dt.datetime(2025, 10, 6, 0, 0), D),
        (dt.datetime(2025, 10, 6, 14, 30), D),  # a date-time cell counts by its date
        (45936, D),  # Excel serial
        (45936.0, D),
        (45936.75, D),
        ("06.10.2025", D),
        (" 6.10.2025 ", D),
        ("06.10.25", D),
        ("2025-10-06", D),
        ("2025-10-06 00:00:00", D),
        ("2025-10-06T14:30", D),
        ("06.10.2025 0:00", D),
        ("29.02.2024", dt.date(2024, 2, 29)),
    ],
)
def test_parses(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        None,
        "31.02.2025",  # no such day
        "29.02.2025",
        "06/10/2025",
        "2025-10-06garbage",
        "06.10.2025 25:00",
        "06.10.202",
        "2025-1-6",
        "6 октября 2025",
        # digits other than 0-9 (full-width, Arabic-Indic): the rule of every number in a file
        "０６.１０.２０２５",
        "٠٦.١٠.٢٠٢٥",
        "２０２５-１０-０６",
        "2025-10-06 １４:30",
        "45936",  # a serial written as text is not a date
        12,  # a count, not a serial
        True,
        [],
    ],
)
def test_refuses(value):
    with pytest.raises(ValueError):
        parse_date(value)


@pytest.mark.parametrize(
    ("value", "expected"), [(None, None), ("", None), (" ", None), ("06.10.2025", D)]
)
def test_optional(value, expected):
    assert parse_optional_date(value) == expected


def test_optional_still_refuses_junk():
    with pytest.raises(ValueError):
        parse_optional_date("вчера")
