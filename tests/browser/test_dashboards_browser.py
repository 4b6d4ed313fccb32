"""Both dashboards in a real browser: a coordinator's morning page, an analyst's overview.

The numbers the page shows (read from the DOM by data-testid) are compared with what the
selectors compute; screenshots go to test-artifacts/.
"""

from __future__ import annotations

import datetime as dt

import pytest

from agencies.choices import Role
from agencies.models import Region
from indicators.models import MonitoringRow
from reports.dashboards.country import country_overview
from reports.dashboards.region import region_dashboard
from reports.management.commands.load_demo_data import demo_status_changes
from roadmap_portal import ru_formats
from tests.factories import make_organisation, make_user
from tests.reports.dashboard_data import (
    FIRST_WEEK,
    build_baselines,
    build_index_history,
    build_monitoring,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WEEKS = 9
TODAY = FIRST_WEEK + dt.timedelta(weeks=WEEKS, days=1)


def _login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _text(page, testid: str) -> str:
    return page.inner_text(f"[data-testid={testid}]").strip()


@pytest.fixture
def demo(seeded):
    """Demo-like data: a season of rollups for Sverdlovsk and Moscow oblast, index history for
    every region, a few organisations with figures, demo status changes."""
    sverdlovsk = Region.objects.get(code="66")
    moscow = Region.objects.get(code="50")
    build_monitoring(sverdlovsk, municipalities=7, weeks=WEEKS)
    build_monitoring(moscow, municipalities=5, weeks=WEEKS - 3)
    build_baselines(sverdlovsk)
    build_index_history(list(Region.objects.values_list("id", flat=True)), weeks=WEEKS)
    muni = sverdlovsk.municipalities.get(name="Тестовый округ 07")
    for n in range(3):
        org = make_organisation(sverdlovsk, muni, name=f"МАОУ СОШ № {n + 1}")
        MonitoringRow.objects.create(
            week_start=FIRST_WEEK + dt.timedelta(weeks=WEEKS - 1),
            organisation=org,
            region=sverdlovsk,
            municipality=muni,
            org_type=org.org_type,
            staff_total=40,
            staff_writers=10 + 8 * n,
            students_total=400,
            learners_active=100 + 50 * n,
            sferum_users=500,
            max_only_users=100 * n,
        )
    demo_status_changes(today=TODAY)
    return sverdlovsk


def test_coordinator_dashboard_numbers_match(page, live_server, demo, artifacts):
    coordinator = make_user(Role.COORDINATOR, username="coord", region=demo)
    _login(page, live_server, "coord")
    assert page.url.endswith("/dashboard/66/")  # the coordinator's home page

    page.goto(f"{live_server.url}/dashboard/66/?date={TODAY:%Y-%m-%d}")
    d = region_dashboard(user=coordinator, region=demo, today=TODAY)
    assert _text(page, "today") == TODAY.strftime("%d.%m.%Y")
    assert _text(page, "index-total") == ru_formats.ru_number(d.index.score.total)
    assert _text(page, "index-rank") == str(d.index.rank)
    assert _text(page, "overdue-total") == str(d.overdue_total)
    assert _text(page, "done-share") == ru_formats.ru_percent(d.done_share)
    assert _text(page, "latest-week") == d.freshness.latest_week.strftime("%d.%m.%Y")
    for card in d.indicators:
        assert _text(page, f"indicator-{card.code}-value") == ru_formats.ru_percent(card.latest)
        assert _text(page, f"indicator-{card.code}-rag") == card.rag_label
    rows = page.locator("[data-testid=municipality-row]")
    assert rows.count() == len(d.municipalities) == 7
    first = d.municipalities[0]
    assert rows.first.locator("td").first.inner_text() == first.municipality.name
    assert (
        rows.first.locator("[data-testid=muni-i1]")
        .inner_text()
        .startswith(ru_formats.ru_percent(first.value("i1")))
    )
    assert page.locator("[data-testid=section-row]").count() == len(d.sections)
    assert page.locator("[data-testid=status-changes] li").count() == max(1, len(d.status_changes))
    page.screenshot(path=str(artifacts / "dashboard_region.jpg"), full_page=True)
    page.screenshot(path=str(artifacts / "dashboard_region_top.jpg"))
    for block in ("index", "indicators", "municipalities", "roadmap", "silent", "changes"):
        page.locator(f"#{block}").screenshot(path=str(artifacts / f"dashboard_block_{block}.jpg"))

    # sort the municipalities by I1, highest first (server-side, by query parameter)
    page.click("#municipalities th a:has-text('П1')")
    page.click("#municipalities th a:has-text('П1')")
    page.wait_for_load_state()
    assert "msort=-i1" in page.url
    shown = page.locator("[data-testid=municipality-row] td:first-child a").all_inner_texts()
    expected = region_dashboard(
        user=coordinator, region=demo, today=TODAY, municipality_sort="-i1"
    ).municipalities
    assert shown == [r.municipality.name for r in expected]

    # a click opens the municipality's organisations with their figures
    page.click("a:has-text('Тестовый округ 07')")
    page.wait_for_load_state()
    assert page.locator("[data-testid=organisation-row]").count() == 3
    assert "25,0\u00a0%" in page.inner_text("[data-testid=organisations]")  # 10 of 40 write
    page.screenshot(path=str(artifacts / "dashboard_municipality.jpg"), full_page=True)

    # print layout
    page.goto(f"{live_server.url}/dashboard/66/?date={TODAY:%Y-%m-%d}")
    page.emulate_media(media="print")
    page.screenshot(path=str(artifacts / "dashboard_region_print.jpg"), full_page=True)


def test_analyst_overview_and_outsider_404(page, live_server, demo, artifacts):
    analyst = make_user(Role.ANALYST, username="analyst1", all_regions=True)
    make_user(Role.COORDINATOR, username="coord50", region=Region.objects.get(code="50"))
    _login(page, live_server, "analyst1")
    assert page.url.endswith("/dashboard/")

    page.goto(f"{live_server.url}/dashboard/?date={TODAY:%Y-%m-%d}")
    o = country_overview(user=analyst, on_date=TODAY)
    rows = page.locator("[data-testid=region-row]")
    assert rows.count() == len(o.rows) == 89
    for row in o.rows[:5] + [r for r in o.rows if r.region.code in ("66", "50")]:
        line = page.locator(f"[data-testid=region-row][data-code='{row.region.code}']")
        shown_total = line.locator("[data-testid=total]").inner_text()
        assert shown_total == ru_formats.ru_number(row.total)
        # an unranked region (no data: the ranking's «нет данных») shows «—» for its place
        shown_place = line.locator("[data-testid=place]").inner_text()
        assert shown_place == ("—" if row.place is None else str(row.place))
        value = row.indicator("i1")
        shown_i1 = line.locator("[data-testid=ind-i1]").inner_text()
        assert shown_i1 == ("—" if value is None else ru_formats.ru_percent(value))
        assert line.locator("[data-testid=overdue]").inner_text() == str(row.overdue)
    # one chart per region with an index history: a region without data has no stored
    # score (the ranking's «нет данных»), so no line of zeros either
    charted = [row for row in o.rows if row.history]
    assert 0 < len(charted) < 89
    assert all(row.place is not None for row in charted)
    assert page.locator("[data-testid=small-multiples] .chart-multiple").count() == len(charted)
    page.screenshot(path=str(artifacts / "dashboard_country.jpg"), full_page=True)
    page.screenshot(path=str(artifacts / "dashboard_country_top.jpg"))
    page.locator("#multiples").screenshot(path=str(artifacts / "dashboard_country_multiples.jpg"))

    page.fill("#id_q", "Свердлов")
    page.click("[data-testid=country-filters] button[type=submit]")
    page.wait_for_load_state()
    assert rows.count() == 1

    # the analyst opens a region from the overview
    page.click("[data-testid=region-row] a:has-text('Свердловская')")
    page.wait_for_load_state()
    assert "/dashboard/66/" in page.url and page.locator("[data-testid=kpis]").count() == 1

    # a coordinator of another region gets 404 on Sverdlovsk's dashboard
    page.click("button:has-text('Выйти')")
    _login(page, live_server, "coord50")
    assert page.url.endswith("/dashboard/50/")
    response = page.goto(f"{live_server.url}/dashboard/66/")
    assert response.status == 404


def test_a_mistyped_date_is_refused_not_shown_as_today(page, live_server, seeded):
    """`?date=31.02.2025` showed today's figures as if they were the date asked; now the
    Russian 400 page names the parameter, and its link opens the page without it."""
    sverdlovsk = Region.objects.get(code="66")
    make_user(Role.COORDINATOR, username="coord-date", region=sverdlovsk)
    _login(page, live_server, "coord-date")
    response = page.goto(f"{live_server.url}/dashboard/66/?date=31.02.2025&msort=name")
    assert response is not None and response.status == 400
    text = _text(page, "error-page")
    assert "Параметр «date»: значение «31.02.2025» не принято." in text
    assert "ДД.ММ.ГГГГ или ГГГГ-ММ-ДД" in text
    page.click("[data-testid=error-back]")
    page.wait_for_load_state()
    assert page.url.endswith("/dashboard/66/?msort=name")
    assert _text(page, "today") == sverdlovsk.local_today().strftime("%d.%m.%Y")
