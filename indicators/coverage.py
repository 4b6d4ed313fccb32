"""Coverage of a monitoring week: the one rule of imports, dashboards, exports, the API,
the index, the stage checks and the alerts.

For a region (or municipality) and a week, coverage = organisations reported / organisations
expected:

- **roster** (`MonitoringRoster`, uploaded by the region): the organisations on the roster are
  expected; reported are those of them with a row for the week;
- **weeks** (no roster): the organisations of the region that reported in any of the
  previous `COVERAGE_WEEKS` weeks, plus any reporting this week for the first time (a new
  organisation is expected from its first report; the share never exceeds 1);
- **none** (no roster, no earlier week: the region's first file): there is nothing to
  compare with, so expected = reported and the week is flagged «нет базы для сравнения». It
  counts as complete: without it a region could never start. From the next week on, those
  organisations are expected.

A week whose share is below `MONITORING_MIN_COVERAGE` (default 0.9) is «неполная неделя»: it
is shown with its coverage but never judged against a target; the index, the stage checks
and the alerts read the latest complete week instead. The comparison is exact (integers).
A rollup written before coverage existed (expected unknown) counts as complete.

Pure Python (reads one setting), no ORM.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.conf import settings

from roadmap_portal.ru_formats import round_half_up

COVERAGE_WEEKS = 4
DEFAULT_MIN_COVERAGE = Decimal("0.9")

BASIS_ROSTER = "roster"
BASIS_WEEKS = "weeks"
BASIS_NONE = "none"
BASIS_LABELS = {
    BASIS_ROSTER: "по перечню организаций субъекта",
    BASIS_WEEKS: f"по организациям, отчитывавшимся за предыдущие {COVERAGE_WEEKS} недели",
    BASIS_NONE: "нет базы для сравнения",
}
INCOMPLETE_LABEL = "неполная неделя"


def min_coverage() -> Fraction:
    """The setting `MONITORING_MIN_COVERAGE` as an exact fraction of 1 (0.9 → 9/10)."""
    value = getattr(settings, "MONITORING_MIN_COVERAGE", DEFAULT_MIN_COVERAGE)
    return Fraction(Decimal(str(value)))


def is_complete(reported: int | None, expected: int | None) -> bool:
    """Is a week with these counts complete (at or above the threshold)? Unknown counts
    (a rollup from before coverage) and an empty expectation count as complete."""
    if reported is None or expected is None or expected <= 0:
        return True
    return Fraction(reported, expected) >= min_coverage()


def published_share(share: Fraction) -> float:
    """A share of 1 as the API gives it: four places, half up as every page rounds
    (`ru_formats.round_half_up`; `round` took 9/32 to 0.2812)."""
    rounded = round_half_up(Decimal(share.numerator) / Decimal(share.denominator), 4)
    assert rounded is not None
    return float(rounded)


@dataclass(frozen=True)
class Coverage:
    reported: int
    expected: int
    basis: str

    @property
    def share(self) -> Fraction:
        return Fraction(self.reported, self.expected) if self.expected else Fraction(1)

    @property
    def complete(self) -> bool:
        return is_complete(self.reported, self.expected)

    @property
    def no_base(self) -> bool:
        return self.basis == BASIS_NONE

    @property
    def percent(self) -> Decimal:
        """The share in percent for display, rounded down to 0.1 (never shows 90 % for
        89.97 %)."""
        tenths = (self.share * 1000).__floor__()
        return Decimal(tenths) / 10

    @property
    def basis_label(self) -> str:
        return BASIS_LABELS.get(self.basis, "")

    def as_json(self) -> dict:
        """`{"reported": N, "expected": M, "share": N/M, …}` (share as a float of 1, to 4
        places; exact in `reported`/`expected`)."""
        return {
            "reported": self.reported,
            "expected": self.expected,
            "share": published_share(self.share),
            "complete": self.complete,
            "basis": self.basis,
        }


def coverage_of(rollup) -> Coverage | None:
    """The coverage stored on a rollup (None: computed before coverage existed)."""
    if rollup is None or getattr(rollup, "coverage_expected", None) is None:
        return None
    return Coverage(rollup.coverage_reported, rollup.coverage_expected, rollup.coverage_basis)
