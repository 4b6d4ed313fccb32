"""Measure pages: fetch-with-access -> form -> service -> redirect (STYLE R6).

Out of the user's scope -> 404 (visible_to), visible but not editable -> 403, GET on a
POST-only view -> 405.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath
from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agencies import access
from agencies.models import Organisation
from roadmaps.selectors import cascade_targets_q
from roadmaps.services.cascades import (
    CascadeImportError,
    cascade_create,
    cascade_progress_import,
    cascade_progress_set,
)

from .choices import MeasureStatus
from .filters import MeasureFilterSet
from .forms import (
    CascadeForm,
    CascadeImportForm,
    CascadeProgressForm,
    MeasureFederalForm,
    MeasurePartStatusForm,
    MeasureReportForm,
    MeasureStatusForm,
    MeasureStepForm,
    MeasureTargetForm,
)
from .models import (
    Cascade,
    Measure,
    MeasureChange,
    MeasurePart,
    MeasureReport,
    MeasureStep,
    MeasureTarget,
)
from .querysets import local_dates_by_timezone
from .selectors import (
    MEASURES_PER_PAGE,
    cascade_levels,
    cascade_summary,
    cascade_tree,
    federal_progress,
    history_entries,
    measure_counts,
    measure_indicator_values,
    measure_list,
    measure_part_lines,
    measure_report_months,
    parts_prefetch,
    pending_bodies,
)
from .services.measures import (
    MeasureConflict,
    measure_federal_link,
    measure_part_set_status,
    measure_report_submit,
    measure_set_status,
    measure_step_set,
    measure_target_set,
)


@require_safe
def measure_list_view(request):
    base = Measure.objects.visible_to(request.user)
    filterset = MeasureFilterSet(request.GET or None, queryset=base, user=request.user)
    qs = filterset.qs if filterset.is_bound else base.order_by("roadmap", "position")
    today_by_tz = local_dates_by_timezone()
    counts = measure_counts(qs, today_by_tz=today_by_tz)
    paginator = Paginator(qs.with_list_related(), MEASURES_PER_PAGE)
    paginator.count = counts.total  # counted above with the rest: no second COUNT query
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "roadmaps/measure_list.html",
        {
            "filter": filterset,
            "page": page,
            "rows": measure_list(measures=page.object_list, today_by_tz=today_by_tz),
            "counts": counts.by_status,
            "total": counts.total,
            "overdue_total": counts.overdue,
            "may_import": access.may_import_roadmaps(request.user),
            "may_see_federal": access.can_see_federal_view(request.user),
        },
    )


def _measure_for(request, pk: int) -> Measure:
    """The measure with everything its page shows, or 404 when out of the user's scope."""
    # an archived measure keeps its page (read-only) with its history and evidence
    return get_object_or_404(
        Measure.all_objects.visible_to(request.user)
        .with_list_related()
        .select_related("archived_in", "federal_item")
        .prefetch_related(
            "steps",
            "targets",
            "indicators",
            "reports",
            Prefetch("changes", queryset=MeasureChange.objects.select_related("actor")),
            parts_prefetch(),
            Prefetch(
                "cascades", queryset=Cascade.objects.select_related("municipality", "issued_by")
            ),
        ),
        pk=pk,
    )


def _editable_measure(request, pk: int) -> Measure:
    measure = _measure_for(request, pk)
    if not access.can_edit_measure(request.user, measure):
        raise PermissionDenied(_("Вы не можете изменять это мероприятие."))
    return measure


