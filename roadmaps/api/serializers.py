from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from roadmap_portal.formfields import CappedFileSerializerField, PortalDateSerializerField

from ..choices import MeasureStatus
from ..models import (
    Cascade,
    CascadeProgress,
    Measure,
    MeasureChange,
    MeasurePart,
    MeasureReport,
    MeasureResponsibility,
    MeasureStep,
    MeasureTarget,
    Roadmap,
    Section,
)


class RoadmapSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", default=None, read_only=True)

    class Meta:
        model = Roadmap
        fields = [
            "id",
            "code",
            "region_code",
            "title",
            "approver",
            "approved_on",
            "document_number",
            "signatories",
            "source",
        ]


class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Section
        fields = ["id", "roadmap", "number", "title", "position"]


class ResponsibilitySerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    agency_short_name = serializers.CharField(source="agency.short_name", read_only=True)
    is_lead = serializers.BooleanField(read_only=True)

    class Meta:
        model = MeasureResponsibility
        fields = ["agency", "agency_name", "agency_short_name", "position", "is_lead"]


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeasureStep
        fields = ["id", "position", "title", "done_on"]


class TargetSerializer(serializers.ModelSerializer):
    share = serializers.FloatField(read_only=True, allow_null=True, help_text="достигнуто / цель")
    is_reached = serializers.BooleanField(read_only=True)

    class Meta:
        model = MeasureTarget
        fields = [
            "id",
            "description",
            "quantity",
            "unit",
            "achieved",
            "achieved_at",
            "share",
            "is_reached",
        ]


