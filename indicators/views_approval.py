"""Approval pages of a region's monitoring weeks: the list, a week with its history, and
the four actions (submit, approve, return, reopen), each a CSRF-protected POST to the one
service of `indicators.services.approval`. Out of scope → 404; in scope without the
right → 403."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from agencies import access
from agencies.models import Region

from .approval import figure_label, region_weeks, submission_due, week_history
from .choices import ApprovalState
from .forms import WeekApprovalForm
from .models import MonitoringRollup, WeekApproval
from .services.approval import week_approve, week_reopen, week_return, week_submit

ACTIONS: dict[str, tuple[Callable[..., Any], str, Any]] = {
    "submit": (week_submit, "comment", _("Неделя направлена на утверждение.")),
    "approve": (week_approve, "comment", _("Неделя утверждена.")),
    "return": (week_return, "reason", _("Неделя возвращена на доработку.")),
    "reopen": (week_reopen, "reason", _("Неделя открыта для исправления.")),
}


def _region(request, code: str) -> Region:
    region = get_object_or_404(Region.objects.visible_to(request.user), code=code)
    if not access.can_see_week_approval(request.user, region.pk):
        raise Http404
    return region


def _week(value: str) -> dt.date:
    try:
        week = dt.date.fromisoformat(value)
    except ValueError:
        raise Http404 from None
    if week.weekday() != 0:
        raise Http404
    return week


@require_safe
def approval_list(request, code: str):
    region = _region(request, code)
    weeks = region_weeks(region_id=region.pk, today=region.local_today())
    return render(
        request,
        "indicators/approval_list.html",
        {
            "region": region,
            "weeks": weeks,
            "may_submit": access.can_submit_week(request.user, region.pk),
            "may_approve": access.can_approve_week(request.user, region.pk),
        },
    )


@require_safe
def approval_week(request, code: str, week: str):
    region = _region(request, code)
    week_start = _week(week)
    rollup = (
        MonitoringRollup.objects.filter(
            region=region, municipality__isnull=True, week_start=week_start
        )
        .only("week_start", "organisations")
        .first()
    )
    approval = (
        WeekApproval.objects.filter(region=region, week_start=week_start)
        .select_related("submitted_by", "approved_by")
        .first()
    )
    if rollup is None and approval is None:
        raise Http404
    state = approval.state if approval else ApprovalState.DRAFT
    may_submit = access.can_submit_week(request.user, region.pk)
    may_approve = access.can_approve_week(request.user, region.pk)
    actions = []
    if state == ApprovalState.DRAFT and may_submit and rollup is not None:
        actions.append("submit")
    if state == ApprovalState.SUBMITTED and may_approve:
        actions += ["approve", "return"]
    if state == ApprovalState.APPROVED and may_approve:
        actions.append("reopen")
    return render(
        request,
        "indicators/approval_week.html",
        {
            "region": region,
            "week_start": week_start,
            "rollup": rollup,
            "approval": approval,
            "state": state,
            "state_label": figure_label(state),
            "due": submission_due(week_start),
            "events": week_history(approval),
            "actions": actions,
            "form": WeekApprovalForm(),
        },
    )


@require_POST
def approval_action(request, code: str, week: str, action: str):
    region = _region(request, code)
    week_start = _week(week)
    if action not in ACTIONS:
        raise Http404
    service, field, done = ACTIONS[action]
    form = WeekApprovalForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("indicators:approval-week", code=region.code, week=week_start.isoformat())
    try:
        service(
            region=region,
            week_start=week_start,
            actor=request.user,
            **{field: form.cleaned_data["text"]},
        )
    except PermissionDenied:
        raise
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("indicators:approval-week", code=region.code, week=week_start.isoformat())
