"""Admin of the implementation index: methodology versions (locked once used), facts, scores."""

from django.contrib import admin
from django.db import models

from roadmap_portal.formfields import CappedFileField

from ..approval import check_fact_unlocked, fact_lock_problem
from ..jobs import index_recompute_publish
from ..models import (
    Component,
    Criterion,
    IndexFact,
    IndexScore,
    IndexUpload,
    MeasureCriterion,
    MethodologyVersion,
)
from .services import fact_errors, schedule_recompute


def _recompute_all_after_commit() -> None:
    index_recompute_publish()  # published after commit (roadmap_portal.jobs)


class LockedVersionMixin:
    """A version in use is read-only (only superseded); `valid_to`/`counts_from` stay open."""

    open_fields: tuple[str, ...] = ()

    def _version(self, obj):
        raise NotImplementedError

    def get_readonly_fields(self, request, obj=None):
        version = self._version(obj) if obj is not None else None
        if version is not None and version.is_locked:
            return [
                f.name
                for f in self.model._meta.fields
                if f.editable and f.name not in self.open_fields and f.name != "id"
            ]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        version = self._version(obj) if obj is not None else None
        if version is not None and version.is_locked:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _recompute_all_after_commit()


class ComponentInline(admin.TabularInline):
    model = Component
    extra = 0
    show_change_link = True

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.is_locked) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return not (obj and obj.is_locked) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_locked) and super().has_delete_permission(request, obj)


@admin.register(MethodologyVersion)
class MethodologyVersionAdmin(LockedVersionMixin, admin.ModelAdmin):
    list_display = ["code", "name", "valid_from", "valid_to", "locked_at"]
    readonly_fields = ["locked_at"]
    open_fields = ("valid_to",)
    inlines = [ComponentInline]

    def _version(self, obj):
        return obj

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "locked_at"] if "locked_at" not in fields else fields


class CriterionInline(admin.StackedInline):
    model = Criterion
    extra = 0
    show_change_link = True

    def _locked(self, obj):
        return bool(obj and obj.version.is_locked)

    def has_change_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_delete_permission(request, obj)


@admin.register(Component)
class ComponentAdmin(LockedVersionMixin, admin.ModelAdmin):
    list_display = ["code", "name", "version", "max_points", "position"]
    list_filter = ["version"]
    inlines = [CriterionInline]

    def _version(self, obj):
        return obj.version


@admin.register(Criterion)
class CriterionAdmin(LockedVersionMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "component",
        "kind",
        "max_points",
        "requires_verification",
        "counts_from",
    ]
    list_filter = ["component__version", "kind", "requires_verification"]
    search_fields = ["code", "name"]
    open_fields = ("counts_from",)

    def _version(self, obj):
        return obj.component.version


@admin.register(IndexFact)
class IndexFactAdmin(admin.ModelAdmin):
    list_display = ["region", "criterion_code", "input", "value", "as_of", "source", "verified_at"]
    list_filter = ["criterion_code", "source", "region"]
    search_fields = ["criterion_code", "evidence_text", "evidence_url"]
    raw_id_fields = ["entered_by", "verified_by", "upload"]
    date_hierarchy = "as_of"
    # as the fact form of the index page (indicators.index.forms); Django 5.2 warns otherwise
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},
        # the evidence's cap, as the fact form's (roadmap_portal.uploads)
        models.FileField: {"form_class": CappedFileField, "kind": "evidence"},
    }

    # A fact changed here is a fact changed: the regions' stored scores are recomputed and
    # their pages move, as after the fact form (`schedule_recompute`, at commit)
    def save_model(self, request, obj, form, change):
        before = IndexFact.objects.filter(pk=obj.pk).values_list("region_id", flat=True).first()
        super().save_model(request, obj, form, change)
        schedule_recompute([obj.region_id, *([before] if before else [])])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        schedule_recompute([obj.region_id])

    def delete_queryset(self, request, queryset):
        regions = list(queryset.values_list("region_id", flat=True).distinct())
        super().delete_queryset(request, queryset)
        schedule_recompute(regions)

    # a fact of an approved week is locked (indicators.approval): shown, never changed
    def _locked(self, obj) -> bool:
        return obj is not None and fact_lock_problem(obj.region_id, obj.as_of) is not None

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._locked(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._locked(obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class LockCheckedForm(form):
            def clean(self):
                cleaned = super().clean()
                region, as_of = cleaned.get("region"), cleaned.get("as_of")
                code, value = cleaned.get("criterion_code"), cleaned.get("value")
                if None not in (region, as_of, code, value):
                    # the form's, the API's and the file's one check (services.fact_errors)
                    _parsed, errors = fact_errors(
                        region_id=region.pk,
                        criterion_code=code,
                        input=cleaned.get("input") or "",
                        value=value,
                        as_of=as_of,
                        replacing=obj.pk if obj is not None else None,
                    )
                    for field, messages in errors.items():
                        for message in messages:
                            self.add_error(field, message)
                if region is not None and as_of is not None:
                    check_fact_unlocked(region.pk, as_of)
                if obj is not None:  # moving a fact out of a locked week is a change too
                    check_fact_unlocked(obj.region_id, obj.as_of)
                return cleaned

        return LockCheckedForm


@admin.register(IndexScore)
class IndexScoreAdmin(admin.ModelAdmin):
    list_display = ["region", "on_date", "version", "total", "claimed_total", "computed_at"]
    list_filter = ["version", "on_date"]
    readonly_fields = [f.name for f in IndexScore._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(IndexUpload)
class IndexUploadAdmin(admin.ModelAdmin):
    list_display = ["original_name", "uploaded_at", "uploaded_by", "status", "rows_created"]
    list_filter = ["status", "source"]
    readonly_fields = [f.name for f in IndexUpload._meta.fields]


@admin.register(MeasureCriterion)
class MeasureCriterionAdmin(admin.ModelAdmin):
    list_display = ["criterion_code", "measure"]
    list_filter = ["criterion_code"]
    raw_id_fields = ["measure"]
