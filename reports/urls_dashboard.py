from django.urls import path

from . import views_dashboard as views

# included by reports/urls.py under "dashboard/" (app namespace "reports")
urlpatterns = [
    path("", views.country_overview_view, name="country-overview"),
    path("<str:code>/", views.region_dashboard_view, name="region-dashboard"),
    path("<str:code>/pdf/", views.region_dashboard_pdf_view, name="region-dashboard-pdf"),
    path(
        "<str:code>/municipalities/<int:pk>/",
        views.municipality_view,
        name="municipality-dashboard",
    ),
]
