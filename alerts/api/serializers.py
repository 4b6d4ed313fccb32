from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Alert

ACK_COMMENT_REQUIRED = "Напишите комментарий: что сделано или почему."


class AlertSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    severity_display = serializers.CharField(source="get_severity_display", read_only=True)
    indicator_code = serializers.CharField(source="indicator.code", default=None, read_only=True)
    is_open = serializers.BooleanField(read_only=True)
    acknowledged_by = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "kind_display",
            "region_code",
            "measure",
            "indicator_code",
            "municipality",
            "upload",
            "severity",
            "severity_display",
            "message",
            "details",
            "opened_at",
            "updated_at",
            "resolved_at",
            "is_open",
            "acknowledged_at",
            "acknowledged_by",
            "ack_comment",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_acknowledged_by(self, obj: Alert) -> str | None:
        return str(obj.acknowledged_by) if obj.acknowledged_by_id else None


class AlertAcknowledgeInputSerializer(serializers.Serializer):
    """POST /alerts/{id}/acknowledge/: what was done, or why (as the alert page's form)."""

    comment = serializers.CharField(
        max_length=2000,
        error_messages={"required": ACK_COMMENT_REQUIRED, "blank": ACK_COMMENT_REQUIRED},
    )
