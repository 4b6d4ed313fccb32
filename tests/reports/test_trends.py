import datetime as dt

import pytest

from indicators.trends import fit_trend, project

D = dt.date
WEEKS = [D(2025, 10, 6), D(2025, 10, 13), D(2025, 10, 20), D(2025, 10, 27)]


@pytest.mark.parametrize(
    ("values", "target", "stage", "expected_value", "expected_reach", "on_track"),
    [
        # +7 points a week = 1 a day: 61 on 27.10, 75 on 10.11, 125 on 30.12
        ([40, 47, 54, 61], 75, D(2025, 12, 30), 125.0, D(2025, 11, 10), True),
        # +1 point a week: 63 + 64/7 ≈ 72,1 on 30.12 < 75; 75 is reached 105 days after 06.10
        ([60, 61, 62, 63], 75, D(2025, 12, 30), 63 + 64 / 7, D(2026, 1, 19), False),
        # flat below target: never reached
        ([50, 50, 50, 50], 75, D(2025, 12, 30), 50.0, None, False),
        # falling: never reached
        ([70, 65, 60, 55], 75, D(2025, 12, 30), 55 - 5 / 7 * 64, None, False),
        # already above and flat: reached at the last point
        ([80, 80, 80, 80], 75, D(2025, 12, 30), 80.0, D(2025, 10, 27), True),
    ],
)
def test_projection_table(values, target, stage, expected_value, expected_reach, on_track):
    points = list(zip(WEEKS, values, strict=True))
    projection = project(points, target=target, stage_date=stage)
    assert projection is not None
    assert projection.value_at_stage == pytest.approx(expected_value)
    assert projection.reach_date == expected_reach
    assert projection.on_track is on_track


def test_fewer_than_four_points_gives_nothing():
    points = list(zip(WEEKS[:3], [10, 20, 30], strict=True))
    assert project(points, target=50, stage_date=D(2025, 12, 30)) is None


def test_noisy_series_least_squares():
    points = list(zip(WEEKS, [10, 14, 12, 16], strict=True))
    trend = fit_trend(points)
    # by hand: x = 0, 7, 14, 21 (mean 10.5), y mean 13;
    # Sxy = -10.5·-3 + -3.5·1 + 3.5·-1 + 10.5·3 = 56, Sxx = 245 → slope 56/245 per day
    assert trend.slope == pytest.approx(56 / 245)
    assert trend.value_at(D(2025, 10, 6)) == pytest.approx(13 - 56 / 245 * 10.5)


def test_single_date_has_no_trend():
    assert fit_trend([(WEEKS[0], 1.0), (WEEKS[0], 2.0)]) is None


def test_module_is_pure():
    from pathlib import Path

    import indicators.trends as module

    source = Path(module.__file__).read_text(encoding="utf-8")
    assert "django" not in source
