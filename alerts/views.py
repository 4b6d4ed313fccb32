from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agencies import access

from .choices import AlertKind
from .filters import AlertFilterSet
from .forms import AlertAcknowledgeForm, NotificationPreferencesForm
from .models import Alert, NotificationOptOut
from .selectors import alert_counts, alert_list
from .services import alert_acknowledge, notification_preferences_set

PAGE_SIZE = 50


@require_safe
def alert_list_view(request):
    data = request.GET.copy()
    data.setdefault("state", "open")  # the centre opens on what still needs attention
    base = Alert.objects.visible_to(request.user)
    filterset = AlertFilterSet(data, queryset=base, user=request.user)
    qs = filterset.qs  # a value it cannot read is a 400 naming it (PortalFilterSet)
    page = Paginator(alert_list(queryset=qs), PAGE_SIZE).get_page(request.GET.get("page"))
    query = data.copy()
    query.pop("page", None)
    return render(
        request,
        "alerts/alert_list.html",
        {
            "filter": filterset,
            "page": page,
            "counts": alert_counts(user=request.user),
            "query": query.urlencode(),
        },
    )


def _detail_context(request, alert, form=None):
    return {
        "alert": alert,
        "form": form or AlertAcknowledgeForm(),
        "can_acknowledge": access.can_acknowledge(request.user, alert),
    }


@require_safe
def alert_detail_view(request, pk: int):
    alert = get_object_or_404(
        Alert.objects.visible_to(request.user).select_related(
            "region", "measure", "indicator", "municipality", "upload", "acknowledged_by"
        ),
        pk=pk,
    )
    return render(request, "alerts/alert_detail.html", _detail_context(request, alert))


@require_POST
def alert_acknowledge_view(request, pk: int):
    alert = get_object_or_404(Alert.objects.visible_to(request.user), pk=pk)
    if not access.can_acknowledge(request.user, alert):
        raise PermissionDenied
    form = AlertAcknowledgeForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "alerts/alert_detail.html",
            _detail_context(request, alert, form),
            status=400,
        )
    alert_acknowledge(alert=alert, actor=request.user, comment=form.cleaned_data["comment"])
    messages.success(request, _("Оповещение принято к сведению."))
    return redirect(alert)


@require_http_methods(["GET", "HEAD", "POST"])
def preferences_view(request):
    muted = set(NotificationOptOut.objects.filter(user=request.user).values_list("kind", flat=True))
    if request.method == "POST":
        form = NotificationPreferencesForm(request.POST)
        if form.is_valid():
            wanted = set(form.cleaned_data["kinds"])
            notification_preferences_set(
                user=request.user, muted_kinds=set(AlertKind.values) - wanted
            )
            messages.success(request, _("Настройки оповещений сохранены."))
            return redirect("alerts:preferences")
    else:
        form = NotificationPreferencesForm(
            initial={"kinds": [kind for kind in AlertKind.values if kind not in muted]}
        )
    return render(request, "alerts/preferences.html", {"form": form})
