"""A coordinator submits a monitoring week in a real browser; ministry staff with the right
approve it; the week is then locked and shown as approved; nobody else sees the buttons."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.choices import Role
from agencies.models import Agency, Region
from indicators.approval import state_of
from indicators.choices import ApprovalState, UploadStatus
from indicators.services.uploads import monitoring_import, monitoring_upload_create
from tests.factories import make_user
from tests.indicators.conftest import csv_bytes, row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEEK = dt.date(2025, 10, 6)


def _login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def test_coordinator_submits_and_staff_approves(page, live_server, seeded, artifacts):
    region = Region.objects.get(code="66")
    coordinator = make_user(Role.COORDINATOR, username="coord66", region=region)
    approver = make_user(
        Role.STAFF, username="approver", agency=Agency.objects.get(code="so-minobr")
    )
    approver.user_permissions.add(Permission.objects.get(codename="approve_week"))
    make_user(Role.STAFF, username="plainstaff", agency=Agency.objects.get(code="so-minobr"))
    upload = monitoring_upload_create(
        file=SimpleUploadedFile("w.csv", csv_bytes([row("B1"), row("B2")])),
        user=coordinator,
        region=region,
    )
    assert monitoring_import(upload=upload).status == UploadStatus.DONE

    # 1. the coordinator opens the region's weeks and submits 06.10.2025 with a comment
    _login(page, live_server, "coord66")
    page.goto(f"{live_server.url}/indicators/regions/66/")
    page.click("a:has-text('Утверждение недель')")
    page.wait_for_url("**/indicators/regions/66/approval/")
    week_row = page.locator("[data-testid=approval-weeks] tr[data-week='2025-10-06']")
    assert "подготовлено" in week_row.inner_text()
    week_row.locator("a").click()
    page.wait_for_url(f"**/approval/{WEEK}/")
    assert page.locator("button:has-text('Утвердить')").count() == 0
    page.fill("[data-testid=approval-form] textarea", "Неделя собрана, все муниципалитеты")
    page.click("button:has-text('Направить на утверждение')")
    page.wait_for_load_state()
    assert "Неделя направлена на утверждение" in page.inner_text(".messages")
    assert page.inner_text("[data-testid=approval-state]") == "направлено"
    assert "Неделя собрана" in page.inner_text("[data-testid=approval-history]")
    page.screenshot(path=str(artifacts / "approval_submitted.jpg"), full_page=True)
    page.click("button:has-text('Выйти')")

    # 2. staff without the right see the week, but no buttons
    _login(page, live_server, "plainstaff")
    page.goto(f"{live_server.url}/indicators/regions/66/approval/{WEEK}/")
    assert page.locator("[data-testid=approval-form]").count() == 0
    page.click("button:has-text('Выйти')")

    # 3. the approver approves it
    _login(page, live_server, "approver")
    page.goto(f"{live_server.url}/indicators/regions/66/approval/{WEEK}/")
    page.fill("[data-testid=approval-form] textarea", "Проверено")
    page.click("button:has-text('Утвердить')")
    page.wait_for_load_state()
    assert "Неделя утверждена" in page.inner_text(".messages")
    assert page.inner_text("[data-testid=approval-state]") == "утверждено"
    history = page.inner_text("[data-testid=approval-history]")
    assert "Направлено на утверждение" in history and "Утверждено" in history
    assert page.locator("button:has-text('Открыть для исправления')").count() == 1
    page.screenshot(path=str(artifacts / "approval_approved.jpg"), full_page=True)
    assert state_of(region.pk, WEEK) == ApprovalState.APPROVED
