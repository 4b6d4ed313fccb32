"""The roadmap on a timeline: the measure list's filters, one roadmap, one SVG chart.

Scoped exactly like the measure list (`Measure.objects.visible_to`, `MeasureFilterSet`
with the user's choices); a roadmap out of the user's scope is 404. A filter value that
cannot be read is a 400 naming it (`PortalFilterSet`), as on the measure list. Without a roadmap in
the query string the user's only regional roadmap is shown, else a choice of roadmaps.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from agencies import access
from roadmap_portal import params
from roadmaps.filters import MeasureFilterSet
from roadmaps.models import Measure, Roadmap

from .charts.timeline import timeline_chart
from .timeline import TIMELINE_LIMIT, roadmap_timeline


@require_safe
def roadmap_timeline_view(request):
    roadmaps = Roadmap.objects.visible_to(request.user).select_related("region")
    data = request.GET.copy()
    chosen = params.integer(data, "roadmap")  # not an id: 400; not the user's: 404
    if chosen is not None:
        roadmap = get_object_or_404(roadmaps, pk=chosen)
    else:
        regional = list(roadmaps.filter(region__isnull=False)[:2])
        if len(regional) != 1:
            return render(
                request,
                "reports/roadmap_timeline.html",
                {"roadmaps": list(roadmaps.order_by("region__name", "code")), "chart": None},
            )
        roadmap = regional[0]
        data["roadmap"] = str(roadmap.pk)
    filterset = MeasureFilterSet(
        data, queryset=Measure.objects.visible_to(request.user), user=request.user
    )
    timeline = roadmap_timeline(user=request.user, roadmap=roadmap, measures=filterset.qs)
    chart = timeline_chart(
        timeline.groups,
        today=timeline.today,
        milestones=timeline.milestones,
        legend=timeline.legend,
        label=_("%(roadmap)s: мероприятия на шкале времени") % {"roadmap": roadmap},
    )
    return render(
        request,
        "reports/roadmap_timeline.html",
        {
            "filter": filterset,
            "roadmap": roadmap,
            "timeline": timeline,
            "limit": TIMELINE_LIMIT,
            # the chart escapes every label itself (reports.charts)
            "chart": mark_safe(chart),
            "list_url": reverse("roadmaps:measure-list") + "?" + data.urlencode(),
            "timeline_url": reverse("reports:roadmap-timeline"),
            "reset_url": reverse("reports:roadmap-timeline") + f"?roadmap={roadmap.pk}",
            "may_see_federal": access.can_see_federal_view(request.user),
        },
    )
