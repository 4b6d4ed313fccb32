"""Indicators report: I1–I4 with numerators, denominators, targets and gaps; series sheets;
the organisation sheet; neutralised names; negative gaps stay negative numbers."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from agencies.models import Region
from reports import selectors
from reports.exports.indicators import assess
from reports.exports.jobs import export_write
from reports.exports.registry import ExportParams
from roadmap_portal import ru_formats
from tests.reports.conftest import HOSTILE, WEEKS, assert_no_formulas, by_header, open_xlsx, table

pytestmark = pytest.mark.django_db


def write(tmp_path, user, fmt="xlsx", **params):
    path = tmp_path / f"ind.{fmt}"
    written = export_write(
        kind="indicators",
        params=ExportParams(region="66", **params),
        user=user,
        fmt=fmt,
        path=str(path),
    )
    return path, written


def test_main_sheet(tmp_path, personas, monitoring):
    path, written = write(tmp_path, personas.analyst)
    assert written.rows == 9  # 3 weeks × (region + 2 municipalities)
    wb = open_xlsx(str(path))
    assert wb.sheetnames == [
        "Показатели",
        "П1",
        "П2",
        "П3",
        "П4",
    ]
    ws = wb["Показатели"]
    assert ws["A3"].value == "Период: все загруженные недели"
    headers, rows = table(ws)
    assert headers[:8] == [
        "Территория",
        "Уровень",
        "Начало недели",
        "Организаций",
        "Ожидалось организаций",
        "Охват",
        "Полнота недели",
        "Утверждение недели",  # indicators.approval: preliminary or approved
    ]
    assert headers[8:13] == [
        "П1: числитель",
        "П1: знаменатель",
        "П1: значение",
        "П1: цель",
        "П1: отклонение, п.п.",
    ]
    assert len(headers) == 28
    assert [r[0].value for r in rows] == ["Свердловская область"] * 3 + ["'-2+3"] * 3 + [
        "Екатеринбург"
    ] * 3
    region_week1 = by_header(headers, rows[0])
    assert region_week1["Начало недели"].value == dt.datetime(2025, 9, 22)
    assert region_week1["Начало недели"].number_format == "dd.mm.yyyy"
    assert region_week1["Уровень"].value == "субъект"
    assert region_week1["Организаций"].value == 3
    # I1: 30 of 100 staff against the region's baseline 40 % (stage 1, due 01.10.2025)
    assert region_week1["П1: числитель"].value == 30
    assert region_week1["П1: знаменатель"].value == 100
    assert region_week1["П1: значение"].value == pytest.approx(0.30)
    assert region_week1["П1: значение"].number_format == ru_formats.XLSX_PERCENT
    assert region_week1["П1: цель"].value == pytest.approx(0.40)
    gap = region_week1["П1: отклонение, п.п."]
    # percentage points, not percent: 30 % against 40 % is −10 points
    assert gap.value == pytest.approx(-10) and gap.data_type == "n"  # negative stays a number
    assert gap.number_format == ru_formats.XLSX_POINTS
    # I2: one parent per student; no baseline entered → no target, no gap
    assert region_week1["П2: знаменатель"].value == 400
    assert region_week1["П2: значение"].value == pytest.approx(0.25)
    assert region_week1["П2: цель"].value is None
    assert region_week1["П2: отклонение, п.п."].value is None
    # I3: kindergartens excluded; stage 2 target 100 %
    assert region_week1["П3: числитель"].value == 160
    assert region_week1["П3: знаменатель"].value == 310
    assert region_week1["П3: отклонение, п.п."].value == pytest.approx((160 / 310 - 1) * 100)
    # I4: authorities only, 10 of 10 → on target
    assert region_week1["П4: значение"].value == pytest.approx(1.0)
    assert region_week1["П4: отклонение, п.п."].value == pytest.approx(0)
    # week of 06.10.2025 works towards stage 2 (75 %)
    region_week3 = by_header(headers, rows[2])
    assert region_week3["П1: значение"].value == pytest.approx(0.50)
    assert region_week3["П1: цель"].value == pytest.approx(0.75)
    assert region_week3["П1: отклонение, п.п."].value == pytest.approx(-25)
    # the village has only a kindergarten: I1 "no data", an empty cell, never 0 %
    village = by_header(headers, rows[3])
    assert village["Уровень"].value == "муниципалитет"
    assert village["П1: знаменатель"].value == 0
    assert village["П1: значение"].value is None
    assert village["П1: отклонение, п.п."].value is None
    # RAG on every gap column
    ranges = sorted(str(cf.sqref) for cf in ws.conditional_formatting)
    assert ranges == ["AB9:AB17", "M9:M17", "R9:R17", "W9:W17"]  # one column more: approval
    assert_no_formulas(wb)


def test_series_sheet(tmp_path, personas, monitoring):
    path, _ = write(tmp_path, personas.coordinator, date_from=WEEKS[1], date_to=WEEKS[2])
    wb = open_xlsx(str(path))
    ws = wb["П1"]
    assert ws["A3"].value == "Период: недели с 29.09.2025 по 06.10.2025"
    assert ws["A6"].value.startswith("П1. Активность работников")
    headers, rows = table(ws)
    assert headers == [
        "Территория",
        "Уровень",
        "Начало недели",
        "Числитель",
        "Знаменатель",
        "Значение",
        "Цель",
        "Этап",
        "Срок этапа",
        "Отклонение от цели, п.п.",
        "Примечание",
    ]
    assert len(rows) == 6
    first = by_header(headers, rows[0])
    assert first["Начало недели"].value == dt.datetime(2025, 9, 29)
    assert first["Значение"].value == pytest.approx(0.40)
    assert first["Этап"].value == 1 and first["Срок этапа"].value == dt.datetime(2025, 10, 1)
    assert first["Отклонение от цели, п.п."].value == pytest.approx(0)
    village = by_header(headers, rows[2])
    assert "нет данных" in village["Примечание"].value
    headers2, rows2 = table(wb["П2"])
    assert "базовое значение" in by_header(headers2, rows2[0])["Примечание"].value


def test_organisation_sheet(tmp_path, personas, monitoring):
    path, written = write(tmp_path, personas.analyst, orgs=True)
    assert written.rows == 9 + 9
    wb = open_xlsx(str(path))
    assert wb.sheetnames[-1] == "Организации"
    headers, rows = table(wb["Организации"])
    assert headers[:5] == [
        "Начало недели",
        "Муниципальное образование",
        "Код организации",
        "Наименование организации",
        "Тип организации",
    ]
    assert len(rows) == 9
    names = {r[3].value for r in rows}
    assert "'" + HOSTILE[0] in names and "'" + HOSTILE[3] in names
    school = by_header(headers, next(r for r in rows if r[3].value == "'" + HOSTILE[0]))
    assert school["Тип организации"].value == "ОО"
    assert school["Работников всего"].value == 100 and school["Работников всего"].data_type == "n"
    assert school["Доля пишущих работников"].value == pytest.approx(0.30)
    assert school["Доля пишущих работников"].number_format == ru_formats.XLSX_PERCENT
    assert school["Активность обучающихся и родителей"].value == pytest.approx(0.25)
    kindergarten = by_header(headers, next(r for r in rows if r[3].value == "Детский сад № 1"))
    assert kindergarten["Муниципальное образование"].value == "'-2+3"
    assert kindergarten["Активность обучающихся и родителей"].value is None  # no students
    assert_no_formulas(wb)


def test_csv_main_and_organisations(tmp_path, personas, monitoring):
    path, _ = write(tmp_path, personas.analyst, fmt="csv")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert len(rows) == 9
    assert rows[0]["П1: отклонение, п.п."] == "-10"  # percentage points, not a fraction
    assert rows[0]["Начало недели"] == "22.09.2025"  # ДД.ММ.ГГГГ
    assert rows[3]["Территория"] == "'-2+3"
    assert rows[3]["П1: значение"] == ""
    path, _ = write(tmp_path, personas.analyst, fmt="csv", orgs=True)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert len(rows) == 9 and "Наименование организации" in rows[0]
    assert {r["Наименование организации"] for r in rows} >= {"'" + HOSTILE[0], "'" + HOSTILE[3]}


def test_scope(tmp_path, personas, monitoring):
    with pytest.raises(Region.DoesNotExist):
        write(tmp_path, personas.outsider)


def test_conditional_target_not_in_force(seeded):
    """Moscow oblast: stage 2 of I1 is conditional until its normative acts are approved."""
    targets = selectors.indicator_targets(region=Region.objects.get(code="50"))
    i1 = targets[0]
    value, target, gap, stage, note = assess(i1, dt.date(2025, 11, 3), 60, 100)
    assert value == pytest.approx(0.6) and target == pytest.approx(0.75)
    assert stage.stage == 2 and gap is None
    assert "условная" in note
    # once every stage date has passed the week still compares with the last stage
    assert i1.for_week(dt.date(2026, 3, 2)).stage == 2
