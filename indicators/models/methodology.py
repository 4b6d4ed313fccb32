from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from roadmap_portal.formfields import plausible_date

from ..choices import CriterionKind, CriterionSource

LOCKED_MESSAGE = _("Версия методики уже использована в расчётах: её можно только заменить новой.")


class MethodologyVersionQuerySet(models.QuerySet):
    def valid_on(self, on_date: dt.date):
        """The versions in force on `on_date` (the latest start wins when several are)."""
        return self.filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=on_date),
            valid_from__lte=on_date,
        ).order_by("-valid_from", "-id")


class MethodologyVersion(models.Model):
    """A named version of the implementation index methodology with its validity period.

    Once a score has been computed with it (`locked_at` set) its components, criteria,
    weights and bands cannot change: a new version supersedes it (its `valid_to` is the
    only field that may still be set).
    """

    code = models.SlugField(_("код"), max_length=40, unique=True)
    name = models.CharField(_("наименование"), max_length=300)
    valid_from = models.DateField(_("действует с"), validators=[plausible_date])
    valid_to = models.DateField(
        _("действует по"), null=True, blank=True, validators=[plausible_date]
    )
    source = models.CharField(_("источник"), max_length=300, blank=True)
    locked_at = models.DateTimeField(
        _("использована с"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("По версии уже рассчитан индекс: изменить её нельзя, только заменить новой."),
    )

    objects = MethodologyVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("версия методики индекса")
        verbose_name_plural = _("версии методики индекса")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="methodology_valid_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # invariant: a version in use keeps its content; only `valid_to` may be set
        if self.pk:
            stored = (
                type(self)
                .objects.filter(pk=self.pk)
                .values("code", "name", "valid_from", "source", "locked_at")
                .first()
            )
            if stored and stored["locked_at"] is not None:
                changed = [
                    key
                    for key in ("code", "name", "valid_from", "source")
                    if stored[key] != getattr(self, key)
                ]
                if changed:
                    raise ValidationError(LOCKED_MESSAGE)
                self.locked_at = stored["locked_at"]
        super().save(*args, **kwargs)

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def max_points(self) -> Decimal:
        return sum((c.max_points for c in self.components.all()), Decimal("0"))


def _guard_locked(version_id: int | None) -> None:
    if (
        version_id
        and MethodologyVersion.objects.filter(pk=version_id, locked_at__isnull=False).exists()
    ):
        raise ValidationError(LOCKED_MESSAGE)


class Component(models.Model):
    """A component of the index («Сервисы региона», 50 points) within a version."""

    version = models.ForeignKey(
        MethodologyVersion,
        verbose_name=_("версия методики"),
        on_delete=models.CASCADE,
        related_name="components",
    )
    code = models.SlugField(_("код"), max_length=40)
    name = models.CharField(_("наименование"), max_length=300)
    max_points = models.DecimalField(_("максимум баллов"), max_digits=6, decimal_places=2)
    position = models.PositiveSmallIntegerField(_("порядок"), default=0)

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("компонент индекса")
        verbose_name_plural = _("компоненты индекса")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="component_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.max_points:g})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        _guard_locked(self.version_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _guard_locked(self.version_id)
        return super().delete(*args, **kwargs)


class Criterion(models.Model):
    """A scored criterion of a component, its kind and its parameters (weights, bands, caps).

    `inputs` lists the named inputs of the criterion as the index inputs file names them
    (`[{"code": "uk_total", "label": "…", "integer": true, "min": 0, "max": null}]`; a
    single unnamed input has code ""). `value_input` holds the value (or the numerator of
    a share over `denominator_input`); `gate_input` must reach `gate_min` (media: at least
    2 publications). `bands`: `[{"min": 80, "points": 5}, …]`, lower bounds in percent.
    """

    component = models.ForeignKey(
        Component,
        verbose_name=_("компонент"),
        on_delete=models.CASCADE,
        related_name="criteria",
    )
    code = models.SlugField(_("код"), max_length=40)
    name = models.CharField(_("наименование"), max_length=500)
    rule_text = models.TextField(_("правило оценки (как в методике)"), blank=True)
    kind = models.CharField(_("вид"), max_length=20, choices=CriterionKind.choices)
    source = models.CharField(
        _("источник данных"),
        max_length=20,
        choices=CriterionSource.choices,
        default=CriterionSource.FACT,
    )
    max_points = models.DecimalField(_("максимум баллов"), max_digits=6, decimal_places=2)
    points = models.DecimalField(
        _("баллы (за выполнение, единицу или шаг)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
    )
    step = models.DecimalField(
        _("шаг доли, %"), max_digits=6, decimal_places=2, default=Decimal("0")
    )
    bands = models.JSONField(_("диапазоны"), default=list, blank=True)
    inputs = models.JSONField(_("входные данные"), default=list, blank=True)
    value_input = models.CharField(_("вход со значением"), max_length=40, blank=True)
    denominator_input = models.CharField(_("вход-знаменатель доли"), max_length=40, blank=True)
    gate_input = models.CharField(_("вход-условие"), max_length=40, blank=True)
    gate_min = models.DecimalField(
        _("минимум для условия"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    requires_verification = models.BooleanField(
        _("учитывается после верификации"),
        default=False,
        help_text=_("«Верифицирован и запущен»: засчитываются только подтверждённые сведения."),
    )
    counts_from = models.DateField(
        _("учитывается с"),
        null=True,
        blank=True,
        help_text=_(
            "Дата запуска функционала в MAX; пока не задана, критерий учитывается с даты сведений."
        ),
        validators=[plausible_date],
    )
    position = models.PositiveSmallIntegerField(_("порядок"), default=0)

    class Meta:
        ordering = ["component__position", "position"]
        verbose_name = _("критерий индекса")
        verbose_name_plural = _("критерии индекса")
        constraints = [
            models.UniqueConstraint(fields=["component", "code"], name="criterion_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"

    # the launch date of a functionality is a fact about the world, not a rule: it may be
    # set on a version in use (the scores from then on change, the rules do not)
    UNLOCKED_FIELDS = frozenset({"counts_from"})

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and self.component_id:
            stored = type(self).objects.filter(pk=self.pk).first()
            if stored is not None and any(
                getattr(stored, f.attname) != getattr(self, f.attname)
                for f in self._meta.concrete_fields
                if f.attname not in self.UNLOCKED_FIELDS
            ):
                _guard_locked(stored.component.version_id)
        elif self.component_id:
            _guard_locked(self.component.version_id)
        super().save(*args, **kwargs)

    @property
    def input_codes(self) -> list[str]:
        return [item.get("code", "") for item in self.inputs]

    def input_spec(self, code: str) -> dict | None:
        for item in self.inputs:
            if item.get("code", "") == code:
                return item
        return None

    def clean(self) -> None:
        errors = {}
        if self.kind == CriterionKind.BANDS:
            if not self.bands:
                errors["bands"] = _("Для процентных диапазонов нужен хотя бы один диапазон.")
            else:
                try:
                    for band in self.bands:
                        Decimal(str(band["min"]))
                        Decimal(str(band["points"]))
                except (KeyError, TypeError, InvalidOperation):
                    errors["bands"] = _('Диапазоны: список вида [{"min": 80, "points": 5}, …].')
        if self.kind == CriterionKind.STEPWISE_SHARE and not self.step:
            errors["step"] = _("Для доли по шагам нужен шаг.")
        if self.source == CriterionSource.FACT:
            codes = self.input_codes
            for name in ("value_input", "denominator_input", "gate_input"):
                value = getattr(self, name)
                if (value or name == "value_input") and value not in codes:
                    errors[name] = _("Такого входа нет в списке входных данных критерия.")
        if errors:
            raise ValidationError(errors)

    def delete(self, *args, **kwargs):
        _guard_locked(self.component.version_id)
        return super().delete(*args, **kwargs)
