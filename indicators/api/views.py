"""Indicators: definitions with stages, regional targets and baselines, weekly values."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from agencies import access
from agencies.models import Region, normalise_region_code
from indicators.index.services import index_fact_create, index_fact_verify
from roadmap_portal import params
from roadmap_portal.api.pagination import VersionedCountPagination
from roadmap_portal.api.viewsets import ScopedReadOnlyViewSet
from roadmap_portal.jobs import QUEUE_DOWN_MESSAGE

from ..choices import FactSource, UploadStatus
from ..index.selectors import index_ranking, national_date, region_index_page
from ..index.uploads import index_upload_apply, index_upload_create
from ..jobs import monitoring_import_enqueue
from ..models import (
    IndexFact,
    IndexScore,
    IndexUpload,
    Indicator,
    IndicatorStage,
    MonitoringRollup,
    MonitoringRoster,
    MonitoringUpload,
    RegionBaseline,
    RegionTarget,
    WeekApproval,
)
from ..services.rosters import monitoring_roster_delete, monitoring_roster_upload
from ..services.uploads import monitoring_upload_create, monitoring_upload_rerun, upload_progress
from .filters import (
    IndexFactFilterSet,
    IndexScoreFilterSet,
    IndicatorValueFilterSet,
    MonitoringUploadFilterSet,
    RegionBaselineFilterSet,
    RegionTargetFilterSet,
)
from .serializers import (
    IndexFactInputSerializer,
    IndexFactSerializer,
    IndexHistorySerializer,
    IndexImportInputSerializer,
    IndexScoreSerializer,
    IndexUploadSerializer,
    IndicatorSerializer,
    IndicatorValueSerializer,
    MonitoringRosterInputSerializer,
    MonitoringRosterSerializer,
    MonitoringUploadInputSerializer,
    MonitoringUploadSerializer,
    RankingSerializer,
    RegionBaselineSerializer,
    RegionIndexSerializer,
    RegionTargetSerializer,
)


class IndicatorViewSet(ScopedReadOnlyViewSet):
    """The four Sferum indicators with their stages (reference data, the same for everyone)."""

    serializer_class = IndicatorSerializer
    filterset_fields = ["code"]
    ordering_fields = ["number"]

    def get_queryset(self):
        return Indicator.objects.prefetch_related(
            Prefetch("stages", queryset=IndicatorStage.objects.order_by("stage"))
        ).order_by("number")


class RegionTargetViewSet(ScopedReadOnlyViewSet):
    """Regional readings of the stage targets (another value, or a condition)."""

    serializer_class = RegionTargetSerializer
    filterset_class = RegionTargetFilterSet
    ordering_fields = ["stage"]

    def get_queryset(self):
        return (
            RegionTarget.objects.visible_to(self.request.user)
            .select_related("region", "indicator")
            .order_by("region__code", "indicator__number", "stage")
        )


class RegionBaselineViewSet(ScopedReadOnlyViewSet):
    """Stage 1 baselines of the regions (best value in VK Messenger 2024/25)."""

    serializer_class = RegionBaselineSerializer
    filterset_class = RegionBaselineFilterSet
    ordering_fields = ["value"]

    def get_queryset(self):
        return (
            RegionBaseline.objects.visible_to(self.request.user)
            .select_related("region", "indicator")
            .order_by("region__code", "indicator__number")
        )


class IndicatorValueViewSet(ScopedReadOnlyViewSet):
    """Weekly values of I1–I4 and M per region or municipality, with numerators/denominators.

    Read from the weekly rollups the monitoring import keeps up to date.
    """

    serializer_class = IndicatorValueSerializer
    filterset_class = IndicatorValueFilterSet
    ordering_fields = ["week_start"]
    # the rollups are written only by rollups_rebuild, which bumps the data version
    pagination_class = VersionedCountPagination

    def get_queryset(self):
        return (
            MonitoringRollup.objects.visible_to(self.request.user)
            .with_approval()
            .select_related("region", "municipality")
            .order_by("region__code", "municipality__name", "-week_start")
        )


# --- the implementation index (indicators.index services and selectors) -----------------

ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description="Ошибка: {code, detail, fields}.")
DATE = OpenApiParameter(
    "date", OpenApiTypes.DATE, description="На дату (ГГГГ-ММ-ДД); по умолчанию сегодня."
)


class IndexScoreViewSet(ScopedReadOnlyViewSet):
    """The index: stored scores per region and date (history), the live breakdown of a
    region on any date, and the ranking of all regions."""

    serializer_class = IndexScoreSerializer
    filterset_class = IndexScoreFilterSet
    ordering_fields = ["on_date", "total"]

    def get_queryset(self):
        qs = (
            IndexScore.objects.visible_to(self.request.user)
            .select_related("region", "version")
            .order_by("region__code", "-on_date")
        )
        if self.action == "list":
            qs = qs.defer("components", "criteria")
        return qs

    def get_serializer_class(self):
        return IndexHistorySerializer if self.action == "list" else IndexScoreSerializer

    @extend_schema(
        summary="Индекс субъекта на дату с разбивкой",
        parameters=[DATE],
        responses={200: RegionIndexSerializer, 400: ERROR, 404: ERROR},
        filters=False,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path=r"regions/(?P<code>[0-9]{2})",
        url_name="region",
        filter_backends=[],
        pagination_class=None,
    )
    def region(self, request, code=None):
        """Computed from the inputs valid on the date (as the region's index page)."""
        region = get_object_or_404(Region.objects.visible_to(request.user), code=code)
        on_date = params.date(request.query_params, "date", region.local_today())
        page = region_index_page(region=region, on_date=on_date)
        return Response(RegionIndexSerializer(page).data)

    @extend_schema(
        summary="Рейтинг субъектов",
        parameters=[
            DATE,
            OpenApiParameter(
                "since", OpenApiTypes.DATE, description="Изменение с этой даты (ГГГГ-ММ-ДД)."
            ),
            OpenApiParameter(
                "approved",
                OpenApiTypes.BOOL,
                description="true: только утверждённые данные (недели в состоянии «утверждено»).",
            ),
        ],
        responses={200: RankingSerializer, 400: ERROR, 403: ERROR},
        filters=False,
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def ranking(self, request):
        """Every region by total (ties share a place); analysts, coordinators, admins."""
        user = request.user
        if not access.can_see_ranking(user):
            raise exceptions.PermissionDenied()
        on_date = params.date(request.query_params, "date", national_date())
        since = params.date(request.query_params, "since")
        scope = access.region_scope(user)
        highlight = frozenset(scope) if scope is not None else frozenset()
        approved_only = params.flag(request.query_params, "approved")
        version, rows = index_ranking(
            on_date=on_date, since=since, highlight=highlight, approved_only=approved_only
        )
        data = {
            "on_date": on_date,
            "since": since,
            "approved_only": approved_only,
            "version": version.code if version else None,
            "rows": rows,
        }
        return Response(RankingSerializer(data).data)


class IndexFactViewSet(ScopedReadOnlyViewSet):
    """Index inputs («сведения») of the caller's regions; create one, verify one."""

    serializer_class = IndexFactSerializer
    filterset_class = IndexFactFilterSet
    ordering_fields = ["as_of", "entered_at"]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action == "list":  # the approval of every week in scope: one query
            context["approval_states"] = {
                (region_id, week): state
                for region_id, week, state in WeekApproval.objects.visible_to(
                    self.request.user
                ).values_list("region_id", "week_start", "state")
            }
        return context

    def get_queryset(self):
        return (
            IndexFact.objects.visible_to(self.request.user)
            .select_related("region")
            .order_by("region__code", "criterion_code", "input", "-as_of", "-id")
        )

    @extend_schema(
        summary="Внести сведения для индекса",
        request={
            "application/json": IndexFactInputSerializer,
            "multipart/form-data": IndexFactInputSerializer,
        },
        responses={201: IndexFactSerializer, 400: ERROR, 403: ERROR},
    )
    def create(self, request):
        """One input of a region, with its evidence; the region's index is recomputed.

        A region outside the caller's scope is refused (400 on `region`); coordinators,
        analysts and administrators enter facts (others: 403).
        """
        form = IndexFactInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        region = (
            Region.objects.visible_to(request.user)
            .filter(code=normalise_region_code(data["region"]))
            .first()
        )
        if region is None:
            raise exceptions.ValidationError({"region": ["Субъект не найден или недоступен."]})
        if not access.can_enter_facts(request.user, region.pk):
            raise exceptions.PermissionDenied()
        fact = index_fact_create(
            region=region,
            criterion_code=data["criterion"],
            input=data["input"],
            value=data["value"],
            as_of=data["as_of"],
            evidence_url=data["evidence_url"],
            evidence_text=data["evidence_text"],
            evidence_file=data["evidence_file"],
            entered_by=request.user,
            source=FactSource.API,
        )
        fact = self.get_queryset().get(pk=fact.pk)
        return Response(IndexFactSerializer(fact).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Подтвердить сведения",
        request=None,
        responses={200: IndexFactSerializer, 403: ERROR, 404: ERROR},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def verify(self, request, pk=None):
        """Analysts and administrators confirm a fact (safe to repeat)."""
        fact = self.get_object()
        if not access.is_verifier(request.user):
            raise exceptions.PermissionDenied()
        index_fact_verify(fact=fact, actor=request.user)
        return Response(IndexFactSerializer(self.get_queryset().get(pk=fact.pk)).data)


class IndexUploadViewSet(ScopedReadOnlyViewSet):
    """Bulk import of index inputs: check a file (dry run), apply it all or nothing.

    The caller sees their own imports (administrators every one); rows for regions out of
    the caller's scope refuse the whole file.
    """

    serializer_class = IndexUploadSerializer
    filterset_fields = ["status"]
    ordering_fields = ["uploaded_at"]

    def get_queryset(self):
        user = self.request.user
        if not user.is_authenticated or not access.can_import_index_inputs(user):
            return IndexUpload.objects.none()
        return IndexUpload.objects.visible_to(user).order_by("-uploaded_at", "-id")

    def _require_import(self):
        if not access.can_import_index_inputs(self.request.user):
            raise exceptions.PermissionDenied()

    @extend_schema(
        summary="Загрузить сведения для индекса (файл)",
        request={"multipart/form-data": IndexImportInputSerializer},
        responses={201: IndexUploadSerializer, 400: ERROR, 403: ERROR},
    )
    def create(self, request):
        """Stores and checks the file; unless `dry_run`, applies it when it has no errors.

        The answer's `status`: `done` (imported), `refused` (errors, nothing imported),
        `repeat` (the same file was imported before), `pending` (checked, dry run).
        """
        self._require_import()
        form = IndexImportInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = index_upload_create(
            file=form.validated_data["file"], user=request.user, source=FactSource.API
        )
        if not form.validated_data["dry_run"] and upload.status == UploadStatus.PENDING:
            upload = index_upload_apply(upload=upload, user=request.user)
        return Response(IndexUploadSerializer(upload).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Применить проверенную загрузку",
        request=None,
        responses={200: IndexUploadSerializer, 403: ERROR, 404: ERROR},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def apply(self, request, pk=None):
        """Imports a checked (dry run) upload; applying twice is a no-op."""
        self._require_import()
        upload = index_upload_apply(upload=self.get_object(), user=request.user)
        return Response(IndexUploadSerializer(upload).data)


# --- monitoring uploads (indicators.services.uploads) ---------------------------------


class MonitoringUploadViewSet(ScopedReadOnlyViewSet):
    """Monitoring uploads the caller sees; POST a file to start an import (202, a task)."""

    serializer_class = MonitoringUploadSerializer
    filterset_class = MonitoringUploadFilterSet
    ordering_fields = ["uploaded_at"]

    def get_queryset(self):
        return (
            MonitoringUpload.objects.visible_to(self.request.user)
            .select_related("region", "uploaded_by")
            .order_by("-uploaded_at", "-id")
        )

    @extend_schema(summary="Загрузка мониторинга и ход её обработки")
    def retrieve(self, request, *args, **kwargs):
        """Poll it while `status` is `pending` or `running`; `progress` counts rows done."""
        upload = self.get_object()
        data = self.get_serializer(upload).data
        data["progress"] = upload_progress(upload)
        return Response(data)

    @extend_schema(
        summary="Загрузить выгрузку мониторинга",
        request={"multipart/form-data": MonitoringUploadInputSerializer},
        responses={202: MonitoringUploadSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def create(self, request, *args, **kwargs):
        """A CSV/XLSX export of the Sferum monitoring; imported in the background.

        `region`: the region the file is for (a region outside the caller's scope is 404;
        users who import for one region, `access.monitoring_scope`, may omit it). Rows of
        other regions are refused by the import.
        """
        form = MonitoringUploadInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        code = (form.validated_data.get("region") or "").strip()
        user = request.user
        writable = access.monitoring_scope(user)
        if code:
            region = (
                Region.objects.visible_to(user).filter(code=normalise_region_code(code)).first()
            )
            if region is None:
                raise exceptions.NotFound()
        elif writable is not None and len(writable) == 1:
            region = Region.objects.get(pk=next(iter(writable)))  # the one region one writes
        else:
            region = None  # a multi-region file: the user's scope applies row by row
        if region is not None and not access.can_upload_monitoring(user, region):
            raise exceptions.PermissionDenied()
        if region is None and writable is not None and len(writable) < 2:
            raise exceptions.PermissionDenied()
        upload = monitoring_upload_create(
            file=form.validated_data["file"],
            user=user,
            region=region,
            dry_run=form.validated_data["dry_run"],
        )
        return self._publish(upload, status.HTTP_202_ACCEPTED)

    def _publish(self, upload, code: int) -> Response:
        """Publishes the import once committed. With the broker down the upload stays
        pending (`sweep_jobs` publishes it later) and `detail` says so."""
        published: list[bool] = []
        transaction.on_commit(lambda: published.append(monitoring_import_enqueue(upload.pk)))
        upload.refresh_from_db()
        data = dict(self.get_serializer(upload).data)
        if published == [False]:
            data["detail"] = str(QUEUE_DOWN_MESSAGE)
        return Response(data, status=code)

    @extend_schema(
        summary="Запустить повторно загрузку с ошибкой или зависшую",
        request=None,
        responses={202: MonitoringUploadSerializer, 403: ERROR, 404: ERROR, 409: ERROR},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def rerun(self, request, pk=None):
        """A failed upload, or one stuck (pending with no queued task, running with its
        worker lost), goes back to the queue. Others: 409."""
        upload = self.get_object()
        if not access.can_act_on_monitoring_upload(request.user, upload):
            raise exceptions.PermissionDenied()
        if not monitoring_upload_rerun(upload=upload):
            return Response(
                {
                    "detail": _("Повторно запустить можно только загрузку с ошибкой или зависшую."),
                    "code": "conflict",
                },
                status=status.HTTP_409_CONFLICT,
            )
        return self._publish(upload, status.HTTP_202_ACCEPTED)


# --- rosters of expected organisations (indicators.services.rosters) -------------------


class MonitoringRosterViewSet(ScopedReadOnlyViewSet):
    """The rosters of the regions the caller sees: the organisations each region expects to
    report every week (they define the coverage of its weeks). A region's coordinator or an
    administrator uploads (POST, replaces) or deletes (DELETE) it."""

    serializer_class = MonitoringRosterSerializer
    ordering_fields = ["uploaded_at"]

    def get_queryset(self):
        return (
            MonitoringRoster.objects.visible_to(self.request.user)
            .select_related("region", "uploaded_by")
            .order_by("region__code")
        )

    @extend_schema(
        summary="Загрузить перечень организаций субъекта",
        request={"multipart/form-data": MonitoringRosterInputSerializer},
        responses={201: MonitoringRosterSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def create(self, request, *args, **kwargs):
        """Replaces the region's roster; a file with errors changes nothing (400, `fields`
        → `file`: the messages with row and column)."""
        form = MonitoringRosterInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        code = normalise_region_code(form.validated_data["region"])
        region = Region.objects.visible_to(request.user).filter(code=code).first()
        if region is None:
            raise exceptions.NotFound()
        if not access.can_edit_roster(request.user, region):
            raise exceptions.PermissionDenied()
        file = form.validated_data["file"]
        result = monitoring_roster_upload(
            region=region, user=request.user, file=file, original_name=file.name
        )
        if result.roster is None:
            raise exceptions.ValidationError({"file": [e["message"] for e in result.errors]})
        return Response(
            MonitoringRosterSerializer(result.roster).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(summary="Удалить перечень", responses={204: None, 403: ERROR, 404: ERROR})
    def destroy(self, request, *args, **kwargs):
        """Coverage goes back to the organisations of the previous 4 weeks."""
        roster = self.get_object()
        if not access.can_edit_roster(request.user, roster.region):
            raise exceptions.PermissionDenied()
        monitoring_roster_delete(region=roster.region)
        return Response(status=status.HTTP_204_NO_CONTENT)
