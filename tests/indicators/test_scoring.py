"""Table tests of the stage 1 rules (docs/domain.md), on every band edge; pure Python."""

from __future__ import annotations

import ast
import datetime as dt
import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from indicators.index.scoring import (
    BandSpec,
    ComponentSpec,
    CriterionSpec,
    InputValue,
    Kind,
    RegionInputs,
    VersionSpec,
    display_percent,
    percent_of,
    score_criterion,
    score_region,
)

ON = dt.date(2025, 10, 1)
BASE = Path(__file__).resolve().parents[2]


def _stage1() -> VersionSpec:
    """The stage 1 fixture as scoring specs (read without Django)."""
    data = json.loads((BASE / "fixtures" / "methodology_stage1.json").read_text("utf-8"))
    components = []
    for comp in data["components"]:
        criteria = []
        for c in comp["criteria"]:
            criteria.append(
                CriterionSpec(
                    code=c["code"],
                    kind=Kind(c["kind"]),
                    max_points=D(c["max_points"]),
                    points=D(c.get("points", "0")),
                    step=D(c.get("step", "0")),
                    bands=tuple(BandSpec(D(b["min"]), D(b["points"])) for b in c.get("bands", [])),
                    value_input=c.get("value_input", ""),
                    denominator_input=c.get("denominator_input", ""),
                    gate_input=c.get("gate_input", ""),
                    gate_min=D(c.get("gate_min", "0")),
                    requires_verification=c.get("requires_verification", False),
                    source=c.get("source", "fact"),
                )
            )
        components.append(ComponentSpec(comp["code"], D(comp["max_points"]), tuple(criteria)))
    return VersionSpec(data["version"]["code"], tuple(components))


STAGE1 = _stage1()
CRITERIA = {c.code: c for comp in STAGE1.components for c in comp.criteria}


def _v(value) -> InputValue:
    return InputValue(D(str(value)), dt.date(2025, 9, 1), True)


def test_stage1_adds_up_to_100():
    assert STAGE1.max_points == 100
    assert {c.code: c.max_points for c in STAGE1.components} == {
        "services": 50,
        "digital_id": 35,
        "promotion": 15,
    }
    for comp in STAGE1.components:
        assert sum(c.max_points for c in comp.criteria) == comp.max_points


@pytest.mark.parametrize(
    ("share", "points"),
    [
        (None, "0"),  # no data
        ("0", "0"),
        ("9.99", "0"),
        ("10", "1.5"),
        ("19.99", "1.5"),
        ("57", "7.5"),  # M = 0.57
        ("99.99", "13.5"),
        ("100", "15"),  # M = 1.0
    ],
)
def test_sferum_stepwise(share, points):
    result = score_criterion(
        CRITERIA["sferum_migration"], {}, ON, share=D(share) if share is not None else None
    )
    assert result.points == D(points)


@pytest.mark.parametrize(
    ("with_chat", "total", "points"),
    [
        (0, 100, "0"),
        (999, 10000, "0"),  # 9.99 %
        (1000, 10000, "2"),  # 10 %
        (2999, 10000, "2"),
        (3000, 10000, "3"),
        (5999, 10000, "3"),
        (6000, 10000, "4"),
        (7999, 10000, "4"),  # 79.99 %
        (8000, 10000, "5"),  # 80 %
        (10000, 10000, "5"),
        (5, 0, "0"),  # no companies: no data
    ],
)
def test_housing_bands(with_chat, total, points):
    values = {"uk_with_chat": _v(with_chat), "uk_total": _v(total)}
    assert score_criterion(CRITERIA["housing_uk_chats"], values, ON).points == D(points)


def test_housing_missing_input_is_no_data():
    result = score_criterion(CRITERIA["housing_uk_chats"], {"uk_total": _v(10)}, ON)
    assert result.points == 0 and result.rule["code"] == "no_data"


