from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies import access
from roadmap_portal.api.viewsets import ScopedReadOnlyViewSet

from ..filters import AlertFilterSet
from ..models import Alert
from ..selectors import alert_list
from ..services import alert_acknowledge
from .serializers import AlertAcknowledgeInputSerializer, AlertSerializer

ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description="Ошибка: {code, detail, fields}.")


class AlertViewSet(ScopedReadOnlyViewSet):
    """Alerts of the caller's regions; the filters of the alert centre (`state=open` for
    what still needs attention, `scope=mine` for the caller's agencies' measures)."""

    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet
    ordering_fields = ["opened_at", "severity"]

    def get_queryset(self):
        return alert_list(queryset=Alert.objects.visible_to(self.request.user))

    @extend_schema(
        summary="Принять оповещение к сведению",
        request=AlertAcknowledgeInputSerializer,
        responses={200: AlertSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def acknowledge(self, request, pk=None):
        """Marks the alert as seen with a comment; the cause is not closed by it.

        Administrators, coordinators of the region and staff of a responsible agency.
        """
        alert = self.get_object()
        if not access.can_acknowledge(request.user, alert):
            raise exceptions.PermissionDenied()
        form = AlertAcknowledgeInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        alert_acknowledge(alert=alert, actor=request.user, comment=form.validated_data["comment"])
        return Response(AlertSerializer(self.get_queryset().get(pk=alert.pk)).data)
