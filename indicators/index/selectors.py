"""Read side of the implementation index.

Loading and scoring (set-based: the inputs of every region asked for are read in a fixed
number of queries — the version with its components and criteria, the facts valid on the
date, the latest monitoring week of each region — whatever the number of regions or
criteria), the texts of a criterion's rule, then the region page and the ranking.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import dataversion
from agencies.models import Region
from roadmap_portal.ru_formats import ru_date, ru_number, ru_percent
from roadmaps.choices import CLOSED_STATUSES
from roadmaps.models import Measure

from ..approval import approved_weeks, week_of
from ..choices import ApprovalState
from ..models import (
    Criterion,
    IndexFact,
    IndexScore,
    MeasureCriterion,
    MethodologyVersion,
    MonitoringRollup,
    WeekApproval,
)
from .scoring import (
    BandSpec,
    ComponentSpec,
    CriterionResult,
    CriterionSpec,
    InputValue,
    Kind,
    RegionInputs,
    ScoreResult,
    VersionSpec,
    percent_of,
    score_region,
)


def version_on(on_date: dt.date) -> MethodologyVersion | None:
    """The methodology version in force on `on_date`, its components and criteria loaded."""
    version: MethodologyVersion | None = (
        MethodologyVersion.objects.valid_on(on_date)
        .prefetch_related("components__criteria")
        .first()
    )
    return version


def version_spec(version: MethodologyVersion) -> VersionSpec:
    """The version as the pure scoring code takes it (uses prefetched rows)."""
    components = []
    for component in version.components.all():
        criteria = []
        for c in component.criteria.all():
            criteria.append(
                CriterionSpec(
                    code=c.code,
                    kind=Kind(c.kind),
                    max_points=c.max_points,
                    points=c.points,
                    step=c.step,
                    bands=tuple(
                        BandSpec(Decimal(str(b["min"])), Decimal(str(b["points"]))) for b in c.bands
                    ),
                    value_input=c.value_input,
                    denominator_input=c.denominator_input,
                    gate_input=c.gate_input,
                    gate_min=c.gate_min,
                    requires_verification=c.requires_verification,
                    counts_from=c.counts_from,
                    source=c.source,
                )
            )
        components.append(ComponentSpec(component.code, component.max_points, tuple(criteria)))
    return VersionSpec(version.code, tuple(components))


def criteria_of(version: MethodologyVersion) -> dict[str, Criterion]:
    return {c.code: c for comp in version.components.all() for c in comp.criteria.all()}


def index_inputs_load(
    *, region_ids: Iterable[int], on_date: dt.date, approved_only: bool = False
) -> dict[int, RegionInputs]:
    """Inputs valid on `on_date` for every region in `region_ids`: two queries.

    Facts: the latest `as_of` ≤ date per (region, criterion, input), the later entry on the
    same date; a verified reading keeps the latest verified fact. Sferum share M: the
    region's rollup of the latest complete week (coverage at or above
    `MONITORING_MIN_COVERAGE`, indicators.coverage) on or before the date, as the exact
    fraction of its sums (a «неполная неделя» never moves the index).

    `approved_only` (the approved-only ranking, indicators.approval): only facts whose week
    is approved and the latest complete approved week count (one more query).
    """
    ids = list(region_ids)
    result = {region_id: RegionInputs() for region_id in ids}
    approved = approved_weeks(ids) if approved_only else None
    facts = (
        IndexFact.objects.filter(region_id__in=ids, as_of__lte=on_date)
        .order_by("region_id", "criterion_code", "input", "-as_of", "-id")
        .values_list("id", "region_id", "criterion_code", "input", "value", "as_of", "verified_at")
    )
    for fact_id, region_id, code, name, value, as_of, verified_at in facts:
        if approved is not None and (region_id, week_of(as_of)) not in approved:
            continue
        inputs = result[region_id]
        key = (code, name)
        item = InputValue(value, as_of, verified_at is not None, fact_id)
        if key not in inputs.claimed:
            inputs.claimed[key] = item
        if verified_at is not None and key not in inputs.verified:
            inputs.verified[key] = item
    latest_week = (
        MonitoringRollup.objects.complete()
        .filter(
            region_id=models.OuterRef("region_id"),
            municipality__isnull=True,
            week_start__lte=on_date,
        )
        .order_by("-week_start")
    )
    if approved is not None:
        latest_week = latest_week.filter(
            models.Exists(
                WeekApproval.objects.filter(
                    region_id=models.OuterRef("region_id"),
                    week_start=models.OuterRef("week_start"),
                    state=ApprovalState.APPROVED,
                )
            )
        )
    newest = latest_week.values("week_start")[:1]
    rollups = MonitoringRollup.objects.filter(
        region_id__in=ids, municipality__isnull=True, week_start=models.Subquery(newest)
    ).only("region_id", "week_start", "vkm_users", "vkm_and_max_users")
    for rollup in rollups:
        inputs = result[rollup.region_id]
        inputs.sferum_share = percent_of(rollup.vkm_and_max_users, rollup.vkm_users)
        inputs.sferum_week = rollup.week_start
    return result


def _number(value: object) -> str:
    return ru_number(value, default="—")


def _percent(value: object) -> str:
    return ru_percent(value, None, default="—")


def rule_text(result: CriterionResult) -> str:
    """The rule applied, in Russian ("7 из 10: 34 % ≥ 25 %"), numbers by ru_formats."""
    rule = result.rule
    code = rule["code"]
    points, max_points = _number(result.points), _number(result.max_points)
    if code == "not_launched":
        launch = ru_date(dt.date.fromisoformat(rule["counts_from"]))
        return _("0 из %(max)s: учитывается с запуска функционала %(date)s") % {
            "max": max_points,
            "date": launch,
        }
    if code == "no_data":
        return _("0 из %(max)s: нет данных") % {"max": max_points}
    if code == "gate":
        return _("0 из %(max)s: %(value)s при минимуме %(min)s") % {
            "max": max_points,
            "value": _number(rule["gate"]),
            "min": _number(rule["gate_min"]),
        }
    if code == "yes":
        return _("%(points)s из %(max)s: выполнено") % {"points": points, "max": max_points}
    if code == "no":
        return _("0 из %(max)s: не выполнено") % {"max": max_points}
    if code == "per_unit":
        text = _("%(points)s из %(max)s: %(units)s × %(unit)s") % {
            "points": points,
            "max": max_points,
            "units": _number(rule["units"]),
            "unit": _number(rule["unit_points"]),
        }
        if rule["capped"]:
            text += " " + _("(не более максимума)")
        return text
    if code == "stepwise":
        return _("%(points)s из %(max)s: доля %(pct)s, полных шагов по %(step)s — %(steps)s") % {
            "points": points,
            "max": max_points,
            "pct": _percent(rule["percent"]),
            "step": _percent(rule["step"]),
            "steps": _number(rule["steps"]),
        }
    if code == "band":
        return _("%(points)s из %(max)s: %(pct)s ≥ %(min)s") % {
            "points": points,
            "max": max_points,
            "pct": _percent(rule["percent"]),
            "min": _percent(rule["band_min"]),
        }
    if code == "below_bands":
        return _("0 из %(max)s: %(pct)s ниже всех диапазонов") % {
            "max": max_points,
            "pct": _percent(rule["percent"]),
        }
    if code == "assessor":
        return _("%(points)s из %(max)s: оценка эксперта") % {"points": points, "max": max_points}
    return str(code)


def breakdown(result: ScoreResult, spec: VersionSpec) -> tuple[dict[str, Any], dict[str, Any]]:
    """(components, criteria) JSON of a score as stored in IndexScore."""
    component_of = {k.code: c.code for c in spec.components for k in c.criteria}
    components = {
        c.code: {
            "points": str(c.points),
            "max": str(c.max_points),
            "claimed": str(c.claimed_points),
        }
        for c in result.components
    }
    criteria: dict[str, Any] = {}
    for official, claimed in zip(result.criteria, result.claimed, strict=True):
        criteria[official.code] = {
            "component": component_of[official.code],
            "points": str(official.points),
            "max": str(official.max_points),
            "claimed": str(claimed.points),
            "inputs": claimed.inputs,
            "verified_inputs": official.inputs,
            "rule": official.rule,
            "rule_text": rule_text(official),
            "claimed_rule_text": rule_text(claimed),
        }
    return components, criteria


def index_evaluate(
    *,
    region_ids: Iterable[int],
    on_date: dt.date,
    version: MethodologyVersion | None = None,
    approved_only: bool = False,
) -> tuple[MethodologyVersion | None, dict[int, ScoreResult]]:
    """Scores in memory (nothing written): the version used and region id -> result."""
    version, results, _inputs = _evaluate(
        region_ids=region_ids, on_date=on_date, version=version, approved_only=approved_only
    )
    return version, results


def _evaluate(
    *,
    region_ids: Iterable[int],
    on_date: dt.date,
    version: MethodologyVersion | None = None,
    approved_only: bool = False,
) -> tuple[MethodologyVersion | None, dict[int, ScoreResult], dict[int, RegionInputs]]:
    version = version or version_on(on_date)
    if version is None:
        return None, {}, {}
    spec = version_spec(version)
    inputs = index_inputs_load(region_ids=region_ids, on_date=on_date, approved_only=approved_only)
    results = {rid: score_region(spec, data, on_date) for rid, data in inputs.items()}
    return version, results, inputs


def inputs_approved(
    inputs: RegionInputs, region_id: int, approved: set[tuple[int, dt.date]]
) -> bool:
    """Whether a region's figure rests on approved weeks only (indicators.approval): every
    fact read and the monitoring week of M; a region without inputs is not approved."""
    if not inputs.has_data:
        return False
    weeks = {week_of(item.as_of) for item in inputs.claimed.values()}
    if inputs.sferum_week is not None:
        weeks.add(inputs.sferum_week)
    return all((region_id, week) in approved for week in weeks)


def criterion_for(code: str, on_date: dt.date) -> Criterion | None:
    """The criterion with `code` in the version valid on `on_date` (else the latest one)."""
    qs = Criterion.objects.select_related("component__version").filter(code=code)
    return (
        qs.filter(
            models.Q(component__version__valid_to__isnull=True)
            | models.Q(component__version__valid_to__gte=on_date),
            component__version__valid_from__lte=on_date,
        )
        .order_by("-component__version__valid_from")
        .first()
        or qs.order_by("-component__version__valid_from").first()
    )


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
    points: Decimal | None  # None: the region has no data on the date («нет данных»)
    claimed: Decimal | None
    max_points: Decimal
    requires_verification: bool
    counts_from: dt.date | None
    is_monitoring: bool
    inputs: list[InputRow]
    measures: list[Measure] = field(default_factory=list)  # open measures that serve it

    @property
    def pending(self) -> bool:
        return self.claimed is not None and self.points is not None and self.claimed > self.points

    @property
    def missing(self) -> Decimal:
        return self.max_points - (self.points or Decimal("0"))


@dataclass
class ComponentRow:
    code: str
    name: str
    points: Decimal | None  # None: «нет данных»
    claimed: Decimal | None
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

    @property
    def has_data(self) -> bool:
        """The one «нет данных» of the index (`RegionInputs.has_data`), as the ranking and the
        stored history read it."""
        return self.result is not None and self.result.has_data

    @property
    def total(self) -> Decimal | None:
        return self.result.shown_total if self.result is not None else None

    @property
    def claimed_total(self) -> Decimal | None:
        return self.result.shown_claimed_total if self.result is not None else None


@dataclass(frozen=True)
class CriterionInput:
    """One input a criterion was scored on, as data (the page formats it, exports keep it)."""

    label: str
    value: Decimal | None
    as_of: dt.date | None
    verified: bool
    fact_id: int | None  # None for the monitoring share
    from_monitoring: bool


def criterion_inputs(criterion: Criterion, result: CriterionResult) -> list[CriterionInput]:
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


def _input_rows(criterion: Criterion, result: CriterionResult) -> list[InputRow]:
    return [
        InputRow(
            item.label,
            _number(item.value) if item.value is not None else None,
            item.as_of,
            item.verified,
        )
        for item in criterion_inputs(criterion, result)
    ]


@dataclass(frozen=True)
class CriterionTitles:
    """Russian titles of criterion and input codes, for pages that show facts and files."""

    names: dict[str, str]
    inputs: dict[tuple[str, str], str]

    def name(self, code: str) -> str:
        return self.names.get(code, code)

    def input(self, criterion_code: str, input_code: str) -> str:
        if not input_code:
            return ""
        return self.inputs.get((criterion_code, input_code), input_code)


def criterion_titles() -> CriterionTitles:
    """Titles of every methodology's criteria and inputs (the newest version's wins), 1 query."""
    names: dict[str, str] = {}
    inputs: dict[tuple[str, str], str] = {}
    for code, name, specs in Criterion.objects.order_by(
        "component__version__valid_from", "pk"
    ).values_list("code", "name", "inputs"):
        names[code] = name
        for spec in specs or []:
            if spec.get("code") and spec.get("label"):
                inputs[(code, spec["code"])] = spec["label"]
    return CriterionTitles(names, inputs)


def with_titles(facts: Iterable[Any], titles: CriterionTitles | None = None) -> list[Any]:
    """Facts (or preview rows as dicts) with `criterion_title` and `input_title` set
    (attributes added to the IndexFact rows, keys to the dicts)."""
    titles = titles or criterion_titles()
    out = []
    for fact in facts:
        if isinstance(fact, dict):
            code, input_code = fact.get("criterion", ""), fact.get("input", "") or ""
            fact = {
                **fact,
                "criterion_title": titles.name(code),
                "input_title": titles.input(code, input_code),
            }
        else:
            fact.criterion_title = titles.name(fact.criterion_code)
            fact.input_title = titles.input(fact.criterion_code, fact.input or "")
        out.append(fact)
    return out


def index_potential(
    missing: dict[str, Decimal], links: Iterable[tuple[str, int]]
) -> tuple[Decimal, set[int]]:
    """The points a region's open measures could still earn (the index page and the region
    dashboard): every criterion short of its maximum (`missing`: code → max − points) that
    at least one open measure of the region is linked to counts once, with its missing
    points; the measures are the open ones linked to such criteria (`links`: criterion code,
    measure id)."""
    potential = Decimal("0")
    counted: set[str] = set()
    measures: set[int] = set()
    for code, measure_id in links:
        short = missing.get(code, Decimal("0"))
        if short <= 0:
            continue
        measures.add(measure_id)
        if code not in counted:
            counted.add(code)
            potential += short
    return potential, measures


def region_index_page(*, region: Region, on_date: dt.date) -> RegionIndexPage:
    """Everything the region's index page shows, in a fixed number of queries."""
    version, results = index_evaluate(region_ids=[region.pk], on_date=on_date)
    result = results.get(region.pk)
    components: list[ComponentRow] = []
    links: dict[str, list[Measure]] = {}
    for link in (
        MeasureCriterion.objects.filter(measure__roadmap__region=region)
        .exclude(measure__status__in=CLOSED_STATUSES)
        .select_related("measure")
        .order_by("measure__roadmap_id", "measure__position")
    ):
        links.setdefault(link.criterion_code, []).append(link.measure)
    missing: dict[str, Decimal] = {}
    if version is not None and result is not None:
        # without data the methodology's structure is shown with «нет данных», never 0 points
        known = result.has_data
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
                    applied=rule_text(official) if known else _("нет данных"),
                    claimed_applied=(
                        rule_text(claimed[criterion.code]) if known else _("нет данных")
                    ),
                    points=official.points if known else None,
                    claimed=claimed[criterion.code].points if known else None,
                    max_points=official.max_points,
                    requires_verification=criterion.requires_verification,
                    counts_from=criterion.counts_from,
                    is_monitoring=criterion.source == "monitoring",
                    inputs=_input_rows(criteria[criterion.code], claimed[criterion.code]),
                )
                if row.missing > 0:
                    row.measures = links.get(criterion.code, [])
                missing[criterion.code] = row.missing
                rows.append(row)
            components.append(
                ComponentRow(
                    comp.code,
                    comp.name,
                    comp_result.points if known else None,
                    comp_result.claimed_points if known else None,
                    comp_result.max_points,
                    rows,
                )
            )
    potential, potential_measures = index_potential(
        missing, ((code, m.pk) for code, measures in links.items() for m in measures)
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
        with_titles(facts),
    )


