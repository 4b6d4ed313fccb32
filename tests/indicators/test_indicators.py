"""I1–I4 and M by hand, zero denominators, the preschool and authority exclusions, targets."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from agencies.models import Region
from indicators.models import Indicator, MonitoringRollup, RegionBaseline, RegionTarget
from indicators.selectors import indicator_status
from tests.indicators.conftest import csv_bytes, row

W1 = dt.date(2025, 10, 6)
# staff_total, staff_writers, students_total, learners_active,
# sferum_users, max_only_users, vkm_users, vkm_and_max_users
ROWS = [
    row("S1", org_type="ОО", counts=(100, 60, 500, 400, 600, 300, 500, 250)),
    row("S2", org_type="СПО", counts=(50, 10, 200, 100, 250, 50, 200, 100)),
    row("S3", org_type="ДО", counts=(10, 5, 100, 20, 110, 10, 100, 0)),
    # preschool: out of I1, I2 and I3, in M
    row("P1", org_type="ДОО", counts=(1000, 1000, 1000, 2000, 1000, 1000, 1000, 1000)),
    # authorities and their subordinates: I4 (and I3, M), never I1/I2
    row("G1", org_type="РОИВ", counts=(40, 30, 0, 0, 40, 40, 40, 40)),
    row("G2", org_type="ОМСУ", counts=(60, 15, 0, 0, 60, 0, 60, 30)),
    row("G3", org_type="ПО", counts=(0, 0, 0, 0, 0, 0, 0, 0)),
]


@pytest.fixture
def imported(import_file):
    upload = import_file(csv_bytes(ROWS))
    assert upload.status == "done", upload.errors
    return MonitoringRollup.objects.get(municipality__isnull=True, week_start=W1)


def test_hand_computed_values(imported):
    r = imported
    # I1 = (60 + 10 + 5) / (100 + 50 + 10) = 75 / 160
    assert (r.edu_staff_writers, r.edu_staff_total) == (75, 160)
    assert r.i1 == Decimal("46.875")  # exact: rounding is for display only
    # I2 = (400 + 100 + 20) / (2 × (500 + 200 + 100)) = 520 / 1600
    assert r.i2 == Decimal("32.5")
    # I3 = (300 + 50 + 10 + 40 + 0 + 0) / (600 + 250 + 110 + 40 + 60 + 0) = 400 / 1060
    assert (r.np_max_only_users, r.np_sferum_users) == (400, 1060)
    assert r.i3 == Decimal(400 * 100) / Decimal(1060)
    # I4 = (30 + 15 + 0) / (40 + 60 + 0) = 45 / 100
    assert r.i4 == Decimal("45")
    # M over every organisation: (250+100+0+1000+40+30+0) / (500+200+100+1000+40+60+0)
    assert (r.vkm_and_max_users, r.vkm_users) == (1420, 1900)
    assert r.m == Decimal(1420 * 100) / Decimal(1900)


def test_zero_denominators_are_no_data(import_file):
    upload = import_file(csv_bytes([row("P1", org_type="ДОО", counts=(5, 5, 5, 5, 5, 5, 0, 0))]))
    assert upload.status == "done"
    r = MonitoringRollup.objects.get(municipality__isnull=True)
    assert (r.i1, r.i2, r.i3, r.i4, r.m) == (None, None, None, None, None)


def test_indicator_report_command(imported, capsys):
    call_command("indicator_report", "--region", "66", "--week", "2025-10-12", "--format", "json")
    report = json.loads(capsys.readouterr().out)
    assert report["week_start"] == "2025-10-06"
    assert report["indicators"]["i1"] == {"value": 46.88, "numerator": 75, "denominator": 160}
    assert report["indicators"]["i2"] == {"value": 32.5, "numerator": 520, "denominator": 1600}
    assert report["indicators"]["i3"]["numerator"] == 400
    assert report["indicators"]["i4"] == {"value": 45.0, "numerator": 45, "denominator": 100}
    assert report["indicators"]["m"]["denominator"] == 1900


def test_indicator_report_before_any_week_is_no_data(imported, capsys):
    call_command("indicator_report", "--region", "66", "--week", "2025-10-05")
    report = json.loads(capsys.readouterr().out)
    assert report["week_start"] is None
    assert report["indicators"]["i1"]["value"] is None


def test_status_targets_gap_and_passed_dates(imported, personas):
    region = Region.objects.get(code="66")
    i1 = Indicator.objects.get(code="i1")
    RegionBaseline.objects.create(region=region, indicator=i1, value=Decimal("40"), source="ВКМ")
    statuses = {s.indicator.code: s for s in indicator_status(region=region, on_date=W1)}
    s1 = statuses["i1"]
    assert s1.value == Decimal("46.875")
    stage1, stage2 = s1.stages
    assert (stage1.kind, stage1.value, stage1.passed, stage1.met) == (
        "baseline",
        Decimal("40"),
        True,
        True,
    )
    assert stage1.gap == Decimal("6.875")
    assert (stage2.value, stage2.passed, stage2.met) == (Decimal("75"), False, False)
    assert s1.current == stage2
    # I2 has no baseline entered: target unknown, no gap
    assert statuses["i2"].stages[0].value is None and statuses["i2"].stages[0].gap is None
    # I3 and I4 have only stage 2
    assert [st.stage for st in statuses["i3"].stages] == [2]


def test_conditional_target_shown_until_in_force(seeded):
    moscow = Region.objects.get(code="50")
    statuses = {s.indicator.code: s for s in indicator_status(region=moscow, on_date=W1)}
    stage2 = statuses["i1"].stages[1]
    assert stage2.not_in_force and "нормативно" in stage2.condition
    assert stage2.counted is None and stage2.gap is None  # shown, nothing judged
    RegionTarget.objects.filter(region=moscow, stage=2).update(in_force=True)
    statuses = {s.indicator.code: s for s in indicator_status(region=moscow, on_date=W1)}
    assert not statuses["i1"].stages[1].not_in_force


def test_region_target_overrides_value(seeded):
    region = Region.objects.get(code="66")
    RegionTarget.objects.create(
        region=region, indicator=Indicator.objects.get(code="i3"), stage=2, target_value=90
    )
    statuses = {s.indicator.code: s for s in indicator_status(region=region, on_date=W1)}
    assert (statuses["i3"].stages[0].value, statuses["i3"].stages[0].kind) == (90, "region")


def test_status_query_count(imported, django_assert_max_num_queries):
    region = Region.objects.get(code="66")
    with django_assert_max_num_queries(6):
        indicator_status(region=region, on_date=W1)
