"""An idle session ends after SESSION_IDLE_TIMEOUT, besides the absolute SESSION_COOKIE_AGE."""

import time

import pytest
from django.urls import reverse

from roadmap_portal.middleware import IDLE_KEY

pytestmark = pytest.mark.django_db


def _age_session(client, seconds: int) -> None:
    session = client.session
    session[IDLE_KEY] = int(time.time()) - seconds
    session.save()


def test_default_idle_timeout_is_30_minutes():
    from django.conf import settings

    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60


def test_idle_session_is_closed(persona_client):
    client = persona_client("coordinator")
    assert client.get(reverse("roadmaps:measure-list")).status_code == 200
    _age_session(client, 31 * 60)
    response = client.get(reverse("roadmaps:measure-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_active_session_stays(persona_client):
    client = persona_client("coordinator")
    _age_session(client, 29 * 60)
    assert client.get(reverse("roadmaps:measure-list")).status_code == 200
    assert client.session[IDLE_KEY] >= int(time.time()) - 5  # the clock restarted


def test_idle_api_session_is_anonymous(persona_client):
    client = persona_client("analyst")
    _age_session(client, 31 * 60)
    response = client.get("/api/v1/measures/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")
