"""The reports the portal can export, and the parameters they take.

A report is one module in `reports/exports/` with `KIND`, `LABEL`, `DESCRIPTION`,
`period_text(params, *, now, region)`, optionally `estimate(*, user, region, params)` (rows,
for a job's progress bar) and `build(book, *, user, region, params, now, progress) -> int`
(rows written), fed by a selector in `reports/selectors.py`, plus one `ReportSpec` line
below. The job
model stores the kind as a plain code validated against this registry, so adding a report
needs no migration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from . import alerts, index, indicators, roadmap_status


@dataclass(frozen=True)
class ExportParams:
    """What an analyst chose; stored on the job as JSON (`as_json` / `from_json`)."""

    region: str = ""  # region code; "" = every region in scope (where the report allows it)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    orgs: bool = False  # the organisation-level sheet (big: runs in the background)

    def as_json(self) -> dict:
        return {
            "region": self.region,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "orgs": self.orgs,
        }

    @classmethod
    def from_json(cls, data: dict) -> ExportParams:
        def day(value):
            return dt.date.fromisoformat(value) if value else None

        return cls(
            region=data.get("region") or "",
            date_from=day(data.get("date_from")),
            date_to=day(data.get("date_to")),
            orgs=bool(data.get("orgs")),
        )


@dataclass(frozen=True)
class ReportSpec:
    module: ModuleType
    needs_region: bool  # False: "all regions in scope" is allowed
    uses_period: bool  # the week range fields apply
    supports_orgs: bool  # the organisation-level option applies
    pdf: bool = False  # also printed as PDF (formats.FORMATS: XLSX, ODS and CSV for all)

    @property
    def kind(self) -> str:
        return self.module.KIND

    @property
    def label(self) -> str:
        return str(self.module.LABEL)

    @property
    def description(self) -> str:
        return str(self.module.DESCRIPTION)

    @property
    def build(self) -> Callable[..., int]:
        return self.module.build

    def runs_in_background(self, params: ExportParams, fmt: str = "xlsx") -> bool:
        """Small reports download at once; the organisation-level one goes to Celery, and
        so does a PDF of every region in scope (laying out thousands of rows takes time)."""
        return (self.supports_orgs and params.orgs) or (fmt == "pdf" and not params.region)


REPORTS: dict[str, ReportSpec] = {
    spec.kind: spec
    for spec in (
        ReportSpec(
            roadmap_status, needs_region=False, uses_period=False, supports_orgs=False, pdf=True
        ),
        ReportSpec(indicators, needs_region=True, uses_period=True, supports_orgs=True),
        # the period: date_to = the ranking's date, date_from = the earlier date compared with
        ReportSpec(index, needs_region=False, uses_period=True, supports_orgs=False),
        ReportSpec(alerts, needs_region=False, uses_period=True, supports_orgs=False),
    )
}


def report_choices() -> list[tuple[str, str]]:
    return [(spec.kind, spec.label) for spec in REPORTS.values()]


def get_report(kind: str) -> ReportSpec:
    try:
        return REPORTS[kind]
    except KeyError:
        raise ValueError(f"Unknown report kind: {kind}") from None
