from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from roadmap_portal.dates import INPUT_FORMATS
from roadmap_portal.formfields import CappedFileField, PortalDateField

from ..models import Criterion
from ..models.index import EVIDENCE_EXTENSIONS
from .services import fact_value_errors


class IndexFactForm(forms.Form):
    """A fact for one criterion; the value is checked against the criterion's input spec."""

    input = forms.ChoiceField(label=_("Вход"), required=False)
    value = forms.CharField(label=_("Значение"), max_length=30)
    as_of = PortalDateField(
        label=_("Действует с (дата)"),
        input_formats=INPUT_FORMATS,
        help_text=_("ДД.ММ.ГГГГ: с этой даты значение учитывается в индексе."),
    )
    evidence_url = forms.URLField(
        label=_("Ссылка на подтверждение"), required=False, assume_scheme="https"
    )
    evidence_file = CappedFileField(
        kind="evidence",
        label=_("Файл подтверждения"),
        required=False,
        help_text=_("PDF, DOCX, XLSX, JPG или PNG."),
    )
    evidence_text = forms.CharField(
        label=_("Подтверждение (описание)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, criterion: Criterion, **kwargs):
        super().__init__(*args, **kwargs)
        self.criterion = criterion
        input_field = self.fields["input"]
        assert isinstance(input_field, forms.ChoiceField)
        input_field.choices = [
            (item.get("code", ""), item.get("label") or item.get("code", ""))
            for item in criterion.inputs
        ]
        if len(criterion.inputs) <= 1:
            self.fields["input"].widget = forms.HiddenInput()

    def clean_input(self) -> str:
        return self.cleaned_data.get("input") or ""

    def clean_evidence_file(self):
        file = self.cleaned_data.get("evidence_file")
        if file and file.name.rsplit(".", 1)[-1].lower() not in EVIDENCE_EXTENSIONS:
            raise forms.ValidationError(_("Допустимы файлы PDF, DOCX, XLSX, JPG, PNG."))
        return file

    def clean(self):
        data = super().clean()
        if "value" in data:
            value, errors = fact_value_errors(self.criterion, data.get("input", ""), data["value"])
            if errors:
                self.add_error("value", errors)
            else:
                data["value"] = value
        if not (data.get("evidence_url") or data.get("evidence_file") or data.get("evidence_text")):
            raise forms.ValidationError(_("Укажите подтверждение: ссылку, файл или описание."))
        return data


class IndexUploadForm(forms.Form):
    file = CappedFileField(
        kind="index",
        label=_("Файл «Сведения для индекса внедрения»"),
        help_text=_("CSV или XLSX: код региона, критерий, вход, значение, дата, подтверждение."),
    )
