"""The country overview: every visible region in one table, in a fixed number of queries.

Reads stored IndexScore rows and region-level MonitoringRollup rows only; sorting and
filtering happen in Python over at most 89 rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, OuterRef, Subquery
from django.utils import timezone

from agencies import dataversion
from agencies.models import Region
from indicators.approval import figure_label, states_of
from indicators.choices import ApprovalState, UploadStatus
from indicators.formulas import INDICATOR_CODES
from indicators.index.selectors import index_ranking, national_date
from indicators.models import (
    Component,
    IndexScore,
    Indicator,
    IndicatorStage,
    MonitoringRollup,
    MonitoringUpload,
)
from indicators.selectors import newest_region_rollups, stage_targets_by_region
from indicators.stages import current_stage
from indicators.staleness import is_stale
from roadmaps.models import Measure
from roadmaps.querysets import local_dates_by_timezone, overdue_q

from . import trend

HISTORY_WEEKS = 26


@dataclass
class IndicatorValue:
    code: str
    value: Decimal | None
    target: Decimal | None
    rag: str

    @property
    def rag_label(self) -> str:
        return trend.RAG_LABELS[self.rag]


@dataclass
class RegionRow:
    region: Region
    score: IndexScore | None
    place: int | None
    components: list[tuple[str, Decimal | None, Decimal | None]]  # code, points, max
    indicators: list[IndicatorValue]
    overdue: int
    latest_week: dt.date | None
    uploaded_at: dt.datetime | None
    stale: bool
    history: list[tuple[dt.date, Decimal]] = field(default_factory=list)
    lagging: bool = False
    # the newest week when it is a «неполная неделя»: shown with its coverage, never judged
    partial: MonitoringRollup | None = None
    # approval (indicators.approval) of the week whose indicators are shown
    approval: str = ApprovalState.DRAFT

    @property
    def approval_label(self) -> str:
        return figure_label(self.approval)

    @property
    def total(self) -> Decimal | None:
        return self.score.total if self.score else None

    @property
    def change(self) -> Decimal | None:
        """Points gained or lost over the last four weeks of scores."""
        if len(self.history) < 2:
            return None
        last_day, last = self.history[-1]
        earlier = [t for d, t in self.history if d <= last_day - dt.timedelta(weeks=4)]
        return last - (earlier[-1] if earlier else self.history[0][1])

    def component(self, code: str) -> Decimal | None:
        for item_code, points, _max in self.components:
            if item_code == code:
                return points
        return None

    def indicator(self, code: str) -> Decimal | None:
        for item in self.indicators:
            if item.code == code:
                return item.value
        return None


@dataclass
class CountryOverview:
    on_date: dt.date
    rows: list[RegionRow]
    regions_total: int  # visible before filtering
    components: list[Component]
    indicators: list[Indicator]
    sort: str
    query: str
    lagging_only: bool
    history_dates: list[dt.date]
    median_total: Decimal | None

    @property
    def history_max(self) -> float:
        """The index scale (the methodology's maximum) for the small multiples."""
        return float(sum((c.max_points for c in self.components), Decimal("0"))) or 100.0


SORT_KEYS = {
    "place",
    "name",
    "code",
    "total",
    "overdue",
    "week",
    *INDICATOR_CODES,
}


def _sort_key(key: str):
    def missing_last(value, reverse):
        # regions without a value go last whichever the direction
        return ((value is None) != reverse, value if value is not None else 0)

    if key == "name":
        return lambda row, rev: (row.region.name,)
    if key == "code":
        return lambda row, rev: (row.region.code,)
    if key == "overdue":
        return lambda row, rev: (row.overdue, row.region.code)
    if key == "week":
        return lambda row, rev: (
            *missing_last(row.latest_week.toordinal() if row.latest_week else None, rev),
            row.region.code,
        )
    if key in INDICATOR_CODES:
        return lambda row, rev: (*missing_last(row.indicator(key), rev), row.region.code)
    if key in ("total", "place"):
        return lambda row, rev: (*missing_last(row.total, not rev), row.region.code)
    return lambda row, rev: (*missing_last(row.component(key), rev), row.region.code)


def sort_rows(rows: list[RegionRow], sort: str, component_codes: set[str]) -> list[RegionRow]:
    key = sort.lstrip("-")
    reverse = sort.startswith("-")
    if key not in SORT_KEYS and key not in component_codes:
        key, reverse = "place", False
    if key == "place":
        # by place, the best first (ties by code); descending turns it round
        ordered = sorted(rows, key=lambda r: (r.place is None, r.place or 0, r.region.code))
        return ordered[::-1] if reverse else ordered
    func = _sort_key(key)
    return sorted(rows, key=lambda r: func(r, reverse), reverse=reverse)


def _targets_all(indicators: list[Indicator], day_of: dict[int, dt.date]):
    """(region id, indicator id) -> (value, date) of the current stage: 3 queries.

    The current stage and the target that counts follow indicators.stages: the stage the
    region's day (`day_of`) works towards; a target that does not count on the date (no
    baseline yet, a condition not in force) gives no target, so nothing is judged.
    """
    stages = IndicatorStage.objects.filter(indicator__in=indicators)
    targets = stage_targets_by_region(region_ids=list(day_of), stages=stages)
    result = {}
    for region_id, on_date in day_of.items():
        for indicator in indicators:
            stage = current_stage(targets[region_id].get(indicator.pk, []), on_date)
            value = stage.value_on(on_date) if stage else None
            result[(region_id, indicator.pk)] = (
                (value, stage.target_date) if stage is not None and value is not None else None
            )
    return result


@dataclass(frozen=True)
class OverviewDays:
    """The day each region's row is judged on (staleness, current stage, RAG, overdue).

    For today, each region's own local date (`Region.local_today`, as its dashboard and
    its alerts judge it): `local` maps every region time zone to its date. For a date asked
    for (`?date=` other than today), that date for every region (`local` is None). The
    index (scores, history, places) is read on `on_date` either way: the national date for
    today (`indicators.index.selectors.national_date`), so places agree with the ranking.
    """

    on_date: dt.date
    local: dict[str, dt.date] | None = None

    def of(self, region: Region) -> dt.date:
        if self.local is None:
            return self.on_date
        # a zone missing here was set after the dates were read: its date then
        return self.local.get(region.timezone) or region.local_today()

    @property
    def key(self) -> str:
        """Exactly what the rows depend on besides the data: the date, and for today every
        zone's date (it changes when, and only when, some region's date changes)."""
        if self.local is None:
            return self.on_date.isoformat()
        zones = ",".join(f"{tz}={day.isoformat()}" for tz, day in sorted(self.local.items()))
        digest = hashlib.blake2b(zones.encode(), digest_size=8).hexdigest()
        return f"{self.on_date.isoformat()}:local-{digest}"


def overview_days(
    on_date: dt.date | None = None, *, now: dt.datetime | None = None
) -> OverviewDays:
    """The overview's days: `on_date` None or the national date is today (one query, the
    time zones of the regions); any other date is the day of every region (no query)."""
    now = now or timezone.now()
    today = national_date(now)
    if on_date is not None and on_date != today:
        return OverviewDays(on_date=on_date)
    return OverviewDays(on_date=today, local=local_dates_by_timezone(now))


@dataclass
class NationalRows:
    """Every region's row of the overview on a date: national data, the same for everyone."""

    rows: list[RegionRow]
    components: list[Component]
    indicators: list[Indicator]


def country_overview(
    *,
    user,
    on_date: dt.date | None = None,
    days: OverviewDays | None = None,
    now: dt.datetime | None = None,
    sort: str = "",
    query: str = "",
    lagging: bool = False,
) -> CountryOverview:
    """Every region the user may see: index with components, indicators, overdue, freshness.

    The day of each row is `overview_days(on_date, now=now)` (or `days`, already read):
    today each region's own local date, a date asked for that date for all. The rows of
    every region are cached under the national data version (`agencies.dataversion`) and
    `OverviewDays.key` with their national places and lagging flags; the user's scope, the
    filters and the order are applied after the cache. A cache miss
    costs about 12 queries whatever the number of regions, weeks or measures; a hit two
    (three for today: the regions' time zones).
    """
    days = days or overview_days(on_date, now=now)
    on_date = days.on_date
    visible = set(Region.objects.visible_to(user).values_list("pk", flat=True))
    national = dataversion.cached(
        lambda: f"country:{dataversion.national_token()}:{days.key}",
        lambda: national_rows(on_date=on_date, local_dates=days.local),
    )
    rows = [row for row in national.rows if row.region.pk in visible]
    # the index columns belong to the visible rows' scores: none while none of them has a
    # score (a region the user does not see changes nothing they see)
    components = national.components if any(row.score for row in rows) else []
    if not components:
        for row in rows:
            row.components = []
    indicators = national.indicators
    history_dates = sorted({day for row in rows for day, _total in row.history})

    # places and lagging flags are national (`national_rows`): the viewer's scope only
    # chooses the rows
    ranked = [r for r in rows if r.place is not None and r.total is not None]
    totals = sorted(t for r in ranked if (t := r.total) is not None)
    median = totals[len(totals) // 2] if totals else None

    visible_total = len(rows)
    text = query.strip().lower()
    if text:
        rows = [r for r in rows if text in r.region.name.lower() or text == r.region.code]
    if lagging:
        rows = [r for r in rows if r.lagging]
    rows = sort_rows(rows, sort, {c.code for c in components})
    return CountryOverview(
        on_date=on_date,
        rows=rows,
        regions_total=visible_total,
        components=components,
        indicators=indicators,
        sort=sort,
        query=query,
        lagging_only=lagging,
        history_dates=history_dates,
        median_total=median,
    )


def _flag_lagging(rows: list[RegionRow], on_date: dt.date) -> None:
    """Each row's place in the one ranking (`index_ranking` on `on_date`: ties share a
    place, a region without data has none and no total) and its lagging flag, over every
    region.

    Lagging = behind the peers: the lower quarter of the ranking (by place, ties share the
    better place), or the lower quarter of an indicator among the regions with data while
    that indicator is not on track. Judged nationally, so a region is lagging (and placed)
    the same for every viewer, whichever regions the viewer sees.
    """
    _version, ranking = index_ranking(on_date=on_date)
    places = {row.region.pk: row.place for row in ranking}
    no_data = {row.region.pk for row in ranking if row.total is None}
    ranked = sum(1 for row in ranking if row.place is not None)
    cutoff = ranked - ranked // 4
    quartiles: dict[str, Decimal | None] = {}
    for code in INDICATOR_CODES:
        shares = sorted(v for r in rows if (v := r.indicator(code)) is not None)
        quartiles[code] = shares[(len(shares) - 1) // 4] if len(shares) >= 4 else None
    for row in rows:
        row.place = places.get(row.region.pk)
        if row.region.pk in no_data:
            # «нет данных» as on the ranking page, not the 0 points stored for it
            row.score, row.components = None, [(c, None, m) for c, _p, m in row.components]
    for row in rows:
        behind = any(
            item.value is not None
            and (quartile := quartiles[item.code]) is not None
            and item.value <= quartile
            # not on track; «мало данных для прогноза» is no verdict either way
            and item.rag not in (trend.GREEN, trend.FEW)
            for item in row.indicators
        )
        row.lagging = behind or (row.place is not None and row.place > cutoff)


def national_rows(
    *, on_date: dt.date, local_dates: dict[str, dt.date] | None = None
) -> NationalRows:
    """The overview's row of every region, with its place in the one ranking and its
    lagging flag (`_flag_lagging`).

    The index is read on `on_date`; each region is judged (staleness, current stage, RAG,
    overdue) on `on_date`, or with `local_dates` (time zone -> date, `overview_days`) on
    its own zone's date.
    """
    days = OverviewDays(on_date=on_date, local=local_dates)
    # every region with the date of its latest score (one query)
    latest_day = (
        IndexScore.objects.filter(on_date__lte=on_date, region_id=OuterRef("pk"))
        .order_by("-on_date")
        .values("on_date")[:1]
    )
    regions = list(Region.objects.order_by("code").annotate(latest_score_day=Subquery(latest_day)))
    ids = [r.pk for r in regions]
    day_of = {r.pk: days.of(r) for r in regions}
    latest_of = {r.pk: r.latest_score_day for r in regions}
    # index: history (values only) and the latest score of each region with its components
    # one score a week (the latest of the week) over the last weeks with scores, and the
    # latest score of each region whenever it was computed
    all_dates = (
        IndexScore.objects.filter(region_id__in=ids, on_date__lte=on_date)
        .order_by()
        .values_list("on_date", flat=True)
        .distinct()
    )
    dates = trend.weekly_dates(all_dates, HISTORY_WEEKS)
    history: dict[int, dict[dt.date, tuple[int, Decimal]]] = defaultdict(dict)
    latest_id: dict[int, tuple[dt.date, int]] = {}
    wanted_days = set(dates) | {d for d in latest_of.values() if d}
    for pk, region_id, day, total in (
        IndexScore.objects.filter(region_id__in=ids, on_date__in=wanted_days)
        .order_by("region_id", "on_date", "version__valid_from")
        .values_list("id", "region_id", "on_date", "total")
    ):
        if day == latest_of.get(region_id):
            latest_id[region_id] = (day, pk)  # the newest version on a date wins
        if day in dates or day == latest_of.get(region_id):
            history[region_id][day] = (pk, total)
    scores = {
        s.region_id: s
        for s in IndexScore.objects.filter(pk__in=[pk for _d, pk in latest_id.values()])
        .select_related("version")
        .defer("criteria")
    }
    version = next(iter(scores.values())).version if scores else None
    components = (
        list(Component.objects.filter(version=version).order_by("position")) if version else []
    )

    # indicators: the region rollups of the last weeks (trend and latest value)
    indicators = list(Indicator.objects.order_by("number")[:4])
    targets = _targets_all(indicators, day_of)
    # each region's judged weeks (complete, newest first) for its trend and latest value,
    # and its newest week whatever its coverage (freshness, «неполная неделя»): the weeks
    # the region dashboard and the alerts read, on the region's own day (two queries)
    judged_of = newest_region_rollups(days=day_of, weeks=trend.trend_weeks(), complete_only=True)
    newest_of = newest_region_rollups(days=day_of, weeks=1)

    # the one overdue rule (`overdue_q`) on each region's day: regions of a zone share it
    zone_days = {region.timezone: day_of[region.pk] for region in regions}
    overdue = dict(
        Measure.objects.filter(overdue_q(dates=zone_days), roadmap__region_id__in=ids)
        .values_list("roadmap__region_id")
        .annotate(n=Count("id"))
    )
    uploads = dict(
        MonitoringUpload.objects.filter(region_id__in=ids, status=UploadStatus.DONE, dry_run=False)
        .values_list("region_id")
        .annotate(at=Max("uploaded_at"))
    )

    rows = []
    for region in regions:
        day = day_of[region.pk]
        score = scores.get(region.pk)
        newest = newest_of.get(region.pk, [None])[0]
        # the indicators and their colours read the complete weeks only (indicators.coverage)
        judged = list(reversed(judged_of.get(region.pk, [])))
        values = []
        for indicator, code in zip(indicators, INDICATOR_CODES, strict=False):
            points = [(r.week_start, getattr(r, code)) for r in judged]
            # the value of the newest judged week, as on the region dashboard
            value = points[-1][1] if points else None
            target = targets.get((region.pk, indicator.pk))
            target_value, target_date = target if target else (None, None)
            line = trend.current_trend(points)
            values.append(
                IndicatorValue(
                    code,
                    value,
                    target_value,
                    trend.rag(
                        value=value,
                        target=target_value,
                        target_date=target_date,
                        trend=line,
                        today=day,
                    ),
                )
            )
        week = newest.week_start if newest else None
        rows.append(
            RegionRow(
                region=region,
                score=score,
                place=None,
                components=[
                    (
                        c.code,
                        Decimal(score.components[c.code]["points"])
                        if score and c.code in score.components
                        else None,
                        c.max_points,
                    )
                    for c in components
                ],
                indicators=values,
                overdue=overdue.get(region.pk, 0),
                latest_week=week,
                uploaded_at=uploads.get(region.pk) or (newest.updated_at if newest else None),
                stale=is_stale(week, day),
                history=[(d, t) for d, (_pk, t) in sorted(history.get(region.pk, {}).items())],
                partial=newest if newest is not None and not newest.complete else None,
            )
        )

    _flag_lagging(rows, on_date)

    # approval of the week each row's indicators read (one query)
    shown: dict[int, dt.date] = {}
    for row in rows:
        complete = judged_of.get(row.region.pk)
        if complete:
            shown[row.region.pk] = complete[0].week_start
    states = states_of(shown.items())
    for row in rows:
        week = shown.get(row.region.pk)
        if week is not None:
            row.approval = states[(row.region.pk, week)]

    return NationalRows(rows=rows, components=components, indicators=indicators)
