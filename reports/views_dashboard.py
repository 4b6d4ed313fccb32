"""Dashboard pages: a region at a glance, the country at a glance, a municipality's figures.

Scope (agencies.access): a region out of the user's scope is 404; the country overview is
for analysts, administrators and coordinators of several regions (others get 403).
Query parameters (roadmap_portal.params): `date`, `lagging` and `map` decide the figures and
are refused (400) when they cannot be read; `sort`, `msort` only order rows (an unknown
one is the default order); `q` is a free-text search. The scope is checked first.
"""

from __future__ import annotations

import hashlib
import os
import secrets

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from agencies import access, dataversion
from agencies.models import Municipality, Region
from indicators.formulas import INDICATOR_CODES
from roadmap_portal import params

from . import charts
from .dashboards.country import country_overview, overview_days
from .dashboards.municipality import municipality_organisations
from .dashboards.region import region_dashboard
from .exports import jobs
from .exports.pdf import render_pdf, stamp_text


@require_safe
def region_dashboard_view(request, code: str):
    region = get_object_or_404(Region.objects.visible_to(request.user), code=code)
    # `?date=` decides the figures: a date that cannot be read is refused (params), never today
    today = params.date(request.GET, "date", region.local_today())
    dashboard = region_dashboard(
        user=request.user,
        region=region,
        today=today,
        municipality_sort=request.GET.get("msort", ""),
    )
    context = {
        "d": dashboard,
        "measures_url": reverse("roadmaps:measure-list"),
        "uploads_url": reverse("indicators:upload-list", kwargs={"code": region.code}),
        "indicators_url": reverse("indicators:region", kwargs={"code": region.code}),
        "approval_url": reverse("indicators:approval-list", kwargs={"code": region.code}),
        "alerts_url": reverse("alerts:alert-list"),
        # the municipality links of the table: one reverse, not one per row
        "muni_base": reverse(
            "reports:municipality-dashboard", kwargs={"code": region.code, "pk": 0}
        )[:-2],
    }
    context["body"] = _region_body(request, dashboard, context)
    context["can_see_country"] = access.can_see_country(request.user)
    return render(request, "reports/dashboard_region.html", context)


# Rendered bodies of one process's templates and code: a deploy never serves another's HTML.
_RENDERING = secrets.token_hex(4)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _page_params(request, allowed: set[str]) -> str | None:
    """The query string as part of a rendered body's key, or None (render, don't cache) when
    it carries a parameter the page does not read or a free-text search: the bodies cached
    are the pages people open, not whatever strings a client sends."""
    if not set(request.GET) <= allowed or request.GET.get("q"):
        return None
    return _digest(request.GET.urlencode())


def _region_body(request, dashboard, context: dict) -> str:
    """The dashboard's figures (the `body` partial), rendered once per data version.

    The template renders 2,000+ variables and the charts: most of a cached page's time. The
    body holds the region's data only, never the user's (the scope is checked before, the
    user's own links are outside the body), so it is cached under the key the data were read
    under (`region_dashboard`), plus what the rendering adds: the ranking place (read from the
    national ranking on every call), the query string (the sort links keep it), the
    language, and this process's code. Cache off, data not cached, or a query string the page
    does not read (`_page_params`): rendered each time."""

    def render_body() -> str:
        return render_to_string("reports/dashboard_region.html#body", context, request=request)

    query_key = _page_params(request, {"date", "msort"})
    if dashboard.cache_key is None or query_key is None:
        return render_body()
    key = (
        f"html:{_RENDERING}:{dashboard.cache_key}:{dashboard.index.rank}:"
        f"{dashboard.index.ranked}:{get_language()}:{query_key}"
    )
    return mark_safe(dataversion.cached(lambda: key, render_body))


