from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import access
from .choices import Role
from .models import ApiToken, Region
from .services import api_token_create, api_token_revoke


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
    """Each role lands on its working page: coordinators on their region's dashboard,
    analysts, administrators and coordinators of several regions on the country overview,
    staff on their agency's measures."""
    from django.urls import reverse

    user = request.user
    scope = access.region_scope(user)
    if user.role == Role.COORDINATOR and scope is not None and len(scope) == 1:
        region = Region.objects.only("code").get(pk=next(iter(scope)))
        return redirect("reports:region-dashboard", code=region.code)
    if access.is_admin(user) or user.role in (Role.ANALYST, Role.COORDINATOR):
        return redirect("reports:country-overview")
    if user.agency_id:
        return redirect(reverse("roadmaps:measure-list") + f"?agency={user.agency_id}")
    return redirect("roadmaps:measure-list")


@login_not_required
def healthz(request):
    from django.db import connection
    from django.http import HttpResponse

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def token_list_view(request):
    """The user's API tokens: create one (its key shown once) or revoke."""
    new_key = None
    error = ""
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        if not name:
            error = _("Укажите, для чего нужен токен (например, «Электронный журнал»).")
        elif len(name) > 200:
            error = _("Назначение не длиннее 200 символов.")
        else:
            _token, new_key = api_token_create(user=request.user, name=name)
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request,
        "agencies/profile_tokens.html",
        {"tokens": tokens, "new_key": new_key, "error": error},
        status=400 if error else 200,
    )


@require_POST
def token_revoke_view(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token)
    messages.success(request, _("Токен «%(name)s» отозван.") % {"name": token.name})
    return redirect("profile-tokens")