@dataclass
class RankingRow:
    place: int | None  # None: no data, not ranked
    region: Region
    total: Decimal | None  # None: «нет данных»
    claimed_total: Decimal | None
    earlier: Decimal | None
    highlighted: bool
    approved: bool = False  # the figure rests on approved weeks only (indicators.approval)

    @property
    def change(self) -> Decimal | None:
        if self.earlier is None or self.total is None:
            return None
        return self.total - self.earlier


def index_ranking(
    *,
    on_date: dt.date,
    since: dt.date | None = None,
    highlight: frozenset[int] = frozenset(),
    approved_only: bool = False,
) -> tuple[MethodologyVersion | None, list[RankingRow]]:
    """Every region by total on `on_date` (ties share a place), with the change since `since`.

    The one ranking of the portal (ranking page, exports, region dashboard): a region with
    neither a fact nor a monitoring week has no place; it comes last as «нет данных».
    Each row says whether its figure is approved (`approved`); `approved_only` ranks the
    figures of approved weeks only (indicators.approval), the change too.
    Cached under the national data version (`agencies.dataversion`): every write that can
    move a total or its approval (facts, monitoring, measure statuses, methodology, approval
    transitions) changes it. `highlight` (the user's own regions) is applied after the cache.
    """
    version, rows = dataversion.cached(
        lambda: (
            f"ranking:{dataversion.national_token()}:{on_date.isoformat()}:{since or ''}"
            f":{int(approved_only)}"
        ),
        lambda: _index_ranking(on_date=on_date, since=since, approved_only=approved_only),
    )
    return version, [
        replace(row, highlighted=row.region.pk in highlight) if highlight else row for row in rows
    ]


