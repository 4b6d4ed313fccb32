"""Every page of the navigation, for every role: a Content-Security-Policy without inline
script, `Cache-Control: no-store`, Referrer-Policy and Permissions-Policy; no inline script
or event handler in the HTML. API answers carry no-store too."""

import re

import pytest
from django.urls import reverse

from agencies.services import api_token_create

pytestmark = pytest.mark.django_db

PERSONAS = ["ministry_user", "other_agency_user", "coordinator", "analyst", "admin", "outsider"]
NAV_LINK = re.compile(r'<a href="([^"]+)"')
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def assert_secure_headers(response, url: str) -> None:
    csp = response.get("Content-Security-Policy", "")
    script_src = next((d for d in csp.split(";") if d.strip().startswith("script-src")), "")
    assert script_src.strip() == "script-src 'self'", (url, csp)
    assert "default-src 'self'" in csp, url
    assert "frame-ancestors 'none'" in csp, url
    assert "no-store" in response.get("Cache-Control", ""), url
    assert response.get("Referrer-Policy") == "same-origin", url
    assert "camera=()" in response.get("Permissions-Policy", ""), url


def _nav_urls(html: str) -> list[str]:
    nav = html.split('class="mainnav"', 1)[1].split("</nav>", 1)[0]
    return [url for url in NAV_LINK.findall(nav) if url.startswith("/")]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_of_the_navigation_is_locked_down(persona_client, persona):
    client = persona_client(persona)
    landing = client.get(reverse("home"), follow=True)
    assert landing.status_code == 200
    urls = {*_nav_urls(landing.content.decode()), reverse("profile-tokens"), reverse("home")}
    assert len(urls) >= 5
    for url in sorted(urls):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert_secure_headers(response, url)
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), (url, INLINE_SCRIPT.search(html))
        assert not INLINE_HANDLER.search(html), (url, INLINE_HANDLER.search(html))


def test_login_page_and_error_pages_carry_the_headers(client, db):
    assert_secure_headers(client.get(reverse("login")), "login")
    assert_secure_headers(client.get("/no-such-page/"), "404")


def test_api_answers_are_not_stored(personas, client):
    _token, key = api_token_create(user=personas.analyst, name="headers")
    response = client.get("/api/v1/measures/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert_secure_headers(response, "api")


def test_api_docs_have_no_inline_script(persona_client):
    client = persona_client("analyst")
    for url in ("/api/v1/docs/", "/api/v1/redoc/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not INLINE_SCRIPT.search(response.content.decode()), url
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
