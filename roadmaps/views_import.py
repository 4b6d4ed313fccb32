"""Importing a region's roadmap document: upload -> preview -> confirm (STYLE R6).

Only administrators and the region's coordinators: a region out of the user's scope -> 404,
visible but not theirs to import -> 403 (agencies.access.can_import_roadmap).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_safe

from agencies import access
from agencies.models import Region
from roadmap_portal import params

from .choices import DeadlineKind, RoadmapVersionStatus
from .forms import RoadmapConfirmForm, RoadmapUploadForm
from .models import RoadmapVersion
from .services.roadmap_import import (
    RoadmapImportError,
    roadmap_default_for,
    roadmap_version_apply,
    roadmap_version_upload,
    version_plan,
)

CHANGE_LABELS = {
    "number": _lazy("номер"),
    "title": _lazy("формулировка"),
    "deadline_text": _lazy("срок (как в документе)"),
    "start_date": _lazy("начало"),
    "due_date": _lazy("срок исполнения"),
    "responsible_text": _lazy("ответственные (как в документе)"),
    "responsible": _lazy("ответственные органы"),
    "expected_result": _lazy("ожидаемый результат"),
    "steps": _lazy("подэтапы"),
    "section": _lazy("раздел"),
}


def _region_for_import(request, code: str) -> Region:
    region = get_object_or_404(Region.objects.visible_to(request.user), code=code)
    if not access.can_import_roadmap(request.user, region.pk):
        raise PermissionDenied(
            _("Загружать дорожную карту могут координатор субъекта и администратор.")
        )
    return region


@require_safe
def roadmap_import_choose(request):
    """Coordinators go to their region; administrators pick one."""
    user = request.user
    if not access.may_import_roadmaps(user):
        raise PermissionDenied
    if not access.is_admin(user):
        region = get_object_or_404(Region, pk=user.home_region_id)
        return redirect("roadmaps:roadmap-import", code=region.code)
    region = params.region(request.GET, "region", Region.objects.all())  # the admin sees all
    if region is not None:
        return redirect("roadmaps:roadmap-import", code=region.code)
    return render(
        request,
        "roadmaps/roadmap_import_choose.html",
        {"regions": Region.objects.order_by("code")},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def roadmap_import_upload(request, code: str):
    region = _region_for_import(request, code)
    default = roadmap_default_for(region)
    form = RoadmapUploadForm(
        request.POST or None, request.FILES or None, region=region, initial_roadmap=default
    )
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            version = roadmap_version_upload(
                region=region,
                name=upload.name,
                data=upload.read(),
                actor=request.user,
                roadmap=form.cleaned_data["roadmap"],
                approved_on=form.cleaned_data["approved_on"],
            )
        except RoadmapImportError as error:
            errors = error.messages
        else:
            return redirect(version)
    versions = (
        RoadmapVersion.objects.filter(region=region, status=RoadmapVersionStatus.APPLIED)
        .select_related("roadmap", "applied_by")
        .order_by("-applied_at")[:20]
    )
    return render(
        request,
        "roadmaps/roadmap_import_upload.html",
        {"region": region, "form": form, "errors": errors, "versions": versions},
        status=400 if errors else 200,
    )


def _version_for(request, pk: int) -> RoadmapVersion:
    version = get_object_or_404(
        RoadmapVersion.objects.visible_to(request.user).select_related("region", "roadmap"), pk=pk
    )
    if not access.can_import_roadmap(request.user, version.region_id):
        raise PermissionDenied
    return version


@require_http_methods(["GET", "HEAD", "POST"])
def roadmap_import_preview(request, pk: int):
    version = _version_for(request, pk)
    if not version.file:
        raise Http404
    plan = version_plan(version)
    is_draft = version.status == RoadmapVersionStatus.DRAFT
    form = RoadmapConfirmForm(request.POST if request.method == "POST" else None, plan=plan)
    errors: list[str] = []
    if request.method == "POST":
        if not is_draft:
            messages.info(request, _("Этот документ уже обработан."))
            return redirect(version)
        if form.is_valid():
            try:
                result = roadmap_version_apply(
                    version=version, actor=request.user, choices=form.choices()
                )
            except RoadmapImportError as error:
                errors = error.messages
            else:
                counts = result.counts
                if result.changed:
                    messages.success(
                        request,
                        _(
                            "Загружена версия %(n)s дорожной карты: мероприятий %(total)s, "
                            "добавлено %(added)s, изменено %(changed)s, исключено %(removed)s."
                        )
                        % {"n": result.version.number, **counts},
                    )
                else:
                    messages.info(
                        request,
                        _("Документ не отличается от действующей версии: ничего не изменено."),
                    )
                return redirect(reverse("roadmaps:measure-list") + f"?roadmap={result.roadmap.pk}")
    counts = plan.counts
    rows = []
    for diff in plan.measures:
        item = diff.parsed
        rows.append(
            {
                "diff": diff,
                "item": item,
                "agencies": plan.agencies_of(item) if item else [],
                "section": plan.parsed.sections[item.section]
                if item and item.section is not None
                else None,
                "deadline_label": DeadlineKind(item.deadline.kind).label
                if item and item.deadline
                else "",
                "changes": [
                    (CHANGE_LABELS[key], old, new) for key, (old, new) in diff.changes.items()
                ],
            }
        )
    return render(
        request,
        "roadmaps/roadmap_import_preview.html",
        {
            "version": version,
            "region": version.region,
            "plan": plan,
            "counts": counts,
            "rows": rows,
            "form": form,
            "errors": errors or plan.errors,
            "is_draft": is_draft,
            "removed": [d for d in plan.measures if d.kind == "removed"],
        },
        status=400 if errors else 200,
    )
