"""The admin site: administrators only (`agencies.access.can_use_admin`).

Django lets any active `is_staff` user in and then asks model permissions; the portal's model
pages are not scoped by region or agency, so a coordinator or staff member given `is_staff`
and a model permission would see and change every region's rows. Installed in place of
`django.contrib.admin` (`PortalAdminConfig`, INSTALLED_APPS), so `admin.site` is this site.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from . import access


class PortalAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        return access.can_use_admin(request.user)


class PortalAdminConfig(AdminConfig):
    default_site = "agencies.admin_site.PortalAdminSite"


class ReadOnlyAdmin:
    """A model admin mixin: the rows are shown, never added, changed or deleted in the admin
    (a record, or data one service alone writes: each use says why)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
