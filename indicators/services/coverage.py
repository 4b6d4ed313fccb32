"""Coverage of monitoring weeks (indicators.coverage), computed set-based in SQL.

`coverage_update` is called by the rollup step after the sums are written. For a week W of
a region without a roster:

- reported = the organisations with a row for W (the rollup's `organisations`);
- expected = reported + missing, where an organisation is *missing* in W when its last row
  before W is at most 4 weeks old and it has no row for W. Missing organisations are found
  from the gaps of each organisation's sequence of weeks (`LEAD` over the rows of the
  window, served by the unique (organisation, week) index): an organisation reporting every
  week has no gap and costs nothing beyond the window scan;
- basis: `weeks` when the region has a week in the 4 weeks before W, else `none` (the first
  week: expected = reported).

A region with a roster: expected = its roster's organisations (by code: one not yet in the
directory is expected, never reported, and has no municipality), reported = those of them
with a row for W; basis `roster`.

Municipality rollups get the same, the missing organisations counted in the municipality of
their last row. A week's rows also set the base of the 4 weeks after it, so those weeks
(when stored) are recomputed too. `coverage_counts` computes the same figures for the dry
run's preview, also for municipalities where nobody reported (they are not rollups).

Cost on PostgreSQL, measured on the shared 2-core machine with 85 regions × 1,000
organisations × 40 weeks (3.4 M rows, 30 municipalities a region): one national week ≈ 2.5 s
(a scan of its 5-week window, 425,000 rows); all 40 weeks ≈ 22 s (the sums of the same
rebuild take ≈ 50 s).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper

from agencies import dataversion
from agencies.models import Municipality, Organisation, Region
from roadmap_portal.ru_formats import round_half_up

from ..coverage import (
    BASIS_NONE,
    BASIS_ROSTER,
    BASIS_WEEKS,
    COVERAGE_WEEKS,
    Coverage,
    min_coverage,
    published_share,
)
from ..models import MonitoringRollup, MonitoringRosterEntry, MonitoringRow

WINDOW = dt.timedelta(weeks=COVERAGE_WEEKS)
WINDOW_DAYS = WINDOW.days
MISSING_TABLE = "coverage_missing_tmp"
# the window's rows are sorted by organisation and week: in memory, not on disk
WORK_MEM = "64MB"


@dataclass
class MissingCounts:
    """The missing organisations that `coverage_update` counted, for `coverage_counts` to
    reuse in the same transaction instead of scanning the window again: (region id, week,
    municipality id or None) → count, for every (region, week) in `pairs`."""

    pairs: set[tuple[int, dt.date]] = field(default_factory=set)
    counts: dict[tuple[int, dt.date, int | None], int] = field(default_factory=dict)

    def covers(self, region_ids: Iterable[int], weeks: Iterable[dt.date]) -> bool:
        return all((r, w) in self.pairs for r in region_ids for w in weeks)


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _plus_days(expression: str, days: int) -> str:
    """`expression` (a date column) moved by `days`, in the database's own syntax."""
    if connection.vendor == "sqlite":
        return f"date({expression}, '{days:+d} days')"
    return f"({expression} + {int(days)})"


def _marks(values: Sequence[object]) -> str:
    return ", ".join(["%s"] * len(values))


def _dates(values: list[dt.date]) -> list[Any]:
    return [connection.ops.adapt_datefield_value(v) for v in values]