def _detail(
    request,
    measure: Measure,
    *,
    status_form=None,
    conflict=None,
    report_errors=None,
    part_form=None,
    target_form=None,
    federal_form=None,
):
    can_edit = access.can_edit_measure(request.user, measure)
    if status_form is None:
        initial = {"status": measure.status, "version": measure.version}
        if measure.completed_on:
            initial["completed_on"] = measure.completed_on
        status_form = MeasureStatusForm(initial=initial)
    today = measure.local_today()
    steps = list(measure.steps.all())
    months = measure_report_months(measure, today)
    parts = measure_part_lines(measure, today)
    tree = cascade_tree(list(measure.cascades.all()))
    part_forms = {}
    for line in parts:
        if not access.can_edit_measure_part(request.user, line.part):
            continue
        if part_form is not None and part_form[0] == line.part.pk:
            part_forms[line.part.pk] = part_form[1]
            continue
        initial = {"status": line.part.status, "version": line.part.version}
        if line.part.completed_on:
            initial["completed_on"] = line.part.completed_on
        part_forms[line.part.pk] = MeasurePartStatusForm(
            initial=initial, prefix=f"part-{line.part.pk}"
        )
    target_forms = {}
    if can_edit:
        for target in measure.targets.all():
            if target_form is not None and target_form[0] == target.pk:
                target_forms[target.pk] = target_form[1]
                continue
            achieved = "" if target.achieved is None else f"{target.achieved.normalize():f}"
            target_forms[target.pk] = MeasureTargetForm(
                initial={"achieved": achieved, "version": measure.version},
                prefix=f"target-{target.pk}",
            )
    context = {
        "measure": measure,
        "today": today,
        "days_overdue": measure.days_overdue(today),
        "can_edit": can_edit,
        "status_form": status_form,
        "steps": steps,
        "open_steps": sum(1 for step in steps if not step.is_done),
        "history": history_entries(measure.changes.all()),
        "report_months": months,
        "reported_months": sum(1 for month in months if month.is_reported),
        "missing_months": sum(1 for month in months if month.is_missing),
        "report_statuses": MeasureStatus.choices,
        "report_errors": report_errors,
        "indicator_values": measure_indicator_values(measure),
        "cascades": _flatten(tree),
        "cascade_levels": cascade_levels(tree) if any(node.children for node in tree) else [],
        "conflict": conflict,
        "conflict_history": history_entries(conflict.changes) if conflict else [],
        "parts": [(line, part_forms.get(line.part.pk)) for line in parts],
        "pending_bodies": pending_bodies(parts),
        "targets": [(target, target_forms.get(target.pk)) for target in measure.targets.all()],
        "federal_form": federal_form
        or (
            MeasureFederalForm(
                initial={"federal_item": measure.federal_item_id, "version": measure.version}
            )
            if can_edit and measure.roadmap.region_id
            else None
        ),
    }
    status = 409 if conflict else 200
    return render(request, "roadmaps/measure_detail.html", context, status=status)


def _flatten(nodes):
    """Cascade nodes in chain order (a level's letters under the one they follow)."""
    flat = []
    for node in nodes:
        flat.append(node)
        flat.extend(_flatten(node.children))
    return flat


@require_safe
def measure_detail_view(request, pk: int):
    return _detail(request, _measure_for(request, pk))


@require_POST
def measure_status_update(request, pk: int):
    measure = _editable_measure(request, pk)
    form = MeasureStatusForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, measure, status_form=form)
    data = form.cleaned_data
    try:
        measure_set_status(
            measure=measure,
            status=data["status"],
            actor=request.user,
            comment=data["comment"],
            evidence=data["evidence"] or None,
            evidence_link=data["evidence_link"],
            completed_on=data["completed_on"],
            expected_version=data["version"],
            confirm_open_steps=data["confirm_open_steps"],
        )
    except MeasureConflict as conflict:
        # the user's input stays in the form, now against the current version: saving again
        # is a deliberate decision made after seeing what changed (a file must be re-attached)
        fresh = _measure_for(request, pk)
        data = request.POST.copy()
        data["version"] = str(fresh.version)
        retry = MeasureStatusForm(data)
        retry.is_valid()
        return _detail(request, fresh, status_form=retry, conflict=conflict)
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
        return _detail(request, measure, status_form=form)
    messages.success(request, _("Статус мероприятия сохранён."))
    return redirect(measure)


