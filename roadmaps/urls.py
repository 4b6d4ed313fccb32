from django.urls import path

from . import views, views_import

app_name = "roadmaps"

urlpatterns = [
    path("", views.measure_list_view, name="measure-list"),
    path("<int:pk>/", views.measure_detail_view, name="measure-detail"),
    path("federal/", views.federal_plan_view, name="federal-plan"),
    path("<int:pk>/federal/", views.measure_federal_update, name="measure-federal"),
    path("<int:pk>/status/", views.measure_status_update, name="measure-status"),
    path("<int:pk>/steps/<int:step_pk>/", views.measure_step_update, name="measure-step"),
    path("<int:pk>/parts/<int:part_pk>/", views.measure_part_status_update, name="measure-part"),
    path(
        "<int:pk>/targets/<int:target_pk>/",
        views.measure_target_update,
        name="measure-target",
    ),
    path("<int:pk>/reports/", views.measure_report_update, name="measure-report"),
    path(
        "<int:pk>/evidence/<str:kind>/<int:item_pk>/",
        views.evidence_download,
        name="evidence-download",
    ),
    path("<int:pk>/cascades/new/", views.cascade_create_view, name="cascade-create"),
    path("cascades/<int:pk>/", views.cascade_detail_view, name="cascade-detail"),
    path("cascades/<int:pk>/progress/", views.cascade_progress_update, name="cascade-progress"),
    path("cascades/<int:pk>/import/", views.cascade_import_view, name="cascade-import"),
    path("import/", views_import.roadmap_import_choose, name="roadmap-import-choose"),
    path(
        "import/drafts/<int:pk>/",
        views_import.roadmap_import_preview,
        name="roadmap-import-preview",
    ),
    path("import/<str:code>/", views_import.roadmap_import_upload, name="roadmap-import"),
]
