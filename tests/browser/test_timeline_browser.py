"""The roadmap timeline in a real browser: at desktop width and at 390 px (the chart scrolls
inside its box, the page does not, no label is clipped) and printed on A4 landscape.
Screenshots and the PDF go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from agencies.models import Agency, Region
from roadmaps.choices import MeasureStatus, Recurrence
from roadmaps.models import Measure, Section
from tests.factories import make_measure, make_roadmap

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
TITLE = (
    "Обеспечить подключение образовательных организаций к национальному мессенджеру MAX "
    "и платформе «Сферум» в муниципальных образованиях"
)


@pytest.fixture
def roadmap(personas):
    region = Region.objects.get(code="66")
    today = region.local_today()
    roadmap = make_roadmap(region, title="Дорожная карта для шкалы времени",
                           approved_on=today - dt.timedelta(days=150))  # fmt: skip
    agency = Agency.objects.get(code="so-minobr")
    federal = Measure.objects.filter(roadmap__code="federal-plan-2025", due_date__isnull=False)
    # the federal plan on this clock: its items around the roadmap's months
    for k, item in enumerate(federal):
        item.due_date = today - dt.timedelta(days=100 - 45 * k)
        item.save(update_fields=["due_date"])
    sections = [
        Section.objects.create(roadmap=roadmap, position=k, number=str(k + 1), title=title)
        for k, title in enumerate(
            ["Общие мероприятия для органов власти", "Образование", "Информирование населения"]
        )
    ]
    specs = [
        # (section, start offset, due offset, status, monthly)
        (0, -140, -60, MeasureStatus.DONE, False),
        (0, -120, -20, MeasureStatus.IN_PROGRESS, False),  # overdue: hatched
        (0, -30, 90, MeasureStatus.IN_PROGRESS, False),
        (1, -100, 120, MeasureStatus.NOT_STARTED, True),  # monthly: ticks
        (1, None, 30, MeasureStatus.NOT_STARTED, False),  # from the approval date
        (1, -60, -45, MeasureStatus.CANCELLED, False),
        (2, None, None, MeasureStatus.NOT_STARTED, False),  # no dates
        (2, 10, 160, MeasureStatus.NOT_STARTED, False),  # ends at the right edge
    ]
    for k, (section, start, due, status, monthly) in enumerate(specs):
        make_measure(
            roadmap,
            agencies=[agency],
            section=sections[section],
            number=f"{section + 1}.{k + 1}",
            position=k,
            title=f"{TITLE} № {k + 1}",
            start_date=today + dt.timedelta(days=start) if start is not None else None,
            due_date=today + dt.timedelta(days=due) if due is not None else None,
            status=status,
            recurrence=Recurrence.MONTHLY if monthly else "",
            federal_item=federal[k % federal.count()] if k % 2 else None,
        )
    return roadmap


def _login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _geometry(page) -> dict:
    return page.evaluate(
        """() => {
          const box = document.querySelector("[data-testid=timeline]");
          const svg = box.querySelector("svg");
          const s = svg.getBoundingClientRect();
          const rect = (el) => { const r = el.getBoundingClientRect();
            return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                    width: r.width, height: r.height}; };
          return {
            pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
            boxScroll: box.scrollWidth - box.clientWidth,
            boxWidth: box.getBoundingClientRect().width,
            svg: rect(svg),
            natural: parseFloat(svg.getAttribute("width")),
            pieces: [...box.querySelectorAll("svg")].map(rect),
            labels: [...box.querySelectorAll(".tl-label, .tl-group-title")].map(
              (el) => ({text: el.textContent, ...rect(el)})),
            bars: [...box.querySelectorAll(".tl-span")].map(rect),
            late: box.querySelectorAll(".tl-late").length,
            ticks: box.querySelectorAll(".tl-tick").length,
            milestones: box.querySelectorAll(".tl-milestone").length,
          };
        }"""
    )


def _assert_readable(geometry: dict) -> None:
    svg = geometry["svg"]
    # natural size: the labels are drawn at reading size, never squeezed
    assert svg["width"] == pytest.approx(geometry["natural"], abs=1)
    for label in geometry["labels"]:
        assert label["width"] > 0 and label["height"] >= 11, label
        assert svg["left"] - 0.5 <= label["left"] and label["right"] <= svg["right"] + 0.5, label
    assert len(geometry["bars"]) == 7  # every measure with a date has its bar
    assert all(bar["width"] >= 5 and bar["height"] >= 10 for bar in geometry["bars"])
    assert geometry["late"] == 1 and geometry["ticks"] >= 6 and geometry["milestones"] == 4
    # the pieces of the chart are stacked edge to edge, one width: they read as one chart
    pieces = geometry["pieces"]
    assert {round(p["left"]) for p in pieces} == {round(svg["left"])}
    assert {round(p["width"]) for p in pieces} == {round(svg["width"])}
    assert all(abs(a["bottom"] - b["top"]) < 1 for a, b in zip(pieces, pieces[1:], strict=False))


def test_timeline_at_desktop_and_phone_width(browser, live_server, roadmap, personas, artifacts):
    context = browser.new_context(viewport=DESKTOP, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        _login(page, live_server, personas.coordinator.username)
        # from the measure list, the way people come
        page.goto(f"{live_server.url}/measures/?roadmap={roadmap.pk}")
        page.click("[data-testid=timeline-link]")
        page.wait_for_load_state()
        assert re.search(rf"/timeline/\?roadmap={roadmap.pk}$", page.url)
        assert page.locator("[data-testid=timeline] svg.tl-head").is_visible()
        desktop = _geometry(page)
        _assert_readable(desktop)
        assert desktop["pageOverflow"] <= 0 and desktop["boxScroll"] <= 0  # fits: no scrolling
        labels = page.locator(".tl-label")
        assert labels.count() == 8 and labels.first.is_visible()
        assert (
            page.locator(".tl-bar", has_text="№ 2")
            .first.get_attribute("class")
            .endswith("tl-overdue")
        )
        page.screenshot(path=str(artifacts / "timeline_desktop.jpg"), full_page=True)

        page.set_viewport_size(PHONE)
        page.reload()
        page.wait_for_load_state()
        phone = _geometry(page)
        _assert_readable(phone)
        assert phone["pageOverflow"] <= 0, phone["pageOverflow"]  # the page does not scroll
        assert phone["boxScroll"] > 0  # the chart scrolls inside its box
        assert phone["boxWidth"] <= PHONE["width"]
        page.screenshot(path=str(artifacts / "timeline_phone.jpg"), full_page=True)
        # scrolled to today's line, the labels there are whole
        page.evaluate(
            """() => { const box = document.querySelector("[data-testid=timeline]");
              const line = box.querySelector(".tl-today line");
              box.scrollLeft = line.getBBox().x - box.clientWidth / 2; }"""
        )
        page.locator("[data-testid=timeline]").screenshot(
            path=str(artifacts / "timeline_phone_today.jpg")
        )
    finally:
        context.close()


def test_timeline_prints_on_a4_landscape(browser, live_server, roadmap, personas, artifacts):
    context = browser.new_context(viewport=DESKTOP, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        _login(page, live_server, personas.coordinator.username)
        page.goto(f"{live_server.url}/timeline/?roadmap={roadmap.pk}")
        page.emulate_media(media="print")
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        (artifacts / "timeline.pdf").write_bytes(pdf)
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
        assert boxes, "no page in the PDF"
        for width, height in boxes:  # A4 landscape: 297 × 210 mm = 842 × 595 pt
            assert float(width) == pytest.approx(842, abs=2)
            assert float(height) == pytest.approx(595, abs=2)
        # printed, the chart is scaled to the page width: nothing is cut on the right
        page.set_viewport_size({"width": 1047, "height": 740})  # 277 mm at 96 px per inch
        printed = _geometry(page)
        assert printed["svg"]["right"] <= 1047 + 0.5
        assert printed["boxScroll"] <= 0
        assert page.locator(".filters").is_hidden() and page.locator(".topbar").is_hidden()
        page.screenshot(path=str(artifacts / "timeline_print.jpg"), full_page=True)
    finally:
        context.close()


def test_a_long_roadmap_prints_on_several_landscape_pages(
    browser, live_server, personas, artifacts
):
    """The seeded Sverdlovsk roadmap (44 measures, 5 sections): taller than a page, every
    page A4 landscape, the chart at the page's width."""
    from roadmaps.models import Roadmap

    roadmap = Roadmap.objects.get(code="sverdlovsk-2025")
    context = browser.new_context(viewport=DESKTOP, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        _login(page, live_server, personas.coordinator.username)
        page.goto(f"{live_server.url}/timeline/?roadmap={roadmap.pk}")
        assert page.locator(".tl-bar").count() == roadmap.measures.count() == 44
        page.emulate_media(media="print")
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        (artifacts / "timeline_long.pdf").write_bytes(pdf)
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
        assert len(boxes) >= 2
        assert all(float(w) > float(h) for w, h in boxes)  # landscape, every page
    finally:
        context.close()
