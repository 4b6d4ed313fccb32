"""When a subscription is due: pure date arithmetic, table-tested (no ORM, no settings).

A subscription's period is the ISO week (weekly) or the calendar month (monthly) of the
local date in its time zone. The period is due from its day and hour (the day of the month
clamped to the month's last day) until the period ends: a beat that was down catches up
within the period, never sends a period twice (`SubscriptionDelivery` is unique per
period) and never sends one that was due before the subscription was made or resumed.

The report covers the previous period: the previous ISO week (Monday to Sunday) or the
previous calendar month, in local dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

WEEKLY = "weekly"
MONTHLY = "monthly"


@dataclass(frozen=True)
class Schedule:
    frequency: str  # WEEKLY or MONTHLY
    hour: int  # 0..23, local
    weekday: int | None = None  # 0 = Monday (weekly)
    day_of_month: int | None = None  # 1..31, clamped to the month's length (monthly)


@dataclass(frozen=True)
class Period:
    key: str  # "2026-W48" or "2026-11": the idempotency key with the subscription
    due_at: dt.datetime  # aware, in the subscription's zone
    data_from: dt.date  # the report covers the previous period
    data_to: dt.date


def _month_day(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def period_on(schedule: Schedule, local_day: dt.date, tz: ZoneInfo) -> Period:
    """The period containing `local_day` and its due moment."""
    at = dt.time(schedule.hour)
    if schedule.frequency == WEEKLY:
        assert schedule.weekday is not None
        iso = local_day.isocalendar()
        monday = local_day - dt.timedelta(days=local_day.weekday())
        due_day = monday + dt.timedelta(days=schedule.weekday)
        return Period(
            key=f"{iso.year}-W{iso.week:02d}",
            due_at=dt.datetime.combine(due_day, at, tzinfo=tz),
            data_from=monday - dt.timedelta(days=7),
            data_to=monday - dt.timedelta(days=1),
        )
    if schedule.frequency == MONTHLY:
        assert schedule.day_of_month is not None
        due_day = _month_day(local_day.year, local_day.month, schedule.day_of_month)
        data_to = local_day.replace(day=1) - dt.timedelta(days=1)
        return Period(
            key=f"{local_day.year}-{local_day.month:02d}",
            due_at=dt.datetime.combine(due_day, at, tzinfo=tz),
            data_from=data_to.replace(day=1),
            data_to=data_to,
        )
    raise ValueError(f"Unknown frequency: {schedule.frequency}")


def period_at(schedule: Schedule, tz: ZoneInfo, now: dt.datetime) -> Period:
    """The period of the local date at `now` (an aware datetime)."""
    return period_on(schedule, now.astimezone(tz).date(), tz)


def due_period(
    schedule: Schedule, tz: ZoneInfo, now: dt.datetime, active_since: dt.datetime
) -> Period | None:
    """The period to deliver at `now`, or None (not yet due, or due before `active_since`)."""
    period = period_at(schedule, tz, now)
    if period.due_at <= now and period.due_at >= active_since:
        return period
    return None


def next_due_at(schedule: Schedule, tz: ZoneInfo, now: dt.datetime) -> dt.datetime:
    """The next due moment after `now` (shown on the subscriptions page)."""
    period = period_at(schedule, tz, now)
    if period.due_at > now:
        return period.due_at
    local_day = now.astimezone(tz).date()
    if schedule.frequency == WEEKLY:
        following = local_day + dt.timedelta(days=7)
    else:
        first = local_day.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
    return period_on(schedule, following, tz).due_at
