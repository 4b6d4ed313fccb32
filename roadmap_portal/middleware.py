"""Request and response rules that hold for every page, API call and download.

* `ResponseHeadersMiddleware`: `Cache-Control: no-store` (and the rest of Django's "never
  cache") and `Permissions-Policy` on every response of the app. Static files are served by
  whitenoise above it and keep their long cache. The empty 405 of Django's method
  decorators (`require_safe`, `require_POST`, …) becomes the Russian 405 page.
* `TextInputMiddleware`: NUL, other control characters and lone surrogates are refused in
  every text the request carries (query string, form fields, uploaded file names, JSON
  bodies), with a Russian message naming the field — once, for every form, view and API
  serializer, before any of them (or the database) sees the text.
* `IdleSessionMiddleware`: a browser session unused for `SESSION_IDLE_TIMEOUT` seconds is
  closed (the absolute limit is `SESSION_COOKIE_AGE`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseNotAllowed
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from . import errors
from .params import BadParameter

# C0 controls but tab, line feed and carriage return; DEL; C1 controls; lone surrogates
FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
JSON_TYPES = ("application/json", "application/merge-patch+json")


class ResponseHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed):
            response = errors.method_not_allowed(request, response["Allow"])
        # pages, API answers and file downloads may all hold data of a region: never cached
        add_never_cache_headers(response)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def _walk_json(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, text) of every string in a parsed JSON document, keys included."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            yield sub, str(key)
            yield from _walk_json(item, sub)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk_json(item, f"{path}.{index}" if path else str(index))


class UnreadableBody(Exception):
    """A JSON body nested too deep to parse (RecursionError)."""


def _request_texts(request) -> Iterator[tuple[str, str]]:
    """(field, text) of every text the request carries; `UnreadableBody` for a JSON body
    nested deeper than the parser can go (refused here, before any view or parser)."""
    for key, values in request.GET.lists():
        yield key, key
        for value in values:
            yield key, value
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    content_type = request.content_type or ""
    if content_type in JSON_TYPES:
        try:
            document = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            return  # not JSON at all: the parser of the view answers that
        except RecursionError:
            raise UnreadableBody from None
        yield from _walk_json(document)
    elif request.method == "POST" and content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for key, values in request.POST.lists():
            yield key, key
            for value in values:
                yield key, value
        for key, files in request.FILES.lists():
            for upload in files:
                yield key, upload.name or ""


class TextInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        try:
            for field, text in _request_texts(request):
                if FORBIDDEN_CHARS.search(text):
                    return errors.invalid_text(request, field)
        except UnreadableBody:
            return errors.unreadable_body(request)
        return None


class ServiceRefusalMiddleware:
    """A `ValidationError` a service raised and no page view caught is the user's refusal
    (a 400 with the service's Russian messages, `errors.refused`), not a 500; a query
    parameter a reader refused (`roadmap_portal.params.BadParameter`) is the 400 page that
    names it (`errors.bad_parameter`). The API turns both into its 400 body itself
    (`roadmap_portal.api.common.exception_handler`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import ValidationError

        if isinstance(exception, BadParameter):
            return errors.bad_parameter(request, exception)
        if isinstance(exception, ValidationError):
            return errors.refused(request, exception.messages)
        return None


IDLE_KEY = "_last_seen"
IDLE_RESOLUTION = 60  # seconds: the session is saved at most once a minute for this


class IdleSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(IDLE_KEY)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(
                    request,
                    _("Сеанс завершён: не было действий %(minutes)s мин. Войдите снова.")
                    % {"minutes": max(settings.SESSION_IDLE_TIMEOUT // 60, 1)},
                )
            elif last_seen is None or now - last_seen >= IDLE_RESOLUTION:
                request.session[IDLE_KEY] = now
        return self.get_response(request)


def start_idle_clock(sender, request, user, **kwargs):
    """`user_logged_in` receiver: the idle timeout counts from the login."""
    if request is not None and hasattr(request, "session"):
        request.session[IDLE_KEY] = int(time.time())
