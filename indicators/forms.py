from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from roadmap_portal.formfields import CappedFileField

from .choices import TargetKind
from .models import Indicator


class MonitoringUploadForm(forms.Form):
    file = CappedFileField(
        kind="monitoring",
        label=_("Файл выгрузки (CSV или XLSX)"),
        help_text=_("Выгрузка мониторинга Сферума: одна строка на организацию и неделю."),
    )
    dry_run = forms.BooleanField(
        label=_("Сначала проверить (пробный прогон, без записи)"), required=False, initial=True
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size == 0:
            raise forms.ValidationError(_("Файл пуст."))
        return file


class MonitoringRosterForm(forms.Form):
    file = CappedFileField(
        kind="monitoring",
        label=_("Перечень организаций (CSV или XLSX)"),
        help_text=_(
            "Столбец «Код организации» (как в выгрузке мониторинга), по строке на организацию; "
            "подойдёт и сама выгрузка мониторинга. Перечень заменяет прежний целиком."
        ),
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size == 0:
            raise forms.ValidationError(_("Файл пуст."))
        return file


class RegionBaselineForm(forms.Form):
    indicator = forms.ModelChoiceField(
        label=_("Показатель"),
        queryset=Indicator.objects.filter(stages__target_kind=TargetKind.BASELINE)
        .distinct()
        .order_by("number"),
    )
    value = forms.DecimalField(
        label=_("Базовое значение, %"),
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        max_digits=6,
        decimal_places=2,
        localize=True,
    )
    source = forms.CharField(
        label=_("Источник"),
        max_length=500,
        help_text=_(
            "Откуда взято значение: максимум показателя в VK Мессенджере за 2024/25 уч. г."
        ),
    )


class WeekApprovalForm(forms.Form):
    """A comment (submit, approve) or a reason (return, reopen: required by the service)."""

    text = forms.CharField(
        label=_("Комментарий или причина"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
