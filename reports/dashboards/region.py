"""The region dashboard: every block in one dataclass, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from agencies import dataversion
from agencies.models import Municipality, Region
from indicators.approval import figure_label, states_of
from indicators.choices import ApprovalState
from indicators.index.selectors import region_place
from indicators.models import MonitoringRollup
from roadmaps.choices import MeasureStatus
from roadmaps.models import MeasureChange

from . import roadmap as rm
from . import sferum
from .alerts import AlertsBlock, open_alerts
from .index import IndexBlock, index_block, national_date

MOVES_SHOWN = 12
OVERDUE_SHOWN = 8


def _label(status: MeasureStatus) -> str:
    """A stored status as the stacked bar names it (its label, lower case)."""
    return str(status.label).lower()


@dataclass(frozen=True)
class IndicatorMove:
    municipality: Municipality
    code: str
    value: Decimal | None
    change: Decimal


@dataclass
class RegionDashboard:
    region: Region
    today: dt.date
    since: dt.date  # "last week": today − 7 days
    index: IndexBlock
    indicators: list[sferum.IndicatorCard]
    municipalities: list[sferum.MunicipalityRow]
    municipality_sort: str
    sections: list[rm.SectionCompletion]
    overdue_total: int
    overdue: list[rm.MeasureLine]
    upcoming: list[rm.MeasureLine]
    cascades: list[rm.CascadeLine]
    freshness: sferum.Freshness
    alerts: AlertsBlock
    silent: list[rm.SilentAgency]
    status_changes: list[MeasureChange]
    indicator_moves: list[IndicatorMove] = field(default_factory=list)
    pending_parts: list[rm.PendingAgency] = field(default_factory=list)
    # the newest week when it is a «неполная неделя» (shown, never judged)
    partial: MonitoringRollup | None = None
    judged_week: dt.date | None = None  # the latest complete week, which the cards judge
    # approval state (indicators.approval) of the newest week and of the judged week
    latest_approval: str = ApprovalState.DRAFT
    judged_approval: str = ApprovalState.DRAFT
    # the page cache key these data were read under (region_dashboard); None: not cached
    cache_key: str | None = None

    # the windows of the "deadlines ahead" and "who has not reported" blocks, as the page
    # names them (reports.dashboards.roadmap)
    upcoming_days = rm.UPCOMING_DAYS
    silence_days = rm.SILENCE_DAYS

    @property
    def latest_approval_label(self) -> str:
        return figure_label(self.latest_approval)

    @property
    def judged_approval_label(self) -> str:
        return figure_label(self.judged_approval)

    @property
    def measures_total(self) -> int:
        return sum(s.total for s in self.sections)

    @property
    def measures_done(self) -> int:
        return sum(s.done for s in self.sections)

    @property
    def done_share(self) -> float | None:
        total = self.measures_total - sum(s.cancelled for s in self.sections)
        return self.measures_done / total * 100 if total else None

    @property
    def roadmap_parts(self) -> list[tuple[str, int, str]]:
        """The whole roadmap by status, for the stacked bar."""
        return [
            (_label(MeasureStatus.DONE), self.measures_done, "done"),
            (
                _label(MeasureStatus.IN_PROGRESS),
                sum(s.in_progress for s in self.sections),
                "in_progress",
            ),
            (
                _label(MeasureStatus.NOT_STARTED),
                sum(s.not_started for s in self.sections),
                "not_started",
            ),
            ("просрочено", sum(s.overdue for s in self.sections), "overdue"),  # derived
            (_label(MeasureStatus.CANCELLED), sum(s.cancelled for s in self.sections), "cancelled"),
        ]

    @property
    def has_monitoring(self) -> bool:
        return any(card.latest is not None for card in self.indicators)


def indicator_moves(rows: list[sferum.MunicipalityRow], limit: int = MOVES_SHOWN):
    """The largest weekly moves of I1–I4 per municipality, biggest first."""
    moves = [
        IndicatorMove(row.municipality, cell.code, cell.value, change)
        for row in rows
        for cell in row.cells
        if (change := cell.change)
    ]
    moves.sort(key=lambda m: (-abs(m.change), m.municipality.name, m.code))
    return moves[:limit]


def build_region_dashboard(
    *, user, region: Region, today: dt.date | None = None, municipality_sort: str = ""
) -> RegionDashboard:
    """Everything the region's dashboard shows, computed (`region_dashboard` is the cached
    way in). The caller has checked the user's scope (`Region.objects.visible_to(user)`);
    `today` is the region's local date. Nothing here depends on the user."""
    today = today or region.local_today()
    since = today - dt.timedelta(days=7)
    since_moment = timezone.make_aware(dt.datetime.combine(since, dt.time.min), region.tz)
    # «кто не отчитался» is judged at the end of the region's day, as on any other date: a
    # function of the date (the cache key's), not of the hour it was first read at
    end_of_day = timezone.make_aware(dt.datetime.combine(today, dt.time.max), region.tz)

    series = sferum.region_series(region=region, today=today)
    # a «неполная неделя» is shown with its coverage but never judged (indicators.coverage):
    # the cards, their trends and the municipalities read the complete weeks
    judged = sferum.judged_series(region=region, today=today, series=series)
    partial = series[-1] if series and not series[-1].complete else None
    cards = sferum.indicator_cards(region=region, today=today, series=judged)
    municipalities = sferum.municipality_rows(
        region=region, series=judged, cards=cards, sort=municipality_sort
    )
    overdue_total, overdue = rm.overdue_measures(region=region, today=today, limit=OVERDUE_SHOWN)
    parts = rm.pending_parts(region=region, today=today)
    judged_week = judged[-1].week_start if judged else None
    states = states_of((region.pk, row.week_start) for row in series[-1:] + judged[-1:])
    return RegionDashboard(
        region=region,
        today=today,
        since=since,
        index=index_block(
            region=region,
            today=today,
            rank_on=national_date() if today == region.local_today() else today,
        ),
        indicators=cards,
        municipalities=municipalities,
        municipality_sort=municipality_sort,
        sections=rm.completion_by_section(region=region, today=today),
        overdue_total=overdue_total,
        overdue=parts.lines(overdue),
        upcoming=parts.lines(rm.upcoming_deadlines(region=region, today=today)),
        cascades=rm.cascades(region=region),
        freshness=sferum.freshness(region=region, series=series, today=today),
        alerts=open_alerts(region=region),
        silent=rm.silent_agencies(region=region, now=end_of_day),
        status_changes=rm.status_changes_since(region=region, since=since_moment),
        indicator_moves=indicator_moves(municipalities),
        pending_parts=parts.agencies,
        partial=partial,
        judged_week=judged_week,
        latest_approval=states.get((region.pk, series[-1].week_start), ApprovalState.DRAFT)
        if series
        else ApprovalState.DRAFT,
        judged_approval=states.get((region.pk, judged_week), ApprovalState.DRAFT)
        if judged_week
        else ApprovalState.DRAFT,
    )


