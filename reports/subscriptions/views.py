"""Pages of report subscriptions (thin: fetch with access → form → service → redirect).

Access: whoever may download reports (`access.can_subscribe_reports`, else 403); a
subscription is its owner's (anybody else gets 404), a mailing list an administrator's
(`access.can_manage_mailing_lists`); a region outside the user's scope is 404; GET on a
POST view is 405. The file of a delivery: its subscriber, while they may still receive it
(else 404); a mailing list's through the signed link of its e-mail.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from agencies import access
from reports import selectors
from reports.exports.formats import content_type
from reports.models import ReportSubscription, SubscriptionDelivery
from reports.subscription_schedule import next_due_at
from roadmap_portal.ru_formats import ru_datetime

from . import services
from .forms import MailingListForm, SubscriptionForm

RECENT_DELIVERIES = 30


def _require(request) -> None:
    if not access.can_subscribe_reports(request.user):
        raise PermissionDenied


def _regions(request) -> list:
    return list(selectors.export_regions(user=request.user))


def _check_region(request, regions) -> None:
    code = request.POST.get("region", "")
    if code and not any(r.code == code for r in regions):
        raise Http404  # out of scope: the same answer as a region that does not exist


def _local_text(moment, tz) -> str:
    """«30.11.2026 09:00 (Asia/Yekaterinburg)»: the subscription's own zone, not the viewer's."""
    return f"{ru_datetime(timezone.localtime(moment, tz))} ({tz.key})"


def _page(request, form=None, list_form=None, status: int = 200) -> HttpResponse:
    regions = _regions(request)
    user = request.user
    last = Prefetch(
        "deliveries", queryset=SubscriptionDelivery.objects.order_by("-due_at", "-id")[:1],
        to_attr="last_deliveries",
    )  # fmt: skip
    subscriptions = list(
        ReportSubscription.objects.visible_to(user)
        .select_related("region", "owner__agency", "owner__region")
        .prefetch_related(last)
        .order_by("owner_id", "id")
    )
    now = timezone.now()
    zones = services.zones()
    rows = [
        {
            "subscription": s,
            "next_at": None
            if s.is_paused
            else _local_text(
                next_due_at(s.schedule, services.subscription_zone(s, zones), now),
                services.subscription_zone(s, zones),
            ),
            "last": s.last_deliveries[0] if s.last_deliveries else None,
        }
        for s in subscriptions
    ]
    admin = access.can_manage_mailing_lists(user)
    context = {
        "form": form or SubscriptionForm(user=user, regions=regions),
        "list_form": (list_form or MailingListForm(user=user, regions=regions, prefix="list"))
        if admin
        else None,
        "own": [r for r in rows if not r["subscription"].is_mailing_list],
        "lists": [r for r in rows if r["subscription"].is_mailing_list],
    }
    return render(request, "reports/subscription_list.html", context, status=status)


@require_safe
def subscription_list(request):
    _require(request)
    return _page(request)


@require_POST
def subscription_create(request):
    _require(request)
    regions = _regions(request)
    _check_region(request, regions)
    form = SubscriptionForm(request.POST, user=request.user, regions=regions)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    services.subscription_create(
        owner=request.user, created_by=request.user, **form.subscription_fields()
    )
    messages.success(request, "Подписка оформлена.")
    return redirect("reports:subscription-list")


@require_POST
def mailing_list_create(request):
    _require(request)
    if not access.can_manage_mailing_lists(request.user):
        raise PermissionDenied
    regions = _regions(request)
    form = MailingListForm(request.POST, user=request.user, regions=regions, prefix="list")
    if not form.is_valid():
        return _page(request, list_form=form, status=400)
    services.subscription_create(
        address=form.cleaned_data["address"],
        created_by=request.user,
        **form.subscription_fields(),
    )
    messages.success(request, "Рассылка оформлена.")
    return redirect("reports:subscription-list")


def _own(request, pk: int) -> ReportSubscription:
    _require(request)
    return get_object_or_404(
        ReportSubscription.objects.visible_to(request.user).select_related("region", "owner"),
        pk=pk,
    )


@require_safe
def subscription_detail(request, pk: int):
    subscription = _own(request, pk)
    deliveries = list(
        subscription.deliveries.prefetch_related("log").order_by("-due_at", "-id")[
            :RECENT_DELIVERIES
        ]
    )
    return render(
        request,
        "reports/subscription_detail.html",
        {
            "subscription": subscription,
            "deliveries": deliveries,
            "refusal": services.refusal(subscription),
            "tz": subscription.tz,
        },
    )


@require_POST
def subscription_pause(request, pk: int):
    subscription = _own(request, pk)
    paused = request.POST.get("paused") == "1"
    services.subscription_set_paused(subscription=subscription, paused=paused)
    messages.success(request, "Подписка приостановлена." if paused else "Подписка возобновлена.")
    return redirect("reports:subscription-list")


@require_POST
def subscription_delete(request, pk: int):
    subscription = _own(request, pk)
    services.subscription_delete(subscription=subscription)
    messages.success(request, "Подписка удалена.")
    return redirect("reports:subscription-list")


def _file_response(request, delivery: SubscriptionDelivery) -> HttpResponseBase:
    if not delivery.is_downloadable:
        return render(request, "reports/subscription_file_gone.html", status=410)
    return FileResponse(
        delivery.file.open("rb"),
        as_attachment=True,
        filename=delivery.filename,
        content_type=content_type(delivery.subscription.fmt),
    )


@require_safe
def subscription_file(request, pk: int):
    """The file of a delivery, for its subscriber while the scope still covers it."""
    delivery = get_object_or_404(
        SubscriptionDelivery.objects.select_related("subscription__owner", "subscription__region"),
        pk=pk,
    )
    if not services.may_download(request.user, delivery):
        raise Http404
    return _file_response(request, delivery)


@login_not_required
@require_safe
def subscription_file_shared(request, token: str):
    """A mailing list's file through the signed link of its e-mail (the recipients have no
    accounts); the link expires with the file."""
    delivery = services.shared_link_delivery(token)
    if delivery is None:
        raise Http404
    return _file_response(request, delivery)
