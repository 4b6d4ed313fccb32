from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from alerts.models import MaxChannel
from alerts.outbox import max_enabled
from reports.choices_exports import ExportFormat
from reports.choices_subscriptions import Frequency, Weekday
from reports.exports.base import ExportRefused
from reports.exports.formats import check_format
from reports.exports.registry import get_report, report_choices

HOURS = [(h, f"{h:02d}:00") for h in range(24)]
DAYS = [(d, str(d)) for d in range(1, 32)]


class SubscriptionForm(forms.Form):
    """A report that arrives by itself; the region choices are the user's scope now (the
    scope is checked again at every send)."""

    kind = forms.ChoiceField(label=_("Отчёт"), choices=report_choices)
    region = forms.ChoiceField(label=_("Субъект РФ"), required=False)
    orgs = forms.BooleanField(label=_("Лист по организациям (показатели)"), required=False)
    fmt = forms.ChoiceField(label=_("Формат"), choices=ExportFormat.choices, initial="xlsx")
    frequency = forms.ChoiceField(
        label=_("Периодичность"),
        choices=Frequency.choices,
        initial=Frequency.WEEKLY,
        help_text=_(
            "Отчёт за прошлую неделю (пн–вс) или за прошлый календарный месяц; статус дорожных "
            "карт — на день отправки."
        ),
    )
    weekday = forms.TypedChoiceField(
        label=_("День недели (еженедельно)"),
        choices=Weekday.choices,
        coerce=int,
        required=False,
        initial=0,
    )
    day_of_month = forms.TypedChoiceField(
        label=_("Число месяца (ежемесячно)"),
        choices=DAYS,
        coerce=int,
        required=False,
        initial=1,
        help_text=_("Если в месяце меньше дней — в последний день месяца."),
    )
    hour = forms.TypedChoiceField(
        label=_("Час"),
        choices=HOURS,
        coerce=int,
        initial=9,
        help_text=_("По времени субъекта РФ (для всех субъектов — по времени вашего субъекта)."),
    )
    by_email = forms.BooleanField(label=_("По электронной почте"), required=False, initial=True)
    by_max = forms.BooleanField(label=_("В мессенджер MAX (ссылка на файл)"), required=False)

    def __init__(self, *args, user, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        choices = [(r.code, f"{r.code} {r.name}") for r in regions]
        self.regions = {r.code: r for r in regions}
        if len(choices) > 1:
            choices.insert(0, ("", _("Все доступные субъекты")))
        self.fields["region"].choices = choices

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind:
            spec = get_report(kind)
            if spec.needs_region and not data.get("region"):
                self.add_error("region", _("Для этого отчёта выберите субъект РФ."))
            if data.get("fmt"):
                try:
                    check_format(data["fmt"], spec)
                except ExportRefused as refused:
                    self.add_error("fmt", str(refused))
        frequency = data.get("frequency")
        if frequency == Frequency.WEEKLY and data.get("weekday") in (None, ""):
            self.add_error("weekday", _("Выберите день недели."))
        if frequency == Frequency.MONTHLY and data.get("day_of_month") in (None, ""):
            self.add_error("day_of_month", _("Выберите число месяца."))
        self.clean_channels(data)
        return data

    def clean_channels(self, data) -> None:
        if not data.get("by_email") and not data.get("by_max"):
            self.add_error("by_email", _("Выберите, куда присылать отчёт: почта или MAX."))
        if data.get("by_email") and not self.user.email:
            self.add_error(
                "by_email",
                _(
                    "В вашей учётной записи не указан адрес почты: попросите администратора "
                    "его добавить."
                ),
            )
        if data.get("by_max") and not (
            max_enabled() and MaxChannel.objects.filter(user=self.user, enabled=True).exists()
        ):
            self.add_error(
                "by_max",
                _("У вас не подключён канал MAX: попросите администратора его подключить."),
            )

    def subscription_fields(self) -> dict:
        data = self.cleaned_data
        spec = get_report(data["kind"])
        monthly = data["frequency"] == Frequency.MONTHLY
        return {
            "kind": data["kind"],
            "fmt": data["fmt"],
            "region": self.regions.get(data.get("region") or ""),
            "orgs": bool(data.get("orgs")) and spec.supports_orgs,
            "frequency": data["frequency"],
            "weekday": None if monthly else data["weekday"],
            "day_of_month": data["day_of_month"] if monthly else None,
            "hour": data["hour"],
            "by_email": bool(data.get("by_email")),
            "by_max": bool(data.get("by_max")),
        }


class MailingListForm(SubscriptionForm):
    """An administrator's subscription of a mailing-list address for one region (e-mail)."""

    address = forms.EmailField(
        label=_("Адрес рассылки"),
        help_text=_("Например, приёмная министерства; файл — только по выбранному субъекту."),
    )

    field_order = ["address"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].required = True
        self.fields["region"].choices = [c for c in self.fields["region"].choices if c[0]]
        del self.fields["by_email"]
        del self.fields["by_max"]

    def clean_channels(self, data) -> None:
        """A list receives e-mail only (the address is the form's own field)."""

    def subscription_fields(self) -> dict:
        data = self.cleaned_data
        data["by_email"], data["by_max"] = True, False
        return super().subscription_fields()
