"""URLs of the reports app (namespace "reports"): each feature keeps its own list."""

from .urls_dashboard import urlpatterns as dashboard_urlpatterns

app_name = "reports"

urlpatterns = [
    *dashboard_urlpatterns,
]
