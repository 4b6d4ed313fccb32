from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import dataversion
from .admin_io import PortalImportExportAdmin
from .admin_site import ReadOnlyAdmin
from .history import user_history
from .models import AdminImport, Agency, ApiToken, Municipality, Organisation, Region, User
from .resources import AgencyResource, OrganisationResource
from .services import user_deactivate


@admin.action(
    permissions=["delete"], description=_("Delete selected %(verbose_name_plural)s")
)  # Django's, translated
def delete_selected(modeladmin, request, queryset):
    """Django's «Удалить выбранные», then every data version moves (`agencies.dataversion`).

    An edit in the admin moves them through its `LogEntry` (`bump_after_admin_edit`), but this
    action logs its deletions in one bulk insert, which sends no `post_save`, and before it
    deletes; so it bumps here, after the delete. `None` means the rows were deleted (otherwise
    the response is the confirmation page)."""
    response = django_delete_selected(modeladmin, request, queryset)
    if response is None:
        dataversion.bump(everything=True)
    return response


admin.site.add_action(delete_selected)  # in place of Django's, under the same name, site-wide


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "timezone"]
    search_fields = ["code", "name"]
    list_filter = ["timezone"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "region"]
    search_fields = ["name"]
    list_filter = ["region"]
    list_select_related = ["region"]


@admin.register(Agency)
class AgencyAdmin(PortalImportExportAdmin):
    resource_classes = [AgencyResource]
    list_display = ["name", "short_name", "kind", "region", "parent"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "short_name", "code"]
    list_select_related = ["region", "parent"]
    autocomplete_fields = ["parent"]


@admin.register(Organisation)
class OrganisationAdmin(PortalImportExportAdmin):
    resource_classes = [OrganisationResource]
    list_display = ["code", "name", "org_type", "municipality", "region"]
    list_filter = ["org_type", "region"]
    search_fields = ["code", "name"]
    list_select_related = ["region", "municipality"]
    raw_id_fields = ["municipality"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Users. One with history (`agencies.history`) is never deleted: the delete page (one
    user or «Удалить выбранные») says which journals name them, row counts rather than every
    row, and offers «Деактивировать» instead; Django's own check refuses the POST."""

    actions = ["deactivate_users"]
    delete_confirmation_template = "admin/agencies/user/delete_confirmation.html"
    delete_selected_confirmation_template = "admin/agencies/user/delete_selected_confirmation.html"
    list_display = ["username", "get_full_name", "role", "agency", "region", "is_active"]
    list_filter = ["role", "region", "is_active", "all_regions"]
    search_fields = ["username", "first_name", "last_name", "email"]
    list_select_related = ["agency", "region"]
    autocomplete_fields = ["agency"]
    raw_id_fields = ["organisation", "municipality"]
    filter_horizontal = ["extra_regions", "groups", "user_permissions"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]  # a tuple at run time
        (
            _("Роль и охват"),
            {
                "fields": (
                    "role",
                    "agency",
                    "region",
                    "municipality",
                    "organisation",
                    "all_regions",
                    "extra_regions",
                    "can_edit_region",
                )
            },
        ),
    )

    def get_deleted_objects(self, objs, request):
        history = user_history(objs)
        if history:
            protected = [
                gettext("%(journal)s: %(count)s") % {"journal": name, "count": count}
                for name, count in history
            ]
            return [], {}, set(), protected
        return super().get_deleted_objects(objs, request)

    @admin.action(
        permissions=["change"],
        description=_("Деактивировать выбранных пользователей (история сохраняется)"),
    )
    def deactivate_users(self, request, queryset):
        done = 0
        for user in queryset:
            if user_deactivate(user=user):
                self.log_change(request, user, [{"changed": {"fields": ["is_active"]}}])
                done += 1
        self.message_user(
            request,
            ngettext(
                "Деактивирован %(n)s пользователь: войти он не сможет, история сохранит его имя.",
                "Деактивировано пользователей: %(n)s. Войти они не смогут, история сохранит "
                "их имена.",
                done,
            )
            % {"n": done},
            messages.SUCCESS,
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
    raw_id_fields = ["user"]

    def has_add_permission(self, request):
        return False  # tokens are created by their user in the profile page (key shown once)


@admin.register(AdminImport)
class AdminImportAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The record of admin imports: read-only, nobody edits or deletes it by hand."""

    list_display = ["created_at", "user", "model_label", "file_name", "succeeded", "rows_new"]
    list_filter = ["model_label", "succeeded"]
    search_fields = ["file_name", "sha256", "user__username"]
    list_select_related = ["user"]
