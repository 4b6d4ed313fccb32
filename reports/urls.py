from django.urls import include, path

from . import views_exports, views_timeline

app_name = "reports"

# One URL module for the app (namespace "reports"): dashboards and exports each keep their
# own prefix here, so the project mounts the app once.
urlpatterns = [
    path("reports/exports/", views_exports.export_page, name="export-page"),
    path("reports/exports/new/", views_exports.export_create, name="export-create"),
    path("reports/exports/<int:pk>/", views_exports.export_detail, name="export-detail"),
    path("reports/exports/<int:pk>/rerun/", views_exports.export_rerun, name="export-rerun"),
    path(
        "reports/exports/<int:pk>/download/",
        views_exports.export_download,
        name="export-download",
    ),
    path("reports/subscriptions/", include("reports.subscriptions.urls")),
    path("timeline/", views_timeline.roadmap_timeline_view, name="roadmap-timeline"),
    path("dashboard/", include("reports.urls_dashboard")),
]
