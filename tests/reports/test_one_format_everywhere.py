"""The tricky shares of a region, end to end: what the region's page, the all-regions table,
the indicators export (XLSX, ODS, CSV; the XLSX and ODS as LibreOffice shows them), the
alerts and the API say about the same week. A cascade at 23 of 80 (28,75 %) and one of
1 000 organisations: the cascade's page and its alert.

`tests/reports/test_one_format.py` checks the formats one value at a time; this file checks
that every output reaches them with the same number.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from agencies.choices import OrgType
from agencies.models import Organisation
from alerts.choices import AlertKind
from alerts.models import Alert
from alerts.services import alerts_sync
from indicators.coverage import published_share
from indicators.models import MonitoringRollup
from reports.exports.jobs import export_write
from reports.exports.registry import ExportParams
from roadmap_portal import ru_formats
from roadmaps.models import Cascade, CascadeProgress, CascadeTarget
from tests.factories import make_measure, make_municipality, make_region, make_roadmap
from tests.reports.conftest import by_header, open_xlsx, table
from tests.reports.office import needs_libreoffice, same_spaces, shown_by_libreoffice

pytestmark = pytest.mark.django_db

NBSP, MINUS = "\u00a0", "\u2212"
WEEK = dt.date(2025, 12, 29)  # works towards stage 2 of П1: 75 %, due 30.12.2025
DAY = dt.date(2026, 1, 5)  # stage 2 has passed: a value below it raises an alert


@dataclass(frozen=True)
class Case:
    code: str
    writers: int
    staff: int
    value: str  # as the pages show П1
    gap: str  # value − 75 %, as the pages show it
    alert: str | None  # the value in the «below the target» alert (None: no alert)
    api: str  # the API's value (two places, half up)


CASES = [
    # just below the target: «75,0 %» and «0,0 п.п.» (not «−0,0»), judged below it
    Case("90", 74_996, 100_000, f"75,0{NBSP}%", f"0,0{NBSP}п.п.", f"74,996{NBSP}%", "75.00"),
    # rounding boundaries: 74,95 % rounds up, 74,949 % down
    Case("91", 7_495, 10_000, f"75,0{NBSP}%", f"{MINUS}0,1{NBSP}п.п.", f"74,95{NBSP}%", "74.95"),
    Case("92", 74_949, 100_000, f"74,9{NBSP}%", f"{MINUS}0,1{NBSP}п.п.", f"74,9{NBSP}%", "74.95"),
    # a tie whose float lies below it: LibreOffice showed «28,7 %»
    Case("93", 23, 80, f"28,8{NBSP}%", f"{MINUS}46,3{NBSP}п.п.", f"28,8{NBSP}%", "28.75"),
    # on the target; and 100 %
    Case("94", 75, 100, f"75,0{NBSP}%", f"0,0{NBSP}п.п.", None, "75.00"),
    Case("95", 1_234_567, 1_234_567, f"100,0{NBSP}%", f"+25,0{NBSP}п.п.", None, "100.00"),
]


def _rollup(case: Case) -> None:
    region = make_region(case.code)
    MonitoringRollup.objects.create(
        region=region,
        week_start=WEEK,
        organisations=1,
        edu_staff_total=case.staff,
        edu_staff_writers=case.writers,
    )


@pytest.fixture
def shares(seeded):
    for case in CASES:
        _rollup(case)
    return CASES


def test_the_pages_show_each_share_and_gap(shares, persona_client):
    client = persona_client("admin")
    for case in shares:
        page = client.get(reverse("indicators:region", args=[case.code])).content.decode()
        assert case.value in page, case
        assert case.gap in page, case
    table_page = client.get(reverse("indicators:home")).content.decode()
    for case in shares:
        assert case.value in table_page, case


def _export(tmp_path: Path, user, case: Case, fmt: str) -> Path:
    path = tmp_path / f"ind_{case.code}.{fmt}"
    export_write(
        kind="indicators", params=ExportParams(region=case.code), user=user, fmt=fmt, path=str(path)
    )
    return path


def test_the_workbook_holds_the_numbers_the_pages_show(shares, personas, tmp_path):
    for case in shares:
        wb = open_xlsx(str(_export(tmp_path, personas.admin, case, "xlsx")))
        headers, rows = table(wb["Показатели"])
        cells = by_header(headers, rows[0])
        value, gap = cells["П1: значение"], cells["П1: отклонение, п.п."]
        assert value.data_type == gap.data_type == "n"
        assert value.number_format == ru_formats.XLSX_PERCENT
        assert gap.number_format == ru_formats.XLSX_POINTS
        # the cell keeps the share; what the cell shows is the page's rounding of it
        assert ru_formats.ru_share(value.value) == case.value
        assert ru_formats.ru_pp(gap.value) == case.gap
        assert cells["П1: знаменатель"].value == case.staff  # a count stays a whole number
    # just below the target stays below it in the cell (the amber fill of the XLSX)
    below = open_xlsx(str(tmp_path / "ind_90.xlsx"))
    headers, rows = table(below["Показатели"])
    assert by_header(headers, rows[0])["П1: отклонение, п.п."].value < 0


def test_the_csv_holds_the_same_numbers_with_a_decimal_comma(shares, personas, tmp_path):
    case = shares[3]  # 23 of 80
    path = _export(tmp_path, personas.admin, case, "csv")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        header, row = list(csv.reader(fh, delimiter=";"))[:2]
    cells = dict(zip(header, row, strict=True))
    assert cells["П1: значение"] == "0,2875" and cells["П1: отклонение, п.п."] == "-46,25"
    assert cells["П1: числитель"] == "23" and cells["П1: знаменатель"] == "80"


def test_alerts_and_api_say_the_same(shares, personas):
    api = APIClient()
    api.force_authenticate(personas.admin)
    for case in shares:
        region = make_region(case.code)
        alerts_sync(region=region, on_date=DAY)
        below = Alert.objects.open().filter(region=region, kind=AlertKind.INDICATOR_BELOW)
        if case.alert is None:
            assert not below.exists(), case
        else:
            message = below.get().message
            assert f"{case.alert} за неделю" in message and f"цели 75,0{NBSP}%" in message
            # the API's alert details round as the API's values do (half up)
            assert below.get().details["value"] == float(case.api)
        body = api.get(f"/api/v1/indicator-values/?region={case.code}").json()
        assert body["results"][0]["i1"]["value"] == case.api, case


@needs_libreoffice
def test_libreoffice_shows_the_exports_as_the_pages(shares, personas, tmp_path):
    files = [_export(tmp_path, personas.admin, c, fmt) for c in shares for fmt in ("xlsx", "ods")]
    seen = shown_by_libreoffice(files, tmp_path / "seen", tmp_path / "lo-profile", "ru_RU.UTF-8")
    for f in files:
        case = next(c for c in shares if f.stem == f"ind_{c.code}")
        rows = seen[f]
        header = next(r for r in rows if r and r[0] == "Территория")
        data = rows[rows.index(header) + 1]
        cells = dict(zip(header, data, strict=False))
        shown = (cells["П1: значение"], cells["П1: цель"], cells["П1: отклонение, п.п."])
        wanted = (case.value, f"75,0{NBSP}%", case.gap)
        assert tuple(map(same_spaces, shown)) == tuple(map(same_spaces, wanted)), (f.name, shown)


# --- a cascade: its page and its alert -------------------------------------------------------


def _cascade(code: str, targets: int, done: int) -> Cascade:
    region = make_region(code)
    muni = make_municipality(region)
    measure = make_measure(make_roadmap(region), due_date=dt.date(2025, 12, 31))
    cascade = Cascade.objects.create(
        measure=measure, scope="municipality", municipality=muni, document_date=dt.date(2025, 9, 1)
    )
    orgs = Organisation.objects.bulk_create(
        Organisation(
            region=region,
            municipality=muni,
            code=f"C{code}{n:05d}",
            name=f"Школа {n}",
            org_type=OrgType.SCHOOL,
        )
        for n in range(targets)
    )
    CascadeTarget.objects.bulk_create(CascadeTarget(cascade=cascade, organisation=o) for o in orgs)
    CascadeProgress.objects.bulk_create(
        CascadeProgress(cascade=cascade, organisation=o, done_on=dt.date(2025, 10, 1))
        for o in orgs[:done]
    )
    return cascade


@pytest.mark.parametrize(
    ("targets", "done", "counts", "share"),
    [
        (80, 23, "23 из 80", f"28,8{NBSP}%"),  # 28,75 %: the alert said «28,7 %»
        (1_000, 250, "250 из 1\u202f000", f"25,0{NBSP}%"),  # the alert said «1000»
    ],
)
def test_a_lagging_cascade_reads_alike_on_its_page_and_in_its_alert(
    seeded, persona_client, targets, done, counts, share
):
    cascade = _cascade("96", targets, done)
    alerts_sync(region=cascade.measure.roadmap.region, on_date=dt.date(2025, 12, 1))
    alert = Alert.objects.open().get(kind=AlertKind.CASCADE_LAGGING, measure=cascade.measure)
    assert f"выполнили {counts} организаций ({share})" in alert.message, alert.message
    assert f"при ожидаемых 75,2{NBSP}%" in alert.message  # 91 of 121 days
    assert alert.details["expected_share"] == 75.2
    page = persona_client("admin").get(reverse("roadmaps:cascade-detail", args=[cascade.pk]))
    assert f"{counts} ({share})" in page.content.decode()


# --- coverage: shown rounded down everywhere ---------------------------------------------------


def test_coverage_just_below_the_threshold_reads_alike(seeded, persona_client, personas, tmp_path):
    """8 997 of 10 000 (89,97 %) is a «неполная неделя» under the 90 % threshold: the pages
    show its coverage rounded down, «89,9 %» (`Coverage.percent`); the export's «Охват»
    showed «90,0 %» beside «неполная неделя»."""
    region = make_region("97")
    MonitoringRollup.objects.create(
        region=region,
        week_start=WEEK,
        organisations=8_997,
        edu_staff_total=100,
        edu_staff_writers=80,
        coverage_reported=8_997,
        coverage_expected=10_000,
    )
    page = persona_client("admin").get(reverse("indicators:region", args=["97"])).content.decode()
    assert f"(89,9{NBSP}%)" in page
    wb = open_xlsx(
        str(_export(tmp_path, personas.admin, Case("97", 0, 0, "", "", None, ""), "xlsx"))
    )
    headers, rows = table(wb["Показатели"])
    cells = by_header(headers, rows[0])
    assert ru_formats.ru_share(cells["Охват"].value) == f"89,9{NBSP}%"
    assert cells["Полнота недели"].value.startswith("неполная неделя")
    # the API keeps the exact share to four places, half up as everywhere
    assert published_share(Fraction(8_997, 10_000)) == 0.8997
    assert published_share(Fraction(9, 32)) == 0.2813  # `round` gave 0.2812
