from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from .filters import MeasureFilterSet
from .models import Measure
from .selectors import measure_list, status_counts


def measure_list_view(request):
    base = Measure.objects.visible_to(request.user)
    filterset = MeasureFilterSet(request.GET or None, queryset=base, user=request.user)
    qs = filterset.qs if filterset.is_bound else base
    rows = measure_list(user=request.user, filterset_qs=qs)
    return render(
        request,
        "roadmaps/measure_list.html",
        {"filter": filterset, "rows": rows, "counts": status_counts(qs), "total": len(rows)},
    )


def measure_detail_view(request, pk: int):
    measure = get_object_or_404(
        Measure.objects.visible_to(request.user)
        .with_list_related()
        .prefetch_related("steps", "targets", "indicators", "changes__actor"),
        pk=pk,
    )
    return render(request, "roadmaps/measure_detail.html", {"measure": measure})
