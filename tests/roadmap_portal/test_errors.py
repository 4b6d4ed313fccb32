"""No user sees an exception text: Russian pages in the portal's layout (JSON under /api/),
an unexpected failure answers a reference number that the log carries with the traceback."""

import json
import logging

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

FAILING = "tests.roadmap_portal.urls_failing"


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = FAILING
    settings.DEBUG = False


@pytest.fixture
def raw_client():
    """A client that answers like the server: exceptions become 500 pages, not raised."""
    return Client(raise_request_exception=False)


def test_500_page_is_russian_with_a_reference_in_the_log(
    failing_urls, raw_client, personas, caplog
):
    raw_client.force_login(personas.coordinator)
    with caplog.at_level(logging.ERROR, logger="roadmap_portal.errors"):
        response = raw_client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Внутренняя ошибка портала" in body
    assert "secret_table" not in body and "DatabaseError" not in body
    assert 'href="/"' in body  # a way back
    assert "portal.css" in body  # the portal's layout
    reference = response.context["reference"] if response.context else None
    record = next(r for r in caplog.records if r.name == "roadmap_portal.errors")
    assert record.exc_info and record.exc_info[0].__name__ == "DatabaseError"
    logged_reference = record.args[0]
    assert logged_reference in body
    assert reference in (None, logged_reference)


def test_500_page_renders_when_context_processors_fail(
    failing_urls, raw_client, personas, monkeypatch
):
    def broken(request):
        raise RuntimeError("the database is down")

    monkeypatch.setattr("agencies.context_processors.navigation", broken)
    raw_client.force_login(personas.coordinator)
    response = raw_client.get("/boom/")
    assert response.status_code == 500
    assert "Внутренняя ошибка портала" in response.content.decode()


def test_api_500_is_json_with_a_reference(failing_urls, raw_client, personas, caplog):
    raw_client.force_login(personas.analyst)
    with caplog.at_level(logging.ERROR, logger="roadmap_portal.errors"):
        response = raw_client.get("/api/v1/boom/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "server_error"
    assert body["reference"] in body["detail"]
    assert "secret_module" not in response.content.decode()
    assert any(body["reference"] in r.getMessage() for r in caplog.records)


def test_404_page_is_russian_in_the_layout_and_lists_no_urls(client, personas, settings):
    settings.DEBUG = False
    client.force_login(personas.coordinator)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Страница не найдена" in body
    assert "На главную" in body
    assert "mainnav" in body  # the navigation of the layout
    assert "URLconf" not in body and "admin/" not in body


def test_api_404_is_json(client, personas):
    client.force_login(personas.analyst)
    response = client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_403_page_is_russian(failing_urls, client, personas):
    client.force_login(personas.coordinator)
    response = client.get("/forbidden/")
    assert response.status_code == 403
    assert "Доступ запрещён" in response.content.decode()


def test_csrf_failure_is_a_russian_page(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.coordinator)
    response = client.post(reverse("profile-tokens"), {"name": "x"})
    assert response.status_code == 403
    assert "Обновите страницу" in response.content.decode()


def test_api_400_and_413_are_json(client, personas, settings):
    client.force_login(personas.analyst)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(
        "/api/v1/measures/", data=json.dumps({"x": "y" * 5000}), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    response = client.get("/api/v1/measures/?a=1&b=2&c=3&d=4&e=5")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "bad_request"


def test_page_413_is_russian(client, personas, settings):
    client.force_login(personas.coordinator)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = client.post(reverse("profile-tokens"), {"name": "x" * 500})
    assert response.status_code == 413
    assert "Слишком большой запрос" in response.content.decode()
