"""Under the Content-Security-Policy the pages still work in headless Chromium: the print
button (static/js/portal.js) works, the API docs render. (Every page of every role's
navigation is loaded under the policy by tests/browser/test_phone_and_print.py.)"""

from __future__ import annotations

import pytest

from agencies.choices import Role
from agencies.models import Region
from tests.browser.conftest import csp_violations_of
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass")
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.fixture
def csp_violations(page):
    found = csp_violations_of(page)
    # a stand-in for the print dialog (init scripts are injected by the browser, not the page)
    page.add_init_script("window.__printed = 0; window.print = () => { window.__printed++; };")
    return found


def test_print_button_and_api_docs_work_under_the_policy(page, live_server, seeded, csp_violations):
    make_user(Role.COORDINATOR, username="csp-coord", region=Region.objects.get(code="66"))
    _login(page, live_server, "csp-coord")
    # the landing dashboard's print button runs through the static script
    page.goto(f"{live_server.url}/")
    page.click("[data-action=print]")
    assert page.evaluate("window.__printed") == 1
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    page.goto(f"{live_server.url}/api/v1/redoc/")
    page.wait_for_selector("redoc .api-content, [role=navigation]", timeout=30_000)
    # Redoc's «powered by» logo from its CDN is blocked on purpose (nothing from outside)
    assert [v for v in csp_violations if "cdn.redoc.ly" not in v] == []
