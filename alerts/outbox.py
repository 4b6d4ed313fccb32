"""The outbox: every message the portal sends goes through one `Delivery` row and this
module — alert notices and escalations, daily digests (`alerts.notify`), report
subscriptions (`reports.subscriptions.services`) — by e-mail or through the MAX bot.

1. a message is queued PENDING with its rendered content (`delivery_queue`), in the
   transaction that decided to send it (the claim of its alerts, the digest's log, the
   subscription's claim): a worker killed before the commit leaves nothing, one killed
   after it leaves the message PENDING;
2. it is claimed by one conditional UPDATE (PENDING → SENDING, `claimed_at`): one sender
   among the run, its rerun and the sweeper (`deliveries_send`);
3. it is sent, then SENT, or FAILED with a Russian reason (`email_failure`,
   `max_failure`; `retryable` when a later, new message may succeed); the server's or
   Python's own text goes to the server log only;
4. one left SENDING (its worker killed mid-send) fails after NOTIFY_SEND_LEASE_MINUTES
   with LOST_SENDER: it may have gone out, so it is never sent twice; one left PENDING is
   sent by the next run or the sweeper (`deliveries_flush`).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Region

from .choices import DeliveryChannel, DeliveryStatus
from .maxbot import max_send
from .models import Delivery, DigestLog, MaxChannel

logger = logging.getLogger(__name__)

__all__ = [
    "LOST_SENDER",
    "FlushResult",
    "deliveries_flush",
    "deliveries_send",
    "delivery_queue",
    "email_failure",
    "max_enabled",
    "max_failure",
    "max_queue",
]

LOST_SENDER = gettext_lazy(
    "Отправка прервалась (обработчик остановлен); неизвестно, дошло ли сообщение, поэтому "
    "повторно не отправляем, чтобы оно не пришло дважды."
)


def max_enabled() -> bool:
    return bool(getattr(settings, "MAX_BOT_ENABLED", False) and settings.MAX_BOT_API_URL)


# --- queueing -----------------------------------------------------------------------------


def delivery_queue(
    *,
    channel: str,
    message_kind: str,
    recipient: str,
    payload: dict[str, Any],
    region: Region | None = None,
    alert_ids: Iterable[int] = (),
    max_channel: MaxChannel | None = None,
    digest: DigestLog | None = None,
) -> Delivery:
    """One message, PENDING, in the caller's transaction. `payload`: an e-mail's subject,
    text, html and attachment ({"path" in the default storage, "filename",
    "content_type"}); a MAX message's text."""
    return Delivery.objects.create(
        channel=channel,
        message_kind=message_kind,
        recipient=recipient[:254],
        max_channel=max_channel,
        region=region,
        alert_ids=sorted(alert_ids),
        digest=digest,
        status=DeliveryStatus.PENDING,
        attempts=0,
        payload=payload,
    )


def max_queue(
    *,
    channel: MaxChannel,
    text: str,
    message_kind: str,
    region: Region | None = None,
    alert_ids: Iterable[int] = (),
    digest: DigestLog | None = None,
) -> Delivery | None:
    """A MAX message to one chat; None when MAX delivery is off (or the chat is)."""
    if not max_enabled() or not channel.enabled:
        return None
    return delivery_queue(
        channel=DeliveryChannel.MAX,
        message_kind=message_kind,
        recipient=f"чат {channel.chat_id}",  # shown in the delivery log
        payload={"text": text},
        region=region,
        alert_ids=alert_ids,
        max_channel=channel,
        digest=digest,
    )


# --- sending ------------------------------------------------------------------------------


@dataclass
class FlushResult:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


@dataclass
class Outcome:
    """What one send came to: SENT, or FAILED with a Russian reason."""

    status: str
    reason: str = ""
    retryable: bool = False
    attempts: int | None = None  # None: keep the count of claims


def deliveries_send(ids: Iterable[int]) -> FlushResult:
    """Sends the PENDING deliveries among `ids`, each claimed first by one conditional
    UPDATE (PENDING → SENDING: one sender); returns which went out and which failed."""
    result = FlushResult()
    for pk in ids:
        claimed = Delivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
        )
        if not claimed:
            continue
        delivery = Delivery.objects.select_related("max_channel").get(pk=pk)
        outcome = _deliver(delivery)
        Delivery.objects.filter(pk=pk, status=DeliveryStatus.SENDING).update(
            status=outcome.status,
            reason=outcome.reason,
            retryable=outcome.retryable,
            attempts=outcome.attempts or F("attempts"),
        )
        if outcome.status == DeliveryStatus.SENT:
            result.sent.append(pk)
        else:
            result.failed.append(pk)
            if delivery.digest_id:
                _digest_give_back(delivery.digest_id)
    return result


