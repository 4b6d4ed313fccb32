"""Forms of the measure pages; every write goes through a service (STYLE R6)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.choices import OrgType
from agencies.models import Municipality, Organisation
from roadmap_portal.formfields import (
    BoundedModelMultipleChoiceField,
    CappedFileField,
    PortalDateField,
)

from .choices import CascadeScope, MeasureStatus
from .models import Cascade, Measure, Roadmap
from .services.evidence import ALLOWED_LABEL
from .services.roadmap_import import NEW_AGENCY, _agency_pool

EVIDENCE_ACCEPT = ".pdf,.docx,.xlsx,.jpg,.jpeg,.png"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MeasureStatusForm(forms.Form):
    """Status update of a measure; `version` is the one the page was rendered with."""

    status = forms.ChoiceField(label=_("Новый статус"), choices=MeasureStatus.choices)
    comment = forms.CharField(
        label=_("Комментарий"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Обязателен при выполнении, отмене и возврате статуса."),
    )
    completed_on = PortalDateField(
        label=_("Дата выполнения"),
        required=False,
        widget=DateInput(),
        help_text=_("Для статуса «Выполнено»; по умолчанию сегодня."),
    )
    evidence = CappedFileField(
        kind="evidence",
        label=_("Подтверждающий файл"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
        help_text=ALLOWED_LABEL,
    )
    evidence_link = forms.URLField(
        label=_("или ссылка на подтверждение"),
        required=False,
        max_length=1000,
        assume_scheme="https",
    )
    confirm_open_steps = forms.BooleanField(
        label=_("Подтверждаю выполнение, хотя не все подэтапы отмечены"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MeasurePartStatusForm(MeasureStatusForm):
    """Status of one body's part; `version` is the part's (its sub-steps are the measure's)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["confirm_open_steps"]


class MeasureTargetForm(forms.Form):
    """The value achieved on a countable target; `version` is the measure's."""

    achieved = forms.CharField(
        label=_("Достигнуто"),
        required=False,
        max_length=30,
        help_text=_("Число; пусто — значение ещё не известно."),
    )
    comment = forms.CharField(
        label=_("Комментарий"), required=False, max_length=5000, widget=forms.TextInput()
    )
    evidence = CappedFileField(
        kind="evidence",
        label=_("Подтверждающий файл"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
        help_text=ALLOWED_LABEL,
    )
    evidence_link = forms.URLField(
        label=_("или ссылка"), required=False, max_length=1000, assume_scheme="https"
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MeasureFederalForm(forms.Form):
    """The item of the federal plan a regional measure carries out; empty unlinks."""

    federal_item = forms.ModelChoiceField(  # type: ignore[var-annotated]  # set in __init__
        label=_("Пункт федерального плана"), queryset=None, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["federal_item"].queryset = Measure.objects.filter(
            roadmap__region__isnull=True
        ).order_by("roadmap__code", "position")


class MeasureStepForm(forms.Form):
    done = forms.BooleanField(label=_("Выполнен"), required=False)
    done_on = PortalDateField(label=_("Дата"), required=False, widget=DateInput())
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MeasureReportForm(forms.Form):
    period = PortalDateField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Статус отчёта"), choices=MeasureStatus.choices)
    comment = forms.CharField(
        label=_("Комментарий"), required=False, max_length=5000, widget=forms.TextInput()
    )
    evidence = CappedFileField(
        kind="evidence",
        label=_("Файл"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
    )
    evidence_link = forms.URLField(
        label=_("Ссылка"), required=False, max_length=1000, assume_scheme="https"
    )
    # the measure's version the page showed (a report is a write to the measure)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class CascadeForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Кому"), choices=CascadeScope.choices, widget=forms.RadioSelect
    )
    municipality = forms.ModelChoiceField(
        label=_("Муниципальное образование"), queryset=Municipality.objects.none(), required=False
    )
    org_types = forms.MultipleChoiceField(
        label=_("Типы организаций"),
        choices=OrgType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Пусто — все типы."),
    )
    organisations = BoundedModelMultipleChoiceField(
        label=_("Выбранные организации"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    subject = forms.CharField(label=_("Тема"), required=False, max_length=500)
    document_number = forms.CharField(label=_("Номер письма"), required=False, max_length=100)
    document_date = PortalDateField(label=_("Дата письма"), required=False, widget=DateInput())
    due_date = PortalDateField(
        label=_("Срок"),
        required=False,
        widget=DateInput(),
        help_text=_("Пусто — срок мероприятия."),
    )
    parent = forms.ModelChoiceField(  # type: ignore[var-annotated]  # queryset set in __init__
        label=_("Во исполнение письма"),
        queryset=None,
        required=False,
        help_text=_(
            "Следующий уровень каскада: например, письмо района школам после письма министерства."
        ),
    )

    def __init__(self, *args, region=None, measure=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = (
            Cascade.objects.filter(measure=measure)
            if measure is not None
            else Cascade.objects.none()
        )
        if region is not None:
            self.fields["municipality"].queryset = Municipality.objects.filter(region=region)
            self.fields["organisations"].queryset = Organisation.objects.filter(
                region=region
            ).select_related("municipality")


class CascadeProgressForm(forms.Form):
    organisation = forms.IntegerField(widget=forms.HiddenInput)
    step = forms.IntegerField(widget=forms.HiddenInput, required=False)
    done_on = PortalDateField(
        label=_("Дата выполнения"),
        required=False,
        widget=DateInput(),
        help_text=_("Пусто — снять отметку."),
    )


class CascadeImportForm(forms.Form):
    file = CappedFileField(
        kind="cascade",
        label=_("Файл CSV или XLSX"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
        help_text=_("Столбцы: «Код организации», «Подэтап» (номер), «Дата выполнения»."),
    )


class RoadmapUploadForm(forms.Form):
    """A region's roadmap document: a new roadmap, or a new version of one in force."""

    file = CappedFileField(
        kind="roadmap",
        label=_("Документ DOCX, XLSX или CSV"),
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.xlsx,.csv"}),
        help_text=_(
            "Таблица со столбцами «№ п/п», «Мероприятие», «Срок», «Ответственный» и, если есть, "
            "«Ожидаемый результат». Разделы — строки на всю ширину таблицы, подэтапы — строки "
            "с «–» в ячейке мероприятия."
        ),
    )
    roadmap = forms.ModelChoiceField(  # type: ignore[var-annotated]  # queryset set in __init__
        label=_("Дорожная карта"),
        queryset=None,
        required=False,
        empty_label=_("Новая дорожная карта субъекта"),
        help_text=_("Новая версия сопоставляется с действующей по номерам и формулировкам."),
    )
    approved_on = PortalDateField(
        label=_("Дата утверждения"),
        required=False,
        widget=DateInput(),
        help_text=_("Если пусто — берётся из шапки документа («от 22.08.2025»)."),
    )

    def __init__(self, *args, region, initial_roadmap=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["roadmap"]
        field.queryset = Roadmap.objects.filter(region=region).order_by("-approved_on", "code")
        if initial_roadmap is not None and not self.is_bound:
            self.initial["roadmap"] = initial_roadmap.pk


class RoadmapConfirmForm(forms.Form):
    """The user's decision for each body of the document without an exact agency."""

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.keys: dict[str, str] = {}
        pool = None
        unmatched = [m for m in plan.agencies.values() if m.kind != "exact"]
        for index, match in enumerate(unmatched):
            if pool is None:
                pool = _agency_pool(plan.region)
            name = f"agency_{index}"
            self.keys[name] = match.key
            first = [(str(a.pk), a.name) for a in match.candidates]
            others = [(str(a.pk), a.name) for a in pool if a not in match.candidates]
            choices = [
                *first,
                (NEW_AGENCY, _("Создать новый орган «%(name)s»") % {"name": match.name[:120]}),
                (_("Другие органы субъекта"), others),
            ]
            self.fields[name] = forms.ChoiceField(
                label=match.name,
                choices=choices,
                initial=str(match.agency.pk) if match.agency else NEW_AGENCY,
                required=False,  # not sent: the proposal shown (best close match, or new)
            )
            self.fields[name].match = match

    def choices(self) -> dict[str, str]:
        return {self.keys[name]: value for name, value in self.cleaned_data.items() if value}
