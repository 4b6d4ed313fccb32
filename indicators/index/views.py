"""Pages of the implementation index: a region's index, the ranking, facts, imports.

Scope (agencies.access): a region out of the user's scope is 404; a page the role may not
use is 403; POST-only actions answer 405 to GET. Query parameters (`date`, `since`,
`approved`, `criterion`) are read by roadmap_portal.params, after the scope: a value that
cannot be read is a 400 naming it, never the default.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agencies import access
from agencies.models import Region
from indicators.index.selectors import criteria_of, version_on
from indicators.index.services import index_fact_create, index_fact_verify
from roadmap_portal import params
from roadmap_portal.ru_formats import ru_date

from ..choices import CriterionSource, FactSource, UploadStatus
from ..models import IndexFact, IndexUpload
from ..selectors import incomplete_newest_week
from .forms import IndexFactForm, IndexUploadForm
from .selectors import index_ranking, national_date, region_index_page, with_titles
from .uploads import index_upload_apply, index_upload_create, upload_summary


@require_safe
def index_home_view(request):
    user = request.user
    if access.region_scope(user) is not None and user.home_region_id:
        region = Region.objects.get(pk=user.home_region_id)
        return redirect("index:region", code=region.code)
    if access.can_see_ranking(user):
        return redirect("index:ranking")
    raise PermissionDenied


@require_safe
def index_region_view(request, code: str):
    region = get_object_or_404(Region.objects.visible_to(request.user), code=code)
    on_date = params.date(request.GET, "date", region.local_today())
    page = region_index_page(region=region, on_date=on_date)
    return render(
        request,
        "indicators/index_region.html",
        {
            "page": page,
            "can_enter": access.can_enter_facts(request.user, region.pk),
            "can_verify": access.is_verifier(request.user),
            "can_rank": access.can_see_ranking(request.user),
            "can_import": access.can_import_index_inputs(request.user),
            # the Sferum criterion reads the latest complete week (indicators.coverage)
            "partial": incomplete_newest_week(region=region, on_date=on_date),
        },
    )


@require_safe
def index_ranking_view(request):
    user = request.user
    if not access.can_see_ranking(user):
        raise PermissionDenied
    on_date = params.date(request.GET, "date", national_date())
    since = params.date(request.GET, "since")
    scope = access.region_scope(user)
    highlight = frozenset(scope) if scope is not None else frozenset()
    approved_only = params.flag(request.GET, "approved")
    version, rows = index_ranking(
        on_date=on_date, since=since, highlight=highlight, approved_only=approved_only
    )
    return render(
        request,
        "indicators/index_ranking.html",
        {
            "version": version,
            "rows": rows,
            "on_date": on_date,
            "since": since,
            "approved_only": approved_only,
            # a region's link only where the user may open it (access.region_scope): every
            # row, or the highlighted ones, which are the user's regions
            "opens_every_region": scope is None,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def index_fact_create_view(request, code: str):
    region = get_object_or_404(Region.objects.visible_to(request.user), code=code)
    if not access.can_enter_facts(request.user, region.pk):
        raise PermissionDenied
    today = region.local_today()
    version = version_on(today)
    criteria = [
        c
        for c in (criteria_of(version).values() if version else [])
        if c.source == CriterionSource.FACT
    ]
    # an unknown criterion is refused (params), not answered by the page that picks one
    chosen = params.choice(request.GET, "criterion", [c.code for c in criteria])
    criterion = next((c for c in criteria if c.code == chosen), None)
    if criterion is None:
        return render(
            request,
            "indicators/index_fact_pick.html",
            {"region": region, "criteria": criteria, "version": version},
        )
    if request.method == "POST":
        form = IndexFactForm(request.POST, request.FILES, criterion=criterion)
        if form.is_valid():
            data = form.cleaned_data
            try:
                index_fact_create(
                    region=region,
                    criterion_code=criterion.code,
                    input=data["input"],
                    value=data["value"],
                    as_of=data["as_of"],
                    evidence_url=data["evidence_url"],
                    evidence_file=data["evidence_file"],
                    evidence_text=data["evidence_text"],
                    entered_by=request.user,
                    source=FactSource.FORM,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Сведения сохранены."))
                return redirect(reverse("index:region", args=[region.code]) + "#facts")
    else:
        form = IndexFactForm(criterion=criterion, initial={"as_of": ru_date(today)})
    return render(
        request,
        "indicators/index_fact_form.html",
        {"region": region, "criterion": criterion, "form": form, "version": version},
    )


@require_POST
def index_fact_verify_view(request, pk: int):
    fact = get_object_or_404(
        IndexFact.objects.visible_to(request.user).select_related("region"), pk=pk
    )
    if not access.is_verifier(request.user):
        raise PermissionDenied
    try:
        index_fact_verify(fact=fact, actor=request.user)
    except ValidationError as refusal:  # e.g. the fact's week is approved (locked)
        for message in refusal.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Сведения подтверждены."))
    return redirect(reverse("index:region", args=[fact.region.code]) + "#facts")


@require_safe
def index_fact_evidence_view(request, pk: int):
    """The evidence file of a fact, for users who see the fact's region."""
    fact = get_object_or_404(IndexFact.objects.visible_to(request.user), pk=pk)
    if not fact.evidence_file:
        raise Http404
    name = fact.evidence_file.name.rsplit("/", 1)[-1]
    return FileResponse(fact.evidence_file.open("rb"), as_attachment=True, filename=name)


def _uploads_of(user):
    return IndexUpload.objects.visible_to(user)


@require_http_methods(["GET", "HEAD", "POST"])
def index_import_view(request):
    if not access.can_import_index_inputs(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = IndexUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = index_upload_create(file=form.cleaned_data["file"], user=request.user)
            return redirect("index:upload", pk=upload.pk)
    else:
        form = IndexUploadForm()
    recent = list(_uploads_of(request.user)[:10])
    return render(request, "indicators/index_import.html", {"form": form, "recent": recent})


@require_safe
def index_upload_view(request, pk: int):
    if not access.can_import_index_inputs(request.user):
        raise PermissionDenied
    upload = get_object_or_404(_uploads_of(request.user), pk=pk)
    return render(
        request,
        "indicators/index_upload.html",
        {
            "upload": upload,
            "preview": with_titles(upload.preview or []),
            "can_confirm": upload.status == UploadStatus.PENDING,
        },
    )


@require_POST
def index_upload_confirm_view(request, pk: int):
    if not access.can_import_index_inputs(request.user):
        raise PermissionDenied
    upload = get_object_or_404(_uploads_of(request.user), pk=pk)
    upload = index_upload_apply(upload=upload, user=request.user)
    if upload.status == UploadStatus.DONE:
        messages.success(request, upload_summary(upload))
    elif upload.status == UploadStatus.REPEAT:
        messages.warning(request, _("Этот файл уже загружен: повторная загрузка ничего не меняет."))
    else:
        messages.error(request, _("Файл отклонён: ничего не загружено."))
    return redirect("index:upload", pk=upload.pk)
