from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _


def _throttle_key(request, username: str) -> str:
    ip = request.META.get("REMOTE_ADDR", "")
    raw = f"{ip}|{username.strip().lower()}".encode()
    return "login-fail:" + hashlib.sha256(raw).hexdigest()


@method_decorator(login_not_required, name="dispatch")
class ThrottledLoginView(auth_views.LoginView):
    """The login page; after LOGIN_ATTEMPTS_LIMIT failures a user/IP pair waits a while."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        key = _throttle_key(request, request.POST.get("username", ""))
        if cache.get(key, 0) >= settings.LOGIN_ATTEMPTS_LIMIT:
            form = self.get_form()
            form.errors.clear()
            form.add_error(
                None,
                _("Слишком много неудачных попыток входа. Повторите через %(minutes)s мин.")
                % {"minutes": max(settings.LOGIN_ATTEMPTS_WINDOW // 60, 1)},
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        key = _throttle_key(self.request, self.request.POST.get("username", ""))
        cache.add(key, 0, settings.LOGIN_ATTEMPTS_WINDOW)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_ATTEMPTS_WINDOW)
        return super().form_invalid(form)

    def form_valid(self, form):
        cache.delete(_throttle_key(self.request, self.request.POST.get("username", "")))
        return super().form_valid(form)


def home(request):
    """Each role lands on its working page."""
    return redirect("roadmaps:measure-list")


@login_not_required
def healthz(request):
    from django.db import connection
    from django.http import HttpResponse

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
