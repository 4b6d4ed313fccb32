"""Pages of the indicators app: Sferum indicators per region, baselines, monitoring uploads."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agencies import access
from agencies.models import Region
from roadmap_portal.jobs import QUEUE_DOWN_MESSAGE
from roadmaps.querysets import local_dates_by_timezone

from .choices import UploadStatus
from .forms import MonitoringRosterForm, MonitoringUploadForm, RegionBaselineForm
from .imports.template import template_columns, template_csv, template_xlsx
from .index.selectors import national_date
from .jobs import monitoring_import_enqueue
from .models import MonitoringUpload, RegionBaseline
from .selectors import (
    incomplete_newest_week,
    indicator_status,
    municipality_rollups,
    region_roster,
    regions_for_upload,
    regions_indicators_table,
)
from .selectors import (
    upload_list as select_uploads,
)
from .services.baselines import region_baseline_set
from .services.rosters import monitoring_roster_delete, monitoring_roster_upload
from .services.uploads import (
    monitoring_upload_confirm,
    monitoring_upload_create,
    monitoring_upload_rerun,
    upload_may_rerun,
    upload_progress,
)


def _region(request, code: str) -> Region:
    return get_object_or_404(Region.objects.visible_to(request.user), code=code)


def _enqueue(request, upload: MonitoringUpload) -> None:
    """Publishes the import once committed; with the broker down the upload stays pending
    (the sweeper publishes it later) and the user is told so."""

    def publish() -> None:
        if not monitoring_import_enqueue(upload.pk):
            messages.warning(request, QUEUE_DOWN_MESSAGE)

    transaction.on_commit(publish)


@require_safe
def indicators_home(request):
    """The user's own region, or for those who see several a sortable table of their
    regions' П1-П4 with the current stage's targets."""
    regions = regions_for_upload(user=request.user)
    if not access.spans_regions(request.user):
        region = regions.first()
        if region is not None:
            return redirect("indicators:region", code=region.code)
    # each region on its own local date, as its page and its alerts judge it; the heading
    # names the national date
    now = timezone.now()
    on_date = national_date(now)
    sort = request.GET.get("sort", "")[:10]
    indicators, rows = regions_indicators_table(
        user=request.user, on_date=on_date, sort=sort, local_dates=local_dates_by_timezone(now)
    )
    return render(
        request,
        "indicators/region_choose.html",
        {"indicators": indicators, "rows": rows, "on_date": on_date, "sort": sort},
    )


@require_safe
def region_indicators(request, code: str):
    region = _region(request, code)
    on_date = region.local_today()
    statuses = indicator_status(region=region, on_date=on_date)
    week = next((s.week_start for s in statuses if s.week_start), None)
    partial = incomplete_newest_week(region=region, on_date=on_date)
    municipalities = list(municipality_rollups(region=region, week_start=week)) if week else []
    return render(
        request,
        "indicators/region_indicators.html",
        {
            "region": region,
            "on_date": on_date,
            "statuses": statuses,
            "week": week,
            "partial": partial,
            "municipalities": municipalities,
            "may_upload": access.can_upload_monitoring(request.user, region),
            "may_edit_baselines": access.can_edit_baselines(request.user, region),
            "may_edit_roster": access.can_edit_roster(request.user, region),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def baselines_edit(request, code: str):
    region = _region(request, code)
    if not access.can_edit_baselines(request.user, region):
        raise PermissionDenied
    form = RegionBaselineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        region_baseline_set(region=region, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Базовое значение сохранено."))
        return redirect("indicators:baselines", code=region.code)
    baselines = (
        RegionBaseline.objects.filter(region=region)
        .select_related("indicator", "entered_by")
        .order_by("indicator__number")
    )
    return render(
        request,
        "indicators/baseline_form.html",
        {"region": region, "form": form, "baselines": baselines},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def roster_edit(request, code: str):
    """The region's roster of monitoring organisations: upload (replace) or delete."""
    region = _region(request, code)
    if not access.can_edit_roster(request.user, region):
        raise PermissionDenied
    form = MonitoringRosterForm(request.POST or None, request.FILES or None)
    errors: list[dict] = []
    errors_total = 0
    if request.method == "POST" and request.POST.get("action") == "delete":
        if monitoring_roster_delete(region=region):
            messages.success(
                request,
                _("Перечень удалён: ожидаемые организации считаются по предыдущим 4 неделям."),
            )
        return redirect("indicators:roster", code=region.code)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        result = monitoring_roster_upload(
            region=region, user=request.user, file=file, original_name=file.name
        )
        if result.roster is not None:
            text = _("Перечень загружен: %(n)s организаций.") % {"n": result.roster.organisations}
            if result.unknown:
                text += " " + _(
                    "Из них %(n)s ещё не присылали данных мониторинга: они ожидаются."
                ) % {"n": result.unknown}
            messages.success(request, text)
            return redirect("indicators:roster", code=region.code)
        errors, errors_total = result.errors, result.errors_total
    roster = region_roster(region=region)
    return render(
        request,
        "indicators/roster_form.html",
        {
            "region": region,
            "form": form,
            "roster": roster,
            "errors": errors,
            "errors_total": errors_total,
            "partial": incomplete_newest_week(region=region, on_date=region.local_today()),
        },
    )


