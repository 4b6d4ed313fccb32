from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.choices_exports import ExportFormat
from reports.exports.base import ExportRefused
from reports.exports.formats import check_format
from reports.exports.registry import ExportParams, get_report, report_choices
from roadmap_portal.dates import INPUT_FORMATS
from roadmap_portal.formfields import PortalDateField


class ExportForm(forms.Form):
    """What report to export; the region choices are the user's scope."""

    kind = forms.ChoiceField(label=_("Отчёт"), choices=report_choices)
    region = forms.ChoiceField(label=_("Субъект РФ"), required=False)
    date_from = PortalDateField(
        label=_("Период с"),
        required=False,
        help_text=_(
            "Показатели: недели, начинающиеся в периоде. Индекс: «по» — дата рейтинга "
            "(пусто — сегодня), «с» — дата сравнения. Оповещения: действовавшие в периоде. "
            "Пусто — без ограничения."
        ),
        input_formats=INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = PortalDateField(
        label=_("по"),
        required=False,
        input_formats=INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    orgs = forms.BooleanField(
        label=_("Лист по организациям (большой отчёт, формируется в фоне)"), required=False
    )
    fmt = forms.ChoiceField(
        label=_("Формат"),
        choices=ExportFormat.choices,
        initial=ExportFormat.XLSX,
        help_text=_(
            "ODS открывается в LibreOffice, Р7-Офис и МойОфис. CSV содержит основную таблицу "
            "отчёта (с листом по организациям — её). PDF — для печати, только для статуса "
            "дорожных карт."
        ),
    )

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(r.code, f"{r.code} {r.name}") for r in regions]
        if len(choices) > 1:
            choices.insert(0, ("", _("Все доступные субъекты")))
        self.fields["region"].choices = choices

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if not kind:
            return data
        spec = get_report(kind)
        if spec.needs_region and not data.get("region"):
            self.add_error("region", _("Для этого отчёта выберите субъект РФ."))
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if spec.uses_period and date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("Конец периода раньше начала."))
        if data.get("fmt"):
            try:
                check_format(data["fmt"], spec)
            except ExportRefused as refused:
                self.add_error("fmt", str(refused))
        return data

    def params(self) -> ExportParams:
        data = self.cleaned_data
        spec = get_report(data["kind"])
        return ExportParams(
            region=data.get("region") or "",
            date_from=data.get("date_from") if spec.uses_period else None,
            date_to=data.get("date_to") if spec.uses_period else None,
            orgs=bool(data.get("orgs")) and spec.supports_orgs,
        )
