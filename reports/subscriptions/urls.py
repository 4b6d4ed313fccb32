from django.urls import path

from . import views

# included by reports.urls under "reports/subscriptions/" (namespace "reports")
urlpatterns = [
    path("", views.subscription_list, name="subscription-list"),
    path("new/", views.subscription_create, name="subscription-create"),
    path("lists/new/", views.mailing_list_create, name="mailing-list-create"),
    path("<int:pk>/", views.subscription_detail, name="subscription-detail"),
    path("<int:pk>/pause/", views.subscription_pause, name="subscription-pause"),
    path("<int:pk>/delete/", views.subscription_delete, name="subscription-delete"),
    path("files/<int:pk>/", views.subscription_file, name="subscription-file"),
    path("files/s/<str:token>/", views.subscription_file_shared, name="subscription-file-shared"),
]