class PartSerializer(serializers.ModelSerializer):
    """One responsible body's part of a measure; `version` is its ETag for a status update."""

    agency_name = serializers.CharField(source="agency.name", read_only=True)
    agency_short_name = serializers.CharField(source="agency.short_name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    is_done_late = serializers.BooleanField(read_only=True)
    days_overdue = serializers.SerializerMethodField()

    class Meta:
        model = MeasurePart
        fields = [
            "id",
            "measure",
            "agency",
            "agency_name",
            "agency_short_name",
            "position",
            "status",
            "status_display",
            "completed_on",
            "status_changed_at",
            "days_overdue",
            "is_done_late",
            "version",
        ]

    def get_days_overdue(self, obj: MeasurePart) -> int:
        """Days past the measure's due date while the part is open (region's local date)."""
        return obj.days_overdue(obj.measure.local_today())


class MeasureSerializer(serializers.ModelSerializer):
    """A measure as the list and the detail page show it; `version` is also sent as ETag."""

    region_code = serializers.CharField(source="roadmap.region.code", default=None, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    responsible = ResponsibilitySerializer(
        source="ordered_responsibilities", many=True, read_only=True
    )
    steps = StepSerializer(many=True, read_only=True)
    targets = TargetSerializer(many=True, read_only=True)
    parts = PartSerializer(many=True, read_only=True)
    indicators = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)  # type: ignore[var-annotated]
    is_overdue = serializers.SerializerMethodField()
    days_overdue = serializers.SerializerMethodField()
    is_done_late = serializers.BooleanField(read_only=True)
    is_later_than_federal = serializers.BooleanField(
        read_only=True, help_text="срок позже срока связанного пункта федерального плана"
    )

    class Meta:
        model = Measure
        fields = [
            "id",
            "roadmap",
            "region_code",
            "section",
            "number",
            "position",
            "title",
            "deadline_text",
            "deadline_kind",
            "start_date",
            "due_date",
            "recurrence",
            "responsible_text",
            "responsible",
            "expected_result",
            "steps",
            "targets",
            "parts",
            "indicators",
            "status",
            "status_display",
            "completed_on",
            "status_changed_at",
            "is_overdue",
            "days_overdue",
            "is_done_late",
            "federal_item",
            "is_later_than_federal",
            "version",
            "updated_at",
        ]

    def get_days_overdue(self, obj: Measure) -> int:
        """Days past the due date in the region's local date (0 when not overdue)."""
        return obj.days_overdue()

    def get_is_overdue(self, obj: Measure) -> bool:
        return obj.days_overdue() > 0


class MeasureChangeSerializer(serializers.ModelSerializer):
    """An entry of a measure's history: who, when, what (old → new), comment, evidence."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    actor = serializers.SerializerMethodField()
    evidence_url = serializers.SerializerMethodField()

    class Meta:
        model = MeasureChange
        fields = [
            "id",
            "kind",
            "kind_display",
            "actor",
            "created_at",
            "old_status",
            "new_status",
            "changes",
            "comment",
            "evidence_url",
            "evidence_link",
            "version",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, obj: MeasureChange) -> str | None:
        return str(obj.actor) if obj.actor_id else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_evidence_url(self, obj: MeasureChange) -> str | None:
        """Where the API serves the evidence file (null when the entry has none)."""
        if not obj.evidence:
            return None
        url = reverse("api:measure-evidence", kwargs={"pk": obj.measure_id, "change_id": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class CascadeSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(
        source="measure.roadmap.region.code", default=None, read_only=True
    )
    municipality_name = serializers.CharField(
        source="municipality.name", default=None, read_only=True
    )
    organisations_total = serializers.IntegerField(read_only=True)

    class Meta:
        model = Cascade
        fields = [
            "id",
            "measure",
            "region_code",
            "issued_by",
            "subject",
            "document_number",
            "document_date",
            "basis",
            "addressees",
            "scope",
            "municipality",
            "municipality_name",
            "org_types",
            "due_date",
            "organisations_total",
            "created_at",
        ]


class CascadeProgressSerializer(serializers.ModelSerializer):
    organisation_code = serializers.CharField(source="organisation.code", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = CascadeProgress
        fields = [
            "id",
            "cascade",
            "organisation",
            "organisation_code",
            "organisation_name",
            "step",
            "done_on",
            "recorded_at",
        ]


class MeasureStatusInputSerializer(serializers.Serializer):
    """POST /measures/{id}/status/ (JSON or multipart): fields of the measure page's form.

    The measure's version travels in the `If-Match` header, not in the body.
    """

    status = serializers.ChoiceField(choices=MeasureStatus.choices)
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, default="", trim_whitespace=True
    )
    completed_on = PortalDateSerializerField(required=False, allow_null=True, default=None)
    evidence = CappedFileSerializerField(
        kind="evidence", required=False, allow_null=True, default=None
    )
    evidence_link = serializers.URLField(
        required=False, allow_blank=True, max_length=1000, default=""
    )
    confirm_open_steps = serializers.BooleanField(required=False, default=False)


class MeasurePartStatusInputSerializer(MeasureStatusInputSerializer):
    """POST /measure-parts/{id}/status/: the part's version travels in `If-Match`."""

    confirm_open_steps = None  # type: ignore[assignment]  # a part has no sub-steps


class MeasureTargetInputSerializer(serializers.Serializer):
    """POST /measures/{id}/targets/{target_id}/: the value achieved; If-Match: the measure's."""

    achieved = serializers.CharField(
        allow_null=True, allow_blank=True, max_length=30, help_text="Число; null очищает."
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    evidence = CappedFileSerializerField(
        kind="evidence", required=False, allow_null=True, default=None
    )
    evidence_link = serializers.URLField(
        required=False, allow_blank=True, max_length=1000, default=""
    )


class MeasureStepInputSerializer(serializers.Serializer):
    """POST /measures/{id}/steps/{step_id}/: tick (or untick) a sub-step; If-Match as above."""

    done = serializers.BooleanField()
    done_on = PortalDateSerializerField(required=False, allow_null=True, default=None)


class MeasureReportInputSerializer(serializers.Serializer):
    """POST /measures/{id}/reports/: one month's report of a recurring measure."""

    period = PortalDateSerializerField(help_text="Первый день отчётного месяца (ГГГГ-ММ-01).")
    status = serializers.ChoiceField(choices=MeasureStatus.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    evidence = CappedFileSerializerField(
        kind="evidence", required=False, allow_null=True, default=None
    )
    evidence_link = serializers.URLField(
        required=False, allow_blank=True, max_length=1000, default=""
    )


class MeasureReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeasureReport
        fields = ["id", "period", "due_date", "status", "comment", "evidence_link", "reported_at"]


class CascadeProgressInputSerializer(serializers.Serializer):
    """POST /cascades/{id}/progress/: an organisation's sub-step done on a date (null clears)."""

    organisation = serializers.CharField(max_length=64, help_text="Код организации.")
    step = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="id подэтапа мероприятия."
    )
    done_on = PortalDateSerializerField(allow_null=True)
