from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Region

from ..choices import AlertKind, DeliveryChannel, DeliveryStatus, MessageKind


class NotificationOptOut(models.Model):
    """A user does not want messages about one kind of alert (every channel)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("пользователь"),
        on_delete=models.CASCADE,
        related_name="alert_opt_outs",
    )
    kind = models.CharField(_("вид оповещения"), max_length=30, choices=AlertKind.choices)

    class Meta:
        db_table = "reports_notificationoptout"  # created by the reports app; kept to keep the data
        verbose_name = _("отказ от оповещений")
        verbose_name_plural = _("отказы от оповещений")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="optout_unique_user_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()}"


class DigestLog(models.Model):
    """A digest of one address, claimed and queued (its messages are `Delivery` rows); the
    next digest goes only if something is newer. The claim is unique per previous digest
    (`previous`): of two workers that read the same last digest, one inserts, the other
    skips the address. A digest none of whose messages went out is deleted (given back)."""

    recipient = models.CharField(_("адресат"), max_length=254)
    region = models.ForeignKey(
        Region, verbose_name=_("субъект РФ"), on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField(_("отправлено"))
    alert_ids = models.JSONField(_("оповещения"), default=list, blank=True)
    # the id of the address's digest this one follows (0: its first)
    previous = models.PositiveBigIntegerField(_("после сводки"), default=0)

    class Meta:
        db_table = "reports_digestlog"  # created by the reports app; kept to keep the data
        ordering = ["-sent_at"]
        verbose_name = _("отправленная сводка")
        verbose_name_plural = _("отправленные сводки")
        indexes = [
            # used by digest_send: the last digest of each recipient of a region
            models.Index(fields=["region", "recipient", "sent_at"], name="digest_recipient_idx"),
        ]
        constraints = [
            # the digest's claim (digest_send): one digest after each digest of an address
            models.UniqueConstraint(
                fields=["region", "recipient", "previous"], name="digest_once_after_previous"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.sent_at:%d.%m.%Y %H:%M}"


class MaxChannel(models.Model):
    """Delivery through the MAX bot API to one chat, for an agency or a user (off by default)."""

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("орган"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="max_channels",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("пользователь"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="max_channels",
    )
    bot_token = models.CharField(_("токен бота"), max_length=500)
    chat_id = models.CharField(_("идентификатор чата"), max_length=100)
    enabled = models.BooleanField(_("включён"), default=False)

    class Meta:
        db_table = "reports_maxchannel"  # created by the reports app; kept to keep the data
        verbose_name = _("канал MAX")
        verbose_name_plural = _("каналы MAX")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(agency__isnull=True, user__isnull=False)
                | models.Q(agency__isnull=False, user__isnull=True),
                name="maxchannel_agency_xor_user",
            ),
        ]

    def __str__(self) -> str:
        return f"MAX {self.chat_id} ({self.agency or self.user})"


class Delivery(models.Model):
    """One message through a channel: the outbox and the delivery log of every message the
    portal sends (alert notices, digests, report subscriptions).

    Queued as PENDING with the rendered message (`payload`) in the transaction that decided
    to send it, then claimed (SENDING, `claimed_at`) and sent, then SENT or FAILED with a
    Russian reason (`alerts.outbox`). A PENDING row left by a lost worker is sent by the
    next run or the sweeper; a SENDING one past NOTIFY_SEND_LEASE_MINUTES fails (it may have
    gone out: never sent twice).
    """

    channel = models.CharField(_("канал"), max_length=10, choices=DeliveryChannel.choices)
    message_kind = models.CharField(_("вид сообщения"), max_length=20, choices=MessageKind.choices)
    recipient = models.CharField(_("адресат"), max_length=254)
    max_channel = models.ForeignKey(
        MaxChannel,
        verbose_name=_("канал MAX"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("субъект РФ"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    alert_ids = models.JSONField(_("оповещения"), default=list, blank=True)
    status = models.CharField(_("статус"), max_length=10, choices=DeliveryStatus.choices)
    reason = models.TextField(_("причина ошибки"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("попыток"), default=1)
    created_at = models.DateTimeField(_("когда"), auto_now_add=True)
    # the outbox: what to send (subject, text, html of an e-mail; text of a MAX message)
    payload = models.JSONField(_("сообщение"), default=dict, blank=True)
    claimed_at = models.DateTimeField(_("отправка начата"), null=True, blank=True)
    # failed on something that may pass (a server down, 429, 5xx): a later, new message may
    # succeed (a subscription retries on it; the message itself is never sent again)
    retryable = models.BooleanField(_("можно повторить"), default=False)
    # its sender was lost mid-send (the lease ran out): it may have gone out, so it is never
    # sent again and its digest is never given back (a fact, not read from `reason`)
    maybe_sent = models.BooleanField(_("могло дойти"), default=False)
    # the digest this message belongs to (a digest none of whose messages went out is given
    # back: alerts.outbox._digest_give_back)
    digest = models.ForeignKey(
        DigestLog,
        verbose_name=_("сводка"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )

    class Meta:
        db_table = "reports_delivery"  # created by the reports app; kept to keep the data
        ordering = ["-created_at", "-id"]
        verbose_name = _("доставка сообщения")
        verbose_name_plural = _("журнал доставки")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient}: {self.get_status_display()}"
