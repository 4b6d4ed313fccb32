"""Scoring one region on one date under one methodology version.

1. every criterion reads its inputs (the latest value per input valid on the date; for a
   criterion that needs verification, the "verified" reading uses verified values only);
2. a criterion whose `counts_from` date is after the date scores 0;
3. the criterion's kind turns the inputs into points (never above its maximum);
4. components add their criteria (never above the component's maximum); the total adds
   the components.

Everything here is deterministic: the same inputs give the same breakdown. Rules come back
as data (`rule`: a code and its figures); the service renders them in Russian.

Exact figures: every band, step, gate and cap is judged on the exact value — a share is a
`Fraction` of its integer (or decimal) numerator and denominator, never a rounded percent.
Rounding happens only where a figure is shown (`percent` in a rule, `share_percent` in the
inputs), and it rounds down to 0.01 so that a shown figure never crosses a band edge the
exact one did not reach (59.996 % shows as 59.99 %, 5 full steps of 10 %).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from math import floor
from typing import Any

ZERO = Decimal("0")
CENT = Decimal("0.01")

Number = Decimal | Fraction | int


class Kind(str, Enum):
    YES_NO = "yes_no"  # points when the value is 1
    PER_UNIT = "per_unit"  # points for every unit, capped
    BANDS = "bands"  # a percentage read against lower bounds
    STEPWISE_SHARE = "stepwise_share"  # points for every full step of a percentage
    ASSESSOR = "assessor"  # the assessor's score within 0..max


@dataclass(frozen=True)
class BandSpec:
    min: Decimal  # lower bound, percent, inclusive
    points: Decimal


@dataclass(frozen=True)
class CriterionSpec:
    code: str
    kind: Kind
    max_points: Decimal
    points: Decimal = ZERO  # yes/no: the points; per unit and stepwise: points per unit/step
    step: Decimal = ZERO  # stepwise: the step in percent (10)
    bands: tuple[BandSpec, ...] = ()
    value_input: str = ""  # the input holding the value (or the numerator of a share)
    denominator_input: str = ""  # when set, the value is value_input * 100 / denominator
    gate_input: str = ""  # when set, the criterion scores 0 while this input < gate_min
    gate_min: Decimal = ZERO
    requires_verification: bool = False
    counts_from: dt.date | None = None
    source: str = "fact"  # "fact" or "monitoring" (the Sferum share)


@dataclass(frozen=True)
class ComponentSpec:
    code: str
    max_points: Decimal
    criteria: tuple[CriterionSpec, ...]


@dataclass(frozen=True)
class VersionSpec:
    code: str
    components: tuple[ComponentSpec, ...]

    @property
    def max_points(self) -> Decimal:
        return sum((c.max_points for c in self.components), ZERO)


@dataclass(frozen=True)
class InputValue:
    value: Decimal
    as_of: dt.date
    verified: bool = False
    fact_id: int | None = None


@dataclass
class RegionInputs:
    """Inputs of one region valid on a date.

    `claimed` / `verified`: (criterion code, input name) -> the latest value, among all
    facts / among verified facts. `sferum_share`: M in percent, exact (a `Fraction`, see
    `percent_of`), from the monitoring week the index reads (None: no data).
    """

    claimed: dict[tuple[str, str], InputValue] = field(default_factory=dict)
    verified: dict[tuple[str, str], InputValue] = field(default_factory=dict)
    sferum_share: Number | None = None
    sferum_week: dt.date | None = None

    @property
    def has_data(self) -> bool:
        """Any fact or any monitoring week at all: without either a region is not ranked."""
        return bool(self.claimed) or self.sferum_share is not None


@dataclass(frozen=True)
class CriterionResult:
    code: str
    points: Decimal
    max_points: Decimal
    rule: dict[str, Any]
    inputs: dict[str, Any]


@dataclass(frozen=True)
class ComponentResult:
    code: str
    points: Decimal
    max_points: Decimal
    claimed_points: Decimal


@dataclass(frozen=True)
class ScoreResult:
    version: str
    on_date: dt.date
    total: Decimal  # verified criteria only where verification is required
    claimed_total: Decimal  # every fact as claimed
    max_points: Decimal
    components: tuple[ComponentResult, ...]
    criteria: tuple[CriterionResult, ...]  # the official (verified) reading
    claimed: tuple[CriterionResult, ...]  # the claimed reading, same order
    has_data: bool = True  # False: no fact, no monitoring; «нет данных», never ranked

    @property
    def shown_total(self) -> Decimal | None:
        """The total as every surface shows it: None («нет данных», null in the API and the
        files) without data, never the methodology's 0 points (`RegionInputs.has_data`)."""
        return self.total if self.has_data else None

    @property
    def shown_claimed_total(self) -> Decimal | None:
        return self.claimed_total if self.has_data else None


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def _num(value: Decimal | None) -> str | None:
    """Decimals go into the breakdown as plain strings ("57", "7.5"), JSON-safe."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text


def exact(value: Number) -> Fraction:
    """A Decimal, int or Fraction as an exact Fraction (Decimal converts without loss)."""
    return value if isinstance(value, Fraction) else Fraction(value)


def percent_of(numerator: Number, denominator: Number) -> Fraction | None:
    """numerator × 100 / denominator as an exact Fraction; no denominator: None (no data)."""
    if denominator is None or exact(denominator) <= 0:
        return None
    return exact(numerator) * 100 / exact(denominator)


def display_percent(value: Number | None) -> str | None:
    """An exact percent for display: rounded down to 0.01, so it never shows a band
    reached that the exact value missed ("59.99" for 59.996)."""
    if value is None:
        return None
    value = exact(value)
    hundredths = floor(value * 100)
    return _num(Decimal(hundredths) / 100)


def _share(numerator: Decimal, denominator: Decimal) -> Fraction | None:
    share = percent_of(numerator, denominator)
    return None if share is None else min(share, Fraction(100))


def _input_record(value: InputValue | None) -> dict[str, Any]:
    if value is None:
        return {"value": None}
    return {
        "value": _num(value.value),
        "as_of": value.as_of.isoformat(),
        "verified": value.verified,
        "fact_id": value.fact_id,
    }


def score_criterion(
    spec: CriterionSpec,
    values: dict[str, InputValue],
    on_date: dt.date,
    *,
    share: Number | None = None,
    share_week: dt.date | None = None,
) -> CriterionResult:
    """Points of one criterion from its inputs (input name -> value) on `on_date`.

    `share` (monitoring criteria): the exact percent, a Fraction (or a Decimal/int)."""
    if spec.source == "monitoring":
        inputs: dict[str, Any] = {
            "share_percent": display_percent(share),
            "week_start": share_week.isoformat() if share_week else None,
        }
    else:
        names = [spec.value_input, spec.denominator_input, spec.gate_input]
        # a criterion's single unnamed input is shown as "value"
        inputs = {
            (name or "value"): _input_record(values.get(name))
            for name in dict.fromkeys(n for n in names if n or n == spec.value_input)
        }

    def result(points: Decimal, rule: dict[str, Any]) -> CriterionResult:
        # the cap and the floor, on exact decimals (points are never rounded before)
        points = max(min(points, spec.max_points), ZERO)
        return CriterionResult(spec.code, _q(points), _q(spec.max_points), rule, inputs)

    if spec.counts_from and on_date < spec.counts_from:
        return result(ZERO, {"code": "not_launched", "counts_from": spec.counts_from.isoformat()})

    value: Fraction | None
    if spec.source == "monitoring":
        value = None if share is None else exact(share)
    else:
        main = values.get(spec.value_input)
        value = exact(main.value) if main else None
        if spec.denominator_input:
            denominator = values.get(spec.denominator_input)
            if main is None or denominator is None:
                value = None
            else:
                value = _share(main.value, denominator.value)
    if value is None:
        return result(ZERO, {"code": "no_data"})

    if spec.gate_input:
        gate = values.get(spec.gate_input)
        gate_value = gate.value if gate else ZERO
        if exact(gate_value) < exact(spec.gate_min):
            return result(
                ZERO, {"code": "gate", "gate": _num(gate_value), "gate_min": _num(spec.gate_min)}
            )

    if spec.kind == Kind.YES_NO:
        if value >= 1:
            return result(spec.points, {"code": "yes", "points": _num(spec.points)})
        return result(ZERO, {"code": "no"})

    if spec.kind == Kind.PER_UNIT:
        units = Decimal(max(floor(value), 0))
        raw = units * spec.points
        return result(
            raw,
            {
                "code": "per_unit",
                "units": _num(units),
                "unit_points": _num(spec.points),
                "capped": raw > spec.max_points,
            },
        )

    if spec.kind == Kind.STEPWISE_SHARE:
        percent = min(max(value, Fraction(0)), Fraction(100))
        steps = Decimal(floor(percent / exact(spec.step))) if spec.step else ZERO
        return result(
            steps * spec.points,
            {
                "code": "stepwise",
                "percent": display_percent(percent),
                "steps": _num(Decimal(steps)),
                "step": _num(spec.step),
                "step_points": _num(spec.points),
            },
        )

    if spec.kind == Kind.BANDS:
        percent = min(max(value, Fraction(0)), Fraction(100))
        reached = [band for band in spec.bands if percent >= exact(band.min)]
        if not reached:
            return result(ZERO, {"code": "below_bands", "percent": display_percent(percent)})
        band = max(reached, key=lambda b: b.min)
        return result(
            band.points,
            {
                "code": "band",
                "percent": display_percent(percent),
                "band_min": _num(band.min),
                "points": _num(band.points),
            },
        )

    if spec.kind == Kind.ASSESSOR:
        # a fact's own decimal (exact: a Decimal's fraction has a power-of-ten denominator)
        score = Decimal(value.numerator) / Decimal(value.denominator)
        return result(score, {"code": "assessor", "score": _num(score)})

    raise ValueError(f"unknown criterion kind {spec.kind!r}")


def _values_for(
    spec: CriterionSpec, table: dict[tuple[str, str], InputValue]
) -> dict[str, InputValue]:
    names = (spec.value_input, spec.denominator_input, spec.gate_input)
    return {name: table[(spec.code, name)] for name in names if (spec.code, name) in table}


def score_region(spec: VersionSpec, inputs: RegionInputs, on_date: dt.date) -> ScoreResult:
    """The whole breakdown of one region on one date (see the module docstring)."""
    official: list[CriterionResult] = []
    claimed: list[CriterionResult] = []
    components: list[ComponentResult] = []
    for component in spec.components:
        points = claimed_points = ZERO
        for criterion in component.criteria:
            as_claimed = score_criterion(
                criterion,
                _values_for(criterion, inputs.claimed),
                on_date,
                share=inputs.sferum_share,
                share_week=inputs.sferum_week,
            )
            if criterion.requires_verification and criterion.source == "fact":
                as_verified = score_criterion(
                    criterion,
                    _values_for(criterion, inputs.verified),
                    on_date,
                    share=inputs.sferum_share,
                    share_week=inputs.sferum_week,
                )
            else:
                as_verified = as_claimed
            official.append(as_verified)
            claimed.append(as_claimed)
            points += as_verified.points
            claimed_points += as_claimed.points
        components.append(
            ComponentResult(
                component.code,
                _q(min(points, component.max_points)),
                _q(component.max_points),
                _q(min(claimed_points, component.max_points)),
            )
        )
    return ScoreResult(
        version=spec.code,
        on_date=on_date,
        total=_q(sum((c.points for c in components), ZERO)),
        claimed_total=_q(sum((c.claimed_points for c in components), ZERO)),
        max_points=_q(spec.max_points),
        components=tuple(components),
        criteria=tuple(official),
        claimed=tuple(claimed),
        has_data=inputs.has_data,
    )
