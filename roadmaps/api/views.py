"""Roadmaps, sections, measures (history, status), cascades (progress) — STYLE R8."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from django.db.models import Count
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from agencies import access
from agencies.models import Organisation
from roadmap_portal.api.common import PreconditionFailed, if_match_versions
from roadmap_portal.api.viewsets import ScopedFilterBackend, ScopedReadOnlyViewSet
from roadmaps.selectors import cascade_targets_q
from roadmaps.services.cascades import cascade_progress_set

from ..filters import MeasureFilterSet
from ..models import (
    Cascade,
    CascadeProgress,
    Measure,
    MeasureChange,
    MeasurePart,
    MeasureStep,
    MeasureTarget,
    Roadmap,
    Section,
)
from ..selectors import measure_report_months, parts_prefetch
from ..services.measures import (
    MeasureConflict,
    measure_part_set_status,
    measure_report_submit,
    measure_set_status,
    measure_step_set,
    measure_target_set,
)
from .filters import (
    CascadeFilterSet,
    CascadeProgressFilterSet,
    MeasurePartFilterSet,
    RoadmapFilterSet,
    SectionFilterSet,
)
from .serializers import (
    CascadeProgressInputSerializer,
    CascadeProgressSerializer,
    CascadeSerializer,
    MeasureChangeSerializer,
    MeasurePartStatusInputSerializer,
    MeasureReportInputSerializer,
    MeasureReportSerializer,
    MeasureSerializer,
    MeasureStatusInputSerializer,
    MeasureStepInputSerializer,
    MeasureTargetInputSerializer,
    PartSerializer,
    RoadmapSerializer,
    SectionSerializer,
)


def measure_etag(measure: Measure) -> str:
    """The measure's version as a strong entity tag: the If-Match of a status update."""
    return f'"{measure.version}"'


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=(
        'ETag мероприятия из ответа GET (его версия, например "3"). Без заголовка — 428, '
        "устаревшее значение — 412."
    ),
)
IF_MATCH_OPTIONAL = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        'ETag мероприятия из ответа GET (его версия, например "3"): устаревшее значение — '
        "412, ничего не сохраняется."
    ),
)
ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description="Ошибка: {code, detail, fields}.")
WRITE_ERRORS = {400: ERROR, 403: ERROR, 404: ERROR}
CONDITIONAL_ERRORS = {**WRITE_ERRORS, 412: ERROR, 428: ERROR}


class RoadmapViewSet(ScopedReadOnlyViewSet):
    """Roadmaps of the caller's regions and the federal plan."""

    serializer_class = RoadmapSerializer
    filterset_class = RoadmapFilterSet
    ordering_fields = ["code", "approved_on"]

    def get_queryset(self):
        return (
            Roadmap.objects.visible_to(self.request.user)
            .select_related("region")
            .order_by("region__code", "code")
        )


class SectionViewSet(ScopedReadOnlyViewSet):
    """Sections of the roadmaps the caller sees."""

    serializer_class = SectionSerializer
    filterset_class = SectionFilterSet
    ordering_fields = ["position"]

    def get_queryset(self):
        return Section.objects.filter(
            roadmap__in=Roadmap.objects.visible_to(self.request.user)
        ).order_by("roadmap", "position")