@pytest.mark.parametrize(
    ("publications", "reach", "points"),
    [
        (1, "90", "0"),  # fewer than 2 publications
        (0, "60", "0"),
        (2, "9.99", "0"),
        (2, "10", "4"),
        (2, "24.99", "4"),
        (2, "25", "7"),
        (3, "49.99", "7"),
        (2, "50", "10"),
        (10, "100", "10"),
    ],
)
def test_media_reach(publications, reach, points):
    values = {"publications": _v(publications), "reach_percent": _v(reach)}
    assert score_criterion(CRITERIA["media_reach"], values, ON).points == D(points)


def test_media_without_publication_count_is_zero():
    result = score_criterion(CRITERIA["media_reach"], {"reach_percent": _v(90)}, ON)
    assert result.points == 0 and result.rule["code"] == "gate"


@pytest.mark.parametrize(
    ("count", "points"), [(0, "0"), (1, "2.5"), (3, "7.5"), (4, "10"), (5, "10"), (40, "10")]
)
def test_exclusive_services_cap(count, points):
    result = score_criterion(CRITERIA["exclusive_services"], {"": _v(count)}, ON)
    assert result.points == D(points)


@pytest.mark.parametrize(
    ("code", "value", "points"),
    [
        ("mfc_bot", 1, "5"),
        ("mfc_bot", 0, "0"),
        ("mfc_notify", 1, "5"),
        ("health_tmk", 1, "5"),
        ("health_booking", 1, "5"),
        ("digital_id_acts", 1, "5"),
        ("digital_id_age", 1, "10"),
        ("digital_id_benefits", 1, "10"),
        ("digital_id_student", 1, "10"),
        ("digital_id_student", 0, "0"),
    ],
)
def test_yes_no(code, value, points):
    assert score_criterion(CRITERIA[code], {"": _v(value)}, ON).points == D(points)


@pytest.mark.parametrize(
    ("score", "points"), [(0, "0"), (3, "3"), ("4.5", "4.5"), (5, "5"), (7, "5")]
)
def test_offline_assessor_within_range(score, points):
    assert score_criterion(CRITERIA["offline_qr"], {"": _v(score)}, ON).points == D(points)


def test_digital_id_before_launch_scores_zero():
    from dataclasses import replace

    launched = replace(CRITERIA["digital_id_age"], counts_from=dt.date(2025, 11, 1))
    before = score_criterion(launched, {"": _v(1)}, dt.date(2025, 10, 31))
    on_launch = score_criterion(launched, {"": _v(1)}, dt.date(2025, 11, 1))
    assert before.points == 0 and before.rule["code"] == "not_launched"
    assert on_launch.points == 10


def test_no_data_scores_zero_everywhere():
    result = score_region(STAGE1, RegionInputs(), ON)
    assert result.total == 0 and result.claimed_total == 0
    assert all(c.rule["code"] == "no_data" for c in result.criteria)


def test_claimed_and_verified_totals():
    claimed = {
        ("mfc_bot", ""): InputValue(D(1), ON, False),
        ("mfc_notify", ""): InputValue(D(1), ON, False),
        ("exclusive_services", ""): InputValue(D(3), ON, False),
    }
    verified = {("exclusive_services", ""): InputValue(D(1), ON, True)}
    inputs = RegionInputs(claimed=claimed, verified=verified, sferum_share=D("57"))
    result = score_region(STAGE1, inputs, ON)
    # mfc_notify does not need verification; mfc_bot does; exclusive: 1 verified of 3
    assert result.claimed_total == D("7.5") + 5 + 5 + D("7.5")
    assert result.total == D("7.5") + 5 + D("2.5")
    services = result.components[0]
    assert services.points == result.total and services.claimed_points == result.claimed_total


