"""Coverage of monitoring weeks: reported / expected, the threshold, rosters, previews."""

from __future__ import annotations

import datetime as dt

import pytest

from indicators.models import MonitoringRollup
from tests.indicators.conftest import csv_bytes, row

W1 = dt.date(2025, 10, 6)
W2 = dt.date(2025, 10, 13)


def _week(orgs, week="06.10.2025", municipality=lambda i: "Екатеринбург"):
    return [row(f"ORG{i}", week=week, municipality=municipality(i)) for i in orgs]


def _region_rollup(week):
    return MonitoringRollup.objects.get(region__code="66", municipality__isnull=True, week_start=week)


@pytest.mark.django_db
def test_first_week_has_no_base_and_counts_as_complete(import_file):
    assert import_file(csv_bytes(_week(range(218)))).status == "done"
    rollup = _region_rollup(W1)
    assert (rollup.coverage_reported, rollup.coverage_expected) == (218, 218)
    assert rollup.coverage_basis == "none" and rollup.complete


@pytest.mark.django_db
def test_five_rows_of_218_is_an_incomplete_week(import_file):
    import_file(csv_bytes(_week(range(218))))
    import_file(csv_bytes(_week(range(5), week="13.10.2025")))
    rollup = _region_rollup(W2)
    assert (rollup.coverage_reported, rollup.coverage_expected) == (5, 218)
    assert rollup.coverage_basis == "weeks" and not rollup.complete
    complete = MonitoringRollup.objects.filter(municipality__isnull=True).complete()
    assert list(complete.values_list("week_start", flat=True)) == [W1]
