"""API foundations: tokens (hashed, shown once, revocable), errors, scoping, schema."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from agencies.models import ApiToken
from agencies.services import api_token_create, token_hash

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_token_created_in_profile_is_shown_once_and_stored_hashed(persona_client, personas):
    client = persona_client("coordinator")
    response = client.post(reverse("profile-tokens"), {"name": "Электронный журнал"})
    assert response.status_code == 200
    key = response.context["new_key"]
    token = ApiToken.objects.get(user=personas.coordinator)
    assert token.key_hash == token_hash(key) and key not in token.key_hash
    assert key not in client.get(reverse("profile-tokens")).content.decode()


def test_token_needs_a_name(persona_client):
    response = persona_client("coordinator").post(reverse("profile-tokens"), {"name": " "})
    assert response.status_code == 400
    assert "Укажите" in response.content.decode()


def test_token_authenticates_and_is_scoped(api, personas):
    _token, key = api_token_create(user=personas.coordinator, name="ИС")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/regions/")
    assert response.status_code == 200
    assert [r["code"] for r in response.json()["results"]] == ["66"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/regions/").status_code == 200


def test_revoked_token_is_refused_in_russian(api, personas, persona_client):
    token, key = api_token_create(user=personas.coordinator, name="ИС")
    persona_client("coordinator").post(reverse("profile-token-revoke", args=[token.pk]))
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/regions/")
    assert response.status_code == 401
    assert response.json() == {
        "code": "authentication_failed",
        "detail": "Токен недействителен или отозван.",
    }


def test_other_users_token_cannot_be_revoked(persona_client, personas):
    token, _key = api_token_create(user=personas.analyst, name="чужой")
    response = persona_client("coordinator").post(reverse("profile-token-revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_anonymous_gets_json_401_not_a_login_redirect(api, seeded):
    response = api.get("/api/v1/regions/")
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"
    assert "Требуется" in response.json()["detail"]


def test_not_found_is_russian(api, personas):
    api.force_authenticate(personas.coordinator)
    other = api.get("/api/v1/regions/").json()["results"][0]["id"] + 1000
    response = api.get(f"/api/v1/regions/{other}/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Объект не найден."}


def test_rate_limit_per_token(api, personas, settings):
    from django.core.cache import cache
    from rest_framework.settings import api_settings

    cache.clear()
    rates = dict(api_settings.DEFAULT_THROTTLE_RATES)
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "3/min"},
    }
    try:
        from roadmap_portal.api.common import TokenRateThrottle

        TokenRateThrottle.THROTTLE_RATES = {"token": "3/min"}
        _token, key = api_token_create(user=personas.analyst, name="ИС")
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        codes = [api.get("/api/v1/regions/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert api.get("/api/v1/regions/").json()["code"] == "throttled"
    finally:
        TokenRateThrottle.THROTTLE_RATES = rates
        cache.clear()


def test_schema_has_no_warnings(capsys):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_docs_served_offline(persona_client):
    response = persona_client("analyst").get(reverse("api:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower() and "https://" not in html
