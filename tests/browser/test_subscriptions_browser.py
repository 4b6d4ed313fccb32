"""Report subscriptions in a real browser: subscribe through the form, pause and resume,
read the delivery log; at 390 px the page does not scroll sideways."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from agencies.choices import Role
from agencies.models import Region
from reports.models import ReportSubscription
from reports.subscription_schedule import WEEKLY, Schedule, next_due_at
from reports.subscriptions.services import subscriptions_send
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_subscribe_pause_and_read_the_log(page, live_server, seeded, artifacts):
    make_user(
        Role.COORDINATOR, username="subs-coord", email="subs-coord@example.org",
        region=Region.objects.get(code="66"),
    )  # fmt: skip
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "subs-coord")
    page.fill("input[name=password]", "pass")
    page.click("button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/reports/exports/")
    page.click("[data-testid=subscriptions-link]")
    form = page.locator("[data-testid=subscription-form]")
    form.locator("select[name=kind]").select_option("roadmap_status")
    form.locator("select[name=region]").select_option("66")
    form.locator("select[name=fmt]").select_option("xlsx")
    form.locator("select[name=frequency]").select_option("weekly")
    form.locator("select[name=weekday]").select_option("4")
    form.locator("select[name=hour]").select_option("18")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "Подписка оформлена." in page.content()
    rows = page.locator("[data-testid=own-subscriptions] tbody tr")
    assert rows.count() == 1
    text = rows.first.inner_text()
    assert "еженедельно, пятница, 18:00" in text and "(Asia/Yekaterinburg)" in text

    page.screenshot(path=str(artifacts / "subscriptions-1400.jpg"), full_page=True)
    rows.first.get_by_role("button", name="Приостановить").click()
    page.wait_for_load_state()
    assert "приостановлена" in page.locator("[data-testid=own-subscriptions]").inner_text()
    page.locator("[data-testid=own-subscriptions]").get_by_role(
        "button", name="Возобновить"
    ).click()
    page.wait_for_load_state()
    assert "Подписка возобновлена." in page.content()

    # the beat at the next Friday 18:00 in Yekaterinburg: one delivery, in the log
    subscription = ReportSubscription.objects.get()
    friday = next_due_at(
        Schedule(WEEKLY, hour=18, weekday=4), ZoneInfo("Asia/Yekaterinburg"), timezone.now()
    )
    ReportSubscription.objects.filter(pk=subscription.pk).update(
        active_since=friday - dt.timedelta(days=1)
    )
    subscriptions_send(now=friday)
    page.get_by_role("link", name="Статус выполнения дорожных карт").click()
    page.wait_for_load_state()
    log = page.locator("[data-testid=delivery-log]").inner_text()
    assert "Отправлен" in log and "subs-coord@example.org" in log and "отправлено" in log

    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/reports/subscriptions/", f"/reports/subscriptions/{subscription.pk}/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
    page.screenshot(path=str(artifacts / "subscriptions-390.jpg"), full_page=True)
