"""/api/v1/: one router for every app's viewsets, the OpenAPI schema and its docs (offline)."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from agencies.api.views import (
    AgencyViewSet,
    MunicipalityViewSet,
    OrganisationViewSet,
    RegionViewSet,
)
from alerts.api.views import AlertViewSet
from indicators.api.views import (
    IndexFactViewSet,
    IndexScoreViewSet,
    IndexUploadViewSet,
    IndicatorValueViewSet,
    IndicatorViewSet,
    MonitoringRosterViewSet,
    MonitoringUploadViewSet,
    RegionBaselineViewSet,
    RegionTargetViewSet,
)
from reports.api.views import ExportViewSet
from roadmap_portal.api.common import ERROR_MESSAGES
from roadmaps.api.views import (
    CascadeProgressViewSet,
    CascadeViewSet,
    MeasurePartViewSet,
    MeasureViewSet,
    RoadmapViewSet,
    SectionViewSet,
)

app_name = "api"


def not_found(request, path=""):
    """Any other address under /api/v1/: the API's JSON 404, not the site's HTML page."""
    return JsonResponse(
        {"code": "not_found", "detail": ERROR_MESSAGES["not_found"]},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )


router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("municipalities", MunicipalityViewSet, basename="municipality")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("roadmaps", RoadmapViewSet, basename="roadmap")
router.register("sections", SectionViewSet, basename="section")
router.register("measures", MeasureViewSet, basename="measure")
router.register("measure-parts", MeasurePartViewSet, basename="measure-part")
router.register("cascades", CascadeViewSet, basename="cascade")
router.register("cascade-progress", CascadeProgressViewSet, basename="cascade-progress")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("indicator-targets", RegionTargetViewSet, basename="indicator-target")
router.register("indicator-baselines", RegionBaselineViewSet, basename="indicator-baseline")
router.register("indicator-values", IndicatorValueViewSet, basename="indicator-value")
router.register("monitoring/uploads", MonitoringUploadViewSet, basename="monitoring-upload")
router.register("monitoring/rosters", MonitoringRosterViewSet, basename="monitoring-roster")
router.register("index", IndexScoreViewSet, basename="index")
router.register("index-inputs", IndexFactViewSet, basename="index-input")
router.register("index-imports", IndexUploadViewSet, basename="index-import")
router.register("alerts", AlertViewSet, basename="alert")
router.register("exports", ExportViewSet, basename="export")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # the split view serves its script as a file: no inline script (Content-Security-Policy)
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include(router.urls)),
    re_path(r"^(?P<path>.*)$", not_found),
]
