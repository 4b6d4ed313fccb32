"""Choices of report subscriptions (English codes, Russian labels; STYLE R2)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Еженедельно")
    MONTHLY = "monthly", _("Ежемесячно")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("понедельник")
    TUESDAY = 1, _("вторник")
    WEDNESDAY = 2, _("среда")
    THURSDAY = 3, _("четверг")
    FRIDAY = 4, _("пятница")
    SATURDAY = 5, _("суббота")
    SUNDAY = 6, _("воскресенье")


class DeliveryStatus(models.TextChoices):
    """A delivery of one subscription for one period (the idempotency key)."""

    PENDING = "pending", _("Ожидает отправки")
    SENDING = "sending", _("Отправляется")
    RETRY = "retry", _("Повторная попытка")
    SENT = "sent", _("Отправлен")
    PARTIAL = "partial", _("Отправлен не по всем каналам")
    FAILED = "failed", _("Не отправлен")
    REFUSED = "refused", _("Отказано: нет доступа")


class ChannelState(models.TextChoices):
    """One channel of a delivery. SENDING: its messages are in the outbox (`alerts.outbox`),
    their outcome not yet read; a message lost mid-send is never resent: whether it went
    out is unknown, and a report must not arrive twice."""

    NONE = "", _("не выбран")
    TODO = "todo", _("ожидает")
    SENDING = "sending", _("отправляется")
    SENT = "sent", _("отправлено")
    FAILED = "failed", _("ошибка")


class Channel(models.TextChoices):
    EMAIL = "email", _("Электронная почта")
    MAX = "max", _("Мессенджер MAX")
    NONE = "", _("—")


class AttemptStatus(models.TextChoices):
    SENDING = "sending", _("отправляется")
    SENT = "sent", _("отправлено")
    FAILED = "failed", _("ошибка")
    REFUSED = "refused", _("отказано")
