from rest_framework import serializers

from ..models import Agency, Region


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