def test_full_marks_is_100():
    claimed = {("mfc_bot", ""): _v(1), ("mfc_notify", ""): _v(1), ("health_tmk", ""): _v(1)}
    claimed |= {("health_booking", ""): _v(1), ("exclusive_services", ""): _v(4)}
    claimed |= {
        ("housing_uk_chats", "uk_total"): _v(10),
        ("housing_uk_chats", "uk_with_chat"): _v(8),
    }
    for code in ("digital_id_acts", "digital_id_age", "digital_id_benefits", "digital_id_student"):
        claimed[(code, "")] = _v(1)
    claimed |= {("media_reach", "publications"): _v(2), ("media_reach", "reach_percent"): _v(50)}
    claimed[("offline_qr", "")] = _v(5)
    inputs = RegionInputs(claimed=claimed, verified=dict(claimed), sferum_share=D("100"))
    result = score_region(STAGE1, inputs, ON)
    assert result.total == 100 == result.claimed_total


def test_same_inputs_same_breakdown():
    inputs = RegionInputs(claimed={("offline_qr", ""): _v(3)}, sferum_share=D("41"))
    assert score_region(STAGE1, inputs, ON) == score_region(STAGE1, inputs, ON)


def test_scoring_imports_no_django():
    paths = list((BASE / "indicators" / "index" / "scoring").glob("*.py"))
    assert paths
    for path in paths:
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "django" for n in names), path


# --- exact figures: every step, band and cap judged on the exact fraction -------------

SFERUM_STEPS = [
    # (users with VKM and MAX, users with VKM, points): just below and at every step
    (0, 100_000, "0"),
    (9_999, 100_000, "0"),
    (10_000, 100_000, "1.5"),
    (19_999, 100_000, "1.5"),
    (20_000, 100_000, "3"),
    (29_999, 100_000, "3"),
    (30_000, 100_000, "4.5"),
    (39_999, 100_000, "4.5"),
    (40_000, 100_000, "6"),
    (49_999, 100_000, "6"),
    (50_000, 100_000, "7.5"),
    (59_996, 100_000, "7.5"),  # 59.996 %: five full steps, never rounded up to 60 %
    (59_999, 100_000, "7.5"),
    (60_000, 100_000, "9"),
    (69_999, 100_000, "9"),
    (70_000, 100_000, "10.5"),
    (79_999, 100_000, "10.5"),
    (80_000, 100_000, "12"),
    (89_999, 100_000, "12"),
    (90_000, 100_000, "13.5"),
    (99_999, 100_000, "13.5"),  # 99.999 %
    (100_000, 100_000, "15"),  # the cap
    (999_999_999, 10_000_000_000, "0"),  # 9.99999999 %
    (5_999_999_999_999, 10_000_000_000_000, "7.5"),  # beyond Decimal's 12 digits of display
    (2, 3, "9"),  # 66.66… %: no finite decimal
    (1, 0, "0"),  # no VKM users: no data
]


@pytest.mark.parametrize(("numerator", "denominator", "points"), SFERUM_STEPS)
def test_sferum_steps_on_the_exact_share(numerator, denominator, points):
    share = percent_of(numerator, denominator)
    result = score_criterion(CRITERIA["sferum_migration"], {}, ON, share=share)
    assert result.points == D(points)


def test_sferum_display_never_crosses_a_step():
    result = score_criterion(
        CRITERIA["sferum_migration"], {}, ON, share=percent_of(59_996, 100_000)
    )
    assert result.rule["percent"] == "59.99" and result.rule["steps"] == "5"
    assert result.inputs["share_percent"] == "59.99"
    assert rule_percent(percent_of(2, 3)) == "66.66"


def rule_percent(value):
    return display_percent(value)


HOUSING_BANDS = [
    # (companies with a chat, companies, points)
    (0, 100_000, "0"),
    (9_999, 100_000, "0"),  # 9.999 %
    (99_999, 1_000_000, "0"),  # 9.9999 %: would round to 10.00 %
    (10_000, 100_000, "2"),
    (29_999, 100_000, "2"),
    (299_999, 1_000_000, "2"),  # 29.9999 %
    (30_000, 100_000, "3"),
    (59_999, 100_000, "3"),
    (599_999, 1_000_000, "3"),
    (60_000, 100_000, "4"),
    (79_999, 100_000, "4"),
    (799_999, 1_000_000, "4"),  # 79.9999 %
    (80_000, 100_000, "5"),
    (1, 1, "5"),
    (12, 10, "5"),  # more than all: read as 100 %, never above the maximum
    (1, 3, "3"),  # 33.33… %
    (4, 5, "5"),  # exactly 80 %
    (3, 5, "4"),  # exactly 60 %
    (1, 10, "2"),  # exactly 10 %
]


