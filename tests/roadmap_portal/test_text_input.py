"""NUL and other control characters are refused in every text of a request (forms, query
strings, API bodies) with a Russian message naming the field; ordinary text passes."""

import json

import pytest
from django.urls import reverse

from agencies.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("bad", ["\x00", "a\x00b", "\x1b[31m", "\x7f", "\x85"])
def test_token_name_with_control_character_is_a_russian_400(persona_client, bad):
    client = persona_client("coordinator")
    response = client.post(reverse("profile-tokens"), {"name": f"Журнал{bad}"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "недопустимый управляющий символ" in body
    assert "«name»" in body
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "good", ["Журнал 😀", "\u202eотчёт\u202c", "строка 1\r\nстрока 2\tтаб", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢"]
)
def test_ordinary_text_passes(persona_client, good):
    client = persona_client("coordinator")
    response = client.post(reverse("profile-tokens"), {"name": good})
    assert response.status_code == 200
    assert ApiToken.objects.get().name == good


def test_query_string_with_nul_is_refused(persona_client):
    client = persona_client("coordinator")
    response = client.get(reverse("roadmaps:measure-list") + "?q=%00")
    assert response.status_code == 400
    assert "«q»" in response.content.decode()


def test_api_json_body_with_nul_is_a_json_400_naming_the_field(persona_client):
    client = persona_client("analyst")
    response = client.post(
        "/api/v1/measures/",
        data=json.dumps({"items": [{"comment": "ok\u0000"}]}),
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["items.0.comment"]
    assert "недопустимый управляющий символ" in body["fields"]["items.0.comment"][0]


def test_api_query_with_nul_is_a_json_400(persona_client):
    client = persona_client("analyst")
    response = client.get("/api/v1/measures/?search=%00")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["search"]


def test_api_lone_surrogate_is_refused(persona_client):
    client = persona_client("analyst")
    response = client.post(
        "/api/v1/measures/", data='{"comment": "\\ud800"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert "comment" in response.json()["fields"]
