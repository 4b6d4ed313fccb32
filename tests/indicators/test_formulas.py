"""I1–I4 and M: numerators, denominators (I2 counts one parent per student), shares."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from agencies.choices import OrgType
from indicators.formulas import (
    EDU_TYPES,
    FORMULAS,
    GOV_TYPES,
    NON_PRESCHOOL_TYPES,
    indicator_value,
    published_percent,
    rollup_fractions,
    share_fraction,
    share_percent,
)

ROLLUP = SimpleNamespace(
    edu_staff_writers=30,
    edu_staff_total=64,
    edu_learners_active=300,
    edu_students_total=400,
    np_max_only_users=10,
    np_sferum_users=0,
    gov_staff_writers=5,
    gov_staff_total=8,
    vkm_and_max_users=57,
    vkm_users=100,
)


@pytest.mark.parametrize(
    ("code", "parts", "value"),
    [
        ("i1", (30, 64), Decimal("46.875")),  # exact: rounding is for display only
        ("i2", (300, 800), Decimal("37.50")),  # 2 × students
        ("i3", (10, 0), None),  # zero denominator: no data, never 0 %
        ("i4", (5, 8), Decimal("62.50")),
        ("m", (57, 100), Decimal("57.00")),
    ],
)
def test_rollup_formulas(code, parts, value):
    assert FORMULAS[code].rollup_parts(ROLLUP) == parts
    assert rollup_fractions(ROLLUP)[code] == parts
    assert indicator_value(code, ROLLUP) == value


def test_row_parts_of_one_organisation():
    row = SimpleNamespace(
        staff_writers=3,
        staff_total=4,
        learners_active=5,
        students_total=10,
        max_only_users=1,
        sferum_users=2,
        vkm_and_max_users=0,
        vkm_users=0,
    )
    assert FORMULAS["i1"].row_parts(row) == (3, 4)
    assert FORMULAS["i2"].row_parts(row) == (5, 20)
    assert FORMULAS["i3"].row_parts(row) == (1, 2)


@pytest.mark.parametrize(
    ("numerator", "denominator", "percent", "fraction"),
    [
        (1, 3, Decimal(100) / 3, 1 / 3),
        (2, 3, Decimal(200) / 3, 2 / 3),
        (0, 5, Decimal("0.00"), 0.0),
        (0, 0, None, None),
        (7, 0, None, None),
    ],
)
def test_shares(numerator, denominator, percent, fraction):
    assert share_percent(numerator, denominator) == percent
    assert share_fraction(numerator, denominator) == fraction


def test_groups_follow_domain():
    assert set(EDU_TYPES) == {OrgType.SCHOOL, OrgType.COLLEGE, OrgType.ADDITIONAL}
    assert set(GOV_TYPES) == {OrgType.ROIV, OrgType.OMSU, OrgType.SUBORDINATE}
    assert OrgType.PRESCHOOL not in NON_PRESCHOOL_TYPES
    assert set(NON_PRESCHOOL_TYPES) | {OrgType.PRESCHOOL} == set(OrgType)
    assert FORMULAS["i1"].org_types == FORMULAS["i2"].org_types == EDU_TYPES
    assert FORMULAS["i4"].org_types == GOV_TYPES


def test_no_rollup():
    assert rollup_fractions(None) == {}


def test_a_share_is_exact_and_rounded_only_where_published():
    """74.996 % is below a 75 % target: the share keeps every digit; the API and the
    command-line report round it half up to two places, as every page rounds."""
    value = share_percent(74_996, 100_000)
    assert value == Decimal("74.996") and value < 75
    assert published_percent(value) == Decimal("75.00")
    assert published_percent(Decimal("74.125")) == Decimal("74.13")  # half up, not half even
    assert published_percent(None) is None
