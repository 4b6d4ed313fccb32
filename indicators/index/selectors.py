"""Read side of the implementation index: the region page and the ranking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from agencies.models import Region
from roadmaps.choices import CLOSED_STATUSES

from ..models import IndexFact, IndexScore, MeasureCriterion, MethodologyVersion
from .scoring import CriterionResult, ScoreResult
from .services import criteria_of, fmt_number, index_evaluate, rule_text


@dataclass
class InputRow:
    label: str
    value: str | None
    as_of: dt.date | None
    verified: bool


@dataclass
class CriterionRow:
    code: str
    name: str
    rule: str  # the methodology's wording
    applied: str  # the rule applied, with figures
    claimed_applied: str
    points: Decimal
    claimed: Decimal
    max_points: Decimal
    requires_verification: bool
    counts_from: dt.date | None
    is_monitoring: bool
    inputs: list[InputRow]
    measures: list = field(default_factory=list)  # open measures that serve it

    @property
    def pending(self) -> bool:
        return self.claimed > self.points

    @property
    def missing(self) -> Decimal:
        return self.max_points - self.points


@dataclass
class ComponentRow:
    code: str
    name: str
    points: Decimal
    claimed: Decimal
    max_points: Decimal
    criteria: list[CriterionRow]


@dataclass
class RegionIndexPage:
    region: Region
    on_date: dt.date
    version: MethodologyVersion | None
    result: ScoreResult | None
    components: list[ComponentRow]
    potential: Decimal
    potential_measures: int
    history: list[IndexScore]
    facts: list[IndexFact]


@dataclass(frozen=True)
class CriterionInput:
    """One input a criterion was scored on, as data (the page formats it, exports keep it)."""

    label: str
    value: Decimal | None
    as_of: dt.date | None
    verified: bool
    fact_id: int | None  # None for the monitoring share
    from_monitoring: bool


def criterion_inputs(criterion, result: CriterionResult) -> list[CriterionInput]:
    """The inputs of a scored criterion in the methodology's order of its input codes."""
    if criterion.source == "monitoring":
        share, week = result.inputs.get("share_percent"), result.inputs.get("week_start")
        return [
            CriterionInput(
                _("Доля M, %"),
                Decimal(str(share)) if share is not None else None,
                dt.date.fromisoformat(week) if week else None,
                True,
                None,
                True,
            )
        ]
    order = {code: position for position, code in enumerate(criterion.input_codes)}
    rows = []
    for name, record in sorted(
        result.inputs.items(), key=lambda item: order.get("" if item[0] == "value" else item[0], 99)
    ):
        spec = criterion.input_spec("" if name == "value" else name) or {}
        value, as_of = record.get("value"), record.get("as_of")
        rows.append(
            CriterionInput(
                spec.get("label") or name,
                Decimal(str(value)) if value is not None else None,
                dt.date.fromisoformat(as_of) if as_of else None,
                bool(record.get("verified")),
                record.get("fact_id"),
                False,
            )
        )
    return rows


def _input_rows(criterion, result: CriterionResult) -> list[InputRow]:
    return [
        InputRow(
            item.label,
            fmt_number(item.value) if item.value is not None else None,
            item.as_of,
            item.verified,
        )
        for item in criterion_inputs(criterion, result)
    ]


def region_index_page(*, region: Region, on_date: dt.date) -> RegionIndexPage:
    """Everything the region's index page shows, in a fixed number of queries."""
    version, results = index_evaluate(region_ids=[region.pk], on_date=on_date)
    result = results.get(region.pk)
    components: list[ComponentRow] = []
    links: dict[str, list] = {}
    for link in (
        MeasureCriterion.objects.filter(measure__roadmap__region=region)
        .exclude(measure__status__in=CLOSED_STATUSES)
        .select_related("measure")
        .order_by("measure__roadmap_id", "measure__position")
    ):
        links.setdefault(link.criterion_code, []).append(link.measure)
    potential = Decimal("0")
    potential_measures = set()
    if version is not None and result is not None:
        criteria = criteria_of(version)
        by_code = {c.code: c for c in result.criteria}
        claimed = {c.code: c for c in result.claimed}
        for comp, comp_result in zip(version.components.all(), result.components, strict=True):
            rows = []
            for criterion in comp.criteria.all():
                official = by_code[criterion.code]
                row = CriterionRow(
                    code=criterion.code,
                    name=criterion.name,
                    rule=criterion.rule_text,
                    applied=rule_text(official),
                    claimed_applied=rule_text(claimed[criterion.code]),
                    points=official.points,
                    claimed=claimed[criterion.code].points,
                    max_points=official.max_points,
                    requires_verification=criterion.requires_verification,
                    counts_from=criterion.counts_from,
                    is_monitoring=criterion.source == "monitoring",
                    inputs=_input_rows(criteria[criterion.code], claimed[criterion.code]),
                )
                if row.missing > 0:
                    row.measures = links.get(criterion.code, [])
                    if row.measures:
                        potential += row.missing
                        potential_measures.update(m.pk for m in row.measures)
                rows.append(row)
            components.append(
                ComponentRow(
                    comp.code,
                    comp.name,
                    comp_result.points,
                    comp_result.claimed_points,
                    comp_result.max_points,
                    rows,
                )
            )
    history = list(
        IndexScore.objects.filter(region=region)
        .select_related("version")
        .defer("criteria", "components")
        .order_by("-on_date", "-version__valid_from")[:30]
    )
    facts = list(
        IndexFact.objects.filter(region=region)
        .select_related("entered_by", "verified_by")
        .order_by("-as_of", "-id")[:100]
    )
    return RegionIndexPage(
        region,
        on_date,
        version,
        result,
        components,
        potential,
        len(potential_measures),
        history,
        facts,
    )


@dataclass
class RankingRow:
    place: int
    region: Region
    total: Decimal
    claimed_total: Decimal
    earlier: Decimal | None
    highlighted: bool

    @property
    def change(self) -> Decimal | None:
        return None if self.earlier is None else self.total - self.earlier


def index_ranking(
    *, on_date: dt.date, since: dt.date | None = None, highlight: frozenset[int] = frozenset()
) -> tuple[MethodologyVersion | None, list[RankingRow]]:
    """Every region by total on `on_date` (ties share a place), with the change since `since`."""
    regions = list(Region.objects.order_by("code"))
    ids = [r.pk for r in regions]
    version, results = index_evaluate(region_ids=ids, on_date=on_date)
    earlier = {}
    if since is not None:
        _v, earlier_results = index_evaluate(region_ids=ids, on_date=since)
        earlier = {rid: r.total for rid, r in earlier_results.items()}
    if version is None:
        return None, []
    ordered = sorted(regions, key=lambda r: (-results[r.pk].total, r.code))
    rows: list[RankingRow] = []
    place = 0
    previous = None
    for position, region in enumerate(ordered, start=1):
        total = results[region.pk].total
        if total != previous:
            place, previous = position, total
        rows.append(
            RankingRow(
                place,
                region,
                total,
                results[region.pk].claimed_total,
                earlier.get(region.pk),
                region.pk in highlight,
            )
        )
    return version, rows
