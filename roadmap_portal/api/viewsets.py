"""Base classes of the API resources (kept apart from common.py, which DRF settings import)."""

from __future__ import annotations

import inspect

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets
from rest_framework.filters import OrderingFilter

from roadmap_portal.filtersets import PortalFilterSet


class ScopedFilterBackend(DjangoFilterBackend):
    """django-filter backend that hands the user to FilterSets that narrow choices by scope.

    The page FilterSets (`MeasureFilterSet(…, user=request.user)`) limit their choice
    querysets to what the user may see; the API uses the very same classes (STYLE R7).
    Every FilterSet, the ones generated from `filterset_fields` too, is a `PortalFilterSet`:
    a value it cannot read is the API's 400 naming the parameter
    (`roadmap_portal.params.BadParameter`, `api.common.exception_handler`).
    """

    filterset_base = PortalFilterSet

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not isinstance(filterset, PortalFilterSet):
            return super().filter_queryset(request, queryset, view)
        return filterset.qs  # refuses what it cannot read

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and _accepts_user(filterset_class):
            kwargs["user"] = request.user
        return kwargs


def _accepts_user(filterset_class) -> bool:
    return "user" in inspect.signature(filterset_class.__init__).parameters


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """Base of the API's read resources: scoped FilterSets, `?ordering=`, page pagination.

    Subclasses implement `get_queryset()` with `Model.objects.visible_to(request.user)`.
    """

    filter_backends = [ScopedFilterBackend, OrderingFilter]
