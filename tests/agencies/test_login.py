import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db


@override_settings(LOGIN_ATTEMPTS_LIMIT=3)
def test_login_attempts_throttled(client):
    cache.clear()
    make_user(username="ivanov")
    url = reverse("login")
    for _ in range(3):
        response = client.post(url, {"username": "ivanov", "password": "wrong"})
        assert response.status_code == 200
    response = client.post(url, {"username": "ivanov", "password": "pass"})
    assert response.status_code == 429  # even the right password waits
    assert "Слишком много неудачных попыток" in response.content.decode()
    cache.clear()
    response = client.post(url, {"username": "ivanov", "password": "pass"})
    assert response.status_code == 302


def test_login_page_is_the_only_open_page(client, seeded):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("roadmaps:measure-list")).status_code == 302