def _index_ranking(
    *, on_date: dt.date, since: dt.date | None, approved_only: bool
) -> tuple[MethodologyVersion | None, list[RankingRow]]:
    regions = list(Region.objects.order_by("code"))
    ids = [r.pk for r in regions]
    version, results, inputs = _evaluate(
        region_ids=ids, on_date=on_date, approved_only=approved_only
    )
    approved = approved_weeks(ids)
    earlier = {}
    if since is not None:
        _v, earlier_results = index_evaluate(
            region_ids=ids, on_date=since, approved_only=approved_only
        )
        # a region without data on the earlier date has no earlier total («нет данных»,
        # as the ranking of that date says), so no change either: never a 0 read as a total
        earlier = {rid: r.shown_total for rid, r in earlier_results.items()}
    if version is None:
        return None, []
    with_data = [r for r in regions if results[r.pk].has_data]
    ordered = sorted(with_data, key=lambda r: (-results[r.pk].total, r.code))
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
                False,
                inputs_approved(inputs[region.pk], region.pk, approved),
            )
        )
    rows += [
        RankingRow(None, region, None, None, None, False)
        for region in regions
        if not results[region.pk].has_data
    ]
    return version, rows


def national_date(now: dt.datetime | None = None) -> dt.date:
    """The one date every region is ranked on: the portal's (Moscow) date, whatever the
    region's time zone, so «N место из M» is the same on every page at any hour."""
    return timezone.localdate(now)


@dataclass(frozen=True)
class RegionPlace:
    place: int | None
    ranked: int  # regions with data on that date
    on_date: dt.date
    approved: bool = False  # the region's figure rests on approved weeks only
    no_data: bool = False  # neither a fact nor a monitoring week: «нет данных», no total


def region_place(*, region_id: int, on_date: dt.date) -> RegionPlace:
    """The region's place in `index_ranking` on `on_date` and how many regions are ranked."""
    _version, rows = index_ranking(on_date=on_date)
    ranked = sum(1 for row in rows if row.place is not None)
    own = next((row for row in rows if row.region.pk == region_id), None)
    place = own.place if own else None
    return RegionPlace(
        place,
        ranked,
        on_date,
        bool(own and own.approved),
        no_data=own is not None and own.total is None,
    )
