"""The country overview's «Место» is the one ranking's place (`index_ranking`), whoever
looks and whatever the stored scores hold.

The overview used to rank on its own: the stored scores of the regions its viewer sees, so
a coordinator of two regions read «1» where the ranking page and the region dashboard said
«2 место из 3», and a region without any data (stored with 0 points by the nightly
recompute) took a place the ranking gives to nobody; the «lower quarter» of its lagging
flag moved with the viewer's scope too.
"""

from __future__ import annotations

import datetime as dt

import pytest

from agencies.choices import Role
from agencies.models import Region
from indicators.index.selectors import index_ranking
from indicators.index.services import index_recompute
from reports.dashboards.country import country_overview
from tests.factories import make_user
from tests.indicators.test_ranking_one_rule import add_fact

pytestmark = pytest.mark.django_db

ON = dt.date(2025, 10, 1)


@pytest.fixture
def scored(personas):
    add_fact("66", "offline_qr", 4, dt.date(2025, 9, 1))
    add_fact("33", "offline_qr", 1, dt.date(2025, 9, 1))
    add_fact("50", "mfc_bot", 0, dt.date(2025, 9, 1))  # data, zero points: ranked
    # the nightly recompute stores a score for every region, those without data too
    index_recompute(region_ids=list(Region.objects.values_list("pk", flat=True)), on_date=ON)


def _places(user):
    return {row.region.code: row.place for row in country_overview(user=user, on_date=ON).rows}


def test_every_viewer_reads_the_ranking_place(scored, personas):
    _version, ranking = index_ranking(on_date=ON)
    expected = {row.region.code: row.place for row in ranking}
    assert (expected["66"], expected["33"], expected["50"]) == (1, 2, 3)
    # an administrator sees every region: regions without data have no place
    assert _places(personas.admin) == expected
    # a coordinator of two regions sees the same places for them
    coordinator = make_user(Role.COORDINATOR, region=Region.objects.get(code="33"))
    coordinator.extra_regions.add(Region.objects.get(code="50"))
    assert _places(coordinator) == {"33": 2, "50": 3}


def test_the_lagging_flag_does_not_depend_on_the_viewer(scored, personas):
    coordinator = make_user(Role.COORDINATOR, region=Region.objects.get(code="33"))
    coordinator.extra_regions.add(Region.objects.get(code="50"))
    everyone = {
        row.region.code: row.lagging
        for row in country_overview(user=personas.admin, on_date=ON).rows
    }
    theirs = {
        row.region.code: row.lagging for row in country_overview(user=coordinator, on_date=ON).rows
    }
    assert theirs == {code: everyone[code] for code in theirs}


def test_a_region_without_data_shows_no_index_on_its_dashboard(scored, personas):
    """The nightly recompute stores 0 points for a region with neither a fact nor a
    monitoring week; its dashboard showed «0 / 100» beside the ranking's «нет данных»."""
    from reports.dashboards.region import region_dashboard

    empty = Region.objects.get(code="77")
    _version, ranking = index_ranking(on_date=ON)
    assert next(r for r in ranking if r.region == empty).total is None
    block = region_dashboard(user=personas.admin, region=empty, today=ON).index
    assert block.score is None and block.rank is None
    # a region with data keeps its score and place
    ranked = region_dashboard(user=personas.admin, region=Region.objects.get(code="33"), today=ON)
    assert ranked.index.score is not None and ranked.index.rank == 2
