from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from roadmap_portal.formfields import CappedFileSerializerField, PortalDateSerializerField

from ..approval import states_of, week_of
from ..choices import ApprovalState
from ..formulas import FORMULAS, published_percent, share_percent
from ..models import (
    IndexFact,
    IndexScore,
    IndexUpload,
    Indicator,
    IndicatorStage,
    MonitoringRollup,
    MonitoringRoster,
    MonitoringUpload,
    RegionBaseline,
    RegionTarget,
)


class IndicatorStageSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndicatorStage
        fields = ["stage", "target_date", "target_kind", "target_value"]


class IndicatorSerializer(serializers.ModelSerializer):
    stages = IndicatorStageSerializer(many=True, read_only=True)

    class Meta:
        model = Indicator
        # `label` is the model's property (a serializer attribute of that name is the field's
        # own label): «П1» … «П4», the naming of pages and exports
        fields = ["id", "code", "number", "label", "name", "description", "org_types", "stages"]
        extra_kwargs = {"label": {"help_text": "Краткое название: П1 … П4."}}


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


def _share(obj: MonitoringRollup, code: str) -> dict:
    """The share of indicator `code` with its parts (indicators.formulas)."""
    numerator, denominator = FORMULAS[code].rollup_parts(obj)
    value = published_percent(share_percent(numerator, denominator))
    # decimals as strings, like every DecimalField of the API
    text = None if value is None else f"{value:.2f}"
    return {"value": text, "numerator": numerator, "denominator": denominator}


class CoverageSerializer(serializers.Serializer):
    """Organisations reported / expected this week (indicators.coverage); `complete` false:
    a «неполная неделя», shown but never judged against a target."""

    reported = serializers.IntegerField()
    expected = serializers.IntegerField()
    share = serializers.FloatField(help_text="reported / expected, доля от 1")
    complete = serializers.BooleanField()
    basis = serializers.ChoiceField(choices=["roster", "weeks", "none"])
    basis_label = serializers.CharField()


class IndicatorValueSerializer(serializers.ModelSerializer):
    """One week of a region (municipality null) or a municipality: П1–П4 (`i1`…`i4`) and M,
    in percent.

    I2's denominator is 2 × students (one parent per student, docs/domain.md).
    """

    region_code = serializers.CharField(source="region.code", read_only=True)
    municipality_name = serializers.CharField(
        source="municipality.name", default=None, read_only=True
    )
    i1 = serializers.SerializerMethodField(help_text="П1: доля работников, писавших за неделю")
    i2 = serializers.SerializerMethodField(help_text="П2: активность обучающихся и родителей")
    i3 = serializers.SerializerMethodField(help_text="П3: доля пользователей только в MAX")
    i4 = serializers.SerializerMethodField(
        help_text="П4: доля работников органов власти, писавших за неделю"
    )
    m = serializers.SerializerMethodField()
    complete = serializers.BooleanField(
        read_only=True, help_text="false: «неполная неделя» (охват ниже порога)"
    )
    coverage = serializers.SerializerMethodField()
    approval = serializers.ChoiceField(
        source="approval_state",
        choices=["draft", "submitted", "approved"],
        read_only=True,
        help_text="Утверждение недели: draft — подготовлено, submitted — направлено "
        "(оба — предварительные данные), approved — утверждено.",
    )

    class Meta:
        model = MonitoringRollup
        fields = [
            "id",
            "region_code",
            "municipality",
            "municipality_name",
            "week_start",
            "organisations",
            "complete",
            "coverage",
            "approval",
            "i1",
            "i2",
            "i3",
            "i4",
            "m",
            "updated_at",
        ]

    @extend_schema_field(CoverageSerializer(allow_null=True))
    def get_coverage(self, obj: MonitoringRollup) -> dict | None:
        coverage = obj.coverage
        if coverage is None:
            return None
        return {**coverage.as_json(), "basis_label": coverage.basis_label}

    @extend_schema_field(ShareSerializer)
    def get_i1(self, obj: MonitoringRollup) -> dict:
        return _share(obj, "i1")

    @extend_schema_field(ShareSerializer)
    def get_i2(self, obj: MonitoringRollup) -> dict:
        return _share(obj, "i2")

    @extend_schema_field(ShareSerializer)
    def get_i3(self, obj: MonitoringRollup) -> dict:
        return _share(obj, "i3")

    @extend_schema_field(ShareSerializer)
    def get_i4(self, obj: MonitoringRollup) -> dict:
        return _share(obj, "i4")

    @extend_schema_field(ShareSerializer)
    def get_m(self, obj: MonitoringRollup) -> dict:
        return _share(obj, "m")


