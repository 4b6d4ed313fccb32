from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import AlertKind


class AlertAcknowledgeForm(forms.Form):
    comment = forms.CharField(
        label=_("Комментарий"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Напишите комментарий: что сделано или почему.")},
    )


class NotificationPreferencesForm(forms.Form):
    """Checked = the user wants messages of that kind."""

    kinds = forms.MultipleChoiceField(
        label=_("Присылать оповещения"),
        choices=AlertKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
