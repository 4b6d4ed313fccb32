"""Stale monitoring data: one setting, one rule, counted from the newest week's start."""

import datetime as dt

import pytest

from indicators.staleness import counted_from, is_stale, season_start, stale_days

WEEK = dt.date(2025, 10, 6)  # a Monday


@pytest.mark.parametrize(
    ("days_after_start", "stale"),
    [(0, False), (6, False), (13, False), (14, False), (15, True), (20, True), (21, True)],
)
def test_counted_from_week_start(days_after_start, stale):
    assert is_stale(WEEK, WEEK + dt.timedelta(days=days_after_start)) is stale


def test_no_week_is_stale_long_after_the_season_start():
    assert is_stale(None, WEEK)


def test_setting(settings):
    settings.MONITORING_STALE_DAYS = 7
    assert stale_days() == 7
    assert is_stale(WEEK, WEEK + dt.timedelta(days=8))
    assert not is_stale(WEEK, WEEK + dt.timedelta(days=7))
    assert not is_stale(WEEK, WEEK + dt.timedelta(days=8), days=10)


def test_default():
    assert stale_days() == 14


@pytest.mark.parametrize(
    ("days_after_season", "stale"), [(-3, False), (0, False), (14, False), (15, True)]
)
def test_no_week_counts_from_the_season_start(settings, days_after_season, stale):
    settings.MONITORING_SEASON_START = "2025-09-01"
    day = dt.date(2025, 9, 1) + dt.timedelta(days=days_after_season)
    assert is_stale(None, day) is stale
    assert counted_from(None) == season_start() == dt.date(2025, 9, 1)
    assert counted_from(WEEK) == WEEK
