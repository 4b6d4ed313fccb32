from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from roadmap_portal.formfields import PortalDateSerializerField

from ..choices_exports import ExportFormat
from ..exports.registry import report_choices
from ..models import GeneratedExport


class ExportSerializer(serializers.ModelSerializer):
    """A report job: poll it until `status` is `done`, then fetch `download_url`."""

    region_code = serializers.CharField(source="region.code", default=None, read_only=True)
    kind_label = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    percent = serializers.IntegerField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = GeneratedExport
        fields = [
            "id",
            "kind",
            "kind_label",
            "fmt",
            "params",
            "region_code",
            "status",
            "status_display",
            "progress",
            "total",
            "percent",
            "filename",
            "size",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "expires_at",
            "download_url",
        ]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, obj: GeneratedExport) -> str | None:
        if not obj.is_downloadable:
            return None
        url = reverse("api:export-download", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class ExportInputSerializer(serializers.Serializer):
    """POST /exports/: the export page's form (checked by that form's own rules)."""

    kind = serializers.ChoiceField(choices=report_choices())
    region = serializers.CharField(
        max_length=2, required=False, allow_blank=True, default="", help_text="Код субъекта."
    )
    date_from = PortalDateSerializerField(required=False, allow_null=True, default=None)
    date_to = PortalDateSerializerField(required=False, allow_null=True, default=None)
    orgs = serializers.BooleanField(
        required=False, default=False, help_text="Лист по организациям (показатели)."
    )
    fmt = serializers.ChoiceField(choices=ExportFormat.choices, default=ExportFormat.XLSX)
