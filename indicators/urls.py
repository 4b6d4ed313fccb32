from django.urls import path

from . import views, views_approval

app_name = "indicators"

urlpatterns = [
    path("", views.indicators_home, name="home"),
    path("regions/<str:code>/", views.region_indicators, name="region"),
    path("regions/<str:code>/baselines/", views.baselines_edit, name="baselines"),
    path("regions/<str:code>/roster/", views.roster_edit, name="roster"),
    path("regions/<str:code>/uploads/", views.upload_list, name="upload-list"),
    path("regions/<str:code>/uploads/new/", views.upload_create, name="upload-create"),
    path("regions/<str:code>/approval/", views_approval.approval_list, name="approval-list"),
    path(
        "regions/<str:code>/approval/<str:week>/",
        views_approval.approval_week,
        name="approval-week",
    ),
    path(
        "regions/<str:code>/approval/<str:week>/<str:action>/",
        views_approval.approval_action,
        name="approval-action",
    ),
    path("uploads/template.<str:fmt>", views.upload_template, name="upload-template"),
    path("uploads/<int:pk>/", views.upload_detail, name="upload-detail"),
    path("uploads/<int:pk>/status/", views.upload_status, name="upload-status"),
    path("uploads/<int:pk>/confirm/", views.upload_confirm, name="upload-confirm"),
    path("uploads/<int:pk>/rerun/", views.upload_rerun, name="upload-rerun"),
]
