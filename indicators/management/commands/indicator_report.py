"""`manage.py indicator_report --region CODE [--week YYYY-MM-DD] --format json`.

Prints I1–I4 and M of the region's latest week up to the date (default: today in the
region), with numerators and denominators; a zero denominator gives `null` ("no data").
`coverage` tells how many of the expected organisations reported that week
(`{"reported": N, "expected": M, "share": N/M, "complete": …, "basis": …}`,
indicators.coverage); a week below `MONITORING_MIN_COVERAGE` has `"complete": false` and
`judged_week` names the latest complete week, the one targets and the index read.
`approval` is the week's approval state (indicators.approval): "draft" («подготовлено»),
"submitted" («направлено») or "approved" («утверждено»); null without a week.
"""

from __future__ import annotations

import json

from agencies.commands import PortalCommand
from indicators.approval import state_of
from indicators.formulas import published_percent, rollup_fractions
from indicators.selectors import latest_region_rollup
from roadmap_portal.dates import DATE_HINT


class Command(PortalCommand):
    help = "Показатели Сферума (П1–П4) и доля перехода M по субъекту за последнюю неделю."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True)
        parser.add_argument("--week", help=f"не позже этой даты ({DATE_HINT})")
        parser.add_argument("--format", choices=["json"], default="json")

    def handle(self, *args, region, week=None, **options):
        region_obj = self.region_option(region)
        on_date = self.date_option(week) if week else region_obj.local_today()
        rollup = latest_region_rollup(region=region_obj, on_date=on_date)
        report: dict = {
            "region": region_obj.code,
            "region_name": region_obj.name,
            "on_date": on_date.isoformat(),
            "week_start": rollup.week_start.isoformat() if rollup else None,
            "organisations": rollup.organisations if rollup else 0,
            "coverage": None,
            "complete": None,
            "judged_week": None,
            "approval": state_of(region_obj.pk, rollup.week_start) if rollup else None,
            "indicators": {},
        }
        coverage = rollup.coverage if rollup else None
        if coverage is not None:
            report["coverage"] = {**coverage.as_json(), "basis_label": coverage.basis_label}
        if rollup is not None:
            report["complete"] = rollup.complete
            judged = (
                rollup
                if rollup.complete
                else latest_region_rollup(region=region_obj, on_date=on_date, complete=True)
            )
            report["judged_week"] = judged.week_start.isoformat() if judged else None
        for code, (numerator, denominator) in rollup_fractions(rollup).items():
            value = getattr(rollup, code)
            report["indicators"][code] = {
                "value": float(shown) if (shown := published_percent(value)) is not None else None,
                "numerator": numerator,
                "denominator": denominator,
            }
        if rollup is None:
            report["indicators"] = {
                code: {"value": None, "numerator": None, "denominator": None}
                for code in ("i1", "i2", "i3", "i4", "m")
            }
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
