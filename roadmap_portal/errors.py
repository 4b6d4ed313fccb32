"""Error answers of the whole portal: Russian pages in the portal's layout, JSON under /api/.

No user ever sees a Python or database exception text. An unexpected failure answers a
Russian message with a reference number; the server log carries the same number with the
traceback, so a user's report leads to the cause. The 500 page renders from its template
alone (no request context, no context processors, no database), so it renders even when
the database is what failed.
"""

from __future__ import annotations

import logging
import secrets

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger("roadmap_portal.errors")

FALLBACK_500 = (
    '<!doctype html><html lang="ru"><meta charset="utf-8"><title>Ошибка</title>'
    "<h1>Внутренняя ошибка портала</h1><p>Номер обращения: {reference}</p>"
    '<p><a href="/">На главную</a></p></html>'
)


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def new_reference() -> str:
    """A short number a user can read out on the phone: 8 characters, e.g. `7F3A-09C2`."""
    raw = secrets.token_hex(4).upper()
    return f"{raw[:4]}-{raw[4:]}"


def job_failure_reason(job_logger: logging.Logger, doing: str, what: str) -> str:
    """The Russian reason a job's record shows for an unexpected failure, called in its
    `except` block: the traceback goes to `job_logger` with a new reference number, the
    user reads that number and never the exception's text. `doing` completes «Внутренняя
    ошибка …» («при обработке файла»); `what` names the job in the log («export 12»)."""
    reference = new_reference()
    job_logger.exception("%s failed, reference %s", what, reference)
    return _(
        "Внутренняя ошибка %(doing)s. Сообщите администратору номер ошибки %(ref)s: по нему "
        "он найдёт подробности в журнале сервера."
    ) % {"doing": doing, "ref": reference}


def _json(status: int, code: str, detail: str, **extra) -> JsonResponse:
    return JsonResponse(
        {"code": code, "detail": detail, **extra},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def _page(
    request,
    status: int,
    title: str,
    message: str,
    back_url: str = "/",
    back_label: str = "",
) -> HttpResponse:
    context = {
        "status": status,
        "title": title,
        "message": message,
        "back_url": back_url,
        "back_label": back_label,
    }
    return render(request, "error.html", context, status=status)


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        detail = _("Запрос слишком большой. Отправьте меньше данных или файл меньшего размера.")
        if is_api(request):
            return _json(413, "request_too_large", detail)
        return _page(request, 413, _("Слишком большой запрос"), detail)
    detail = _("Запрос не удалось обработать: он составлен неверно.")
    if is_api(request):
        return _json(400, "bad_request", detail)
    return _page(request, 400, _("Неверный запрос"), detail)


def permission_denied(request, exception=None):
    detail = _("Недостаточно прав для этого действия.")
    if is_api(request):
        return _json(403, "permission_denied", detail)
    return _page(request, 403, _("Доступ запрещён"), detail)


def method_not_allowed(request, allow: str) -> HttpResponse:
    """405 for a method the URL does not handle (a POST to a page that only reads): the
    Russian page or JSON of every other error, with the Allow header of the original."""
    detail = _("Этот адрес не принимает запрос %(method)s.") % {"method": request.method[:10]}
    response: HttpResponse
    if is_api(request):
        response = _json(405, "method_not_allowed", detail)
    else:
        response = _page(request, 405, _("Действие недоступно"), detail)
    response["Allow"] = allow
    return response


def page_not_found(request, exception=None):
    detail = _("Такой страницы нет: возможно, ссылка устарела или в адресе опечатка.")
    if is_api(request):
        return _json(404, "not_found", _("Объект не найден."))
    return _page(request, 404, _("Страница не найдена"), detail)


def csrf_failure(request, reason=""):
    detail = _(
        "Запрос отклонён: форма устарела или открыта в другом окне. "
        "Обновите страницу и повторите действие."
    )
    if is_api(request):
        return _json(403, "csrf_failed", detail)
    return _page(request, 403, _("Запрос отклонён"), detail)


def too_many_requests(request, message: str, *, back_url: str = "/") -> HttpResponse:
    if is_api(request):
        return _json(429, "throttled", message)
    return _page(request, 429, _("Слишком много попыток"), message, back_url=back_url)


def invalid_text(request, field: str) -> HttpResponse:
    """400 for a control character (NUL …) in a text field; names the field, not the text."""
    message = _(
        "Поле «%(field)s» содержит недопустимый управляющий символ (например, NUL). "
        "Удалите его и повторите."
    ) % {"field": field[:100]}
    if is_api(request):
        return _json(
            400, "invalid", _("Данные не прошли проверку."), fields={field[:100]: [message]}
        )
    return _page(request, 400, _("Недопустимые символы"), message)


def bad_parameter(request, problem) -> HttpResponse:
    """400 for a query parameter that cannot be read (`roadmap_portal.params.BadParameter`):
    its message names the parameter, the value and what is accepted. The page links to the
    same address without that parameter (its default); the API answers its refusal body
    with the parameter as the field."""
    if is_api(request):
        return _json(
            400,
            "invalid",
            _("Данные не прошли проверку."),
            fields={problem.name: [problem.message]},
        )
    query = request.GET.copy()
    query.pop(problem.name, None)
    back_url = request.path + (f"?{query.urlencode()}" if query else "")
    back_label = _("Открыть страницу без параметра «%(name)s»") % {"name": problem.name[:60]}
    return _page(
        request,
        400,
        _("Неверный параметр запроса"),
        problem.message,
        back_url=back_url,
        back_label=back_label,
    )


def refused(request, messages: list[str]) -> HttpResponse:
    """400 for a write a service refused (a Django `ValidationError` no view caught): its
    own Russian messages, never a 500. The views show a refusal on their form; this is the
    safety net for one that does not."""
    message = " ".join(str(m) for m in messages) or _("Данные не прошли проверку.")
    if is_api(request):
        return _json(400, "invalid", message)
    return _page(request, 400, _("Действие не выполнено"), message)


def unreadable_body(request) -> HttpResponse:
    """400 for a JSON body no parser can read safely (nested deeper than Python's recursion
    limit: `json.loads` raises RecursionError, on any URL, before any login)."""
    message = _("Не удалось разобрать тело запроса: слишком глубокая вложенность JSON.")
    if is_api(request):
        return _json(400, "parse_error", message)
    return _page(request, 400, _("Неверный запрос"), message)


def server_error(request, *args, **kwargs):
    """500: a reference number in the answer and, with the traceback, in the log."""
    reference = new_reference()
    logger.error(
        "Unexpected error, reference %s: %s %s",
        reference,
        request.method,
        request.path,
        exc_info=True,
    )
    detail = _(
        "Внутренняя ошибка портала. Мы уже знаем о ней; если нужно, сообщите номер "
        "обращения %(reference)s."
    ) % {"reference": reference}
    if is_api(request):
        return _json(500, "server_error", detail, reference=reference)
    try:
        # the template alone: no request context, no context processors, no database
        body = loader.get_template("500.html").render({"reference": reference})
    except Exception:  # the error page must answer whatever else is broken
        logger.exception("The 500 page failed to render (reference %s)", reference)
        body = FALLBACK_500.format(reference=reference)
    return HttpResponse(body, status=500)
