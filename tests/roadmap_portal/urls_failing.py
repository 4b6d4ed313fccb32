"""The portal's URLs plus views that fail on purpose (tests of the error pages)."""

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.urls import path
from rest_framework.decorators import api_view

from roadmap_portal.urls import urlpatterns as portal_urlpatterns


def failing_page(request):
    raise DatabaseError('relation "secret_table" does not exist')


def forbidden_page(request):
    raise PermissionDenied


@api_view(["GET"])
def failing_api(request):
    raise ZeroDivisionError("division by zero in secret_module")


urlpatterns = [
    path("boom/", failing_page),
    path("forbidden/", forbidden_page),
    path("api/v1/boom/", failing_api),
    *portal_urlpatterns,
]

handler400 = "roadmap_portal.errors.bad_request"
handler403 = "roadmap_portal.errors.permission_denied"
handler404 = "roadmap_portal.errors.page_not_found"
handler500 = "roadmap_portal.errors.server_error"