@pytest.mark.parametrize(("with_chat", "total", "points"), HOUSING_BANDS)
def test_housing_bands_on_the_exact_share(with_chat, total, points):
    values = {"uk_with_chat": _v(with_chat), "uk_total": _v(total)}
    assert score_criterion(CRITERIA["housing_uk_chats"], values, ON).points == D(points)


def test_housing_display_never_shows_a_band_not_reached():
    values = {"uk_with_chat": _v(799_999), "uk_total": _v(1_000_000)}
    result = score_criterion(CRITERIA["housing_uk_chats"], values, ON)
    assert result.rule["percent"] == "79.99" and result.rule["band_min"] == "60"


MEDIA_BANDS = [
    # (publications, reach in percent as entered, points)
    (1, "100", "0"),  # the gate: at least 2 publications
    (2, "0", "0"),
    (2, "9.9999", "0"),
    (2, "9.999999999", "0"),
    (2, "10", "4"),
    (2, "24.9999", "4"),
    (2, "25", "7"),
    (2, "49.9999", "7"),
    (2, "49.999999999", "7"),
    (2, "50", "10"),
    (2, "150", "10"),  # above 100: read as 100, never above the maximum
    ("1.9999", "60", "0"),  # the gate is exact too
]


@pytest.mark.parametrize(("publications", "reach", "points"), MEDIA_BANDS)
def test_media_reach_bands_exact(publications, reach, points):
    values = {"publications": _v(publications), "reach_percent": _v(reach)}
    assert score_criterion(CRITERIA["media_reach"], values, ON).points == D(points)


EXCLUSIVE_CAP = [
    (0, "0"),
    ("0.9999", "0"),  # full units only
    (1, "2.5"),
    ("3.9999", "7.5"),
    (4, "10"),  # at the cap
    (5, "10"),  # above: capped
    (1_000_000, "10"),
]


@pytest.mark.parametrize(("count", "points"), EXCLUSIVE_CAP)
def test_exclusive_services_units_and_cap(count, points):
    result = score_criterion(CRITERIA["exclusive_services"], {"": _v(count)}, ON)
    assert result.points == D(points)
    assert result.rule["capped"] == (D(str(count)) >= 5)


@pytest.mark.parametrize(
    ("score", "points"), [("4.99", "4.99"), ("5", "5"), ("5.01", "5"), ("-1", "0")]
)
def test_assessor_cap_and_floor(score, points):
    assert score_criterion(CRITERIA["offline_qr"], {"": _v(score)}, ON).points == D(points)


@pytest.mark.parametrize(("value", "points"), [("0.9999", "0"), (1, "5"), (2, "5")])
def test_yes_no_edge(value, points):
    assert score_criterion(CRITERIA["mfc_bot"], {"": _v(value)}, ON).points == D(points)


def test_component_cap_on_exact_points():
    spec = VersionSpec(
        "t",
        (
            ComponentSpec(
                "c",
                D("5"),
                (
                    CriterionSpec("a", Kind.YES_NO, D("3"), points=D("3"), value_input="a"),
                    CriterionSpec("b", Kind.YES_NO, D("3"), points=D("3"), value_input="b"),
                ),
            ),
        ),
    )
    both = {("a", "a"): _v(1), ("b", "b"): _v(1)}
    result = score_region(spec, RegionInputs(claimed=both, verified=both), ON)
    assert result.components[0].points == D("5") and result.total == D("5")


def test_region_total_from_exact_sferum_share():
    inputs = RegionInputs(sferum_share=percent_of(59_996, 100_000))
    result = score_region(STAGE1, inputs, ON)
    assert result.total == D("7.5")
