from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import (
    Cascade,
    CascadeProgress,
    Measure,
    MeasureChange,
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
    class Meta:
        model = MeasureTarget
        fields = ["description", "quantity", "unit", "achieved"]


class MeasureSerializer(serializers.ModelSerializer):
    """A measure as the list and the detail page show it; `version` is also sent as ETag."""

    region_code = serializers.CharField(source="roadmap.region.code", default=None, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    responsible = ResponsibilitySerializer(
        source="ordered_responsibilities", many=True, read_only=True
    )
    steps = StepSerializer(many=True, read_only=True)
    targets = TargetSerializer(many=True, read_only=True)
    indicators = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    is_overdue = serializers.SerializerMethodField()
    days_overdue = serializers.SerializerMethodField()
    is_done_late = serializers.BooleanField(read_only=True)

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
            "indicators",
            "status",
            "status_display",
            "completed_on",
            "status_changed_at",
            "is_overdue",
            "days_overdue",
            "is_done_late",
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
    has_evidence_file = serializers.SerializerMethodField()

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
            "has_evidence_file",
            "evidence_link",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, obj: MeasureChange) -> str | None:
        return str(obj.actor) if obj.actor_id else None

    def get_has_evidence_file(self, obj: MeasureChange) -> bool:
        return bool(obj.evidence)


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
