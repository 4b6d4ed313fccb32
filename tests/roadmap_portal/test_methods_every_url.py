"""Every URL answers only the methods it handles: a page that reads answers POST, PUT,
PATCH and DELETE with 405 and an Allow header, never by rendering itself.

The URLs are read from the resolver (`tests.url_matrix`, the scope matrix's enumerator),
DRF routes included: a new URL that takes an unsafe method fails here until it is in
`WRITES`. Whoever may use every page (an administrator) asks each URL; a 404 of an object
that a write deleted still counts as handled, a 405 never does. HEAD is answered wherever
GET is.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.url_matrix import build_world, object_url, portal_urls

UNSAFE = ("post", "put", "patch", "delete")

# URL name -> the unsafe methods it handles (forms, actions, the API's writes)
WRITES: dict[str, set[str]] = {
    # pages
    "login": {"POST"},
    "logout": {"POST"},
    "profile-tokens": {"POST"},
    "profile-token-revoke": {"POST"},
    "roadmaps:measure-status": {"POST"},
    "roadmaps:measure-step": {"POST"},
    "roadmaps:measure-part": {"POST"},
    "roadmaps:measure-target": {"POST"},
    "roadmaps:measure-report": {"POST"},
    "roadmaps:measure-federal": {"POST"},
    "roadmaps:cascade-create": {"POST"},
    "roadmaps:cascade-progress": {"POST"},
    "roadmaps:cascade-import": {"POST"},
    "roadmaps:roadmap-import": {"POST"},
    "roadmaps:roadmap-import-preview": {"POST"},
    "index:import": {"POST"},
    "index:upload-confirm": {"POST"},
    "index:fact-create": {"POST"},
    "index:fact-verify": {"POST"},
    "alerts:alert-acknowledge": {"POST"},
    "alerts:preferences": {"POST"},
    "reports:export-create": {"POST"},
    "reports:export-rerun": {"POST"},
    "reports:subscription-create": {"POST"},
    "reports:mailing-list-create": {"POST"},
    "reports:subscription-pause": {"POST"},
    "reports:subscription-delete": {"POST"},
    "indicators:baselines": {"POST"},
    "indicators:roster": {"POST"},
    "indicators:upload-create": {"POST"},
    "indicators:approval-action": {"POST"},
    "indicators:upload-confirm": {"POST"},
    "indicators:upload-rerun": {"POST"},
    # the API (DRF answers 405 itself for what a viewset lacks)
    "api:alert-acknowledge": {"POST"},
    "api:cascade-progress": {"POST"},
    "api:export-list": {"POST"},
    "api:export-rerun": {"POST"},
    "api:index-import-apply": {"POST"},
    "api:index-import-list": {"POST"},
    "api:index-input-list": {"POST"},
    "api:index-input-verify": {"POST"},
    "api:measure-part-status": {"POST"},
    "api:measure-reports": {"POST"},
    "api:measure-status": {"POST"},
    "api:measure-step": {"POST"},
    "api:measure-target": {"POST"},
    "api:monitoring-roster-detail": {"DELETE"},
    "api:monitoring-roster-list": {"POST"},
    "api:monitoring-upload-list": {"POST"},
    "api:monitoring-upload-rerun": {"POST"},
}


def _urls(world) -> dict[str, str]:
    urls = {}
    for name, params in portal_urls().items():
        if name == "indicators:upload-template":
            urls[name] = reverse(name, kwargs={"fmt": "csv"})
        elif name == "api:indicator-detail":
            urls[name] = reverse(name, kwargs={"pk": 1})
        elif params:
            urls[name] = object_url(name, world)
        else:
            urls[name] = reverse(name)
    return urls


def _login(client, personas, name: str) -> None:
    """The administrator, but on the login page (which sends a signed-in user home)."""
    if name == "login":
        client.logout()
    else:
        client.force_login(personas.admin)


@pytest.fixture
def world(personas):
    return build_world(personas)


def test_writes_name_urls_that_exist():
    assert set(WRITES) - set(portal_urls()) == set()


def test_no_url_renders_a_read_page_for_an_unsafe_method(client, personas, world):
    """A method a URL does not handle is 405 with an Allow header that does not list it."""
    wrong = []
    for name, url in sorted(_urls(world).items()):
        handled = WRITES.get(name, set())
        for method in UNSAFE:
            if method.upper() in handled:
                continue
            _login(client, personas, name)
            response = getattr(client, method)(url)
            allow = response.get("Allow", "")
            if response.status_code != 405 or not allow or method.upper() in allow:
                wrong.append((name, method.upper(), url, response.status_code, allow))
    assert wrong == [], "\n".join(map(str, wrong))


def test_every_write_url_handles_its_methods(client, personas, world):
    """A URL in WRITES never answers its own methods with 405 (the list is not stale)."""
    wrong = []
    for name, url in sorted(_urls(world).items()):
        for method in sorted(WRITES.get(name, set())):
            _login(client, personas, name)
            response = getattr(client, method.lower())(url)
            if response.status_code == 405:
                wrong.append((name, method, url))
    assert wrong == [], "\n".join(map(str, wrong))


def test_head_is_answered_wherever_get_is(client, personas, world):
    wrong = []
    for name, url in sorted(_urls(world).items()):
        if name == "logout":
            continue
        _login(client, personas, name)
        got = client.get(url).status_code
        head = client.head(url).status_code
        if got != 405 and head == 405:
            wrong.append((name, url, got, head))
    assert wrong == [], "\n".join(map(str, wrong))


def test_a_405_is_a_russian_page_or_json(client, personas):
    client.force_login(personas.coordinator)
    response = client.post(reverse("reports:country-overview"))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert "Этот адрес не принимает запрос POST." in response.content.decode()
    response = client.post(reverse("api:region-list"))
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
