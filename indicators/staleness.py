"""When a region's monitoring data are stale: the one rule of alerts and dashboards.

DOMAIN.md: "a region whose monitoring data are stale (no new week for 14 days)". A week is
known by its start (`week_start`, the date every file, rollup and API names it by), so the
days are counted from the start of the newest week: with `MONITORING_STALE_DAYS` = 14 the
data of the week starting Monday 06.10 are fresh up to Monday 20.10 and stale from Tuesday
21.10 on: the next week ended on Sunday 19.10 and has not arrived. Counting from the start
keeps what the alerts have always done; the dashboards (which counted from the week's end,
six days later) now say «устарели» on the same day the alert opens.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

DEFAULT_STALE_DAYS = 14


def stale_days() -> int:
    """The setting `MONITORING_STALE_DAYS` (env `MONITORING_STALE_DAYS`, formerly
    `ALERT_STALE_DAYS`)."""
    return int(getattr(settings, "MONITORING_STALE_DAYS", DEFAULT_STALE_DAYS))


def days_since(latest_week: dt.date, on_date: dt.date) -> int:
    """Days from the start of the newest week to `on_date`."""
    return (on_date - latest_week).days


def is_stale(latest_week: dt.date | None, on_date: dt.date, *, days: int | None = None) -> bool:
    """Are the data whose newest week starts on `latest_week` stale on `on_date`?

    No week at all counts as stale (there is nothing fresh to show).
    """
    if latest_week is None:
        return True
    limit = stale_days() if days is None else days
    return days_since(latest_week, on_date) > limit
