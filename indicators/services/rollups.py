"""Weekly rollups per region and per municipality, rebuilt set-based from MonitoringRow.

The groups are those of the indicator formulas (indicators.formulas): `edu` = ОО, СПО, ДО
(I1, I2); `np` = every type but ДОО (I3); `gov` = РОИВ, ОМСУ, ПО (I4); M counts every
organisation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from agencies import dataversion

from ..formulas import EDU_TYPES, GOV_TYPES, NON_PRESCHOOL_TYPES
from ..imports.columns import COUNT_KEYS
from ..models import MonitoringRollup, MonitoringRow
from .coverage import MissingCounts, coverage_update


def _in(types: Iterable[str]) -> str:
    return "(" + ", ".join(f"'{t.value if hasattr(t, 'value') else t}'" for t in types) + ")"


def _sum_if(column: str, types: Iterable[str]) -> str:
    return f"SUM(CASE WHEN org_type IN {_in(types)} THEN {column} ELSE 0 END)"


# the sums over a region's (or municipality's) rows of a week, read from `_PARTS`: the same
# rows summed per organisation type first (`n` is their number)
_SUMS = ", ".join(
    [
        "SUM(n)",
        _sum_if("staff_total", EDU_TYPES),
        _sum_if("staff_writers", EDU_TYPES),
        _sum_if("students_total", EDU_TYPES),
        _sum_if("learners_active", EDU_TYPES),
        _sum_if("sferum_users", NON_PRESCHOOL_TYPES),
        _sum_if("max_only_users", NON_PRESCHOOL_TYPES),
        _sum_if("staff_total", GOV_TYPES),
        _sum_if("staff_writers", GOV_TYPES),
        "SUM(vkm_users)",
        "SUM(vkm_and_max_users)",
    ]
)
# one pass over the rows with plain sums (the type conditions then run on ~7 parts per
# municipality-week, not on every row: a third of the time of summing with them per row)
_PARTS = (
    "SELECT region_id, municipality_id, week_start, org_type, COUNT(*) AS n, "
    + ", ".join(f"SUM({key}) AS {key}" for key in COUNT_KEYS)
    + " FROM {rows} WHERE {where} GROUP BY region_id, municipality_id, week_start, org_type"
)
_ROLLUP_COLUMNS = (
    "organisations, edu_staff_total, edu_staff_writers, edu_students_total, "
    "edu_learners_active, np_sferum_users, np_max_only_users, gov_staff_total, "
    "gov_staff_writers, vkm_users, vkm_and_max_users"
)


@transaction.atomic
def rollups_rebuild(
    *,
    region_ids: Iterable[int] = (),
    weeks: Iterable[dt.date | str] = (),
    pairs: Iterable[tuple[int, dt.date | str]] | None = None,
    missing_out: MissingCounts | None = None,
) -> int:
    """Replaces the rollups of the given regions × weeks, or of exactly the given
    (region, week) pairs (an import: only what the file holds); returns how many were written.
    Bumps the regions' data version (applied at commit; nothing when rolled back).
    `missing_out` receives the coverage step's missing organisations (for the preview).
    """
    if pairs is None:
        return _rebuild(region_ids, weeks, missing_out)
    by_region_set: dict[frozenset[int], set[dt.date]] = {}
    regions_of: dict[dt.date, set[int]] = {}
    for region_id, week in pairs:
        regions_of.setdefault(_as_date(week), set()).add(int(region_id))
    for week, regions in regions_of.items():
        by_region_set.setdefault(frozenset(regions), set()).add(week)
    # a national file has the same regions every week: one rebuild for all its weeks
    return sum(_rebuild(regions, group, missing_out) for regions, group in by_region_set.items())


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _rebuild(
    region_ids: Iterable[int],
    weeks: Iterable[dt.date | str],
    missing_out: MissingCounts | None = None,
) -> int:
    """1. delete the region and municipality rollups of regions × weeks;
    2. one INSERT of the region rollups (municipality empty) and the municipality rollups,
       from one pass over the rows summed per municipality, week and organisation type;
    3. their coverage (services.coverage.coverage_update).
    """
    region_ids = sorted({int(r) for r in region_ids})
    week_list = sorted({_as_date(w) for w in weeks})
    if not region_ids or not week_list:
        return 0
    dataversion.bump(region_ids=region_ids)
    rollup = connection.ops.quote_name(MonitoringRollup._meta.db_table)
    rows = connection.ops.quote_name(MonitoringRow._meta.db_table)
    r_marks = ", ".join(["%s"] * len(region_ids))
    w_marks = ", ".join(["%s"] * len(week_list))
    where = f"region_id IN ({r_marks}) AND week_start IN ({w_marks})"
    params: list[Any] = [*region_ids, *(connection.ops.adapt_datefield_value(w) for w in week_list)]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    written = 0
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {rollup} WHERE {where}", params)
        # both levels from one pass over the rows (the parts are used twice: materialised)
        parts = _PARTS.format(rows=rows, where=where)
        cursor.execute(
            f"WITH parts AS ({parts}) "
            f"INSERT INTO {rollup} (region_id, municipality_id, week_start, {_ROLLUP_COLUMNS}, "
            f"updated_at) SELECT region_id, NULL, week_start, {_SUMS}, %s FROM parts "
            f"GROUP BY region_id, week_start "
            f"UNION ALL SELECT region_id, municipality_id, week_start, {_SUMS}, %s FROM parts "
            f"WHERE municipality_id IS NOT NULL GROUP BY region_id, municipality_id, week_start",
            [*params, now, now],
        )
        written += max(cursor.rowcount, 0)
    coverage_update(region_ids=region_ids, weeks=week_list, missing_out=missing_out)
    return int(written)
