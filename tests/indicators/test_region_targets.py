"""The one rule for a region's stage targets (indicators page, alerts, Excel report)."""

import datetime as dt
from decimal import Decimal

import pytest

from agencies.models import Region
from indicators.models import Indicator, RegionBaseline, RegionTarget
from indicators.selectors import region_stage_targets

pytestmark = pytest.mark.django_db


def targets_of(region, code):
    indicator = Indicator.objects.get(code=code)
    return {t.stage: t for t in region_stage_targets(region=region)[indicator.pk]}


def test_fixed_and_missing_baseline(seeded):
    vladimir = Region.objects.get(code="33")
    i1 = targets_of(vladimir, "i1")
    assert (i1[1].kind, i1[1].value) == ("baseline", None)  # not entered yet
    assert (i1[2].kind, i1[2].value) == ("fixed", Decimal("75"))
    assert i1[2].value_on(dt.date(2025, 12, 30)) == Decimal("75")
    assert [t.stage for t in region_stage_targets(region=vladimir)[i1[1].indicator_id]] == [1, 2]


def test_baseline_entered(seeded):
    vladimir = Region.objects.get(code="33")
    RegionBaseline.objects.create(
        region=vladimir,
        indicator=Indicator.objects.get(code="i2"),
        value=Decimal("41.5"),
        source="x",
    )
    stage1 = targets_of(vladimir, "i2")[1]
    assert (stage1.kind, stage1.value, stage1.source) == ("baseline", Decimal("41.5"), "x")


def test_region_override_and_conditions(seeded):
    moscow = Region.objects.get(code="50")
    stage2 = targets_of(moscow, "i1")[2]  # seed 001: conditional, not in force
    assert stage2.conditional and not stage2.in_force_on(dt.date(2026, 1, 1))
    assert stage2.value == Decimal("75") and stage2.value_on(dt.date(2026, 1, 1)) is None
    RegionTarget.objects.filter(region=moscow, indicator__code="i1", stage=2).update(
        in_force=True, in_force_since=dt.date(2025, 11, 15), target_value=Decimal("80")
    )
    stage2 = targets_of(moscow, "i1")[2]
    assert stage2.kind == "region"
    assert stage2.value_on(dt.date(2025, 11, 14)) is None  # not yet in force
    assert stage2.value_on(dt.date(2025, 11, 15)) == Decimal("80")


def test_three_queries(seeded, django_assert_num_queries):
    region = Region.objects.get(code="66")
    with django_assert_num_queries(3):
        region_stage_targets(region=region)
