"""Report subscriptions: a report that arrives by itself, its deliveries and their log.

A subscription belongs to a user (delivered to their e-mail and MAX chats, the file scoped
to them as of the send time) or, set up by an administrator, to a mailing-list address of one
region (the file scoped to that region). Each period (an ISO week or a month in the
subscription's time zone) is delivered at most once: `SubscriptionDelivery` is unique per
(subscription, period), the idempotency key of `reports.subscriptions.services`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies import access
from agencies.models import Region
from reports.choices_subscriptions import (
    AttemptStatus,
    Channel,
    ChannelState,
    DeliveryStatus,
    Frequency,
    Weekday,
)
from reports.subscription_schedule import Schedule

from ..choices_exports import ExportFormat, ReportKind
from .exports import validate_export_kind


class ReportSubscriptionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A user sees their own subscriptions; administrators also every mailing list.
        (Whether the subscription may still be delivered is decided at send time.)"""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if access.is_admin(user):
            return self.filter(Q(owner=user) | Q(owner__isnull=True))
        return self.filter(owner=user)

    def active(self):
        return self.filter(paused_at__isnull=True)


class ReportSubscription(models.Model):
    """A report sent weekly or monthly, on a day and hour of the region's time zone."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("подписчик"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="report_subscriptions",
        help_text=_("Пусто: рассылка на адрес (оформляет администратор)."),
    )
    address = models.EmailField(
        _("адрес рассылки"),
        blank=True,
        help_text=_("Список рассылки (например, приёмная министерства); только с субъектом РФ."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто оформил"),
        on_delete=models.PROTECT,  # a history keeps who: agencies.history
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("вид отчёта"), max_length=40, validators=[validate_export_kind])
    fmt = models.CharField(
        _("формат"), max_length=10, choices=ExportFormat.choices, default=ExportFormat.XLSX
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("субъект РФ"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Пусто: все субъекты, доступные подписчику в момент отправки."),
    )
    orgs = models.BooleanField(_("лист по организациям"), default=False)
    frequency = models.CharField(
        _("периодичность"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    weekday = models.PositiveSmallIntegerField(
        _("день недели"), choices=Weekday.choices, null=True, blank=True
    )
    day_of_month = models.PositiveSmallIntegerField(
        _("число месяца"),
        null=True,
        blank=True,
        help_text=_("Если в месяце меньше дней — в последний день месяца."),
    )
    hour = models.PositiveSmallIntegerField(_("час"), default=9)
    by_email = models.BooleanField(_("по электронной почте"), default=True)
    by_max = models.BooleanField(_("в мессенджер MAX"), default=False)
    paused_at = models.DateTimeField(_("приостановлена"), null=True, blank=True)
    # periods due before this moment are not sent (a new or resumed subscription does not
    # receive the report it has just missed)
    active_since = models.DateTimeField(_("действует с"), default=timezone.now)
    created_at = models.DateTimeField(_("оформлена"), auto_now_add=True)

    objects = ReportSubscriptionQuerySet.as_manager()
    region_field = "region_id"

    class Meta:
        ordering = ["id"]
        verbose_name = _("подписка на отчёт")
        verbose_name_plural = _("подписки на отчёты")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False, address="")
                | (Q(owner__isnull=True, region__isnull=False) & ~Q(address="")),
                name="subscription_owner_xor_list",
            ),
            models.CheckConstraint(
                condition=Q(frequency=Frequency.WEEKLY, weekday__isnull=False, weekday__lte=6)
                | Q(
                    frequency=Frequency.MONTHLY,
                    day_of_month__gte=1,
                    day_of_month__lte=31,
                ),
                name="subscription_day_fits_frequency",
            ),
            models.CheckConstraint(condition=Q(hour__lte=23), name="subscription_hour_0_23"),
        ]
        indexes = [
            # used by subscriptions_send: the active subscriptions
            models.Index(fields=["paused_at"], name="subscription_active_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} → {self.recipient_text}"

    @property
    def kind_label(self) -> str:
        return str(ReportKind(self.kind).label) if self.kind in ReportKind.values else self.kind

    @property
    def is_mailing_list(self) -> bool:
        return self.owner_id is None

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def recipient_text(self) -> str:
        return self.address if self.is_mailing_list else str(self.owner)

    @property
    def tz(self) -> ZoneInfo:
        """The region's time zone; for «all regions» the subscriber's home region's, else
        the portal's (Moscow)."""
        if self.region is not None:
            return self.region.tz
        home = self.owner.home_region_id if self.owner is not None else None
        if home:
            return Region.objects.get(pk=home).tz
        return ZoneInfo(settings.TIME_ZONE)

    @property
    def schedule(self) -> Schedule:
        return Schedule(
            frequency=self.frequency,
            hour=self.hour,
            weekday=self.weekday,
            day_of_month=self.day_of_month,
        )

    @property
    def schedule_text(self) -> str:
        if self.frequency == Frequency.WEEKLY and self.weekday is not None:
            day = Weekday(self.weekday).label
            return f"еженедельно, {day}, {self.hour:02d}:00"
        return f"ежемесячно, {self.day_of_month}-го числа, {self.hour:02d}:00"


