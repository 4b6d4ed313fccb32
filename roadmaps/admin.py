from django.contrib import admin
from django.db import models

from agencies.admin_io import PortalImportExportAdmin
from agencies.admin_site import ReadOnlyAdmin

from .models import (
    Cascade,
    CascadeProgress,
    CascadeTarget,
    Measure,
    MeasureChange,
    MeasurePart,
    MeasureReport,
    MeasureResponsibility,
    MeasureStep,
    MeasureTarget,
    Roadmap,
    RoadmapVersion,
    Section,
)
from .resources import MeasureResource
from .services.parts import measures_edited


class ChangesItsMeasure:
    """The admin of a row that belongs to a measure (`measure_field`): saving or deleting
    it changes the measure (`measures_edited`)."""

    measure_field = "measure"

    def _measure_id(self, obj) -> int | None:
        owner = obj
        for name in self.measure_field.split("__")[:-1]:
            owner = getattr(owner, name)
        return getattr(owner, f"{self.measure_field.split('__')[-1]}_id")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        measures_edited(measure_ids=[self._measure_id(obj)])

    def delete_model(self, request, obj):
        measure_id = self._measure_id(obj)
        super().delete_model(request, obj)
        measures_edited(measure_ids=[measure_id])

    def delete_queryset(self, request, queryset):
        ids = list(queryset.values_list(self.measure_field, flat=True).distinct())
        super().delete_queryset(request, queryset)
        measures_edited(measure_ids=ids)


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0


@admin.register(Roadmap)
class RoadmapAdmin(admin.ModelAdmin):
    list_display = ["code", "region", "approved_on", "document_number"]
    list_filter = ["region"]
    search_fields = ["code", "title"]
    inlines = [SectionInline]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["roadmap", "number", "title", "position"]
    list_filter = ["roadmap"]
    search_fields = ["title"]


class ResponsibilityInline(admin.TabularInline):
    model = MeasureResponsibility
    extra = 0
    autocomplete_fields = ["agency"]


class StepInline(admin.TabularInline):
    model = MeasureStep
    extra = 0
    fields = ["position", "title", "done_on"]
    # a sub-step is ticked on the measure page (measure_step_set: history and version)
    readonly_fields = ["done_on"]


class TargetInline(admin.TabularInline):
    model = MeasureTarget
    extra = 0
    # the value achieved is entered on the measure page (with evidence and history)
    readonly_fields = ["achieved", "achieved_at"]


class PartInline(admin.TabularInline):
    """Read-only: parts follow the responsible bodies; their statuses change on the page."""

    model = MeasurePart
    extra = 0
    can_delete = False
    fields = ["agency", "status", "completed_on", "status_changed_at", "version"]
    readonly_fields = ["agency", "status", "completed_on", "status_changed_at", "version"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Measure)
class MeasureAdmin(PortalImportExportAdmin):
    resource_classes = [MeasureResource]
    list_display = ["number", "short_title", "roadmap", "deadline_text", "due_date", "status"]
    list_filter = [
        "status",
        "roadmap__region",
        "roadmap",
        "recurrence",
        ("archived_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["number", "title", "responsible_text"]
    list_select_related = ["roadmap__region"]
    inlines = [ResponsibilityInline, StepInline, TargetInline, PartInline]
    filter_horizontal = ["indicators"]
    # status changes go through the measure page (roadmaps.services.measures), which keeps
    # the history and the version; the admin shows them read-only
    readonly_fields = [
        "status",
        "completed_on",
        "version",
        "status_changed_at",
        "updated_at",
        "archived_at",
        "archived_in",
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # deadline, responsible bodies, steps, targets edited here: parts and alerts follow
        measures_edited(measure_ids=[form.instance.pk])

    def get_queryset(self, request):
        # archived measures too: the admin is where one is looked up by hand
        return Measure.all_objects.select_related("roadmap__region")

    @admin.display(description="Мероприятие")
    def short_title(self, obj):
        return obj.title[:90]


@admin.register(MeasureChange)
class MeasureChangeAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["measure", "kind", "actor", "created_at", "old_status", "new_status", "version"]
    list_filter = ["kind", "new_status", "measure__roadmap__region"]
    search_fields = ["comment", "measure__title"]
    list_select_related = ["measure", "actor"]
    raw_id_fields = ["measure", "actor"]
    # the history is a record: nobody edits or deletes it by hand (ReadOnlyAdmin)
    # as the index facts' admin: Django 5.2 warns otherwise (a 500 under -W error)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(MeasureReport)
class MeasureReportAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["measure", "period", "due_date", "status", "reported_by"]
    list_filter = ["status"]
    raw_id_fields = ["measure", "reported_by"]
    # a monthly report is written by the measure page and the API alone
    # (measure_report_submit: history, version, the evidence file checked), as a status is
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(MeasureResponsibility)
class MeasureResponsibilityAdmin(ChangesItsMeasure, admin.ModelAdmin):
    list_display = ["measure", "agency", "position"]
    search_fields = ["agency__name", "measure__title"]
    raw_id_fields = ["measure", "agency"]


@admin.register(MeasureStep)
class MeasureStepAdmin(ChangesItsMeasure, admin.ModelAdmin):
    list_display = ["measure", "position", "title", "done_on"]
    raw_id_fields = ["measure"]
    # ticked on the measure page (measure_step_set: history and version)
    readonly_fields = ["done_on", "done_by"]


@admin.register(MeasureTarget)
class MeasureTargetAdmin(ChangesItsMeasure, admin.ModelAdmin):
    list_display = ["measure", "description", "quantity", "unit", "achieved"]
    raw_id_fields = ["measure"]
    readonly_fields = ["achieved", "achieved_at"]


@admin.register(Cascade)
class CascadeAdmin(ChangesItsMeasure, admin.ModelAdmin):
    list_display = ["measure", "subject", "document_number", "document_date", "scope"]
    list_filter = ["scope"]
    search_fields = ["subject", "document_number"]
    raw_id_fields = ["measure", "issued_by", "municipality", "created_by"]


@admin.register(CascadeTarget)
class CascadeTargetAdmin(ChangesItsMeasure, admin.ModelAdmin):
    measure_field = "cascade__measure"
    list_display = ["cascade", "organisation"]
    raw_id_fields = ["cascade", "organisation"]


@admin.register(CascadeProgress)
class CascadeProgressAdmin(ChangesItsMeasure, admin.ModelAdmin):
    measure_field = "cascade__measure"
    list_display = ["cascade", "organisation", "step", "done_on"]
    raw_id_fields = ["cascade", "organisation", "step", "recorded_by"]


@admin.register(RoadmapVersion)
class RoadmapVersionAdmin(admin.ModelAdmin):
    """Uploaded roadmap documents; they are written through the import page or command."""

    list_display = ["__str__", "region", "status", "approved_on", "uploaded_at", "applied_at"]
    list_filter = ["status", "region"]
    list_select_related = ["region", "roadmap"]
    readonly_fields = [
        "region",
        "roadmap",
        "number",
        "status",
        "file",
        "file_name",
        "sha256",
        "summary",
        "agency_choices",
        "uploaded_by",
        "uploaded_at",
        "applied_by",
        "applied_at",
    ]

    def has_add_permission(self, request):
        return False
