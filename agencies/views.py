from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from roadmap_portal.errors import too_many_requests

from . import access
from .choices import Role
from .models import ApiToken, Region
from .services import api_token_create, api_token_revoke


@method_decorator(login_not_required, name="dispatch")
class PortalLoginView(auth_views.LoginView):
    """The login page. Failures are counted by django-axes per account and per address
    (settings LOGIN_ATTEMPTS_*); a locked-out login gets `login_locked_out`."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True
    # a form view's PUT is its POST: only the methods of a login form (405 for the rest)
    http_method_names = ["get", "head", "post"]


def login_locked_out(request, response=None, credentials=None):
    """django-axes' answer to a locked-out account or address: 429, a Russian page."""
    minutes = max(settings.LOGIN_ATTEMPTS_WINDOW // 60, 1)
    message = _(
        "Слишком много неудачных попыток входа. Вход для этой учётной записи или с этого "
        "адреса временно закрыт; повторите через %(minutes)s мин."
    ) % {"minutes": minutes}
    return too_many_requests(request, message, back_url=reverse("login"))


@require_safe
def home(request):
    """Each role lands on its working page: coordinators on their region's dashboard,
    analysts, administrators and coordinators of several regions on the country overview,
    staff on their agency's measures."""
    user = request.user
    scope = access.region_scope(user)
    if user.role == Role.COORDINATOR and scope is not None and len(scope) == 1:
        region = Region.objects.only("code").get(pk=next(iter(scope)))
        return redirect("reports:region-dashboard", code=region.code)
    if access.has_reporting_role(user):
        return redirect("reports:country-overview")
    if user.agency_id:
        return redirect(reverse("roadmaps:measure-list") + f"?agency={user.agency_id}")
    return redirect("roadmaps:measure-list")


@login_not_required
@require_safe
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@require_http_methods(["GET", "HEAD", "POST"])
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