class SubscriptionDelivery(models.Model):
    """One period of one subscription: built and sent at most once (with bounded retries).

    The file stays in private storage until `expires_at`: the MAX message and a large
    e-mail link to it (`reports:subscription-file`); the regions it covers are kept so the
    download is refused to a subscriber whose scope has since shrunk.
    """

    subscription = models.ForeignKey(
        ReportSubscription,
        verbose_name=_("подписка"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    period = models.CharField(_("период"), max_length=10)  # "2026-W48" or "2026-11"
    due_at = models.DateTimeField(_("срок отправки"))
    status = models.CharField(
        _("статус"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("попыток"), default=0)
    next_attempt_at = models.DateTimeField(_("следующая попытка"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("взята в работу"), null=True, blank=True)
    email_state = models.CharField(
        _("почта"), max_length=10, choices=ChannelState.choices, blank=True
    )
    max_state = models.CharField(_("MAX"), max_length=10, choices=ChannelState.choices, blank=True)
    file = models.FileField(_("файл"), upload_to="subscriptions/%Y/%m/", max_length=500, blank=True)
    filename = models.CharField(_("имя файла"), max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("размер, байт"), default=0)
    rows = models.PositiveIntegerField(_("строк"), default=0)
    # the regions the file covers (null: every region, an administrator's scope)
    scope_region_ids = models.JSONField(_("субъекты в файле"), null=True, blank=True)
    expires_at = models.DateTimeField(_("файл хранится до"), null=True, blank=True)
    sent_at = models.DateTimeField(_("отправлен"), null=True, blank=True)
    error = models.TextField(_("ошибка"), blank=True)
    created_at = models.DateTimeField(_("создана"), default=timezone.now)

    class Meta:
        ordering = ["-due_at", "-id"]
        verbose_name = _("отправка отчёта по подписке")
        verbose_name_plural = _("отправки отчётов по подпискам")
        constraints = [
            # the idempotency key: one delivery per subscription and period
            models.UniqueConstraint(
                fields=["subscription", "period"], name="subdelivery_once_per_period"
            ),
        ]
        indexes = [
            # used by subscriptions_send: deliveries waiting for (another) attempt
            models.Index(fields=["status", "next_attempt_at"], name="subdelivery_waiting_idx"),
            # used by subscription_files_cleanup
            models.Index(fields=["expires_at"], name="subdelivery_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription} {self.period}: {self.get_status_display()}"

    @property
    def is_downloadable(self) -> bool:
        return bool(self.file) and (self.expires_at is None or self.expires_at > timezone.now())

    def retry_delay(self) -> dt.timedelta:
        """Backoff: SUBSCRIPTION_RETRY_MINUTES doubled after each failed attempt."""
        base = settings.SUBSCRIPTION_RETRY_MINUTES
        return dt.timedelta(minutes=base * 2 ** max(self.attempts - 1, 0))


class SubscriptionAttempt(models.Model):
    """The delivery log: one row per channel (per MAX chat) per attempt, or one refusal.

    A message handed to the outbox is logged SENDING with its `message` (an
    `alerts.Delivery`) and takes the message's outcome and Russian reason once it is known
    (`reports.subscriptions.services._settle`)."""

    delivery = models.ForeignKey(
        SubscriptionDelivery,
        verbose_name=_("отправка"),
        on_delete=models.CASCADE,
        related_name="log",
    )
    attempt = models.PositiveSmallIntegerField(_("попытка"))
    channel = models.CharField(_("канал"), max_length=10, choices=Channel.choices, blank=True)
    recipient = models.CharField(_("адресат"), max_length=254, blank=True)
    status = models.CharField(_("результат"), max_length=10, choices=AttemptStatus.choices)
    error = models.TextField(_("ошибка"), blank=True)
    at = models.DateTimeField(_("когда"), default=timezone.now)
    message = models.ForeignKey(
        "alerts.Delivery",
        verbose_name=_("сообщение"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("попытка отправки")
        verbose_name_plural = _("журнал отправки отчётов")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient}: {self.get_status_display()}"
