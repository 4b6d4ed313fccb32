from django.urls import path

from . import views

app_name = "roadmaps"

urlpatterns = [
    path("", views.measure_list_view, name="measure-list"),
    path("<int:pk>/", views.measure_detail_view, name="measure-detail"),
]
