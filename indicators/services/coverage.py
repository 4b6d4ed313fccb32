"""Coverage of monitoring weeks (indicators.coverage), computed set-based in SQL.

`coverage_update` is called by the rollup step after the sums are written: two UPDATE …
FROM statements (region rollups, municipality rollups) over one common expression:

1. `weeks`: the weeks asked for with the start of each one's window (4 weeks before);
2. `expected`: per region × week × organisation — the roster's organisations when the
   region has a roster (by code: one not yet in the directory is expected, never reported,
   and has no municipality), else every organisation with a row in the window (the
   previous 4 weeks and the week itself), marked whether it was seen before the week;
3. `counted`: each expected organisation joined to its row of the week (reported or not)
   and to its municipality (the row's when it reported, else the organisation's).

A week's coverage also sets the base of the 4 weeks after it, so those weeks (when
stored) are recomputed too. `coverage_counts` returns the same counts per municipality for
the dry run's preview. Cost: one pass over the rows of the regions' 5-week windows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection

from agencies.models import Organisation

from ..coverage import BASIS_NONE, BASIS_ROSTER, BASIS_WEEKS, COVERAGE_WEEKS, Coverage
from ..models import MonitoringRollup, MonitoringRosterEntry, MonitoringRow

WINDOW = dt.timedelta(weeks=COVERAGE_WEEKS)


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _counted_sql(region_ids: list[int], weeks: list[dt.date]) -> tuple[str, list]:
    """The common expression (`WITH … counted AS (…)`) and its parameters."""
    q = connection.ops.quote_name
    rows = q(MonitoringRow._meta.db_table)
    roster = q(MonitoringRosterEntry._meta.db_table)
    orgs = q(Organisation._meta.db_table)
    adapt = connection.ops.adapt_datefield_value
    values = ", ".join(["(%s, %s)"] * len(weeks))
    week_params: list = []
    for week in weeks:
        week_params += [adapt(week), adapt(week - WINDOW)]
    marks = ", ".join(["%s"] * len(region_ids))
    sql = f"""
        WITH weeks (week_start, since) AS (VALUES {values}),
        expected AS (
            SELECT e.region_id AS region_id, w.week_start AS week_start,
                   ro.id AS organisation_id, 1 AS seen_before, 1 AS on_roster
            FROM {roster} e CROSS JOIN weeks w
            LEFT JOIN {orgs} ro ON ro.code = e.org_code
            WHERE e.region_id IN ({marks})
            UNION ALL
            SELECT m.region_id, w.week_start, m.organisation_id,
                   MAX(CASE WHEN m.week_start < w.week_start THEN 1 ELSE 0 END), 0
            FROM {rows} m JOIN weeks w
                 ON m.week_start >= w.since AND m.week_start <= w.week_start
            WHERE m.region_id IN ({marks})
              AND m.region_id NOT IN (SELECT r.region_id FROM {roster} r
                                      WHERE r.region_id IN ({marks}))
            GROUP BY m.region_id, w.week_start, m.organisation_id
        ),
        counted AS (
            SELECT x.region_id AS region_id, x.week_start AS week_start,
                   CASE WHEN cur.id IS NULL THEN o.municipality_id
                        ELSE cur.municipality_id END AS municipality_id,
                   x.seen_before AS seen_before, x.on_roster AS on_roster,
                   CASE WHEN cur.id IS NULL THEN 0 ELSE 1 END AS reported
            FROM expected x
            LEFT JOIN {orgs} o ON o.id = x.organisation_id
            LEFT JOIN {rows} cur
                 ON cur.organisation_id = x.organisation_id AND cur.week_start = x.week_start
        )
    """
    return sql, [*week_params, *region_ids, *region_ids, *region_ids]


_BASIS = (
    f"CASE WHEN MAX(on_roster) = 1 THEN '{BASIS_ROSTER}' "
    f"WHEN MAX(seen_before) = 1 THEN '{BASIS_WEEKS}' ELSE '{BASIS_NONE}' END"
)


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


def coverage_update(*, region_ids: Iterable[int], weeks: Iterable[dt.date | str]) -> None:
    """Writes the coverage of the region and municipality rollups of regions × weeks (and
    of the stored weeks within 4 weeks after them). Call after the rollups are written."""
    region_list = sorted({int(r) for r in region_ids})
    week_list = _with_following_weeks(region_list, sorted({_as_date(w) for w in weeks}))
    if not region_list or not week_list:
        return
    rollup = connection.ops.quote_name(MonitoringRollup._meta.db_table)
    counted, params = _counted_sql(region_list, week_list)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""{counted}
            UPDATE {rollup} SET coverage_reported = s.reported,
                   coverage_expected = s.expected, coverage_basis = s.basis
            FROM (SELECT region_id, week_start, SUM(reported) AS reported,
                         COUNT(*) AS expected, {_BASIS} AS basis
                  FROM counted GROUP BY region_id, week_start) s
            WHERE {rollup}.region_id = s.region_id AND {rollup}.week_start = s.week_start
              AND {rollup}.municipality_id IS NULL""",
            params,
        )
        cursor.execute(
            f"""{counted}
            UPDATE {rollup} SET coverage_reported = s.reported,
                   coverage_expected = s.expected, coverage_basis = s.basis
            FROM (SELECT municipality_id, week_start, SUM(reported) AS reported,
                         COUNT(*) AS expected, {_BASIS} AS basis
                  FROM counted WHERE municipality_id IS NOT NULL
                  GROUP BY municipality_id, week_start) s
            WHERE {rollup}.municipality_id = s.municipality_id
              AND {rollup}.week_start = s.week_start""",
            params,
        )