def region_dashboard(
    *, user, region: Region, today: dt.date | None = None, municipality_sort: str = ""
) -> RegionDashboard:
    """`build_region_dashboard`, cached per region, day and ranking date under the region's
    data version (`agencies.dataversion`). The place in the ranking is taken from the one
    ranking (cached under the national version) on every call, so another region's write
    moves it at once without recomputing this region's blocks; the municipalities are
    sorted after the cache. The data are the region's, not the user's: the caller checks
    the user's scope first."""
    today = today or region.local_today()
    rank_on = national_date() if today == region.local_today() else today
    computed = []

    def compute() -> RegionDashboard:
        computed.append(True)
        return build_region_dashboard(user=user, region=region, today=today)

    keys: list[str] = []

    def key() -> str:
        keys.append(f"region:{region.pk}:{dataversion.region_token(region.pk)}:{today}:{rank_on}")
        return keys[-1]

    dashboard = dataversion.cached(key, compute)
    dashboard.cache_key = keys[-1] if keys else None
    if not computed and dashboard.index.score is not None:
        place = region_place(region_id=region.pk, on_date=rank_on)
        dashboard.index.rank, dashboard.index.ranked = place.place, place.ranked
    if municipality_sort:
        dashboard.municipalities = sferum.sort_municipalities(
            dashboard.municipalities, municipality_sort
        )
        dashboard.municipality_sort = municipality_sort
    return dashboard
