from django.urls import include, path

from . import views, views_exports

app_name = "reports"

# One URL module for the app (namespace "reports"): alerts, dashboards and exports each keep
# their own prefix here, so the project mounts the app once.
urlpatterns = [
    path("alerts/", views.alert_list_view, name="alert-list"),
    path("alerts/preferences/", views.preferences_view, name="preferences"),
    path("alerts/<int:pk>/", views.alert_detail_view, name="alert-detail"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge_view, name="alert-acknowledge"),
    path("reports/exports/", views_exports.export_page, name="export-page"),
    path("reports/exports/new/", views_exports.export_create, name="export-create"),
    path("reports/exports/<int:pk>/", views_exports.export_detail, name="export-detail"),
    path(
        "reports/exports/<int:pk>/download/",
        views_exports.export_download,
        name="export-download",
    ),
    path("dashboard/", include("reports.urls_dashboard")),
]
