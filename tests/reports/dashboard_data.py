"""Demo-like dashboard data built straight into the rollups (what the import keeps)."""

from __future__ import annotations

import datetime as dt

from agencies.models import Municipality, Region
from indicators.index.services import index_recompute
from indicators.models import MonitoringRollup, RegionBaseline

FIRST_WEEK = dt.date(2025, 9, 1)


def _part(total: int, percent: int) -> int:
    return max(0, min(total, total * percent // 100))


def _sums(muni_index: int, week: int) -> dict:
    """Figures that grow week by week; later municipalities lag behind."""
    lag = muni_index * 3
    staff = 400 + 10 * muni_index
    students = 3000 + 50 * muni_index
    return {
        "organisations": 10 + muni_index,
        "edu_staff_total": staff,
        "edu_staff_writers": _part(staff, 30 + 4 * week - lag),
        "edu_students_total": students,
        "edu_learners_active": _part(2 * students, 10 + 2 * week - lag // 2),
        "np_sferum_users": 5000,
        "np_max_only_users": _part(5000, 5 + 5 * week - lag),
        "gov_staff_total": 50,
        "gov_staff_writers": _part(50, 40 + 4 * week - lag),
        "vkm_users": 4000,
        "vkm_and_max_users": _part(4000, 20 + 3 * week - lag),
    }


def build_monitoring(region: Region, *, municipalities: int, weeks: int, start: int = 0) -> list:
    """Rollups of `weeks` weeks for `municipalities` municipalities and the region's sums."""
    munis = [
        Municipality.objects.get_or_create(region=region, name=f"Тестовый округ {i + 1:02d}")[0]
        for i in range(start, start + municipalities)
    ]
    all_munis = list(
        Municipality.objects.filter(region=region, name__startswith="Тестовый округ").order_by(
            "name"
        )
    )
    for week in range(weeks):
        week_start = FIRST_WEEK + dt.timedelta(weeks=week)
        totals: dict[str, int] = {}
        for position, muni in enumerate(all_munis):
            sums = _sums(position, week)
            MonitoringRollup.objects.update_or_create(
                region=region, municipality=muni, week_start=week_start, defaults=sums
            )
            for key, value in sums.items():
                totals[key] = totals.get(key, 0) + value
        MonitoringRollup.objects.update_or_create(
            region=region, municipality=None, week_start=week_start, defaults=totals
        )
    return munis


def build_baselines(region: Region) -> None:
    from indicators.models import Indicator

    for indicator, value in zip(Indicator.objects.order_by("number")[:2], (45, 20), strict=True):
        RegionBaseline.objects.update_or_create(
            region=region, indicator=indicator, defaults={"value": value, "source": "тест"}
        )


def build_index_history(region_ids: list[int], *, weeks: int) -> None:
    for week in range(weeks):
        index_recompute(
            region_ids=region_ids, on_date=FIRST_WEEK + dt.timedelta(weeks=week, days=6)
        )
