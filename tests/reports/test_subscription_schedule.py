"""When a subscription is due, in its region's time zone: a table (pure, no database)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from reports.subscription_schedule import (
    MONTHLY,
    WEEKLY,
    Schedule,
    due_period,
    next_due_at,
    period_at,
)

UTC = dt.UTC
EKB = ZoneInfo("Asia/Yekaterinburg")  # UTC+5
MSK = ZoneInfo("Europe/Moscow")  # UTC+3
KAM = ZoneInfo("Asia/Kamchatka")  # UTC+12
LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=UTC)

MON9 = Schedule(WEEKLY, hour=9, weekday=0)
FRI18 = Schedule(WEEKLY, hour=18, weekday=4)
SUN0 = Schedule(WEEKLY, hour=0, weekday=6)
M31 = Schedule(MONTHLY, hour=8, day_of_month=31)
M1 = Schedule(MONTHLY, hour=0, day_of_month=1)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule", "tz", "now", "period", "due_utc"),
    [
        # Monday 30.11.2026 09:00 in Yekaterinburg is 04:00 UTC
        (MON9, EKB, utc(2026, 11, 30, 3, 59), None, None),
        (MON9, EKB, utc(2026, 11, 30, 4, 0), "2026-W49", utc(2026, 11, 30, 4)),
        (MON9, EKB, utc(2026, 12, 6, 18, 59), "2026-W49", utc(2026, 11, 30, 4)),  # catch-up
        # Sunday 19:00 UTC is already the next Monday 00:00 in Yekaterinburg: new week, not due
        (MON9, EKB, utc(2026, 12, 6, 19, 0), None, None),
        # the same moment, Moscow: 09:00 MSK is 06:00 UTC
        (MON9, MSK, utc(2026, 11, 30, 5, 0), None, None),
        (MON9, MSK, utc(2026, 11, 30, 6, 0), "2026-W49", utc(2026, 11, 30, 6)),
        # Kamchatka's Monday starts on Sunday noon UTC
        (MON9, KAM, utc(2026, 11, 29, 21, 0), "2026-W49", utc(2026, 11, 29, 21)),
        (FRI18, EKB, utc(2026, 12, 4, 13, 0), "2026-W49", utc(2026, 12, 4, 13)),
        (FRI18, EKB, utc(2026, 12, 4, 12, 59), None, None),
        (SUN0, MSK, utc(2026, 12, 5, 21, 0), "2026-W49", utc(2026, 12, 5, 21)),
        # ISO week 53 of 2026 ends the year; 01.01.2027 belongs to it
        (MON9, MSK, utc(2027, 1, 1, 12, 0), "2026-W53", utc(2026, 12, 28, 6)),
        # the 31st of a 30-day month is its last day; of February, the 28th
        (M31, EKB, utc(2026, 11, 30, 3, 0), "2026-11", utc(2026, 11, 30, 3)),
        (M31, EKB, utc(2026, 11, 30, 2, 59), None, None),
        (M31, EKB, utc(2027, 2, 28, 3, 0), "2027-02", utc(2027, 2, 28, 3)),
        (M31, EKB, utc(2028, 2, 29, 3, 0), "2028-02", utc(2028, 2, 29, 3)),  # leap year
        (M31, EKB, utc(2026, 12, 31, 3, 0), "2026-12", utc(2026, 12, 31, 3)),
        # 1st at 00:00 Yekaterinburg = 31st 19:00 UTC of the month before
        (M1, EKB, utc(2026, 11, 30, 19, 0), "2026-12", utc(2026, 11, 30, 19)),
        # a minute earlier it is still November, whose period fell due on the 1st (caught up
        # only if it was never sent: the delivery is unique per period)
        (M1, EKB, utc(2026, 11, 30, 18, 59), "2026-11", utc(2026, 10, 31, 19)),
    ],
)
def test_due_period(schedule, tz, now, period, due_utc):
    got = due_period(schedule, tz, now, LONG_AGO)
    if period is None:
        assert got is None
        return
    assert got is not None and got.key == period
    assert got.due_at == due_utc and got.due_at.tzinfo == tz


def test_not_due_before_the_subscription_was_made():
    made = utc(2026, 11, 30, 5, 0)  # after this week's Monday 09:00 Yekaterinburg
    assert due_period(MON9, EKB, utc(2026, 12, 1, 0, 0), made) is None
    assert due_period(MON9, EKB, utc(2026, 12, 7, 4, 0), made).key == "2026-W50"


@pytest.mark.parametrize(
    ("schedule", "now", "data_from", "data_to"),
    [
        (MON9, utc(2026, 11, 30, 4), dt.date(2026, 11, 23), dt.date(2026, 11, 29)),
        (FRI18, utc(2026, 12, 4, 13), dt.date(2026, 11, 23), dt.date(2026, 11, 29)),
        (M31, utc(2026, 11, 30, 3), dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
        (M1, utc(2027, 1, 1, 0), dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
        (M1, utc(2027, 3, 1, 0), dt.date(2027, 2, 1), dt.date(2027, 2, 28)),
    ],
)
def test_report_covers_the_previous_period(schedule, now, data_from, data_to):
    period = period_at(schedule, EKB, now)
    assert (period.data_from, period.data_to) == (data_from, data_to)


@pytest.mark.parametrize(
    ("schedule", "now", "expected"),
    [
        (MON9, utc(2026, 11, 30, 3, 0), utc(2026, 11, 30, 4)),
        (MON9, utc(2026, 11, 30, 4, 0), utc(2026, 12, 7, 4)),
        (M31, utc(2026, 11, 30, 3, 0), utc(2026, 12, 31, 3)),
        (M31, utc(2027, 1, 31, 3, 0), utc(2027, 2, 28, 3)),
    ],
)
def test_next_due(schedule, now, expected):
    assert next_due_at(schedule, EKB, now) == expected