class MeasureViewSet(ScopedReadOnlyViewSet):
    """Measures of the caller's scope; filters and `ordering` are those of the measure list.

    The detail carries the measure's `version` as `ETag`: send it back as `If-Match` with
    a status update (see docs/api.md).
    """

    serializer_class = MeasureSerializer
    filterset_class = MeasureFilterSet
    # MeasureFilterSet has its own `ordering` (the page's); DRF's OrderingFilter would clash
    filter_backends = [ScopedFilterBackend]

    def get_queryset(self):
        return (
            Measure.objects.visible_to(self.request.user)
            .with_list_related()
            .prefetch_related("steps", "targets", "indicators", parts_prefetch())
            .order_by("roadmap", "position")
        )

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    # --- writes: fetch with access -> input serializer -> the page's service (STYLE R8)

    def _editable(self, pk) -> Measure:
        """404 outside the caller's scope, 403 when visible but not theirs to change."""
        measure = get_object_or_404(
            Measure.objects.visible_to(self.request.user).with_list_related(), pk=pk
        )
        if not access.can_edit_measure(self.request.user, measure):  # type: ignore[arg-type]
            raise exceptions.PermissionDenied("Вы не можете изменять это мероприятие.")
        return measure

    @staticmethod
    def _expected_version(request, measure: Measure) -> int:
        if measure.version not in if_match_versions(request):
            raise PreconditionFailed()
        return measure.version

    def _fresh(self, measure: Measure) -> Response:
        fresh = self.get_queryset().get(pk=measure.pk)
        data = MeasureSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, headers={"ETag": measure_etag(fresh)})

    @extend_schema(
        summary="Изменить статус мероприятия",
        parameters=[IF_MATCH],
        request={
            "application/json": MeasureStatusInputSerializer,
            "multipart/form-data": MeasureStatusInputSerializer,
        },
        responses={200: MeasureSerializer, **CONDITIONAL_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def status(self, request, pk=None):
        """Sets the status with a comment and evidence (a file in multipart, or a link).

        Optimistic concurrency: `If-Match` must carry the measure's current ETag (its
        `version`); a missing header is 428, a stale one 412 — nothing is saved then. The
        answer is the measure with its new ETag.
        """
        measure = self._editable(pk)
        expected = self._expected_version(request, measure)
        form = MeasureStatusInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            measure_set_status(
                measure=measure,
                actor=request.user,
                expected_version=expected,
                **form.validated_data,
            )
        except MeasureConflict:
            raise PreconditionFailed() from None
        return self._fresh(measure)

    @extend_schema(
        summary="Отметить подэтап мероприятия",
        parameters=[IF_MATCH],
        request=MeasureStepInputSerializer,
        responses={200: MeasureSerializer, **CONDITIONAL_ERRORS},
        filters=False,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"steps/(?P<step_id>[0-9]+)",
        url_name="step",
        filter_backends=[],
    )
    def step(self, request, pk=None, step_id=None):
        """Ticks (done=true) or unticks a sub-step; If-Match as for the status."""
        measure = self._editable(pk)
        step = get_object_or_404(MeasureStep, pk=step_id, measure=measure)
        expected = self._expected_version(request, measure)
        form = MeasureStepInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        step.measure = measure
        try:
            measure_step_set(
                step=step, actor=request.user, expected_version=expected, **form.validated_data
            )
        except MeasureConflict:
            raise PreconditionFailed() from None
        return self._fresh(measure)

    @extend_schema(
        summary="Достигнутое значение количественной цели",
        parameters=[IF_MATCH],
        request={
            "application/json": MeasureTargetInputSerializer,
            "multipart/form-data": MeasureTargetInputSerializer,
        },
        responses={200: MeasureSerializer, **CONDITIONAL_ERRORS},
        filters=False,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"targets/(?P<target_id>[0-9]+)",
        url_name="target",
        filter_backends=[],
    )
    def target(self, request, pk=None, target_id=None):
        """Enters the value achieved on a countable target with a comment and evidence.

        For those who may change the measure; If-Match carries the measure's ETag.
        """
        measure = self._editable(pk)
        target = get_object_or_404(MeasureTarget, pk=target_id, measure=measure)
        target.measure = measure
        expected = self._expected_version(request, measure)
        form = MeasureTargetInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            measure_target_set(
                target=target, actor=request.user, expected_version=expected, **form.validated_data
            )
        except MeasureConflict:
            raise PreconditionFailed() from None
        return self._fresh(measure)

    @extend_schema(
        summary="Ежемесячный отчёт по мероприятию",
        parameters=[IF_MATCH_OPTIONAL],
        request={
            "application/json": MeasureReportInputSerializer,
            "multipart/form-data": MeasureReportInputSerializer,
        },
        responses={200: MeasureReportSerializer, 412: ERROR, **WRITE_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def reports(self, request, pk=None):
        """Records one month's report of a recurring measure («ежемесячно до …»).

        A report is a write to the measure: with `If-Match` (the measure's ETag) a stale
        version is 412 and nothing is saved; the answer carries the measure's new ETag.
        """
        measure = self._editable(pk)
        expected = (
            self._expected_version(request, measure) if request.headers.get("If-Match") else None
        )
        form = MeasureReportInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        months = {month.period: month.due_date for month in measure_report_months(measure)}
        try:
            report = measure_report_submit(
                measure=measure,
                actor=request.user,
                allowed_periods=months,
                expected_version=expected,
                **form.validated_data,
            )
        except MeasureConflict:
            raise PreconditionFailed() from None
        return Response(
            MeasureReportSerializer(report).data,
            headers={"ETag": measure_etag(measure)},  # its version moved with the report
        )

    @extend_schema(
        summary="Файл подтверждения из истории",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            404: ERROR,
        },
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"history/(?P<change_id>[0-9]+)/evidence",
        url_name="evidence",
        filter_backends=[],
    )
    def evidence(self, request, pk=None, change_id=None):
        """The evidence file of a history entry, to whoever may see the measure."""
        measure = get_object_or_404(Measure.objects.visible_to(request.user), pk=pk)
        change = get_object_or_404(MeasureChange, pk=change_id, measure=measure)
        if not change.evidence:
            raise exceptions.NotFound()
        try:
            handle = change.evidence.open("rb")
        except FileNotFoundError:
            raise exceptions.NotFound() from None
        filename = PurePosixPath(change.evidence.name).name
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        response = FileResponse(
            handle, as_attachment=True, filename=filename, content_type=content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(
        summary="История мероприятия",
        responses=MeasureChangeSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        """Every change of the measure, newest first: status, sub-steps, reports, cascades."""
        measure = get_object_or_404(Measure.objects.visible_to(request.user), pk=pk)
        changes = MeasureChange.objects.filter(measure=measure).select_related("actor")
        page = self.paginate_queryset(changes.order_by("-created_at", "-id"))
        data = MeasureChangeSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)


PART_IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=(
        'ETag части из ответа GET (её версия, например "2"). Без заголовка — 428, '
        "устаревшее значение — 412."
    ),
)


class MeasurePartViewSet(ScopedReadOnlyViewSet):
    """Each responsible body's part of the measures the caller sees (`?measure=<id>`).

    A measure with several bodies concerned (several agencies, or a collective designation)
    has one part per body; its status follows from them. The detail carries the part's
    `version` as `ETag` for a status update.
    """

    serializer_class = PartSerializer
    filterset_class = MeasurePartFilterSet
    ordering_fields = ["position", "status_changed_at"]

    def get_queryset(self):
        return (
            MeasurePart.objects.filter(measure__in=Measure.objects.visible_to(self.request.user))
            .select_related("agency", "measure__roadmap__region")
            .order_by("measure", "position", "id")
        )

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    @extend_schema(
        summary="Изменить статус части органа",
        parameters=[PART_IF_MATCH],
        request={
            "application/json": MeasurePartStatusInputSerializer,
            "multipart/form-data": MeasurePartStatusInputSerializer,
        },
        responses={200: PartSerializer, **CONDITIONAL_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def status(self, request, pk=None):
        """Sets the part's status with a comment and evidence; the measure's follows.

        Staff change their own body's part, editors of the region every part. `If-Match`
        carries the part's ETag: missing 428, stale 412, nothing saved then.
        """
        part = get_object_or_404(self.get_queryset(), pk=pk)
        if not access.can_edit_measure_part(request.user, part):
            raise exceptions.PermissionDenied("Вы не можете изменять часть этого органа.")
        if part.version not in if_match_versions(request):
            raise PreconditionFailed()
        form = MeasurePartStatusInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            measure_part_set_status(
                part=part,
                actor=request.user,
                expected_version=part.version,
                **form.validated_data,
            )
        except MeasureConflict:
            raise PreconditionFailed() from None
        fresh = self.get_queryset().get(pk=part.pk)
        data = PartSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, headers={"ETag": f'"{fresh.version}"'})


class CascadeViewSet(ScopedReadOnlyViewSet):
    """Cascades of the measures the caller sees, with the number of organisations."""

    serializer_class = CascadeSerializer
    filterset_class = CascadeFilterSet
    ordering_fields = ["created_at", "due_date"]

    def get_queryset(self):
        return (
            Cascade.objects.filter(measure__in=Measure.objects.visible_to(self.request.user))
            .select_related("measure__roadmap__region", "municipality")
            .annotate(organisations_total=Count("targets", distinct=True))
            .order_by("-created_at", "-id")
        )

    @extend_schema(
        summary="Отметить ход каскада по организации",
        request=CascadeProgressInputSerializer,
        responses={200: CascadeProgressSerializer(many=True), **WRITE_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def progress(self, request, pk=None):
        """Records (or, with `done_on: null`, clears) an organisation's sub-step.

        The organisation must be an addressee of the cascade and in the caller's scope;
        editors of the measure record for all of them, staff of a municipality or of an
        organisation for their own. Answers with that organisation's progress rows.
        """
        cascade = self.get_object()
        user = request.user
        if not access.can_record_any_cascade(user, cascade):
            raise exceptions.PermissionDenied()
        form = CascadeProgressInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        organisation = (
            Organisation.objects.visible_to(user)
            .filter(cascade_targets_q(cascade), code=data["organisation"])
            .first()
        )
        if organisation is None:
            raise exceptions.ValidationError(
                {"organisation": ["Организация не найдена среди адресатов каскада."]}
            )
        if not access.can_record_cascade(user, cascade, organisation):
            raise exceptions.PermissionDenied()
        step = None
        if data["step"] is not None:
            step = MeasureStep.objects.filter(
                pk=data["step"], measure_id=cascade.measure_id
            ).first()
            if step is None:
                raise exceptions.ValidationError(
                    {"step": ["Подэтап не относится к мероприятию каскада."]}
                )
        try:
            cascade_progress_set(
                cascade=cascade,
                organisation=organisation,
                step=step,
                done_on=data["done_on"],
                actor=user,
            )
        except PermissionError:
            raise exceptions.PermissionDenied() from None
        rows = CascadeProgress.objects.filter(cascade=cascade, organisation=organisation)
        rows = rows.select_related("organisation").order_by("step__position")
        return Response(CascadeProgressSerializer(rows, many=True).data)


class CascadeProgressViewSet(ScopedReadOnlyViewSet):
    """Each organisation's completion of each sub-step of the cascades the caller sees."""

    serializer_class = CascadeProgressSerializer
    filterset_class = CascadeProgressFilterSet
    ordering_fields = ["done_on", "recorded_at"]

    def get_queryset(self):
        cascades = Cascade.objects.filter(measure__in=Measure.objects.visible_to(self.request.user))
        return (
            CascadeProgress.objects.filter(cascade__in=cascades)
            .select_related("organisation")
            .order_by("cascade", "organisation__code", "step__position")
        )