def _deliver(delivery: Delivery) -> Outcome:
    """Sends one claimed delivery."""
    payload = delivery.payload or {}
    if delivery.channel == DeliveryChannel.MAX:
        channel = delivery.max_channel
        if channel is None or not channel.enabled or not max_enabled():
            return Outcome(DeliveryStatus.FAILED, _("Канал MAX отключён; сообщение не отправлено."))
        result = max_send(  # the per-chat rate limiter is in max_send
            base_url=settings.MAX_BOT_API_URL,
            token=channel.bot_token,
            chat_id=channel.chat_id,
            text=payload.get("text", ""),
            retries=int(getattr(settings, "MAX_BOT_RETRIES", 4)),
            backoff=float(getattr(settings, "MAX_BOT_BACKOFF", 0.5)),
        )
        if result.ok:
            return Outcome(DeliveryStatus.SENT, attempts=result.attempts)
        logger.warning("MAX message %s to %s failed: %s", delivery.pk, channel, result.reason)
        reason, retryable = max_failure(result.status)
        return Outcome(DeliveryStatus.FAILED, reason, retryable, result.attempts)
    try:
        _email_message(delivery, payload).send()
    except Exception as exc:
        logger.warning(
            "e-mail %s to %s failed: %r", delivery.pk, delivery.recipient, exc, exc_info=True
        )
        reason, retryable = email_failure(exc)
        return Outcome(DeliveryStatus.FAILED, reason, retryable)
    return Outcome(DeliveryStatus.SENT)


def _email_message(delivery: Delivery, payload: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=payload.get("subject", ""), body=payload.get("text", ""), to=[delivery.recipient]
    )
    if payload.get("html"):
        message.attach_alternative(payload["html"], "text/html")
    attachment = payload.get("attachment")
    if attachment:
        with default_storage.open(attachment["path"], "rb") as fh:
            message.attach(attachment["filename"], fh.read(), attachment["content_type"])
    return message


def email_failure(exc: Exception) -> tuple[str, bool]:
    """The Russian reason an e-mail was not sent, and whether a later attempt may succeed
    (the exception's own text goes to the server log, never to a user)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _msg in exc.recipients.values()})
        return (
            _("Почтовый сервер не принял адрес получателя (код %(codes)s).")
            % {"codes": ", ".join(map(str, codes))},
            all(code < 500 for code in codes),
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return (
            _("Почтовый сервер отказал в отправке (код %(code)s).") % {"code": exc.smtp_code},
            exc.smtp_code < 500,
        )
    if isinstance(exc, FileNotFoundError):
        return _("Файл для вложения больше не хранится; письмо не отправлено."), False
    if isinstance(exc, smtplib.SMTPException | OSError):
        return _("Почтовый сервер недоступен; повторим позже."), True
    return _("Письмо не отправлено из-за внутренней ошибки; повторим позже."), True


def max_failure(status: int | None) -> tuple[str, bool]:
    """The Russian reason a MAX message was not sent (from the last HTTP status; None: no
    answer), and whether a later attempt may succeed."""
    if status is None:
        return _("Сервер MAX недоступен; повторим позже."), True
    if status == 429:
        return _("MAX ограничил частоту сообщений (код 429); повторим позже."), True
    if status >= 500:
        return _("Сервер MAX ответил ошибкой (код %(code)s); повторим позже.") % {
            "code": status
        }, True
    return _("MAX отказал в отправке (код %(code)s): проверьте токен бота и чат.") % {
        "code": status
    }, False


def _digest_give_back(digest_id: int) -> None:
    """A digest none of whose messages went out (each failed on sending, none lost mid-send)
    gives its claim back: the next digest covers its alerts again."""
    messages = Delivery.objects.filter(digest_id=digest_id)
    if messages.filter(~Q(status=DeliveryStatus.FAILED) | Q(maybe_sent=True)).exists():
        return
    DigestLog.objects.filter(pk=digest_id).delete()


def deliveries_flush(
    *, region: Region | None = None, ids: Iterable[int] | None = None
) -> FlushResult:
    """What earlier runs left: SENDING past NOTIFY_SEND_LEASE_MINUTES fails with the reason
    (its worker died mid-send; it may have gone out), PENDING is sent. Run by the alert
    services of a region first, by a subscription for its own messages (`ids`), and by the
    sweeper for everything."""
    lost = timezone.now() - dt.timedelta(minutes=settings.NOTIFY_SEND_LEASE_MINUTES)
    rows = Delivery.objects.all() if region is None else Delivery.objects.filter(region=region)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    failed = list(
        rows.filter(status=DeliveryStatus.SENDING, claimed_at__lt=lost).values_list("pk", flat=True)
    )
    failed = [
        pk
        for pk in failed
        if Delivery.objects.filter(
            pk=pk, status=DeliveryStatus.SENDING, claimed_at__lt=lost
        ).update(
            status=DeliveryStatus.FAILED,
            reason=str(LOST_SENDER),
            retryable=False,
            maybe_sent=True,
        )
    ]
    pending = rows.filter(status=DeliveryStatus.PENDING).order_by("pk").values_list("pk", flat=True)
    result = deliveries_send(list(pending))
    result.failed[:0] = failed
    return result
