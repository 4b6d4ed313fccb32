"""The current stage of an indicator and the target that counts on a date."""

import datetime as dt
from decimal import Decimal

import pytest

from indicators.stages import RegionStageTarget, current_stage, last_passed_stage

STAGE1, STAGE2 = dt.date(2025, 10, 1), dt.date(2025, 12, 30)


def target(stage, date, value, **kwargs):
    fields = {
        "indicator_id": 1,
        "stage": stage,
        "stage_label": f"Этап {stage}",
        "target_date": date,
        "value": value,
        "kind": "fixed",
        "conditional": False,
        "condition": "",
        "in_force": True,
        "in_force_since": None,
        "source": "",
    }
    fields.update(kwargs)
    return RegionStageTarget(**fields)


STAGES = [target(1, STAGE1, Decimal("45"), kind="baseline"), target(2, STAGE2, Decimal("75"))]


@pytest.mark.parametrize(
    ("day", "current", "passed"),
    [
        (dt.date(2025, 9, 1), 1, None),
        (STAGE1, 1, None),  # the stage's own date still works towards it
        (STAGE1 + dt.timedelta(days=1), 2, 1),
        (STAGE2, 2, 1),
        (STAGE2 + dt.timedelta(days=1), 2, 2),  # every date passed: the last stage
        (dt.date(2026, 6, 1), 2, 2),
    ],
)
def test_current_and_passed(day, current, passed):
    assert current_stage(STAGES, day).stage == current
    last = last_passed_stage(STAGES, day)
    assert (last.stage if last else None) == passed


def test_no_stages():
    assert current_stage([], STAGE1) is None
    assert last_passed_stage([], STAGE1) is None


@pytest.mark.parametrize(
    ("stage", "day", "latest", "counted", "gap", "met"),
    [
        (STAGES[1], STAGE1, Decimal("60"), Decimal("75"), Decimal("-15"), False),
        (STAGES[0], STAGE1, Decimal("50"), Decimal("45"), Decimal("5"), True),
        (STAGES[0], STAGE1, None, Decimal("45"), None, None),
        # a baseline not entered yet: shown, nothing judged
        (target(1, STAGE1, None, kind="baseline"), STAGE1, Decimal("50"), None, None, None),
        # conditional, not in force: shown, nothing judged
        (
            target(2, STAGE2, Decimal("75"), conditional=True, in_force=False),
            STAGE1,
            Decimal("60"),
            None,
            None,
            None,
        ),
        # in force from a date
        (
            target(2, STAGE2, Decimal("75"), conditional=True, in_force_since=dt.date(2025, 11, 1)),
            dt.date(2025, 10, 31),
            Decimal("60"),
            None,
            None,
            None,
        ),
        (
            target(2, STAGE2, Decimal("75"), conditional=True, in_force_since=dt.date(2025, 11, 1)),
            dt.date(2025, 11, 1),
            Decimal("80"),
            Decimal("75"),
            Decimal("5"),
            True,
        ),
    ],
)
def test_judged(stage, day, latest, counted, gap, met):
    judged = stage.judged(on_date=day, latest=latest)
    assert (judged.counted, judged.gap, judged.met) == (counted, gap, met)
    assert judged.not_in_force == (
        stage.conditional and counted is None and stage.value is not None
    )


def test_judged_needs_a_date():
    with pytest.raises(ValueError):
        _ = STAGES[0].counted
