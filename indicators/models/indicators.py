from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Region
from agencies.querysets import RegionScopedQuerySet
from roadmap_portal.formfields import plausible_date

from ..choices import Stage, TargetKind
from .monitoring import MonitoringRollup


class IndicatorQuerySet(models.QuerySet):
    def region_latest_values(self, region_id: int | None) -> list[tuple]:
        """(indicator, value, week_start) of these indicators in the region's latest complete
        weekly rollup (a «неполная неделя» is not shown as the region's value:
        indicators.coverage); value and week None until monitoring arrives. Reached through
        relations too (`measure.indicators.region_latest_values(...)`), so apps below this
        one read indicator values without importing it."""
        indicators = list(self)
        if not indicators:
            return []
        rollup = None
        if region_id:
            rollup = (
                MonitoringRollup.objects.complete()
                .filter(region_id=region_id, municipality__isnull=True)
                .order_by("-week_start")
                .first()
            )
        week = rollup.week_start if rollup is not None else None
        return [
            (indicator, getattr(rollup, f"i{indicator.number}", None) if rollup else None, week)
            for indicator in indicators
        ]


class Indicator(models.Model):
    """One of the four Sferum indicators (I1–I4) of the roadmaps."""

    code = models.SlugField(_("код"), max_length=20, unique=True)
    number = models.PositiveSmallIntegerField(_("номер"), unique=True)
    name = models.CharField(_("наименование"), max_length=300)
    description = models.TextField(_("показатель мониторинга"), blank=True)
    org_types = models.JSONField(
        _("типы организаций"), default=list, help_text=_("Коды типов организаций в расчёте.")
    )

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("показатель")
        verbose_name_plural = _("показатели")

    def __str__(self) -> str:
        return f"{self.label}. {self.name}"

    @property
    def label(self) -> str:
        """The indicator's short name on every page, export and API label: «П1» … «П4»."""
        return indicator_label(self.number)


def indicator_label(number: int | str) -> str:
    """«П1» … «П4»: the one naming of the Sferum indicators shown to people (codes stay i1…)."""
    return f"П{number}"


class IndicatorStage(models.Model):
    """A stage of an indicator: the date by which the target must be reached."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("показатель"), on_delete=models.CASCADE, related_name="stages"
    )
    stage = models.PositiveSmallIntegerField(_("этап"), choices=Stage.choices)
    target_date = models.DateField(_("по состоянию на"), validators=[plausible_date])
    target_kind = models.CharField(_("вид цели"), max_length=20, choices=TargetKind.choices)
    target_value = models.DecimalField(
        _("целевое значение, %"), max_digits=6, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["indicator", "stage"]
        verbose_name = _("этап показателя")
        verbose_name_plural = _("этапы показателей")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "stage"], name="indicator_stage_unique"),
            models.CheckConstraint(
                condition=~models.Q(target_kind=TargetKind.FIXED)
                | models.Q(target_value__isnull=False),
                name="indicator_stage_fixed_has_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.get_stage_display()}"


class RegionBaseline(models.Model):
    """A region's stage 1 baseline: its best value of the indicator in VK Messenger 2024/25."""

    region = models.ForeignKey(
        Region, verbose_name=_("субъект РФ"), on_delete=models.CASCADE, related_name="baselines"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("показатель"), on_delete=models.CASCADE, related_name="baselines"
    )
    value = models.DecimalField(_("значение, %"), max_digits=6, decimal_places=2)
    source = models.CharField(_("источник"), max_length=500)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто внёс"),
        on_delete=models.PROTECT,  # a history keeps who: agencies.history
        null=True,
        blank=True,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("когда"), auto_now=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("базовое значение")
        verbose_name_plural = _("базовые значения")
        constraints = [
            models.UniqueConstraint(fields=["region", "indicator"], name="baseline_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region.code} {self.indicator.code}: {self.value}"


class RegionTarget(models.Model):
    """A region's own reading of a stage: another value, or a condition before it is in force."""

    region = models.ForeignKey(
        Region, verbose_name=_("субъект РФ"), on_delete=models.CASCADE, related_name="targets"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("показатель"), on_delete=models.CASCADE, related_name="+"
    )
    stage = models.PositiveSmallIntegerField(_("этап"), choices=Stage.choices)
    target_value = models.DecimalField(
        _("целевое значение, %"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    conditional = models.BooleanField(_("условная цель"), default=False)
    condition = models.TextField(_("условие"), blank=True)
    in_force = models.BooleanField(_("вступила в силу"), default=True)
    in_force_since = models.DateField(
        _("в силе с"), null=True, blank=True, validators=[plausible_date]
    )
    source = models.CharField(_("источник"), max_length=500, blank=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("цель субъекта")
        verbose_name_plural = _("цели субъектов")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "indicator", "stage"], name="region_target_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region.code} {self.indicator.code} этап {self.stage}"