@require_safe
def region_dashboard_pdf_view(request, code: str):
    """The region dashboard as a PDF for meetings: the same scope and the same data
    (`region_dashboard`) as the page, printed by `render_pdf` (A4 landscape)."""
    region = get_object_or_404(Region.objects.visible_to(request.user), code=code)
    today = params.date(request.GET, "date", region.local_today())
    dashboard = region_dashboard(user=request.user, region=region, today=today)
    now = timezone.localtime(timezone.now(), region.tz)
    path = jobs.export_temp_path("pdf")
    try:
        render_pdf(
            "reports/pdf/region_dashboard.html",
            {
                "title": f"{region.name}: сводка по субъекту РФ",
                "stamp": stamp_text(now, jobs.author_text(request.user)),
                "d": dashboard,
            },
            path,
        )
        handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    except jobs.ExportRefused as refused:  # the server cannot render PDF
        return HttpResponse(str(refused), status=503, content_type="text/plain; charset=utf-8")
    finally:
        os.unlink(path)  # the open handle keeps the data until the response is sent
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"dashboard_{region.code}_{today:%Y-%m-%d}.pdf",
        content_type="application/pdf",
    )


@require_safe
def country_overview_view(request):
    if not access.can_see_country(request.user):
        raise PermissionDenied
    # no date, or today's: each region on its own local date; another date: that date
    days = overview_days(params.date(request.GET, "date"))
    lagging = params.flag(request.GET, "lagging")
    chosen_map = params.choice(request.GET, "map", MAP_CHOICES, default="index")

    def render_body() -> str:
        overview = country_overview(
            user=request.user,
            days=days,
            sort=request.GET.get("sort", ""),
            query=request.GET.get("q", "")[:100],
            lagging=lagging,
        )
        multiples = [
            (
                row.region.name,
                row.history,
                reverse("reports:region-dashboard", kwargs={"code": row.region.code}),
            )
            for row in overview.rows
            if row.history
        ]
        context = {"o": overview, "multiples": multiples, **_country_map(chosen_map, overview)}
        fresh.update(context)
        return render_to_string("reports/dashboard_country.html#body", context, request=request)

    def key() -> str:
        """The overview is every visible region's row (with its national place and lagging
        flag): the national version, the days (`OverviewDays.key`: the date, and for
        today every time zone's date) and the set of visible regions say it all, with the
        query string (filters, order, map) and the language."""
        scope = ",".join(
            map(str, sorted(Region.objects.visible_to(request.user).values_list("pk", flat=True)))
        )
        return (
            f"html-country:{_RENDERING}:{dataversion.national_token()}:{days.key}:"
            f"{_digest(scope)}:{get_language()}:{query_key}"
        )

    fresh: dict = {}  # the body's context when it is rendered in this request (for tests)
    query_key = _page_params(request, {"date", "sort", "lagging", "map"})
    body = mark_safe(dataversion.cached(key, render_body) if query_key else render_body())
    return render(request, "reports/dashboard_country.html", {**fresh, "body": body})


# what the overview's map may be coloured by (`?map=`): the index or one Sferum indicator
MAP_CHOICES = ("index", *INDICATOR_CODES)


def _country_map(chosen: str, overview) -> dict:
    """The tile-grid map of the overview's regions, coloured by the index or one indicator
    (`?map=i1`…, read by `params.choice` among `MAP_CHOICES`); each tile links to the
    region's dashboard (the rows are the user's own)."""
    choices = [("index", _("Индекс внедрения"))] + [
        (i.code, f"П{i.number}. {i.name}") for i in overview.indicators
    ]
    if chosen not in dict(choices):  # an indicator the national data do not carry
        chosen = "index"
    tiles = [
        charts.Tile(
            code=row.region.code,
            name=row.region.name,
            value=row.total if chosen == "index" else row.indicator(chosen),
            href=reverse("reports:region-dashboard", kwargs={"code": row.region.code}),
        )
        for row in overview.rows
    ]
    svg = charts.tile_map(
        tiles,
        unit="points" if chosen == "index" else "percent",
        low=0,
        high=100,
        label=dict(choices)[chosen],
    )
    return {"map_svg": mark_safe(svg), "map_choices": choices, "map_chosen": chosen}


@require_safe
def municipality_view(request, code: str, pk: int):
    region = get_object_or_404(Region.objects.visible_to(request.user), code=code)
    municipality = get_object_or_404(Municipality, region=region, pk=pk)
    page = municipality_organisations(municipality=municipality, sort=request.GET.get("sort", ""))
    return render(request, "reports/dashboard_municipality.html", {"p": page, "region": region})
