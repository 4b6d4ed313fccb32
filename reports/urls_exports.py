from django.urls import path

from . import views_exports as views

app_name = "reports"

urlpatterns = [
    path("exports/", views.export_page, name="export-page"),
    path("exports/new/", views.export_create, name="export-create"),
    path("exports/<int:pk>/", views.export_detail, name="export-detail"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
]
