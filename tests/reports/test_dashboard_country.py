import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.choices import Role
from agencies.models import Region
from indicators.models import IndexScore
from reports.dashboards.country import country_overview
from tests.factories import make_measure, make_roadmap, make_user

from .dashboard_data import FIRST_WEEK, build_baselines, build_index_history, build_monitoring

pytestmark = pytest.mark.django_db
WEEKS = 6
ON = FIRST_WEEK + dt.timedelta(weeks=WEEKS, days=1)


@pytest.fixture
def country(seeded):
    sverdlovsk = Region.objects.get(code="66")
    build_monitoring(sverdlovsk, municipalities=3, weeks=WEEKS)
    build_baselines(sverdlovsk)
    build_index_history(list(Region.objects.values_list("id", flat=True)), weeks=WEEKS)
    return sverdlovsk


def test_every_region_with_index_and_indicators(country, personas):
    o = country_overview(user=personas.analyst, on_date=ON)
    assert len(o.rows) == Region.objects.count() == 89
    row = next(r for r in o.rows if r.region.code == "66")
    score = IndexScore.objects.filter(region=country, on_date__lte=ON).order_by("-on_date").first()
    assert row.total == score.total
    assert len(row.history) == WEEKS
    assert row.indicator("i1") is not None and row.latest_week is not None
    # the one ranking's places (regions without data have none and come last)
    places = [r.place for r in o.rows]
    assert places == sorted(places, key=lambda p: (p is None, p or 0))
    best = o.rows[0]
    assert best.total == max(r.total for r in o.rows if r.total is not None)
    assert {c.code for c in o.components} == {"services", "digital_id", "promotion"}


def test_sort_filter_and_lagging(country, personas):
    o = country_overview(user=personas.analyst, on_date=ON, sort="name")
    names = [r.region.name for r in o.rows]
    assert names == sorted(names)
    o = country_overview(user=personas.analyst, on_date=ON, sort="-i1")
    assert o.rows[0].region.code == "66"  # the only region with monitoring
    o = country_overview(user=personas.analyst, on_date=ON, sort="i1")
    assert o.rows[-1].indicator("i1") is None  # no data goes last either way
    o = country_overview(user=personas.analyst, on_date=ON, query="свердлов")
    assert [r.region.code for r in o.rows] == ["66"]
    o = country_overview(user=personas.analyst, on_date=ON, lagging=True)
    assert all(r.lagging for r in o.rows) and o.regions_total == 89
    o = country_overview(user=personas.analyst, on_date=ON, sort="bogus")
    assert o.rows[0].place == 1


def test_query_count_constant(country, personas):
    with CaptureQueriesContext(connection) as first:
        country_overview(user=personas.analyst, on_date=ON)
    # 15, the approval of the weeks shown, and the one ranking's places (`index_ranking`,
    # six queries on a cache miss)
    assert len(first) <= 22
    build_monitoring(Region.objects.get(code="50"), municipalities=5, weeks=WEEKS + 4)
    build_index_history(list(Region.objects.values_list("id", flat=True)[:40]), weeks=WEEKS + 4)
    roadmap = make_roadmap(country)
    for i in range(10):
        make_measure(roadmap, due_date=ON - dt.timedelta(days=i + 1))
    with CaptureQueriesContext(connection) as second:
        country_overview(user=personas.analyst, on_date=ON + dt.timedelta(weeks=4))
    assert len(second) <= len(first)


def test_scope_limits_rows(country, seeded):
    coordinator = make_user(Role.COORDINATOR, region=country)
    coordinator.extra_regions.add(Region.objects.get(code="50"))
    o = country_overview(user=coordinator, on_date=ON)
    assert sorted(r.region.code for r in o.rows) == ["50", "66"]


@pytest.mark.parametrize(
    "persona,status",
    [
        ("analyst", 200),
        ("admin", 200),
        ("coordinator", 403),
        ("ministry_user", 403),
        ("outsider", 403),
    ],
)
def test_country_overview_access(persona_client, country, persona, status):
    response = persona_client(persona).get(reverse("reports:country-overview"))
    assert response.status_code == status


def test_country_page_sorted_by_query_parameter(persona_client, country):
    url = reverse("reports:country-overview")
    html = persona_client("analyst").get(url + f"?sort=-i1&date={ON:%Y-%m-%d}").content.decode()
    assert html.index('data-code="66"') < html.index('data-code="50"')
    assert 'data-testid="small-multiples"' in html
    html = persona_client("analyst").get(url + "?q=Свердлов").content.decode()
    assert html.count('data-testid="region-row"') == 1


@pytest.mark.parametrize(
    "persona,target",
    [
        ("coordinator", "/dashboard/66/"),
        ("outsider", "/dashboard/50/"),
        ("analyst", "/dashboard/"),
        ("admin", "/dashboard/"),
        ("ministry_user", "/measures/?agency="),
    ],
)
def test_home_sends_each_role_to_its_page(persona_client, seeded, persona, target):
    response = persona_client(persona).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(target)


def test_country_map_tiles_link_to_dashboards_and_follow_the_chosen_colour(persona_client, country):
    url = reverse("reports:country-overview")
    client = persona_client("analyst")
    html = client.get(url).content.decode()
    assert 'data-testid="country-map"' in html
    assert html.count('class="tile"') == 89
    assert html.count('<a href="/dashboard/') >= 89  # every region the analyst may see
    assert 'aria-label="Индекс внедрения:' in html
    html = client.get(url, {"map": "i1"}).content.decode()
    assert 'option value="i1" selected' in html and 'aria-label="П1.' in html
    # an unknown choice is refused (roadmap_portal.params), never coloured by the index
    refused = client.get(url, {"map": "<bad>"})
    assert refused.status_code == 400
    assert "Параметр «map»: значение «&lt;bad&gt;» не принято." in refused.content.decode()