# --- the implementation index ----------------------------------------------------------


class IndexScoreSerializer(serializers.ModelSerializer):
    """A stored index of a region on a date (history), with its breakdown as computed."""

    region_code = serializers.CharField(source="region.code", read_only=True)
    version = serializers.CharField(source="version.code", read_only=True)
    components = serializers.JSONField(read_only=True)
    criteria = serializers.JSONField(read_only=True)

    class Meta:
        model = IndexScore
        fields = [
            "id",
            "region_code",
            "on_date",
            "version",
            "total",
            "claimed_total",
            "max_points",
            "components",
            "criteria",
            "computed_at",
        ]


class IndexHistorySerializer(IndexScoreSerializer):
    class Meta(IndexScoreSerializer.Meta):
        fields = [
            "id",
            "region_code",
            "on_date",
            "version",
            "total",
            "claimed_total",
            "max_points",
            "computed_at",
        ]


class IndexInputRowSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    value = serializers.CharField(allow_null=True)
    as_of = PortalDateSerializerField(allow_null=True)
    verified = serializers.BooleanField()


class IndexCriterionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    rule = serializers.CharField(help_text="Правило методики.")
    applied = serializers.CharField(help_text="Правило с цифрами региона (подтверждённое).")
    claimed_applied = serializers.CharField()
    points = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    claimed = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    max_points = serializers.DecimalField(max_digits=6, decimal_places=2)
    requires_verification = serializers.BooleanField()
    counts_from = PortalDateSerializerField(allow_null=True)
    is_monitoring = serializers.BooleanField()
    inputs = IndexInputRowSerializer(many=True)
    measures = serializers.SerializerMethodField(help_text="Открытые мероприятия критерия (id).")

    def get_measures(self, obj) -> list[int]:
        return [measure.pk for measure in obj.measures]


class IndexComponentSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    points = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    claimed = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    max_points = serializers.DecimalField(max_digits=6, decimal_places=2)
    criteria = IndexCriterionSerializer(many=True)


class RegionIndexSerializer(serializers.Serializer):
    """The index of one region on a date with its breakdown, as the region's index page."""

    region_code = serializers.CharField(source="region.code")
    on_date = PortalDateSerializerField()
    version = serializers.CharField(source="version.code", allow_null=True, default=None)
    has_data = serializers.BooleanField(
        help_text="false: ни сведений, ни недели мониторинга на дату («нет данных»); "
        "итоги и баллы null, как в рейтинге и истории."
    )
    total = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    claimed_total = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    max_points = serializers.DecimalField(
        source="result.max_points", max_digits=6, decimal_places=2, allow_null=True, default=None
    )
    potential = serializers.DecimalField(
        max_digits=6, decimal_places=2, help_text="Баллы, которые дадут открытые мероприятия."
    )
    components = IndexComponentSerializer(many=True)


class RankingRowSerializer(serializers.Serializer):
    place = serializers.IntegerField(allow_null=True, help_text="null: нет данных, не ранжируется.")
    region_code = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    total = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    claimed_total = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    earlier = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    change = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    highlighted = serializers.BooleanField(help_text="Субъект из области видимости вызывающего.")
    approved = serializers.BooleanField(
        help_text="true: итог рассчитан только по утверждённым неделям; false: предварительный."
    )


class RankingSerializer(serializers.Serializer):
    on_date = PortalDateSerializerField()
    since = PortalDateSerializerField(allow_null=True)
    version = serializers.CharField(allow_null=True)
    approved_only = serializers.BooleanField(help_text="Рейтинг только по утверждённым данным.")
    rows = RankingRowSerializer(many=True)


class IndexFactSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True)
    is_verified = serializers.BooleanField(read_only=True)
    has_evidence_file = serializers.SerializerMethodField()
    approval = serializers.SerializerMethodField(
        help_text="Утверждение недели сведений (draft, submitted — предварительные; approved)."
    )

    class Meta:
        model = IndexFact
        fields = [
            "id",
            "region_code",
            "criterion_code",
            "input",
            "value",
            "as_of",
            "evidence_url",
            "evidence_text",
            "has_evidence_file",
            "source",
            "upload",
            "entered_at",
            "is_verified",
            "verified_at",
            "approval",
        ]

    def get_has_evidence_file(self, obj) -> bool:
        return bool(obj.evidence_file)

    def get_approval(self, obj) -> str:
        """The state of the fact's week (indicators.approval); a list passes the states of
        every week in one query (`approval_states`), a single fact asks for its own."""
        pair = (obj.region_id, week_of(obj.as_of))
        states = self.context.get("approval_states")
        if states is None:
            return states_of([pair])[pair]
        return states.get(pair, ApprovalState.DRAFT)


class IndexFactInputSerializer(serializers.Serializer):
    """POST /index-inputs/: one input of a region, as the fact form of the index page."""

    region = serializers.CharField(max_length=2, help_text="Код субъекта, например 66.")
    criterion = serializers.CharField(max_length=40, help_text="Код критерия: mfc_bot, …")
    input = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", help_text="Имя входа."
    )
    value = serializers.CharField(max_length=40, help_text="Число; допускается запятая.")
    as_of = PortalDateSerializerField()
    evidence_url = serializers.URLField(
        max_length=1000, required=False, allow_blank=True, default=""
    )
    evidence_text = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )
    evidence_file = CappedFileSerializerField(
        kind="evidence", required=False, allow_null=True, default=None
    )


class IndexImportInputSerializer(serializers.Serializer):
    """POST /index-imports/ (multipart): the «Сведения для индекса внедрения» table."""

    file = CappedFileSerializerField(kind="index")
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="Только проверить: ничего не загружать."
    )


class IndexUploadSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndexUpload
        fields = [
            "id",
            "original_name",
            "uploaded_at",
            "sha256",
            "source",
            "status",
            "rows_read",
            "rows_created",
            "rows_unchanged",
            "errors",
            "preview",
            "regions",
        ]


# --- monitoring uploads -------------------------------------------------------------


class MonitoringUploadInputSerializer(serializers.Serializer):
    """POST /api/v1/monitoring/uploads/ (multipart): the file, the region, dry run or not."""

    file = CappedFileSerializerField(kind="monitoring")
    region = serializers.CharField(
        max_length=2, required=False, allow_blank=True, help_text=_("Код субъекта")
    )
    dry_run = serializers.BooleanField(required=False, default=False)


class MonitoringUploadSerializer(serializers.ModelSerializer):
    region: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    uploaded_by: serializers.StringRelatedField[Any] = serializers.StringRelatedField()
    status_display = serializers.CharField(source="state_display", read_only=True)
    errors_total = serializers.SerializerMethodField()
    coverage = serializers.SerializerMethodField(
        help_text=(
            "Охват недель файла (для пробной проверки — какими они станут): по субъекту и "
            "неделе отчитались / ожидалось, доля, «неполная неделя» (complete = false) и "
            "муниципалитеты с наибольшим выпадением организаций."
        )
    )

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
            "coverage",
            "started_at",
            "finished_at",
            "enqueued_at",
            "attempts",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_coverage(self, obj) -> dict | None:
        return (obj.preview or {}).get("coverage")

    def get_errors_total(self, obj) -> int:
        return int((obj.preview or {}).get("errors_total", len(obj.errors or [])))


# --- rosters of expected organisations (indicators.services.rosters) -------------------


class MonitoringRosterSerializer(serializers.ModelSerializer):
    region: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    uploaded_by: serializers.StringRelatedField[Any] = serializers.StringRelatedField()

    class Meta:
        model = MonitoringRoster
        fields = ["id", "region", "organisations", "original_name", "uploaded_by", "uploaded_at"]
        read_only_fields = fields


class MonitoringRosterInputSerializer(serializers.Serializer):
    """POST /api/v1/monitoring/rosters/ (multipart): the region and its roster file."""

    region = serializers.CharField(max_length=2, help_text=_("Код субъекта"))
    file = CappedFileSerializerField(
        kind="monitoring",
        help_text=_("CSV/XLSX со столбцом «Код организации»; заменяет прежний перечень."),
    )