def _sort_in_memory(cursor: CursorWrapper) -> None:
    """PostgreSQL: more sort memory for the rest of the transaction (the caller's atomic
    block; outside one, `SET LOCAL` does nothing)."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")


def _roster_regions(region_ids: list[int]) -> set[int]:
    return set(
        MonitoringRosterEntry.objects.filter(region_id__in=region_ids)
        .values_list("region_id", flat=True)
        .distinct()
    )


def _missing_sql(region_ids: list[int], weeks: list[dt.date], group: str) -> tuple[str, list[Any]]:
    """SELECT region_id, municipality_id, week_start, missing — grouped by `group` (a column
    list of those) — of the organisations missing in `weeks` (see the module docstring)."""
    rows = _q(MonitoringRow._meta.db_table)
    values = ", ".join(["(%s)"] * len(weeks))
    sql = f"""
        WITH weeks (week_start) AS (VALUES {values}),
        seq AS (
            SELECT m.region_id AS region_id, m.municipality_id AS municipality_id,
                   m.week_start AS week_start,
                   LEAD(m.week_start) OVER (
                       PARTITION BY m.organisation_id ORDER BY m.week_start
                   ) AS next_week
            FROM {rows} m
            WHERE m.region_id IN ({_marks(region_ids)})
              AND m.week_start >= %s AND m.week_start <= %s
        ),
        gaps AS (
            SELECT * FROM seq
            WHERE next_week IS NULL OR next_week > {_plus_days("week_start", 7)}
        )
        SELECT {group}, COUNT(*) AS missing
        FROM gaps g JOIN weeks w
             ON w.week_start > g.week_start
            AND w.week_start <= {_plus_days("g.week_start", WINDOW_DAYS)}
            AND (g.next_week IS NULL OR w.week_start < g.next_week)
        GROUP BY {group}
    """
    params = [
        *_dates(weeks),
        *region_ids,
        *_dates([min(weeks) - WINDOW, max(weeks)]),
    ]
    return sql, params


def _roster_sql(region_ids: list[int], weeks: list[dt.date]) -> tuple[str, list[Any]]:
    """SELECT region_id, week_start, municipality_id, expected, reported of the roster
    regions: every roster entry per week, joined to its organisation and its row."""
    rows = _q(MonitoringRow._meta.db_table)
    roster = _q(MonitoringRosterEntry._meta.db_table)
    orgs = _q(Organisation._meta.db_table)
    values = ", ".join(["(%s)"] * len(weeks))
    sql = f"""
        WITH weeks (week_start) AS (VALUES {values})
        SELECT e.region_id, w.week_start,
               CASE WHEN cur.id IS NULL THEN o.municipality_id
                    ELSE cur.municipality_id END AS municipality_id,
               COUNT(*) AS expected, COUNT(cur.id) AS reported
        FROM {roster} e CROSS JOIN weeks w
        LEFT JOIN {orgs} o ON o.code = e.org_code
        LEFT JOIN {rows} cur ON cur.organisation_id = o.id AND cur.week_start = w.week_start
        WHERE e.region_id IN ({_marks(region_ids)})
        GROUP BY e.region_id, w.week_start,
                 CASE WHEN cur.id IS NULL THEN o.municipality_id ELSE cur.municipality_id END
    """
    return sql, [*_dates(weeks), *region_ids]


def _weeks_without_base(region_ids: list[int], weeks: list[dt.date]) -> dict[int, list[dt.date]]:
    """region id → those of `weeks` it has no earlier week for within the window (its first
    weeks: basis `none`), from the region rollups (one query)."""
    stored: dict[int, set[dt.date]] = {}
    for region_id, week in MonitoringRollup.objects.filter(
        region_id__in=region_ids,
        municipality__isnull=True,
        week_start__gte=min(weeks) - WINDOW,
        week_start__lte=max(weeks),
    ).values_list("region_id", "week_start"):
        stored.setdefault(region_id, set()).add(week)
    result: dict[int, list[dt.date]] = {}
    for region_id in region_ids:
        own = stored.get(region_id, set())
        first = [w for w in weeks if not any(w - WINDOW <= x < w for x in own)]
        if first:
            result[region_id] = first
    return result


def _with_following_weeks(region_ids: list[int], weeks: list[dt.date]) -> list[dt.date]:
    """The weeks asked for and the stored weeks whose window they fall in."""
    if not weeks:
        return []
    later = (
        MonitoringRollup.objects.filter(
            region_id__in=region_ids,
            municipality__isnull=True,
            week_start__gt=min(weeks),
            week_start__lte=max(weeks) + WINDOW,
        )
        .values_list("week_start", flat=True)
        .distinct()
    )
    return sorted(
        set(weeks) | {w for w in later if any(dt.timedelta(0) < w - x <= WINDOW for x in weeks)}
    )


def coverage_update(
    *,
    region_ids: Iterable[int],
    weeks: Iterable[dt.date | str],
    missing_out: MissingCounts | None = None,
) -> None:
    """Writes the coverage of the region and municipality rollups of regions × weeks (and
    of the stored weeks within 4 weeks after them). Call after the rollups are written.
    `missing_out` receives the missing organisations it counted (see `MissingCounts`)."""
    region_list = sorted({int(r) for r in region_ids})
    week_list = _with_following_weeks(region_list, sorted({_as_date(w) for w in weeks}))
    if not region_list or not week_list:
        return
    dataversion.bump(region_ids=region_list)  # «неполная неделя» on the pages
    rostered = sorted(_roster_regions(region_list))
    by_weeks = [r for r in region_list if r not in set(rostered)]
    rollup = _q(MonitoringRollup._meta.db_table)
    with connection.cursor() as cursor:
        if by_weeks:
            target = f"region_id IN ({_marks(by_weeks)}) AND week_start IN ({_marks(week_list)})"
            target_params = [*by_weeks, *_dates(week_list)]
            # 1. reported = expected = the week's organisations, basis `weeks`; then `none`
            #    for the weeks without an earlier week of the region in their window
            cursor.execute(
                f"""UPDATE {rollup} SET coverage_reported = organisations,
                       coverage_expected = organisations, coverage_basis = '{BASIS_WEEKS}'
                   WHERE {target}""",
                target_params,
            )
            for region_id, first_weeks in _weeks_without_base(by_weeks, week_list).items():
                cursor.execute(
                    f"""UPDATE {rollup} SET coverage_basis = '{BASIS_NONE}'
                       WHERE region_id = %s AND week_start IN ({_marks(first_weeks)})""",
                    [region_id, *_dates(first_weeks)],
                )
            # 2. the missing organisations raise the expected count, per region and per
            #    municipality (one pass over the window, kept in a temporary table)
            missing, params = _missing_sql(
                by_weeks, week_list, "g.region_id, g.municipality_id, w.week_start"
            )
            cursor.execute(f"DROP TABLE IF EXISTS {MISSING_TABLE}")
            cursor.execute(f"CREATE TEMPORARY TABLE {MISSING_TABLE} AS {missing}", params)
            if connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {MISSING_TABLE}")
            # the target's own conditions let the planner use the rollup index
            own = target.replace("region_id", f"{rollup}.region_id").replace(
                "week_start", f"{rollup}.week_start"
            )
            cursor.execute(
                f"""UPDATE {rollup} SET coverage_expected = coverage_expected + s.missing
                   FROM (SELECT region_id, week_start, SUM(missing) AS missing
                         FROM {MISSING_TABLE} GROUP BY region_id, week_start) s
                   WHERE {rollup}.region_id = s.region_id AND {rollup}.week_start = s.week_start
                     AND {rollup}.municipality_id IS NULL AND {own}""",
                target_params,
            )
            cursor.execute(
                f"""UPDATE {rollup} SET coverage_expected = coverage_expected + s.missing
                   FROM {MISSING_TABLE} s
                   WHERE {rollup}.municipality_id = s.municipality_id
                     AND {rollup}.week_start = s.week_start AND {own}""",
                target_params,
            )
            if missing_out is not None:
                cursor.execute(
                    f"SELECT region_id, week_start, municipality_id, missing FROM {MISSING_TABLE}"
                )
                for region_id, week, municipality_id, count in cursor.fetchall():
                    missing_out.counts[(region_id, _as_date(week), municipality_id)] = count
                missing_out.pairs.update((r, w) for r in by_weeks for w in week_list)
            cursor.execute(f"DROP TABLE {MISSING_TABLE}")
        if rostered:
            counted, params = _roster_sql(rostered, week_list)
            cursor.execute(
                f"""UPDATE {rollup} SET coverage_reported = s.reported,
                       coverage_expected = s.expected, coverage_basis = '{BASIS_ROSTER}'
                   FROM (SELECT region_id, week_start, SUM(reported) AS reported,
                                SUM(expected) AS expected
                         FROM ({counted}) c GROUP BY region_id, week_start) s
                   WHERE {rollup}.region_id = s.region_id AND {rollup}.week_start = s.week_start
                     AND {rollup}.municipality_id IS NULL""",
                params,
            )
            # a municipality rollup with no roster organisation: 0 of 0
            cursor.execute(
                f"""UPDATE {rollup} SET coverage_reported = 0, coverage_expected = 0,
                       coverage_basis = '{BASIS_ROSTER}'
                   WHERE region_id IN ({_marks(rostered)}) AND week_start IN ({_marks(week_list)})
                     AND municipality_id IS NOT NULL""",
                [*rostered, *_dates(week_list)],
            )
            cursor.execute(
                f"""UPDATE {rollup} SET coverage_reported = s.reported,
                       coverage_expected = s.expected
                   FROM (SELECT municipality_id, week_start, SUM(reported) AS reported,
                                SUM(expected) AS expected
                         FROM ({counted}) c WHERE municipality_id IS NOT NULL
                         GROUP BY municipality_id, week_start) s
                   WHERE {rollup}.municipality_id = s.municipality_id
                     AND {rollup}.week_start = s.week_start""",
                params,
            )


def coverage_counts(
    *,
    region_ids: Iterable[int],
    weeks: Iterable[dt.date | str],
    missing: MissingCounts | None = None,
) -> dict[tuple[int, dt.date, int | None], Coverage]:
    """(region id, week, municipality id or None) → coverage, computed from the rows as
    they are now (in the open transaction of a dry run: as they would be). The same figures
    as `coverage_update` stores, plus the municipalities where nobody reported. Call after
    the rollups of these weeks are written (the basis reads them, as `coverage_update`
    does); `missing`, when it covers regions × weeks, spares the window scan."""
    region_list = sorted({int(r) for r in region_ids})
    week_list = sorted({_as_date(w) for w in weeks})
    if not region_list or not week_list:
        return {}
    rostered = sorted(_roster_regions(region_list))
    by_weeks = [r for r in region_list if r not in set(rostered)]
    # (region, week, municipality) -> [reported, expected]
    groups: dict[tuple[int, dt.date, int | None], list[int]] = {}
    basis: dict[tuple[int, dt.date], str] = {}
    rows = _q(MonitoringRow._meta.db_table)
    with connection.cursor() as cursor:
        _sort_in_memory(cursor)
        if by_weeks:
            cursor.execute(
                f"""SELECT region_id, week_start, municipality_id, COUNT(*) FROM {rows}
                   WHERE region_id IN ({_marks(by_weeks)}) AND week_start IN ({_marks(week_list)})
                   GROUP BY region_id, week_start, municipality_id""",
                [*by_weeks, *_dates(week_list)],
            )
            for region_id, week, municipality_id, reported in cursor.fetchall():
                groups[(region_id, _as_date(week), municipality_id)] = [reported, reported]
            if missing is not None and missing.covers(by_weeks, week_list):
                wanted = set(week_list)
                missing_rows = [(*k, n) for k, n in missing.counts.items() if k[1] in wanted]
            else:
                sql, params = _missing_sql(
                    by_weeks, week_list, "g.region_id, w.week_start, g.municipality_id"
                )
                cursor.execute(sql, params)
                missing_rows = cursor.fetchall()
            for region_id, week, municipality_id, count in missing_rows:
                group = groups.setdefault((region_id, _as_date(week), municipality_id), [0, 0])
                group[1] += count
            first_weeks = _weeks_without_base(by_weeks, week_list)
            for region_id in by_weeks:
                for week in week_list:
                    first = week in first_weeks.get(region_id, ())
                    basis[(region_id, week)] = BASIS_NONE if first else BASIS_WEEKS
        if rostered:
            counted, params = _roster_sql(rostered, week_list)
            cursor.execute(counted, params)
            for region_id, week, municipality_id, expected, reported in cursor.fetchall():
                groups[(region_id, _as_date(week), municipality_id)] = [reported, expected]
            for region_id in rostered:
                for week in week_list:
                    basis[(region_id, week)] = BASIS_ROSTER
    result: dict[tuple[int, dt.date, int | None], Coverage] = {}
    totals: dict[tuple[int, dt.date], list[int]] = {}
    for (region_id, week, municipality_id), (reported, expected) in groups.items():
        kind = basis[(region_id, week)]
        if municipality_id is not None:
            result[(region_id, week, municipality_id)] = Coverage(reported, expected, kind)
        total = totals.setdefault((region_id, week), [0, 0])
        total[0] += reported
        total[1] += expected
    for (region_id, week), (reported, expected) in totals.items():
        if reported or region_id in rostered:
            result[(region_id, week, None)] = Coverage(reported, expected, basis[(region_id, week)])
    return result


DROPS_SHOWN = 5


def coverage_preview(
    *,
    region_ids: Iterable[int],
    weeks: Iterable[dt.date | str],
    drops: int = DROPS_SHOWN,
    missing: MissingCounts | None = None,
) -> dict[str, Any]:
    """The dry run's coverage block (JSON-safe): per region and week of the file, reported /
    expected and whether the week is complete, with the municipalities that lost the most
    expected organisations (biggest drop first). Reads the rows as they are in the open
    transaction, so a dry run shows what the file would make of each week."""
    counts = coverage_counts(region_ids=region_ids, weeks=weeks, missing=missing)
    regions = {
        r.pk: r
        for r in Region.objects.filter(pk__in={key[0] for key in counts}).only("code", "name")
    }
    municipality_ids = {key[2] for key in counts if key[2] is not None}
    names = dict(Municipality.objects.filter(pk__in=municipality_ids).values_list("pk", "name"))
    # each region-week's municipalities that lost expected organisations, in one pass (a
    # national file has ~1,000 region-weeks and ~30,000 municipality-weeks)
    losses: dict[tuple[int, dt.date], list[tuple[int, str, Coverage]]] = {}
    for (r, w, m), c in counts.items():
        if m is not None and c.expected > c.reported:
            losses.setdefault((r, w), []).append((c.expected - c.reported, names.get(m, ""), c))
    result = []
    for (region_id, week, municipality_id), coverage in sorted(
        counts.items(), key=lambda item: (regions[item[0][0]].code, item[0][1])
    ):
        if municipality_id is not None:
            continue
        lost = losses.get((region_id, week), [])
        lost.sort(key=lambda item: (-item[0], item[1]))
        region = regions[region_id]
        result.append(
            {
                "region_code": region.code,
                "region_name": region.name,
                "week_start": week.isoformat(),
                "week_label": week.strftime("%d.%m.%Y"),
                **coverage.as_json(),
                "percent": str(coverage.percent),
                "basis_label": coverage.basis_label,
                "municipalities": [
                    {
                        "name": name,
                        "reported": c.reported,
                        "expected": c.expected,
                        "missing": missing,
                        "share": published_share(c.share),
                        "percent": str(c.percent),
                    }
                    for missing, name, c in lost[:drops]
                ],
            }
        )
    threshold = min_coverage()
    return {
        "threshold": published_share(threshold),
        "threshold_percent": str(
            round_half_up(Decimal(threshold.numerator) * 100 / threshold.denominator, 1)
        ),
        "incomplete": sum(1 for item in result if not item["complete"]),
        "weeks": result,
    }
