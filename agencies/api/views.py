from rest_framework import viewsets

from ..models import Agency, Region
from .serializers import AgencySerializer, RegionSerializer


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Regions the caller may see."""

    serializer_class = RegionSerializer
    filterset_fields = ["code"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return Region.objects.visible_to(self.request.user).order_by("code")


class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    """Agencies of the caller's regions, and partners serving every region."""

    serializer_class = AgencySerializer
    filterset_fields = ["kind", "region__code"]
    ordering_fields = ["name"]

    def get_queryset(self):
        return (
            Agency.objects.visible_to(self.request.user).select_related("region").order_by("name")
        )
