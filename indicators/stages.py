"""The stages of an indicator as they apply to a region, and which one is current.

The one rule every reader uses (the indicators page, both dashboards, the alerts, the Excel
report and the API):

1. a fixed stage takes its federal value; a baseline stage takes the region's baseline
   (None until a coordinator enters it); the region's own target (RegionTarget) overrides
   the value when it names one (`indicators.selectors.stage_targets_by_region` builds them);
2. the current stage on a date is the first stage whose date is on or after that date, the
   last one once every date has passed; a stage is passed the day after its date;
3. a conditional target counts only once in force (from `in_force_since` when set); a
   target that does not count (not in force, no baseline yet) is shown, but nothing is
   judged against it: no gap, no colour, no alert.

Pure Python, no ORM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal


@dataclass(frozen=True)
class RegionStageTarget:
    """The target of one indicator stage for one region.

    `on_date`, `latest` (the indicator's value being judged) and `projected` (when the
    current trend reaches the target) are set by `judged()` for a page that shows the stage
    as of a date; the properties below read them.
    """

    indicator_id: int
    stage: int
    stage_label: str
    target_date: dt.date
    value: Decimal | None
    kind: str  # fixed | baseline | region
    conditional: bool
    condition: str
    in_force: bool
    in_force_since: dt.date | None
    source: str
    on_date: dt.date | None = None
    latest: Decimal | None = None
    projected: dt.date | None = None

    def in_force_on(self, day: dt.date) -> bool:
        if not self.conditional:
            return True
        return self.in_force and (self.in_force_since is None or self.in_force_since <= day)

    def value_on(self, day: dt.date) -> Decimal | None:
        """The target that counts on `day`: none while a condition is not in force."""
        return self.value if self.in_force_on(day) else None

    def passed_on(self, day: dt.date) -> bool:
        return day > self.target_date

    def judged(
        self, *, on_date: dt.date, latest: Decimal | None = None, projected: dt.date | None = None
    ) -> RegionStageTarget:
        """This stage as of `on_date`, judging `latest` against it."""
        return replace(self, on_date=on_date, latest=latest, projected=projected)

    # --- as of `on_date` (set by judged()) ---------------------------------------------

    def _day(self) -> dt.date:
        if self.on_date is None:
            raise ValueError("judged(on_date=…) first")
        return self.on_date

    @property
    def counted(self) -> Decimal | None:
        """The target judged against on the date (None: nothing is judged)."""
        return self.value_on(self._day())

    @property
    def not_in_force(self) -> bool:
        """A conditional target shown but not yet in force on the date."""
        return not self.in_force_on(self._day())

    @property
    def passed(self) -> bool:
        return self.passed_on(self._day())

    @property
    def gap(self) -> Decimal | None:
        """The value minus the target that counts, in percentage points."""
        target = self.counted
        if self.latest is None or target is None:
            return None
        return self.latest - target

    @property
    def met(self) -> bool | None:
        """None: no value or no target that counts."""
        gap = self.gap
        return None if gap is None else gap >= 0

    @property
    def verdict(self) -> str:
        """The stage's verdict on the date, as every table of stages colours it: «met» (the
        target that counts is reached), «missed» (its date has passed without it), «» (not
        reached yet, but its date is still ahead; or nothing to judge)."""
        met = self.met
        if met:
            return "met"
        if met is False and self.passed:
            return "missed"
        return ""


def current_stage(
    stages: Sequence[RegionStageTarget], on_date: dt.date
) -> RegionStageTarget | None:
    """The stage `on_date` works towards: the first whose date is on or after it, else the
    last (stages in date order). None without stages."""
    for stage in stages:
        if stage.target_date >= on_date:
            return stage
    return stages[-1] if stages else None


def last_passed_stage(
    stages: Sequence[RegionStageTarget], on_date: dt.date
) -> RegionStageTarget | None:
    """The latest stage whose date is before `on_date` (None before the first date)."""
    passed = [stage for stage in stages if stage.passed_on(on_date)]
    return passed[-1] if passed else None


def in_date_order(stages: Sequence[RegionStageTarget]) -> list[RegionStageTarget]:
    return sorted(stages, key=lambda s: (s.target_date, s.stage))