@require_safe
def upload_list(request, code: str):
    region = _region(request, code)
    uploads = select_uploads(user=request.user, region=region)[:200]
    return render(
        request,
        "indicators/upload_list.html",
        {
            "region": region,
            "uploads": uploads,
            "may_upload": access.can_upload_monitoring(request.user, region),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def upload_create(request, code: str):
    region = _region(request, code)
    if not access.can_upload_monitoring(request.user, region):
        raise PermissionDenied
    form = MonitoringUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = monitoring_upload_create(
            file=form.cleaned_data["file"],
            user=request.user,
            region=region,
            dry_run=form.cleaned_data["dry_run"],
        )
        _enqueue(request, upload)
        return redirect("indicators:upload-detail", pk=upload.pk)
    return render(
        request,
        "indicators/upload_form.html",
        {"region": region, "form": form, "columns": template_columns()},
        status=400 if form.is_bound else 200,
    )


TEMPLATE_TYPES = {
    "csv": (template_csv, "text/csv; charset=utf-8"),
    "xlsx": (template_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


@require_safe
def upload_template(request, fmt: str):
    """The monitoring template (header and an example line) from the reader's columns."""
    if fmt not in TEMPLATE_TYPES:
        raise Http404
    build, content_type = TEMPLATE_TYPES[fmt]
    response = HttpResponse(build(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="monitoring_template.{fmt}"'
    return response


def _upload(request, pk: int) -> MonitoringUpload:
    return get_object_or_404(
        MonitoringUpload.objects.visible_to(request.user).select_related("region", "uploaded_by"),
        pk=pk,
    )


def _may_act(request, upload: MonitoringUpload) -> bool:
    return access.can_act_on_monitoring_upload(request.user, upload)


# what an import changes in the reference data (`Staging.organisation_changes`); an upload
# imported before a count existed has none of it
REFERENCE_COUNTS = (
    "organisations_created",
    "organisations_renamed",
    "organisations_retyped",
    "organisations_moved",
    "organisations_kept",
    "municipalities_created",
)


@require_safe
def upload_detail(request, pk: int):
    upload = _upload(request, pk)
    preview = upload.preview or {}
    preview_rows = [
        {**item, "week": dt.date.fromisoformat(item["week"])} for item in preview.get("rows", [])
    ]
    return render(
        request,
        "indicators/upload_detail.html",
        {
            "upload": upload,
            "progress": upload_progress(upload),
            "preview_rows": preview_rows,
            "weeks": [dt.date.fromisoformat(week) for week in upload.weeks],
            "preview": preview,
            "reference": {key: int(preview.get(key) or 0) for key in REFERENCE_COUNTS},
            "errors_total": preview.get("errors_total", len(upload.errors)),
            "active": upload.status in (UploadStatus.PENDING, UploadStatus.RUNNING),
            "may_act": _may_act(request, upload),
            "awaiting_confirm": upload.dry_run and upload.status == UploadStatus.DONE,
            "may_rerun": upload_may_rerun(upload),
            "not_queued": upload.status == UploadStatus.PENDING and upload.enqueued_at is None,
        },
    )


@require_safe
def upload_status(request, pk: int):
    upload = _upload(request, pk)
    return JsonResponse(
        {
            "id": upload.pk,
            "status": upload.status,
            "status_display": upload.state_display,
            "dry_run": upload.dry_run,
            "progress": upload_progress(upload),
            "rows_read": upload.rows_read,
            "rows_created": upload.rows_created,
            "rows_updated": upload.rows_updated,
            "rows_unchanged": upload.rows_unchanged,
            "rows_skipped": upload.rows_skipped,
            "finished": upload.status not in (UploadStatus.PENDING, UploadStatus.RUNNING),
            "url": reverse("indicators:upload-detail", args=[upload.pk]),
        }
    )


@require_POST
def upload_confirm(request, pk: int):
    upload = _upload(request, pk)
    if not _may_act(request, upload):
        raise PermissionDenied
    if monitoring_upload_confirm(upload=upload):
        _enqueue(request, upload)
        messages.success(request, _("Загрузка подтверждена и поставлена в очередь."))
    else:
        messages.error(request, _("Эту загрузку нельзя подтвердить."))
    return redirect("indicators:upload-detail", pk=upload.pk)


@require_POST
def upload_rerun(request, pk: int):
    upload = _upload(request, pk)
    if not _may_act(request, upload):
        raise PermissionDenied
    if monitoring_upload_rerun(upload=upload):
        _enqueue(request, upload)
        messages.success(request, _("Загрузка запущена повторно."))
    else:
        messages.error(
            request, _("Повторно запустить можно только загрузку с ошибкой или зависшую.")
        )
    return redirect("indicators:upload-detail", pk=upload.pk)
