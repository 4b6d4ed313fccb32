from __future__ import annotations

from django.db import transaction
from django.http import Http404
from rest_framework import status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from agencies import access
from agencies.models import Region

from ..models import MonitoringUpload
from ..selectors import can_upload
from ..services.uploads import monitoring_upload_create, upload_progress
from ..tasks import monitoring_import_task
from .serializers import MonitoringUploadInputSerializer, MonitoringUploadSerializer


class MonitoringUploadViewSet(viewsets.ReadOnlyModelViewSet):
    """Monitoring uploads the user sees; POST a file to start an import (202, runs in a task)."""

    serializer_class = MonitoringUploadSerializer
    parser_classes = [MultiPartParser, FormParser]
    filterset_fields = ["status", "dry_run"]

    def get_queryset(self):
        return (
            MonitoringUpload.objects.visible_to(self.request.user)
            .select_related("region", "uploaded_by")
            .order_by("-uploaded_at", "-id")
        )

    def retrieve(self, request, *args, **kwargs):
        upload = self.get_object()
        data = self.get_serializer(upload).data
        data["progress"] = upload_progress(upload)
        return Response(data)

    def create(self, request, *args, **kwargs):
        form = MonitoringUploadInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        code = (form.validated_data.get("region") or "").strip()
        user = request.user
        if code:
            region = Region.objects.visible_to(user).filter(code=code.zfill(2)).first()
            if region is None:
                raise Http404
        elif not access.spans_regions(user):
            region = Region.objects.visible_to(user).first()
        else:
            region = None  # a multi-region file: the user's own scope applies row by row
        if region is not None and not can_upload(user, region):
            raise PermissionDenied
        if region is None and not access.is_admin(user) and not access.spans_regions(user):
            raise PermissionDenied
        upload = monitoring_upload_create(
            file=form.validated_data["file"],
            user=user,
            region=region,
            dry_run=form.validated_data["dry_run"],
        )
        transaction.on_commit(lambda: monitoring_import_task.delay(upload.pk))
        return Response(self.get_serializer(upload).data, status=status.HTTP_202_ACCEPTED)
