"""The one ranking: regions without data are not ranked, and the region dashboard's
«N место из M» is the ranking page's, on one national date whatever the region's zone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from agencies.models import Region
from indicators.index.selectors import index_ranking, national_date, region_place
from indicators.models import IndexFact
from reports.dashboards.region import region_dashboard

pytestmark = pytest.mark.django_db

ON = dt.date(2025, 10, 1)
VERIFIED = dt.datetime(2025, 9, 1, tzinfo=dt.UTC)


def add_fact(region, code, value, as_of):
    IndexFact.objects.create(
        region=Region.objects.get(code=region),
        criterion_code=code,
        value=Decimal(str(value)),
        as_of=as_of,
        evidence_text="акт",
        verified_at=VERIFIED,
    )


@pytest.fixture
def facts(personas):
    add_fact("66", "offline_qr", 4, dt.date(2025, 9, 1))
    add_fact("33", "offline_qr", 1, dt.date(2025, 9, 1))
    add_fact("50", "mfc_bot", 0, dt.date(2025, 9, 1))  # data, zero points: ranked


def test_regions_without_data_are_not_ranked(facts):
    _version, rows = index_ranking(on_date=ON)
    assert len(rows) == Region.objects.count()
    ranked = [r for r in rows if r.place is not None]
    assert {r.region.code for r in ranked} == {"66", "33", "50"}
    assert [r.place for r in ranked] == sorted(r.place for r in ranked)
    assert ranked[-1].region.code == "50" and ranked[-1].total == 0
    unranked = rows[len(ranked) :]
    assert unranked and all(r.total is None and r.change is None for r in unranked)


def test_ranking_page_shows_no_data_instead_of_zero(client, personas, facts):
    client.force_login(personas.analyst)
    html = client.get(reverse("index:ranking"), {"date": ON.isoformat()}).content.decode()
    assert html.count("нет данных") >= Region.objects.count() - 3
    assert html.count('data-testid="place">—<') == Region.objects.count() - 3


def test_dashboard_place_is_the_ranking_page_place_at_any_hour(facts, personas, settings):
    # 23:30 in Moscow on 30.09 is already 01.10 in Kamchatka (+9 h): one national date
    now = dt.datetime(2025, 9, 30, 20, 30, tzinfo=dt.UTC)
    national = national_date(now)
    assert national == dt.date(2025, 9, 30)
    _v, rows = index_ranking(on_date=national)
    expected = {r.region.pk: r.place for r in rows}
    ranked = sum(1 for r in rows if r.place is not None)
    for code in ("66", "33", "50", "77"):
        region = Region.objects.get(code=code)
        place = region_place(region_id=region.pk, on_date=national)
        assert place.place == expected[region.pk] and place.ranked == ranked == 3


def test_dashboard_uses_the_one_ranking(facts, personas):
    region = Region.objects.get(code="33")
    from indicators.index.services import index_recompute

    index_recompute(region_ids=[region.pk], on_date=ON)
    d = region_dashboard(user=personas.coordinator, region=region, today=ON)
    place = region_place(region_id=region.pk, on_date=ON)
    assert (d.index.rank, d.index.ranked) == (place.place, place.ranked) == (2, 3)


@pytest.mark.parametrize(
    ("persona", "linked"),
    [("analyst", {"66", "33", "50"}), ("coordinator", {"66"}), ("admin", {"66", "33", "50"})],
)
def test_the_ranking_links_only_the_regions_the_user_may_open(
    client, personas, facts, persona, linked
):
    """The page asked `role == "coordinator"` by hand: an analyst scoped to one region got
    links to every region, each a 404. Links follow access.region_scope; each one opens."""
    user = getattr(personas, persona)
    client.force_login(user)
    html = client.get(reverse("index:ranking"), {"date": ON.isoformat()}, secure=True)
    page = html.content.decode()
    shown = {code for code in ("66", "33", "50") if f"/index/{code}/?date=" in page}
    assert shown == linked
    for code in shown:
        assert client.get(f"/index/{code}/", secure=True).status_code == 200


def test_a_scoped_analyst_gets_no_link_to_a_region_beyond_their_scope(client, personas, facts):
    analyst = personas.analyst
    analyst.all_regions = False
    analyst.region = Region.objects.get(code="66")
    analyst.save()
    client.force_login(analyst)
    page = client.get(reverse("index:ranking"), {"date": ON.isoformat()}, secure=True)
    text = page.content.decode()
    assert "/index/66/?date=" in text
    assert "/index/50/?date=" not in text and "/index/33/?date=" not in text
