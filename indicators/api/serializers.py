from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Indicator, IndicatorStage, MonitoringRollup, RegionBaseline, RegionTarget


class IndicatorStageSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndicatorStage
        fields = ["stage", "target_date", "target_kind", "target_value"]


class IndicatorSerializer(serializers.ModelSerializer):
    stages = IndicatorStageSerializer(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = ["id", "code", "number", "name", "description", "org_types", "stages"]


class RegionTargetSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True)
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)

    class Meta:
        model = RegionTarget
        fields = [
            "id",
            "region_code",
            "indicator_code",
            "stage",
            "target_value",
            "conditional",
            "condition",
            "in_force",
            "in_force_since",
            "source",
        ]


class RegionBaselineSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True)
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)

    class Meta:
        model = RegionBaseline
        fields = ["id", "region_code", "indicator_code", "value", "source", "entered_at"]


class ShareSerializer(serializers.Serializer):
    """A share with what it is made of; `value` is null when the denominator is 0 (no data)."""

    value = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()


def _share(value: Decimal | None, numerator: int, denominator: int) -> dict:
    # decimals as strings, like every DecimalField of the API
    text = None if value is None else f"{value:.2f}"
    return {"value": text, "numerator": numerator, "denominator": denominator}


class IndicatorValueSerializer(serializers.ModelSerializer):
    """One week of a region (municipality null) or a municipality: I1–I4 and M, in percent.

    I2's denominator is 2 × students (one parent per student, DOMAIN.md).
    """

    region_code = serializers.CharField(source="region.code", read_only=True)
    municipality_name = serializers.CharField(
        source="municipality.name", default=None, read_only=True
    )
    i1 = serializers.SerializerMethodField()
    i2 = serializers.SerializerMethodField()
    i3 = serializers.SerializerMethodField()
    i4 = serializers.SerializerMethodField()
    m = serializers.SerializerMethodField()

    class Meta:
        model = MonitoringRollup
        fields = [
            "id",
            "region_code",
            "municipality",
            "municipality_name",
            "week_start",
            "organisations",
            "i1",
            "i2",
            "i3",
            "i4",
            "m",
            "updated_at",
        ]

    @extend_schema_field(ShareSerializer)
    def get_i1(self, obj: MonitoringRollup) -> dict:
        return _share(obj.i1, obj.edu_staff_writers, obj.edu_staff_total)

    @extend_schema_field(ShareSerializer)
    def get_i2(self, obj: MonitoringRollup) -> dict:
        return _share(obj.i2, obj.edu_learners_active, 2 * obj.edu_students_total)

    @extend_schema_field(ShareSerializer)
    def get_i3(self, obj: MonitoringRollup) -> dict:
        return _share(obj.i3, obj.np_max_only_users, obj.np_sferum_users)

    @extend_schema_field(ShareSerializer)
    def get_i4(self, obj: MonitoringRollup) -> dict:
        return _share(obj.i4, obj.gov_staff_writers, obj.gov_staff_total)

    @extend_schema_field(ShareSerializer)
    def get_m(self, obj: MonitoringRollup) -> dict:
        return _share(obj.m, obj.vkm_and_max_users, obj.vkm_users)
