"""A municipality's organisations with their latest weekly figures (the drill-down).

The one dashboard read of raw monitoring rows: one municipality, one week (2 queries).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max

from agencies.models import Municipality
from indicators.formulas import FORMULAS, share_percent
from indicators.models import MonitoringRollup, MonitoringRow

SORTS = {"name", "type", "staff", "learners", "max_only"}


@dataclass
class OrganisationLine:
    row: MonitoringRow

    @property
    def organisation(self):
        return self.row.organisation

    @property
    def staff_share(self) -> Decimal | None:
        return share_percent(*FORMULAS["i1"].row_parts(self.row))

    @property
    def learners_share(self) -> Decimal | None:
        return share_percent(*FORMULAS["i2"].row_parts(self.row))

    @property
    def max_only_share(self) -> Decimal | None:
        return share_percent(*FORMULAS["i3"].row_parts(self.row))


@dataclass
class MunicipalityPage:
    municipality: Municipality
    week: dt.date | None
    rollup: MonitoringRollup | None
    lines: list[OrganisationLine]
    sort: str

    @property
    def partial(self) -> MonitoringRollup | None:
        """The week shown when it is a «неполная неделя» of the municipality."""
        return self.rollup if self.rollup is not None and not self.rollup.complete else None


def municipality_organisations(*, municipality: Municipality, sort: str = "") -> MunicipalityPage:
    week = MonitoringRollup.objects.filter(municipality=municipality).aggregate(
        w=Max("week_start")
    )["w"]
    rollup = None
    lines: list[OrganisationLine] = []
    if week:
        rollup = MonitoringRollup.objects.filter(municipality=municipality, week_start=week).first()
        lines = [
            OrganisationLine(row)
            for row in MonitoringRow.objects.filter(
                municipality=municipality, week_start=week
            ).select_related("organisation")
        ]
    key = sort.lstrip("-")
    reverse = sort.startswith("-")
    if key == "name":
        lines.sort(key=lambda line: line.organisation.name, reverse=reverse)
    elif key == "type":
        lines.sort(key=lambda line: (line.row.org_type, line.organisation.name), reverse=reverse)
    elif key in ("staff", "learners", "max_only"):
        attr = f"{key}_share"
        lines.sort(
            key=lambda line: (
                (getattr(line, attr) is None) != reverse,
                getattr(line, attr) or 0,
                line.organisation.name,
            ),
            reverse=reverse,
        )
    else:  # laggards first: the lowest share of staff writing weekly
        lines.sort(
            key=lambda line: (
                line.staff_share is None,
                line.staff_share or 0,
                line.organisation.name,
            )
        )
    return MunicipalityPage(municipality, week, rollup, lines, sort)
