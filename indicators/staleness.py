"""When a region's monitoring data are stale: the one rule of alerts and dashboards.

DOMAIN.md: "a region whose monitoring data are stale (no new week for 14 days)". A week is
known by its start (`week_start`, the date every file, rollup and API names it by), so the
days are counted from the start of the newest week: with `MONITORING_STALE_DAYS` = 14 the
data of the week starting Monday 06.10 are fresh up to Monday 20.10 and stale from Tuesday
21.10 on: the next week ended on Sunday 19.10 and has not arrived. Counting from the start
keeps what the alerts have always done; the dashboards (which counted from the week's end,
six days later) now say «устарели» on the same day the alert opens.

A region that has never reported a week counts its days from the start of the monitoring
season (`MONITORING_SEASON_START`, the first day a week may start on, which the import
refuses to go before): as if its newest week had started then. So the dashboards and the
alert call the same region stale from the same day, and the region that never sent anything
is flagged like any other laggard, not shown as stale and spared the alert.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

DEFAULT_STALE_DAYS = 14


def stale_days() -> int:
    """The setting `MONITORING_STALE_DAYS` (env `MONITORING_STALE_DAYS`, formerly
    `ALERT_STALE_DAYS`)."""
    return int(getattr(settings, "MONITORING_STALE_DAYS", DEFAULT_STALE_DAYS))


def season_start() -> dt.date:
    """The first day of the monitoring season (`MONITORING_SEASON_START`): no week starts
    before it (the import refuses one), and a region without any week counts from it."""
    return dt.date.fromisoformat(str(settings.MONITORING_SEASON_START))


def counted_from(latest_week: dt.date | None) -> dt.date:
    """The day the days of staleness count from: the newest week's start, or the season's
    start for a region that has never reported a week."""
    return season_start() if latest_week is None else latest_week


def days_since(latest_week: dt.date | None, on_date: dt.date) -> int:
    """Days from the start of the newest week (none: the season's start) to `on_date`."""
    return (on_date - counted_from(latest_week)).days


def is_stale(latest_week: dt.date | None, on_date: dt.date, *, days: int | None = None) -> bool:
    """Are the data whose newest week starts on `latest_week` stale on `on_date`?

    No week at all counts from the season's start (`counted_from`).
    """
    limit = stale_days() if days is None else days
    return days_since(latest_week, on_date) > limit
