from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.admin_site import ReadOnlyAdmin
from agencies.models import Region

from .models import (
    Indicator,
    IndicatorStage,
    MonitoringRollup,
    MonitoringRow,
    MonitoringUpload,
    RegionBaseline,
    RegionTarget,
    WeekApproval,
    WeekApprovalEvent,
)
from .services.twins import twins_repair


class StageInline(admin.TabularInline):
    model = IndicatorStage
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["number", "code", "name"]
    search_fields = ["code", "name"]
    inlines = [StageInline]


@admin.register(IndicatorStage)
class IndicatorStageAdmin(admin.ModelAdmin):
    list_display = ["indicator", "stage", "target_date", "target_kind", "target_value"]
    list_filter = ["stage", "target_kind"]


@admin.register(RegionBaseline)
class RegionBaselineAdmin(admin.ModelAdmin):
    list_display = ["region", "indicator", "value", "source", "entered_by", "entered_at"]
    list_filter = ["indicator", "region"]
    search_fields = ["region__name", "source"]
    raw_id_fields = ["entered_by"]


@admin.register(RegionTarget)
class RegionTargetAdmin(admin.ModelAdmin):
    list_display = ["region", "indicator", "stage", "target_value", "conditional", "in_force"]
    list_filter = ["conditional", "in_force", "indicator"]
    search_fields = ["region__name", "condition"]


@admin.register(MonitoringUpload)
class MonitoringUploadAdmin(admin.ModelAdmin):
    """Upload records are written by the import pipeline; the admin only reads them."""

    list_display = [
        "id",
        "original_name",
        "region",
        "uploaded_by",
        "uploaded_at",
        "status",
        "dry_run",
        "rows_read",
        "rows_created",
        "rows_updated",
        "rows_unchanged",
    ]
    list_filter = ["status", "dry_run", "region"]
    search_fields = ["original_name", "sha256"]
    raw_id_fields = ["uploaded_by"]
    readonly_fields = [f.name for f in MonitoringUpload._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # rows keep their upload as provenance (no index on it: deleting would scan them all)
        return False


class WrittenByTheImport(ReadOnlyAdmin):
    """Shown, never written here: monitoring rows are written by the import only (the
    approval lock, the corrections record, the rollups, coverage, index and alerts follow
    it: indicators.services.uploads) and the rollups are derived from the rows
    (indicators.services.rollups). An edit here left the week's figures stale or out of
    step with the rows; a correction is a corrected file."""


@admin.register(MonitoringRow)
class MonitoringRowAdmin(WrittenByTheImport, admin.ModelAdmin):
    list_display = ["organisation", "week_start", "region", "org_type", "staff_total"]
    list_filter = ["week_start", "region"]  # no DISTINCT over millions of rows
    search_fields = ["organisation__code", "organisation__name"]
    raw_id_fields = ["organisation", "municipality", "upload"]
    list_select_related = ["organisation", "region"]
    show_full_result_count = False  # millions of rows


@admin.register(MonitoringRollup)
class MonitoringRollupAdmin(WrittenByTheImport, admin.ModelAdmin):
    list_display = ["region", "municipality", "week_start", "organisations", "updated_at"]
    list_filter = ["week_start", "region"]
    raw_id_fields = ["municipality"]
    list_select_related = ["region", "municipality"]
    actions = ["repair_twins"]

    def has_repair_twins_permission(self, request) -> bool:
        return bool(request.user.is_superuser)

    @admin.action(
        permissions=["repair_twins"],
        description=gettext_lazy(
            "Объединить двойников организаций и муниципальных образований субъектов"
        ),
    )
    def repair_twins(self, request, queryset):
        """`repair_twins --apply` for the regions of the chosen rollups (the same service)."""
        regions = Region.objects.filter(
            pk__in=queryset.values_list("region_id", flat=True).distinct()
        ).order_by("code")
        for region in regions:
            result = twins_repair(region=region, apply=True)
            for group in result.groups:
                level = messages.WARNING if group.problem else messages.SUCCESS
                self.message_user(request, group.describe(), level)
            if not result.groups:
                self.message_user(
                    request,
                    _("Субъект %(code)s: двойников не найдено.") % {"code": region.code},
                    messages.INFO,
                )


from .index import admin as index_admin  # noqa: E402,F401  registers the index models


class WeekApprovalEventInline(admin.TabularInline):
    model = WeekApprovalEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "from_state", "to_state", "actor", "comment"]
    readonly_fields = ["at", "action", "from_state", "to_state", "actor", "comment"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WeekApproval)
class WeekApprovalAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read only: transitions go through the approval pages and commands (the services),
    so that every one is checked and kept in the history."""

    list_display = ["region", "week_start", "state", "submitted_at", "approved_at", "approved_by"]
    list_filter = ["state", "region"]
    date_hierarchy = "week_start"
    inlines = [WeekApprovalEventInline]