def coverage_counts(
    *, region_ids: Iterable[int], weeks: Iterable[dt.date | str]
) -> dict[tuple[int, dt.date, int | None], Coverage]:
    """(region id, week, municipality id or None) → coverage, computed from the rows as
    they are now (in the open transaction of a dry run: as they would be). Municipalities
    where nobody reported are included (they are the biggest drops)."""
    region_list = sorted({int(r) for r in region_ids})
    week_list = sorted({_as_date(w) for w in weeks})
    if not region_list or not week_list:
        return {}
    counted, params = _counted_sql(region_list, week_list)
    result: dict[tuple[int, dt.date, int | None], Coverage] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""{counted}
            SELECT region_id, week_start, municipality_id, SUM(reported), COUNT(*), {_BASIS}
            FROM counted GROUP BY region_id, week_start, municipality_id""",
            params,
        )
        groups = cursor.fetchall()
    totals: dict[tuple[int, dt.date], list] = {}
    for region_id, week, municipality_id, reported, expected, basis in groups:
        week = _as_date(week)
        result[(region_id, week, municipality_id)] = Coverage(int(reported), int(expected), basis)
        total = totals.setdefault((region_id, week), [0, 0, set()])
        total[0] += int(reported)
        total[1] += int(expected)
        total[2].add(basis)
    for (region_id, week), (reported, expected, bases) in totals.items():
        basis = next(b for b in (BASIS_ROSTER, BASIS_WEEKS, BASIS_NONE) if b in bases)
        result[(region_id, week, None)] = Coverage(reported, expected, basis)
    return result


DROPS_SHOWN = 5


def coverage_preview(
    *, region_ids: Iterable[int], weeks: Iterable[dt.date | str], drops: int = DROPS_SHOWN
) -> dict:
    """The dry run's coverage block (JSON-safe): per region and week of the file, reported /
    expected and whether the week is complete, with the municipalities that lost the most
    expected organisations (biggest drop first). Reads the rows as they are in the open
    transaction, so a dry run shows what the file would make of each week."""
    from agencies.models import Municipality, Region

    from ..coverage import min_coverage

    counts = coverage_counts(region_ids=region_ids, weeks=weeks)
    regions = {
        r.pk: r
        for r in Region.objects.filter(pk__in={key[0] for key in counts}).only("code", "name")
    }
    municipality_ids = {key[2] for key in counts if key[2] is not None}
    names = dict(Municipality.objects.filter(pk__in=municipality_ids).values_list("pk", "name"))
    result = []
    for (region_id, week, municipality_id), coverage in sorted(
        counts.items(), key=lambda item: (regions[item[0][0]].code, item[0][1])
    ):
        if municipality_id is not None:
            continue
        lost = [
            (c.expected - c.reported, names.get(m, ""), c)
            for (r, w, m), c in counts.items()
            if r == region_id and w == week and m is not None and c.expected > c.reported
        ]
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
                        "share": round(float(c.share), 4),
                        "percent": str(c.percent),
                    }
                    for missing, name, c in lost[:drops]
                ],
            }
        )
    threshold = min_coverage()
    return {
        "threshold": round(float(threshold), 4),
        "threshold_percent": str(round(threshold.numerator * 100 / threshold.denominator, 1)),
        "incomplete": sum(1 for item in result if not item["complete"]),
        "weeks": result,
    }
