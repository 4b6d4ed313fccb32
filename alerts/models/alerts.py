from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencies.models import Municipality, Region

from ..choices import DATED_KINDS, AlertKind, Severity
from ..querysets import AlertQuerySet


class Alert(models.Model):
    """Something that needs attention in a region, raised and closed by `alerts_sync`.

    One open alert per cause: `cause_key` names the cause (the measure, the indicator and
    stage, the upload …) and a partial unique constraint keeps a single open row per
    (kind, cause_key). When the cause goes the row is closed (`resolved_at`), never deleted.
    """

    kind = models.CharField(_("вид"), max_length=30, choices=AlertKind.choices)
    cause_key = models.CharField(_("ключ причины"), max_length=200)
    region = models.ForeignKey(
        Region, verbose_name=_("субъект РФ"), on_delete=models.CASCADE, related_name="alerts"
    )
    measure = models.ForeignKey(
        "roadmaps.Measure",
        verbose_name=_("мероприятие"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
    )
    indicator = models.ForeignKey(
        "indicators.Indicator",
        verbose_name=_("показатель"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("муниципальное образование"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    upload = models.ForeignKey(
        "indicators.MonitoringUpload",
        verbose_name=_("загрузка"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
    )
    severity = models.PositiveSmallIntegerField(
        _("важность"), choices=Severity.choices, default=Severity.LOW
    )
    message = models.TextField(_("текст"))
    details = models.JSONField(_("подробности"), default=dict, blank=True)
    opened_at = models.DateTimeField(_("открыто"))
    updated_at = models.DateTimeField(_("обновлено"), auto_now=True)
    resolved_at = models.DateTimeField(_("закрыто"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("принято к сведению"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто принял к сведению"),
        on_delete=models.PROTECT,  # a history keeps who: agencies.history
        null=True,
        blank=True,
        related_name="+",
    )
    ack_comment = models.TextField(_("комментарий"), blank=True)
    # Notification bookkeeping: each is set once by a conditional UPDATE (STYLE R10a).
    notified_at = models.DateTimeField(_("сообщение отправлено"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("передано координатору"), null=True, blank=True)

    objects = AlertQuerySet.as_manager()
    region_field = "region_id"

    class Meta:
        db_table = "reports_alert"  # created by the reports app; kept to keep the data
        ordering = ["-severity", "-opened_at", "-id"]
        verbose_name = _("оповещение")
        verbose_name_plural = _("оповещения")
        constraints = [
            # one open alert per cause; closed ones keep the history
            models.UniqueConstraint(
                fields=["kind", "cause_key"],
                condition=models.Q(resolved_at__isnull=True),
                name="alert_one_open_per_cause",
            ),
        ]
        indexes = [
            # used by alerts_sync (a region's open alerts) and the navigation count
            models.Index(fields=["region", "resolved_at"], name="alert_region_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message[:80]}"

    def get_absolute_url(self) -> str:
        return reverse("alerts:alert-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def days_overdue(self, today: dt.date | None = None) -> int | None:
        """Days past `details.due_date` in the region's local date (at closing, if closed).

        Counted on display rather than stored, so a new day does not rewrite every alert.
        """
        if self.kind not in DATED_KINDS or not self.details.get("due_date"):
            return None
        due = dt.date.fromisoformat(self.details["due_date"])
        if today is None:
            today = self.region.local_today(self.resolved_at)
        return max((today - due).days, 0)

    @property
    def days_late(self) -> int | None:
        """`days_overdue()` for templates."""
        return self.days_overdue()
