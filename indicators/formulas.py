"""The formulas of the Sferum indicators I1–I4 and of the migration share M (docs/domain.md).

For a region (or municipality) and a week, summing over organisations:
- I1 = Σ staff_writers / Σ staff_total over ОО, СПО, ДО;
- I2 = Σ learners_active / (2 × Σ students_total) over ОО, СПО, ДО (one parent per student);
- I3 = Σ max_only_users / Σ sferum_users over every type but ДОО;
- I4 = Σ staff_writers / Σ staff_total over РОИВ, ОМСУ, ПО;
- M  = Σ vkm_and_max_users / Σ vkm_users over every organisation (the index's Sferum share).
A share with a zero denominator is "no data" (None), never 0 % and never an error.

The weekly sums are kept in `MonitoringRollup` under the group prefixes `edu_`, `np_`,
`gov_` (empty for M); `FORMULAS` says which sums each indicator divides. Every page, export,
alert and API takes numerators, denominators and shares from here. Pure Python, no ORM.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from agencies.choices import OrgType

EDU_TYPES: tuple[str, ...] = (OrgType.SCHOOL, OrgType.COLLEGE, OrgType.ADDITIONAL)
GOV_TYPES: tuple[str, ...] = (OrgType.ROIV, OrgType.OMSU, OrgType.SUBORDINATE)
NON_PRESCHOOL_TYPES: tuple[str, ...] = tuple(t for t in OrgType if t != OrgType.PRESCHOOL)
ALL_TYPES: tuple[str, ...] = tuple(OrgType)


@dataclass(frozen=True)
class Formula:
    """numerator / (factor × denominator), each a column of a monitoring row summed over
    the organisations of `org_types`; a rollup keeps the sums as `<group>_<column>`."""

    code: str
    numerator: str
    denominator: str
    org_types: tuple[str, ...]
    group: str  # rollup prefix: edu | np | gov | "" (M)
    factor: int = 1

    def _rollup_field(self, column: str) -> str:
        return f"{self.group}_{column}" if self.group else column

    @property
    def rollup_numerator(self) -> str:
        return self._rollup_field(self.numerator)

    @property
    def rollup_denominator(self) -> str:
        return self._rollup_field(self.denominator)

    def parts(self, numerator: int, denominator: int) -> tuple[int, int]:
        """(numerator, denominator) of the share from the two sums (I2 doubles students)."""
        return numerator, self.factor * denominator

    def rollup_parts(self, rollup: Any) -> tuple[int, int]:
        """(numerator, denominator) from a rollup's sums (anything with the rollup fields)."""
        return self.parts(
            getattr(rollup, self.rollup_numerator), getattr(rollup, self.rollup_denominator)
        )

    def row_parts(self, row: Any) -> tuple[int, int]:
        """(numerator, denominator) of one organisation's row, whatever its type."""
        return self.parts(getattr(row, self.numerator), getattr(row, self.denominator))


FORMULAS: dict[str, Formula] = {
    f.code: f
    for f in (
        Formula("i1", "staff_writers", "staff_total", EDU_TYPES, "edu"),
        Formula("i2", "learners_active", "students_total", EDU_TYPES, "edu", factor=2),
        Formula("i3", "max_only_users", "sferum_users", NON_PRESCHOOL_TYPES, "np"),
        Formula("i4", "staff_writers", "staff_total", GOV_TYPES, "gov"),
        Formula("m", "vkm_and_max_users", "vkm_users", ALL_TYPES, ""),
    )
}
INDICATOR_CODES = ("i1", "i2", "i3", "i4")


def share_percent(numerator: int, denominator: int) -> Decimal | None:
    """A share in percent, exact (28 significant digits: two shares of whole counts below
    10^12 that differ, differ here); zero denominator: None.

    Every target, band and RAG colour is judged on this value; rounding is for display only
    (docs/domain.md): `ru_percent` on the pages, the cell format in the exports, two places
    in the API. A share rounded here would be judged twice: 74.996 % "met" 75 % on the pages
    and not in the export, and shown as «75,0 %» on a page but «74,9 %» in the export for
    74.9496 % (74.95, rounded again)."""
    if not denominator:
        return None
    return Decimal(numerator) * 100 / Decimal(denominator)


def published_percent(value: Decimal | None) -> Decimal | None:
    """An exact share (`share_percent`) as the API and the command-line reports give it:
    two places, half up, as every page rounds (`ru_percent`)."""
    return None if value is None else value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def share_fraction(numerator: int, denominator: int) -> float | None:
    """A share as an exact fraction of 1 (exports write it with a percent format)."""
    return numerator / denominator if denominator else None


def indicator_value(code: str, rollup: Any) -> Decimal | None:
    """The share in percent of indicator `code` (i1…i4, m) for a rollup."""
    return share_percent(*FORMULAS[code].rollup_parts(rollup))


def rollup_fractions(rollup: Any) -> dict[str, tuple[int, int]]:
    """(numerator, denominator) of I1–I4 and M for a rollup; {} without one."""
    if rollup is None:
        return {}
    return {code: formula.rollup_parts(rollup) for code, formula in FORMULAS.items()}
