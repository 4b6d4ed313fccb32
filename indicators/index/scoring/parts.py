"""A part never exceeds its whole: the one rule of a share's two inputs.

A criterion scored as a share (`denominator_input`: housing, «из них с чатом в МАХ» of
«Управляющих компаний в регионе») reads two inputs of a region, each with its own history:
a later `as_of` replaces an earlier one from that date on, and of two entries on one date
the later entry counts (`indicators.index.selectors.index_inputs_load`). A part greater
than its whole cannot be real (50 companies with a chat of 40), and the scoring would take
it for 100 % (its percent is held to 0-100). So every entry that would put such a pair in
force, whether it raises the part or lowers the whole, is refused, on each path: the
file, the fact form, the API and the admin.

Pure Python, no Django: the service gives the stored entries and the new ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Reading:
    """One entry of an input: stored (`new` False) or being entered (`new` True, `ref` the
    file's row number or any key the caller uses to name it)."""

    input: str
    as_of: dt.date
    value: Decimal
    new: bool = False
    ref: int = 0


@dataclass(frozen=True)
class PartOverWhole:
    reading: Reading  # the new entry refused
    day: dt.date  # the first day the pair would be in force
    part: Decimal
    whole: Decimal


def part_over_whole(readings: Sequence[Reading], *, part: str, whole: str) -> list[PartOverWhole]:
    """The new readings that would put a part above its whole in force, each once, at the
    first day it would. `readings` are in entry order (stored first, by their id)."""
    days = sorted({r.as_of for r in readings if r.input in (part, whole)})
    found: dict[int, PartOverWhole] = {}
    for day in days:
        in_force: dict[str, tuple[int, Reading]] = {}
        for order, reading in enumerate(readings):
            if reading.input not in (part, whole) or reading.as_of > day:
                continue
            current = in_force.get(reading.input)
            if current is None or reading.as_of >= current[1].as_of:
                in_force[reading.input] = (order, reading)
        if part not in in_force or whole not in in_force:
            continue
        (p_order, p), (w_order, w) = in_force[part], in_force[whole]
        if p.value <= w.value:
            continue
        # blame the new entry that takes effect on this day, else the newer one in force
        new = [(order, r) for order, r in ((p_order, p), (w_order, w)) if r.new]
        if not new:
            continue  # the stored pair was already so: not this entry's doing
        starting = [item for item in new if item[1].as_of == day]
        order, blamed = max(starting or new, key=lambda item: item[0])
        found.setdefault(order, PartOverWhole(blamed, day, p.value, w.value))
    return sorted(found.values(), key=lambda f: (f.day, f.reading.ref))
