from django.urls import include, path

from . import views

app_name = "reports"

# One URL module for the app (namespace "reports"): alerts, dashboards and exports each keep
# their own prefix here, so the project mounts the app once.
urlpatterns = [
    path("alerts/", views.alert_list_view, name="alert-list"),
    path("alerts/preferences/", views.preferences_view, name="preferences"),
    path("alerts/<int:pk>/", views.alert_detail_view, name="alert-detail"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge_view, name="alert-acknowledge"),
    path("dashboard/", include("reports.urls_dashboard")),
]
