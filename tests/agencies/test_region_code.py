"""A region code as people and spreadsheets write it: one rule, `normalise_region_code`."""

from __future__ import annotations

from pathlib import Path

import pytest

from agencies.models import normalise_region_code

ROOT = Path(__file__).resolve().parents[2]
APPS = ("agencies", "roadmaps", "indicators", "alerts", "reports", "roadmap_portal")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("07", "07"),
        ("7", "07"),
        (" 7 ", "07"),
        (7, "07"),
        (7.0, "07"),
        ("007", "07"),
        ("66", "66"),
        (66.0, "66"),
        # not a code: returned as written (trimmed), to be refused as unknown
        ("7.5", "7.5"),
        (7.5, "7.5"),
        ("66а", "66а"),
        ("６６", "６６"),  # full-width digits are not read as a number
        ("", ""),
        (None, ""),
        ("-7", "-7"),
    ],
)
def test_normalise_region_code(value, code):
    assert normalise_region_code(value) == code


def test_the_rule_lives_once():
    """No caller pads a code itself (a padded «007» or « 7» would miss the region)."""
    offenders = [
        f"{path.relative_to(ROOT)}"
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and ".zfill(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == ["roadmap_portal/numbers.py"]
