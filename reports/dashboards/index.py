"""Read side of the index blocks: stored IndexScore rows for the totals and history; the
place comes from the one ranking (`region_place`), the one the ranking page shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from agencies.models import Region
from indicators.index.selectors import index_potential, national_date, region_place
from indicators.models import Component, IndexScore, MeasureCriterion
from reports import charts
from roadmaps.choices import CLOSED_STATUSES

from .trend import weekly_dates

HISTORY_POINTS = 26
WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class CriterionBar:
    code: str
    name: str
    points: Decimal
    max_points: Decimal
    change: Decimal | None = None  # since the score a week earlier

    @property
    def share(self) -> float:
        return float(self.points / self.max_points * 100) if self.max_points else 0.0


@dataclass
class ComponentBar:
    code: str
    name: str
    points: Decimal
    max_points: Decimal
    criteria: list[CriterionBar] = field(default_factory=list)

    @property
    def share(self) -> float:
        return float(self.points / self.max_points * 100) if self.max_points else 0.0


@dataclass
class IndexBlock:
    score: IndexScore | None
    components: list[ComponentBar]
    history: list[tuple[dt.date, Decimal]]  # oldest first
    rank: int | None
    ranked: int  # regions with data in the ranking on the national date
    potential: Decimal
    potential_measures: int
    previous: IndexScore | None  # the latest score at least a week older
    approved: bool = False  # the ranked figure rests on approved weeks (indicators.approval)

    @property
    def change(self) -> Decimal | None:
        if self.score is None or self.previous is None:
            return None
        return self.score.total - self.previous.total

    @property
    def criterion_changes(self) -> list[CriterionBar]:
        return [
            c
            for comp in self.components
            for c in comp.criteria
            if c.change is not None and c.change
        ]

    @property
    def history_series(self) -> list[charts.Series]:
        return [charts.Series("Индекс", self.history)]

    @property
    def progress_items(self) -> list[tuple[str, Decimal, Decimal, int]]:
        """Earned / max per component (level 0) and criterion (level 1): progress_bars."""
        items = []
        for comp in self.components:
            items.append((comp.name, comp.points, comp.max_points, 0))
            items += [(c.name, c.points, c.max_points, 1) for c in comp.criteria]
        return items

    @property
    def share(self) -> float:
        if self.score is None or not self.score.max_points:
            return 0.0
        return float(self.score.total / self.score.max_points * 100)


def _dec(value) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal("0")


def index_block(*, region: Region, today: dt.date, rank_on: dt.date | None = None) -> IndexBlock:
    """Total, components and criteria, trend, potential, and the place in the one ranking
    (`indicators.index.selectors.region_place`) on the national date `rank_on` (default:
    `national_date()`), the place the ranking page shows. A region the ranking has no data
    for shows none (not the 0 points stored for it), as the ranking page does."""
    ranks = region_place(region_id=region.pk, on_date=rank_on or national_date())
    if ranks.no_data:
        return IndexBlock(None, [], [], None, ranks.ranked, Decimal("0"), 0, None)
    history_rows = IndexScore.objects.filter(region=region, on_date__lte=today).order_by(
        "-on_date", "-version__valid_from"
    )
    by_date: dict[dt.date, tuple[int, Decimal]] = {}
    for pk, on_date, total in history_rows.values_list("id", "on_date", "total"):
        by_date.setdefault(on_date, (pk, total))  # the newest version on a date
    if not by_date:
        return IndexBlock(None, [], [], None, 0, Decimal("0"), 0, None)
    latest_date = max(by_date)
    dates = weekly_dates(by_date, HISTORY_POINTS - 1)
    if dates[-1] != latest_date:
        dates.append(latest_date)
    history = [(d, by_date[d][1]) for d in dates]
    earlier = [d for d in by_date if d <= latest_date - WEEK]
    wanted = [by_date[latest_date][0]] + ([by_date[max(earlier)][0]] if earlier else [])
    scores = {s.pk: s for s in IndexScore.objects.filter(pk__in=wanted).select_related("version")}
    score = scores[wanted[0]]
    previous = scores.get(wanted[1]) if len(wanted) > 1 else None

    components = []
    for comp in Component.objects.filter(version=score.version).prefetch_related("criteria"):
        stored = score.components.get(comp.code, {})
        bars = []
        for criterion in comp.criteria.all():
            data = score.criteria.get(criterion.code, {})
            before = previous.criteria.get(criterion.code) if previous else None
            points = _dec(data.get("points"))
            bars.append(
                CriterionBar(
                    code=criterion.code,
                    name=criterion.name,
                    points=points,
                    max_points=_dec(data.get("max", criterion.max_points)),
                    change=points - _dec(before.get("points")) if before else None,
                )
            )
        components.append(
            ComponentBar(
                code=comp.code,
                name=comp.name,
                points=_dec(stored.get("points")),
                max_points=_dec(stored.get("max", comp.max_points)),
                criteria=bars,
            )
        )

    links = (
        MeasureCriterion.objects.filter(measure__roadmap__region=region)
        .exclude(measure__status__in=CLOSED_STATUSES)
        .values_list("criterion_code", "measure_id")
    )
    missing = {
        code: _dec(data.get("max")) - _dec(data.get("points"))
        for code, data in score.criteria.items()
        if data
    }
    potential, measures = index_potential(missing, links)
    return IndexBlock(
        score=score,
        components=components,
        history=history,
        rank=ranks.place,
        ranked=ranks.ranked,
        potential=potential,
        potential_measures=len(measures),
        previous=previous,
        approved=ranks.approved,
    )
