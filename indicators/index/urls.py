from django.urls import path

from . import views

app_name = "index"

urlpatterns = [
    path("", views.index_home_view, name="home"),
    path("ranking/", views.index_ranking_view, name="ranking"),
    path("import/", views.index_import_view, name="import"),
    path("import/<int:pk>/", views.index_upload_view, name="upload"),
    path("import/<int:pk>/confirm/", views.index_upload_confirm_view, name="upload-confirm"),
    path("facts/<int:pk>/evidence/", views.index_fact_evidence_view, name="fact-evidence"),
    path("facts/<int:pk>/verify/", views.index_fact_verify_view, name="fact-verify"),
    path("<str:code>/", views.index_region_view, name="region"),
    path("<str:code>/facts/new/", views.index_fact_create_view, name="fact-create"),
]
