from django.urls import path

from . import views

app_name = "alerts"

# mounted by the project under "alerts/"
urlpatterns = [
    path("", views.alert_list_view, name="alert-list"),
    path("preferences/", views.preferences_view, name="preferences"),
    path("<int:pk>/", views.alert_detail_view, name="alert-detail"),
    path("<int:pk>/acknowledge/", views.alert_acknowledge_view, name="alert-acknowledge"),
]
