from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import MonitoringUpload


class MonitoringUploadInputSerializer(serializers.Serializer):
    """POST /api/v1/monitoring/uploads/ (multipart): the file, the region, dry run or not."""

    file = serializers.FileField()
    region = serializers.CharField(
        max_length=2, required=False, allow_blank=True, help_text=_("Код субъекта")
    )
    dry_run = serializers.BooleanField(required=False, default=False)

    def validate_file(self, file):
        limit = settings.MONITORING_UPLOAD_MAX_BYTES
        if file.size > limit:
            raise serializers.ValidationError(
                _("Файл больше допустимого размера (%(mb)s МБ).") % {"mb": limit // (1024 * 1024)}
            )
        return file


class MonitoringUploadSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    uploaded_by = serializers.StringRelatedField()
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    errors_total = serializers.SerializerMethodField()

    class Meta:
        model = MonitoringUpload
        fields = [
            "id",
            "region",
            "uploaded_by",
            "uploaded_at",
            "original_name",
            "size",
            "sha256",
            "status",
            "status_display",
            "dry_run",
            "rows_read",
            "rows_created",
            "rows_updated",
            "rows_unchanged",
            "rows_skipped",
            "progress",
            "weeks",
            "errors",
            "errors_total",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_errors_total(self, obj) -> int:
        return int((obj.preview or {}).get("errors_total", len(obj.errors or [])))
