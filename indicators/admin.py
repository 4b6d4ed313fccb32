from django.contrib import admin

from .models import Indicator, IndicatorStage, RegionBaseline, RegionTarget


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


from . import admin_index  # noqa: E402,F401  the implementation index (issue 5)
