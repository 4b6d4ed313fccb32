from rest_framework import serializers

from ..models import Agency, Municipality, Organisation, Region


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name", "timezone"]


class AgencySerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", default=None, read_only=True)

    class Meta:
        model = Agency
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "kind",
            "region_code",
            "parent",
            "collective_scope",
            "includes_subordinates",
        ]


class MunicipalitySerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True)

    class Meta:
        model = Municipality
        fields = ["id", "name", "region_code"]


class OrganisationSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True)
    municipality_name = serializers.CharField(
        source="municipality.name", default=None, read_only=True
    )
    org_type_display = serializers.CharField(source="get_org_type_display", read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "code",
            "name",
            "org_type",
            "org_type_display",
            "region_code",
            "municipality",
            "municipality_name",
        ]
