from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from agencies import views as agency_views

admin.site.site_header = "Портал дорожных карт MAX"
admin.site.site_title = "Администрирование портала"
admin.site.index_title = "Справочники и данные"

urlpatterns = [
    path("", agency_views.home, name="home"),
    path("healthz", agency_views.healthz, name="healthz"),
    path("login/", agency_views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("measures/", include("roadmaps.urls")),
    path("admin/", admin.site.urls),
    path("indicators/", include("indicators.urls")),
    path("api/v1/monitoring/", include("indicators.api.urls")),
]