def _form_errors(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


@require_POST
def measure_part_status_update(request, pk: int, part_pk: int):
    """One responsible body's part: staff of that body, or an editor of the region."""
    measure = _measure_for(request, pk)
    part = get_object_or_404(
        MeasurePart.objects.select_related("agency"), pk=part_pk, measure=measure
    )
    part.measure = measure
    if not access.can_edit_measure_part(request.user, part):
        raise PermissionDenied(_("Вы не можете изменять часть этого органа."))
    prefix = f"part-{part.pk}"
    form = MeasurePartStatusForm(request.POST, request.FILES, prefix=prefix)
    if not form.is_valid():
        return _detail(request, measure, part_form=(part.pk, form))
    data = form.cleaned_data
    try:
        measure_part_set_status(
            part=part,
            status=data["status"],
            actor=request.user,
            comment=data["comment"],
            evidence=data["evidence"] or None,
            evidence_link=data["evidence_link"],
            completed_on=data["completed_on"],
            expected_version=data["version"],
        )
    except MeasureConflict as conflict:
        fresh = _measure_for(request, pk)
        fresh_part = MeasurePart.objects.get(pk=part.pk)
        retry_data = request.POST.copy()
        retry_data[f"{prefix}-version"] = str(fresh_part.version)
        retry = MeasurePartStatusForm(retry_data, prefix=prefix)
        retry.is_valid()
        return _detail(request, fresh, part_form=(part.pk, retry), conflict=conflict)
    except ValidationError as error:
        _form_errors(form, error)
        return _detail(request, measure, part_form=(part.pk, form))
    messages.success(
        request, _("Статус части сохранён: %(agency)s.") % {"agency": part.agency.display_name}
    )
    return redirect(measure)


@require_POST
def measure_target_update(request, pk: int, target_pk: int):
    """The value achieved on a countable target, by those who may edit the measure."""
    measure = _editable_measure(request, pk)
    target = get_object_or_404(MeasureTarget, pk=target_pk, measure=measure)
    target.measure = measure
    prefix = f"target-{target.pk}"
    form = MeasureTargetForm(request.POST, request.FILES, prefix=prefix)
    if not form.is_valid():
        return _detail(request, measure, target_form=(target.pk, form))
    data = form.cleaned_data
    try:
        measure_target_set(
            target=target,
            achieved=data["achieved"],
            actor=request.user,
            comment=data["comment"],
            evidence=data["evidence"] or None,
            evidence_link=data["evidence_link"],
            expected_version=data["version"],
        )
    except MeasureConflict as conflict:
        fresh = _measure_for(request, pk)
        retry_data = request.POST.copy()
        retry_data[f"{prefix}-version"] = str(fresh.version)
        retry = MeasureTargetForm(retry_data, prefix=prefix)
        retry.is_valid()
        return _detail(request, fresh, target_form=(target.pk, retry), conflict=conflict)
    except ValidationError as error:
        _form_errors(form, error)
        return _detail(request, measure, target_form=(target.pk, form))
    messages.success(request, _("Достигнутое значение сохранено."))
    return redirect(measure)


@require_POST
def measure_federal_update(request, pk: int):
    """Links a regional measure to an item of the federal plan (editors of the measure)."""
    measure = _editable_measure(request, pk)
    form = MeasureFederalForm(request.POST)
    if not form.is_valid():
        return _detail(request, measure, federal_form=form)
    try:
        measure_federal_link(
            measure=measure,
            federal_item=form.cleaned_data["federal_item"],
            actor=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except MeasureConflict as conflict:
        return _detail(request, _measure_for(request, pk), conflict=conflict)
    except ValidationError as error:
        _form_errors(form, error)
        return _detail(request, measure, federal_form=form)
    messages.success(request, _("Связь с федеральным планом сохранена."))
    return redirect(measure)


@require_safe
def federal_plan_view(request):
    """Each item of the federal plan with the progress of the regions' linked measures."""
    if not access.can_see_federal_view(request.user):
        raise PermissionDenied(_("Сводка по федеральному плану доступна аналитикам."))
    return render(
        request,
        "roadmaps/federal_plan.html",
        {"items": federal_progress(request.user)},
    )


@require_POST
def measure_step_update(request, pk: int, step_pk: int):
    measure = _editable_measure(request, pk)
    step = get_object_or_404(MeasureStep, pk=step_pk, measure=measure)
    form = MeasureStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Не удалось отметить подэтап: неверные данные формы."))
        return redirect(measure)
    step.measure = measure
    try:
        measure_step_set(
            step=step,
            done=form.cleaned_data["done"],
            done_on=form.cleaned_data["done_on"],
            actor=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except MeasureConflict as conflict:
        fresh = _measure_for(request, pk)
        return _detail(request, fresh, conflict=conflict)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(measure)
    messages.success(request, _("Подэтап отмечен."))
    return redirect(measure)


@require_POST
def measure_report_update(request, pk: int):
    measure = _editable_measure(request, pk)
    form = MeasureReportForm(request.POST, request.FILES)
    months = {month.period: month.due_date for month in measure_report_months(measure)}
    if not months:
        raise Http404
    if not form.is_valid():
        return _detail(request, measure, report_errors=form.errors)
    data = form.cleaned_data
    try:
        measure_report_submit(
            measure=measure,
            period=data["period"],
            status=data["status"],
            actor=request.user,
            comment=data["comment"],
            evidence=data["evidence"] or None,
            evidence_link=data["evidence_link"],
            allowed_periods=months,
            expected_version=data["version"],
        )
    except MeasureConflict as conflict:
        return _detail(request, _measure_for(request, pk), conflict=conflict)
    except ValidationError as error:
        return _detail(request, measure, report_errors=error.message_dict)
    messages.success(
        request, _("Отчёт за %(month)s сохранён.") % {"month": data["period"].strftime("%m.%Y")}
    )
    return redirect(measure)


@require_safe
def evidence_download(request, pk: int, kind: str, item_pk: int):
    """Serves an evidence file to users who may see the measure (404 otherwise)."""
    measure = get_object_or_404(Measure.all_objects.visible_to(request.user), pk=pk)
    model = {"change": MeasureChange, "report": MeasureReport}.get(kind)
    if model is None:
        raise Http404
    item = cast(
        "MeasureChange | MeasureReport", get_object_or_404(model, pk=item_pk, measure=measure)
    )
    if not item.evidence:
        raise Http404
    try:
        handle = item.evidence.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    filename = PurePosixPath(item.evidence.name).name
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Cascades -------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def cascade_create_view(request, pk: int):
    measure = _editable_measure(request, pk)
    if measure.roadmap.region_id is None:
        raise Http404
    form = CascadeForm(request.POST or None, region=measure.roadmap.region, measure=measure)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cascade = cascade_create(
                measure=measure,
                scope=data["scope"],
                actor=request.user,
                municipality=data["municipality"],
                org_types=data["org_types"],
                organisations=data["organisations"],
                due_date=data["due_date"],
                subject=data["subject"],
                document_number=data["document_number"],
                document_date=data["document_date"],
                parent=data["parent"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(
                request,
                _("Каскад создан: организаций — %(n)s.") % {"n": cascade.targets.count()},
            )
            return redirect("roadmaps:cascade-detail", pk=cascade.pk)
    return render(request, "roadmaps/cascade_form.html", {"measure": measure, "form": form})


def _cascade_for(request, pk: int) -> Cascade:
    cascade = get_object_or_404(
        Cascade.objects.select_related("measure__roadmap__region", "municipality"), pk=pk
    )
    # visibility follows the measure (404 outside the user's regions)
    get_object_or_404(Measure.objects.visible_to(request.user), pk=cascade.measure_id)
    return cascade


@require_safe
def cascade_detail_view(request, pk: int):
    return _cascade_page(request, _cascade_for(request, pk))


def _cascade_page(request, cascade: Cascade, *, import_errors=None, status=200):
    summary = cascade_summary(cascade)
    user = request.user
    editable_ids = {
        org.organisation.pk
        for org in summary.orgs
        if access.can_record_cascade(user, cascade, org.organisation)
    }
    return render(
        request,
        "roadmaps/cascade_detail.html",
        {
            "cascade": cascade,
            "measure": cascade.measure,
            "summary": summary,
            "editable_ids": editable_ids,
            "can_import": bool(editable_ids),
            "import_form": CascadeImportForm(),
            "import_errors": import_errors,
            "today": cascade.measure.local_today(),
        },
        status=status,
    )


@require_POST
def cascade_progress_update(request, pk: int):
    cascade = _cascade_for(request, pk)
    if not access.can_record_any_cascade(request.user, cascade):
        raise PermissionDenied
    form = CascadeProgressForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Неверные данные формы."))
        return redirect("roadmaps:cascade-detail", pk=cascade.pk)
    organisation = get_object_or_404(
        Organisation.objects.filter(cascade_targets_q(cascade)),
        pk=form.cleaned_data["organisation"],
    )
    if not access.can_record_cascade(request.user, cascade, organisation):
        raise PermissionDenied
    step = None
    if form.cleaned_data["step"]:
        step = get_object_or_404(
            MeasureStep, pk=form.cleaned_data["step"], measure_id=cascade.measure_id
        )
    try:
        cascade_progress_set(
            cascade=cascade,
            organisation=organisation,
            step=step,
            done_on=form.cleaned_data["done_on"],
            actor=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Отметка сохранена: %(org)s.") % {"org": organisation.name})
    return redirect("roadmaps:cascade-detail", pk=cascade.pk)


@require_POST
def cascade_import_view(request, pk: int):
    cascade = _cascade_for(request, pk)
    if not access.can_record_any_cascade(request.user, cascade):
        raise PermissionDenied
    form = CascadeImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _cascade_page(
            request, cascade, import_errors=[_("Выберите файл CSV или XLSX.")], status=400
        )
    upload = form.cleaned_data["file"]
    try:
        count = cascade_progress_import(
            cascade=cascade, name=upload.name, data=upload.read(), actor=request.user
        )
    except CascadeImportError as error:
        return _cascade_page(request, cascade, import_errors=error.messages, status=400)
    messages.success(request, _("Загружено отметок: %(n)s.") % {"n": count})
    return redirect("roadmaps:cascade-detail", pk=cascade.pk)
