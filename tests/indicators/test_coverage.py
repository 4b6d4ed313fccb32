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


def _sferum(region_code, on_date):
    from agencies.models import Region
    from indicators.index.selectors import index_evaluate

    region = Region.objects.get(code=region_code)
    _version, results = index_evaluate(region_ids=[region.pk], on_date=on_date)
    result = results[region.pk]
    sferum = next(c for c in result.criteria if c.code == "sferum_migration")
    return result.total, sferum


@pytest.mark.django_db
def test_an_incomplete_week_leaves_the_index_unchanged(import_file):
    # 218 organisations, 40 % migrated; then 5 of them report 100 % for a new week
    import_file(csv_bytes(_week(range(218))))
    on = dt.date(2025, 10, 20)
    total_before, sferum_before = _sferum("66", on)
    assert sferum_before.inputs["week_start"] == "2025-10-06"
    high = [
        row(f"ORG{i}", week="13.10.2025", counts=(100, 50, 400, 300, 500, 200, 450, 450))
        for i in range(5)
    ]
    import_file(csv_bytes(high))
    total_after, sferum_after = _sferum("66", on)
    assert (total_after, sferum_after) == (total_before, sferum_before)


@pytest.mark.django_db
def test_index_reads_the_exact_share_of_the_rollup(seeded):
    from agencies.models import Region
    from tests.indicators.index_helpers import rollup

    rollup(Region.objects.get(code="66"), dt.date(2025, 10, 6), 100_000, 59_996)
    _total, sferum = _sferum("66", dt.date(2025, 10, 20))
    assert sferum.points == 7.5
    assert sferum.rule["percent"] == "59.99" and sferum.rule["steps"] == "5"
