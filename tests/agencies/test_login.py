import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_is_public_and_russian(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Вход в портал" in response.content.decode()


def test_login_and_landing(client, personas):
    personas.coordinator.set_password("secret-pass-1")
    personas.coordinator.save()
    response = client.post(
        reverse("login"), {"username": personas.coordinator.username, "password": "secret-pass-1"}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_login_attempts_are_throttled(client, personas, settings):
    settings.LOGIN_ATTEMPTS_LIMIT = 3
    username = personas.coordinator.username
    for _ in range(3):
        response = client.post(reverse("login"), {"username": username, "password": "wrong"})
        assert response.status_code == 200
    personas.coordinator.set_password("right-pass-9")
    personas.coordinator.save()
    response = client.post(reverse("login"), {"username": username, "password": "right-pass-9"})
    assert response.status_code == 429
    assert "Слишком много неудачных попыток" in response.content.decode()


def test_healthz_is_public(client, db):
    assert client.get("/healthz").content == b"ok"


def test_login_page_is_the_only_open_page(client, seeded):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("roadmaps:measure-list")).status_code == 302
