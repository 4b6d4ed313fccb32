"""The first run in a real browser, right after `load_demo_data` (today's date): the
dashboard's overdue count equals its open overdue alerts and the badge agrees; the demo
uploads are the region's; the upload page explains the columns; search and filters speak
Russian. Screenshots go to test-artifacts/."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from agencies.choices import Role
from agencies.models import Region
from alerts.choices import AlertKind
from alerts.models import Alert
from roadmaps.models import Measure
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CODE = re.compile(r"\b[a-z]+_[a-z_]+\b|\bstage\d\b|\(notify\)|\bI[1-4]\b")


def _login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass")
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.fixture
def first_run(seeded, tmp_path):
    call_command("load_demo_data", "--out", str(tmp_path), stdout=io.StringIO())
    region = Region.objects.get(code="66")
    return make_user(Role.COORDINATOR, username="coord-first", region=region)


def test_first_run_tells_the_truth(page, live_server, first_run, artifacts):
    page.set_viewport_size({"width": 1366, "height": 1000})
    _login(page, live_server, "coord-first")
    page.goto(f"{live_server.url}/dashboard/66/")
    page.screenshot(path=str(artifacts / "first_run_dashboard_66.jpg"), full_page=True)
    overdue = int(page.inner_text("[data-testid=overdue-total]").strip())
    chips = page.inner_text("#alerts .kinds")
    match = re.search(r"Мероприятие просрочено: (\d+)", chips)
    chip = int(match.group(1)) if match else 0
    region = Region.objects.get(code="66")
    open_overdue = Alert.objects.filter(region=region, kind=AlertKind.MEASURE_OVERDUE).open()
    assert overdue == chip == open_overdue.count()
    assert overdue > 0
    assert not Alert.objects.filter(region=region, measure__status="done").open().exists()
    badge = int(page.inner_text("[data-testid=nav-alert-count]").strip())
    assert badge == Alert.objects.filter(region=region).open().count()
    # a realistic mix: some measures done, some ahead
    statuses = set(Measure.objects.filter(roadmap__region=region).values_list("status", flat=True))
    assert {"done", "in_progress", "not_started"} <= statuses
    assert "устарел" not in page.inner_text("[data-testid=freshness]").lower()

    page.goto(f"{live_server.url}/indicators/regions/66/uploads/")
    page.screenshot(path=str(artifacts / "first_run_uploads_66.jpg"), full_page=True)
    assert "demo_monitoring_66_" in page.content()
    assert "Загрузок пока нет" not in page.content()

    page.goto(f"{live_server.url}/indicators/regions/66/uploads/new/")
    page.screenshot(path=str(artifacts / "upload_guide_66.jpg"), full_page=True)
    guide = page.inner_text("#upload-columns")
    assert "Начало недели" in guide and "шаблон XLSX" in guide

    page.goto(f"{live_server.url}/measures/?q=MAX")
    latin = page.locator("table tbody tr").count()
    page.screenshot(path=str(artifacts / "search_max_latin.jpg"), full_page=True)
    page.goto(f"{live_server.url}/measures/?q=%D0%BC%D0%B0%D1%85")  # «мах»
    assert page.locator("table tbody tr").count() == latin > 1
    options = page.locator("select option").all_inner_texts()
    assert "---------" not in options and "Неизвестно" not in options and "Все" in options

    page.goto(f"{live_server.url}/index/66/")
    page.screenshot(path=str(artifacts / "index_region_66.jpg"), full_page=True)
    assert not CODE.findall(
        page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    )
