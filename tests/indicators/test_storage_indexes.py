"""The biggest tables carry only the b-trees their reads need: every extra index is paid on
each imported row (bench/README.md, «The import against raw COPY»).

A foreign key's own index is left out where a wider key starting with the same column
serves the same lookups (the cascade of a deleted region or municipality included)."""

import pytest
from django.db import connection

from indicators.models import MonitoringRollup, MonitoringRow

pytestmark = pytest.mark.django_db


def _indexed_columns(model) -> set[tuple[str, ...]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    keyed = (c for c in found.values() if c["index"] or c["unique"] or c["primary_key"])
    return {tuple(c["columns"]) for c in keyed}


def test_monitoring_rows_keep_three_btrees():
    assert _indexed_columns(MonitoringRow) == {
        ("id",),
        ("organisation_id", "week_start"),
        ("region_id", "week_start"),
    }


def test_rollups_keep_no_foreign_key_index_that_a_wider_key_serves():
    assert _indexed_columns(MonitoringRollup) == {
        ("id",),
        ("region_id", "week_start"),  # unique, the region's own rows (no municipality)
        ("municipality_id", "week_start"),  # unique, a municipality's rows
        ("region_id", "municipality_id", "week_start"),  # the dashboards' series
    }
