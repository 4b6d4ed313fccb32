"""Exports ordered through the API: the export page's reports, rules and files."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies import access
from agencies.models import Region
from roadmap_portal.api.common import error
from roadmap_portal.api.viewsets import ScopedReadOnlyViewSet
from roadmap_portal.jobs import QUEUE_DOWN_EXPORT_MESSAGE

from .. import selectors
from ..choices_exports import ExportStatus
from ..exports import jobs
from ..exports.formats import content_type
from ..forms_exports import ExportForm
from ..models import GeneratedExport
from .serializers import (
    ExportInputSerializer,
    ExportSerializer,
)

ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description="Ошибка: {code, detail, fields}.")


class ExportViewSet(ScopedReadOnlyViewSet):
    """Reports (XLSX, ODS, CSV, PDF) ordered through the API (the export page's reports and rules).

    `POST` orders a report (it is built in the background: 202), `GET exports/{id}/` says
    how far it is, `GET exports/{id}/download/` fetches the file once `status` is `done`.
    Analysts, coordinators and administrators; a job is its author's.
    """

    serializer_class = ExportSerializer
    filterset_fields = ["kind", "status", "fmt"]
    ordering_fields = ["created_at"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not access.can_export(request.user):
            raise exceptions.PermissionDenied()

    def get_queryset(self):
        return (
            GeneratedExport.objects.visible_to(self.request.user)
            .select_related("region")
            .order_by("-created_at", "-id")
        )

    @extend_schema(
        summary="Заказать отчёт",
        request=ExportInputSerializer,
        responses={202: ExportSerializer, 400: ERROR, 403: ERROR},
    )
    def create(self, request):
        """Orders a report; the region must be in the caller's scope (else 400 on `region`)."""
        data = ExportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        regions = list(selectors.export_regions(user=request.user))
        values = {
            key: value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in data.validated_data.items()
            if value is not None
        }
        form = ExportForm(values, regions=regions)
        if not form.is_valid():
            raise exceptions.ValidationError(
                {
                    "non_field_errors" if field == "__all__" else field: list(messages)
                    for field, messages in form.errors.items()
                }
            )
        try:
            export = jobs.export_create(
                user=request.user,
                kind=form.cleaned_data["kind"],
                params=form.params(),
                fmt=form.cleaned_data["fmt"],
            )
        except jobs.ExportRefused as refused:
            field = refused.field or "region"
            raise exceptions.ValidationError({field: [str(refused)]}) from None
        except Region.DoesNotExist:
            raise exceptions.ValidationError({"region": ["Субъект не найден."]}) from None
        export.refresh_from_db()
        body = dict(ExportSerializer(export, context=self.get_serializer_context()).data)
        if export.status == ExportStatus.PENDING and export.enqueued_at is None:
            body["detail"] = str(QUEUE_DOWN_EXPORT_MESSAGE)  # the sweeper queues it later
        return Response(body, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Сформировать заново отчёт с ошибкой или зависший",
        request=None,
        responses={202: ExportSerializer, 403: ERROR, 404: ERROR, 409: ERROR},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def rerun(self, request, pk=None):
        """A failed job, or one stuck (pending with no queued task, running with its worker
        lost), goes back to the queue (its author, as the page). Others: 409."""
        export = self.get_object()
        if not jobs.export_rerun(export=export):
            return error(
                "conflict", "Заново можно сформировать только отчёт с ошибкой или зависший.", 409
            )
        body = dict(ExportSerializer(export, context=self.get_serializer_context()).data)
        return Response(body, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Файл отчёта",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            404: ERROR,
            409: ERROR,
            410: ERROR,
        },
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def download(self, request, pk=None):
        """The file once ready: 409 while it is being built (or failed), 410 once deleted."""
        export = self.get_object()
        if export.status == ExportStatus.EXPIRED or (
            export.status == ExportStatus.DONE and export.is_expired
        ):
            return error("gone", "Срок хранения отчёта истёк: закажите его снова.", 410)
        if export.status == ExportStatus.FAILED:
            return error("export_failed", export.error or "Отчёт не удалось сформировать.", 409)
        if not export.is_downloadable:
            return error("not_ready", "Отчёт ещё формируется: повторите запрос позже.", 409)
        return FileResponse(
            export.file.open("rb"),
            as_attachment=True,
            filename=export.filename,
            content_type=content_type(export.fmt),
        )
