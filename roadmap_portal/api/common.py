"""API conventions: Russian error bodies with a machine code, per-token rate limits."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from roadmap_portal.numbers import plain_digits
from roadmap_portal.params import BadParameter

# the throttle lives apart: DRF imports it while importing rest_framework.views
from .throttling import TokenRateThrottle  # noqa: F401

ERROR_MESSAGES = {
    "not_found": "Объект не найден.",
    "permission_denied": "Недостаточно прав для этого действия.",
    "not_authenticated": "Требуется вход или токен API.",
    "authentication_failed": "Не удалось войти: проверьте токен.",
    "throttled": "Слишком много запросов. Повторите позже.",
    "method_not_allowed": "Метод не поддерживается.",
    "invalid": "Данные не прошли проверку.",
    "parse_error": "Не удалось разобрать тело запроса.",
    "unsupported_media_type": "Неподдерживаемый тип содержимого.",
}


class PreconditionRequired(exceptions.APIException):
    """428: a conditional write (If-Match) was sent without its condition."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"
    default_detail = (
        "Укажите заголовок If-Match со значением ETag объекта (получите его запросом GET)."
    )


class PreconditionFailed(exceptions.APIException):
    """412: the object changed since the client read it (its ETag is stale)."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"
    default_detail = (
        "Объект изменён другим пользователем после того, как вы его получили: "
        "запросите его заново и повторите изменение."
    )


def if_match_versions(request) -> set[int]:
    """The versions named by the request's If-Match (`"3"`, `W/"3"`, several with commas).

    Missing (or `*`, which would match any version and defeat the check) -> 428; a header
    that names no version at all matches nothing -> 412.
    """
    raw = request.headers.get("If-Match", "").strip()
    if not raw or raw == "*":
        raise PreconditionRequired()
    versions = set()
    for tag in raw.split(","):
        tag = tag.strip().removeprefix("W/").strip('"')
        if plain_digits(tag):
            versions.add(int(tag))
    if not versions:
        raise PreconditionFailed()
    return versions


def exception_handler(exc, context):
    """Every error is `{"code": …, "detail": "…по-русски", "fields": {…}}`."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, BadParameter):
        # a query parameter that cannot be read (roadmap_portal.params): the field is its name
        exc = exceptions.ValidationError({exc.name: [exc.message]})
    elif isinstance(exc, DjangoValidationError):
        # a service refused the input (STYLE R3): same body as a serializer error
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        body = {"code": "invalid", "detail": ERROR_MESSAGES["invalid"], "fields": response.data}
    else:
        detail = str(getattr(exc, "detail", "") or "")
        # a detail of our own stays; DRF's generic one gives way to ours, and so does a
        # parser's, which quotes the Python parser («Expecting property name … (char 1)»)
        if code in ERROR_MESSAGES and (
            detail == str(getattr(exc, "default_detail", ""))
            or isinstance(exc, exceptions.ParseError)
        ):
            detail = ERROR_MESSAGES[code]
        body = {"code": code, "detail": detail or ERROR_MESSAGES.get(code, "Ошибка.")}
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            body["detail"] = f"{ERROR_MESSAGES['throttled']} Через {int(exc.wait) + 1} с."
    return Response(body, status=response.status_code, headers=response.headers)


def error(code: str, detail: str, http_status: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"code": code, "detail": detail}, status=http_status)
