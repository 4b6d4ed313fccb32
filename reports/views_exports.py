"""The export page, direct downloads, background jobs and their downloads.

Access: analysts, coordinators and administrators (`access.can_export`, else 403); a
region outside the user's scope is 404; a job is visible to its author only (404 for
anybody else); GET on the create view is 405.
"""

from __future__ import annotations

import os

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from agencies import access
from reports import selectors
from reports.choices_exports import ExportStatus
from reports.exports import jobs
from reports.exports.formats import FORMATS, content_type
from reports.exports.registry import REPORTS, get_report
from reports.forms_exports import ExportForm
from reports.models import GeneratedExport
from roadmap_portal import params
from roadmap_portal.jobs import QUEUE_DOWN_EXPORT_MESSAGE
from roadmap_portal.ru_formats import ru_number

RECENT_JOBS = 20


def _require_export(request) -> None:
    if not access.can_export(request.user):
        raise PermissionDenied


def _page(request, form: ExportForm, status: int = 200) -> HttpResponse:
    recent = list(
        GeneratedExport.objects.visible_to(request.user)
        .filter(created_by=request.user)
        .select_related("region")[:RECENT_JOBS]
    )
    return render(
        request,
        "reports/export_page.html",
        {
            "form": form,
            "jobs": recent,
            "reports": list(REPORTS.values()),
            "ods_max_rows": ru_number(FORMATS["ods"].max_rows),
            "pdf_max_rows": ru_number(FORMATS["pdf"].max_rows),
        },
        status=status,
    )


@require_safe
def export_page(request):
    _require_export(request)
    regions = list(selectors.export_regions(user=request.user))
    initial = {}
    # not a code: 400; a region out of the user's scope: 404, as one that does not exist
    region = params.region(request.GET, "region", regions)
    if region is not None:
        initial["region"] = region.code
    return _page(request, ExportForm(regions=regions, initial=initial))


@require_POST
def export_create(request):
    _require_export(request)
    regions = list(selectors.export_regions(user=request.user))
    code = request.POST.get("region", "")
    if code and not any(r.code == code for r in regions):
        raise Http404  # out of scope: the same answer as a region that does not exist
    form = ExportForm(request.POST, regions=regions)
    if not form.is_valid():
        return _page(request, form, status=400)
    kind, fmt, params = form.cleaned_data["kind"], form.cleaned_data["fmt"], form.params()
    spec = get_report(kind)
    if spec.runs_in_background(params, fmt):
        export = jobs.export_create(user=request.user, kind=kind, params=params, fmt=fmt)
        export.refresh_from_db()
        if export.status == ExportStatus.PENDING and export.enqueued_at is None:
            messages.warning(request, QUEUE_DOWN_EXPORT_MESSAGE)  # the sweeper queues it later
        return redirect("reports:export-detail", pk=export.pk)
    path = jobs.export_temp_path(fmt)
    try:
        written = jobs.export_write(kind=kind, params=params, user=request.user, fmt=fmt, path=path)
        handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    except jobs.ExportRefused as refused:  # e.g. more rows than the format allows
        form.add_error(refused.field or None, str(refused))
        return _page(request, form, status=400)
    finally:
        os.unlink(path)  # the open handle keeps the data until the response is sent
    return FileResponse(
        handle, as_attachment=True, filename=written.filename, content_type=written.content_type
    )


@require_safe
def export_detail(request, pk: int):
    _require_export(request)
    export = get_object_or_404(
        GeneratedExport.objects.visible_to(request.user).select_related("region", "created_by"),
        pk=pk,
    )
    return render(
        request,
        "reports/export_detail.html",
        {"export": export, "may_rerun": jobs.export_may_rerun(export)},
    )


@require_POST
def export_rerun(request, pk: int):
    """Builds a failed job again, or one whose worker was lost (its author; 404 else)."""
    _require_export(request)
    export = get_object_or_404(GeneratedExport.objects.visible_to(request.user), pk=pk)
    if jobs.export_rerun(export=export):
        messages.success(request, _("Отчёт поставлен в очередь заново."))
    else:
        messages.error(
            request,
            _("Заново можно сформировать только отчёт с ошибкой или зависший."),
        )
    return redirect("reports:export-detail", pk=export.pk)


@require_safe
def export_download(request, pk: int):
    _require_export(request)
    export = get_object_or_404(GeneratedExport.objects.visible_to(request.user), pk=pk)
    if export.status == ExportStatus.EXPIRED or (
        export.status == ExportStatus.DONE and export.is_expired
    ):
        return render(request, "reports/export_gone.html", {"export": export}, status=410)
    if not export.is_downloadable:
        raise Http404  # not ready yet (or failed): the detail page says so
    return FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=export.filename,
        content_type=content_type(export.fmt),
    )
