"""Phone, print and the Content-Security-Policy in a real browser: for every role, every page
of the navigation loads without a CSP violation and at 390 px does not scroll sideways; the
navigation folds into «Меню»; the region dashboard prints on at most three A4 pages.
Screenshots at 390 px go to var/screenshots/ (not committed; the desktop pages are
photographed by the tests of each page)."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pytest
from django.conf import settings

from agencies.models import Region
from tests.browser.conftest import csp_violations_of
from tests.factories import make_measure, make_roadmap
from tests.reports.dashboard_data import (
    FIRST_WEEK,
    build_baselines,
    build_index_history,
    build_monitoring,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WEEKS = 9
TODAY = FIRST_WEEK + dt.timedelta(weeks=WEEKS, days=1)
PHONE = {"width": 390, "height": 844}
A4 = {"width": 794, "height": 1123}  # 210 × 297 mm at 96 px per inch, page.pdf's margins 0
SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
ROLES = ["ministry_user", "other_agency_user", "coordinator", "analyst", "admin"]


@pytest.fixture
def data(personas):
    sverdlovsk = Region.objects.get(code="66")
    build_monitoring(sverdlovsk, municipalities=6, weeks=WEEKS)
    build_baselines(sverdlovsk)
    build_index_history(list(Region.objects.values_list("id", flat=True)), weeks=WEEKS)
    roadmap = make_roadmap(sverdlovsk)
    for i in range(6):
        make_measure(
            roadmap,
            title="Обеспечить подключение образовательных организаций к национальному "
            f"мессенджеру MAX и платформе «Сферум» в муниципальных образованиях № {i}",
            due_date=TODAY - dt.timedelta(days=5 * i),
        )
    return personas


def _login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _culprits(page) -> list[str]:
    """The outermost elements that stick out on the right, for the failure message."""
    return page.evaluate(
        """() => {
          const out = [];
          for (const el of document.querySelectorAll("body *")) {
            const r = el.getBoundingClientRect();
            if (r.right > window.innerWidth + 1 && !out.some((o) => o.contains(el))) out.push(el);
          }
          const name = (el) => el.tagName + "." + (el.getAttribute("class") || "");
          return out.slice(0, 5).map((el) => {
            const chain = [];
            for (let p = el; p && p !== document.body; p = p.parentElement) {
              chain.push(name(p) + ":" + Math.round(p.getBoundingClientRect().width));
            }
            return chain.slice(0, 6).join(" < ");
          });
        }"""
    )


def _slug(url: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", url.split("//", 1)[-1].split("/", 1)[-1].lower()).strip("-")


def _walk_the_navigation(browser, live_server, username: str, role: str) -> dict:
    """Every page of the role's navigation at phone width: {url: problem} for what failed."""
    context = browser.new_context(viewport=PHONE, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(20_000)
    violations = csp_violations_of(page)
    try:
        _login(page, live_server, username)
        nav = page.locator("#mainnav")
        assert not nav.is_visible(), "на телефоне меню свёрнуто"
        page.click("button.navtoggle")
        assert nav.is_visible()
        hrefs = [a.get_attribute("href") for a in nav.locator("a").all()]
        assert len(hrefs) >= 3, hrefs
        pages = [page.url] + [f"{live_server.url}{h}" for h in hrefs if h.startswith("/")]
        problems: dict = {}
        for url in dict.fromkeys(pages):
            page.goto(url)
            page.wait_for_load_state()
            if (extra := _overflow(page)) > 0:
                problems[url] = ("шире экрана 390 px на", extra, _culprits(page))
            page.screenshot(path=str(SHOTS / f"{role}-{_slug(url) or 'home'}-390.jpg"))
        if violations:
            problems["CSP"] = violations
        return problems
    finally:
        context.close()


def test_every_page_of_the_navigation_fits_a_phone_under_the_policy(browser, live_server, data):
    """One data set for the five roles (each in its own browser context); every role's
    problems are reported together."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    for role in ROLES:
        if found := _walk_the_navigation(browser, live_server, getattr(data, role).username, role):
            problems[role] = found
    assert not problems, problems


def test_region_dashboard_prints_on_at_most_three_a4_pages(browser, live_server, data):
    context = browser.new_context(viewport=A4, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        _login(page, live_server, data.coordinator.username)
        page.goto(f"{live_server.url}/dashboard/66/?date={TODAY:%Y-%m-%d}")
        page.emulate_media(media="print")
        height = page.evaluate("document.documentElement.scrollHeight")
        pdf = page.pdf(format="A4", print_background=True)
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / "region-dashboard.pdf").write_bytes(pdf)
        pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
        assert 1 <= pages <= 3
        # no half-empty page: as many pages as the content needs laid end to end (a block
        # pushed whole to the next page would leave a half-empty first page and add one)
        assert pages == math.ceil(height / A4["height"]), (pages, height)
    finally:
        context.close()
