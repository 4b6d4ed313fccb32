"""`bench/run.py --steps`: a run that reads monitoring data it does not load says so."""

from __future__ import annotations

import pytest

from bench.run import partial_data_note


@pytest.mark.parametrize(
    ("steps", "warned"),
    [
        (set(), False),  # every step
        ({"pages"}, True),
        ({"load"}, True),
        ({"import", "pages"}, True),  # the rest of the season is missing
        ({"import", "rest", "pages", "load"}, False),
        ({"import"}, False),
        ({"memory"}, False),
    ],
)
def test_partial_data_note(steps, warned):
    note = partial_data_note(steps)
    assert (note is not None) is warned
    if note:
        assert "not comparable with a full run" in note
