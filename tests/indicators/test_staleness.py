"""Stale monitoring data: one setting, one rule, counted from the newest week's start."""

import datetime as dt

import pytest

from indicators.staleness import is_stale, stale_days

WEEK = dt.date(2025, 10, 6)  # a Monday


@pytest.mark.parametrize(
    ("days_after_start", "stale"),
    [(0, False), (6, False), (13, False), (14, False), (15, True), (20, True), (21, True)],
)
def test_counted_from_week_start(days_after_start, stale):
    assert is_stale(WEEK, WEEK + dt.timedelta(days=days_after_start)) is stale


def test_no_week_is_stale():
    assert is_stale(None, WEEK)


def test_setting(settings):
    settings.MONITORING_STALE_DAYS = 7
    assert stale_days() == 7
    assert is_stale(WEEK, WEEK + dt.timedelta(days=8))
    assert not is_stale(WEEK, WEEK + dt.timedelta(days=7))
    assert not is_stale(WEEK, WEEK + dt.timedelta(days=8), days=10)


def test_default():
    assert stale_days() == 14
