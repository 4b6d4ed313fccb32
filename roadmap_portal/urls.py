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
    path("login/", agency_views.PortalLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("measures/", include("roadmaps.urls")),
    path("profile/tokens/", agency_views.token_list_view, name="profile-tokens"),
    path(
        "profile/tokens/<int:pk>/revoke/",
        agency_views.token_revoke_view,
        name="profile-token-revoke",
    ),
    path("api/v1/", include("roadmap_portal.api.urls")),
    path("index/", include("indicators.index.urls")),
    path("alerts/", include("alerts.urls")),
    path("", include("reports.urls")),
    path("admin/", admin.site.urls),
    path("indicators/", include("indicators.urls")),
]

# Russian pages in the portal's layout; JSON under /api/ (roadmap_portal.errors)
handler400 = "roadmap_portal.errors.bad_request"
handler403 = "roadmap_portal.errors.permission_denied"
handler404 = "roadmap_portal.errors.page_not_found"
handler500 = "roadmap_portal.errors.server_error"
