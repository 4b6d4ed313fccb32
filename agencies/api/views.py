from roadmap_portal.api.viewsets import ScopedReadOnlyViewSet

from ..models import Agency, Municipality, Organisation, Region
from .filters import MunicipalityFilterSet, OrganisationFilterSet
from .serializers import (
    AgencySerializer,
    MunicipalitySerializer,
    OrganisationSerializer,
    RegionSerializer,
)


class RegionViewSet(ScopedReadOnlyViewSet):
    """Regions the caller may see."""

    serializer_class = RegionSerializer
    filterset_fields = ["code"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return Region.objects.visible_to(self.request.user).order_by("code")


class AgencyViewSet(ScopedReadOnlyViewSet):
    """Agencies of the caller's regions, and partners serving every region."""

    serializer_class = AgencySerializer
    filterset_fields = ["kind", "region__code"]
    ordering_fields = ["name"]

    def get_queryset(self):
        return (
            Agency.objects.visible_to(self.request.user).select_related("region").order_by("name")
        )


class MunicipalityViewSet(ScopedReadOnlyViewSet):
    """Municipal formations of the caller's regions."""

    serializer_class = MunicipalitySerializer
    filterset_class = MunicipalityFilterSet
    ordering_fields = ["name"]

    def get_queryset(self):
        return (
            Municipality.objects.visible_to(self.request.user)
            .select_related("region")
            .order_by("region__code", "name")
        )


class OrganisationViewSet(ScopedReadOnlyViewSet):
    """Organisations of the Sferum monitoring in the caller's regions."""

    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilterSet
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return (
            Organisation.objects.visible_to(self.request.user)
            .select_related("region", "municipality")
            .order_by("code")
        )
