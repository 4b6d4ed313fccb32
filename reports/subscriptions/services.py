"""Write side of report subscriptions (STYLE R3): subscribe, pause, delete, and deliver.

`subscriptions_send` is what the beat entry "subscriptions-send" and `manage.py
send_subscriptions` run:

1. for every active subscription whose period is due (`schedule.due_period`, in its time
   zone), a `SubscriptionDelivery` row is inserted once per (subscription, period): the
   idempotency key (a unique constraint; a second beat inserts nothing);
2. every delivery waiting for an attempt (new, or a retry whose time has come, or one whose
   worker was lost past SUBSCRIPTION_LEASE_MINUTES) is claimed by one conditional UPDATE
   (one winner among concurrent runs) and delivered (`delivery_send`). The claim is stamped
   with the clock at the claim (not the run's start) and renewed in the transaction that
   queues the messages (`_claim_keep`): a live run never looks abandoned, and a run whose
   claim was taken over queues nothing more. Each message (the e-mail, one per MAX chat)
   goes through the one outbox (`alerts.outbox`): queued with the claim, claimed and sent
   once, its outcome and Russian reason read back into the journal (`_settle`); a run
   killed mid-send leaves the rest queued for the sweeper or the next run, and the message
   it was sending fails as lost, never sent twice;
3. files past their keep time are deleted.

Scope is decided at send time, never at subscription time: the subscriber must still be
active, still have the right to download reports (`access.can_subscribe_reports`) and still
see the region; else the delivery is refused and logged, and nothing is built or sent. The
file is built with the export code (`reports.exports.jobs.export_write`) as the subscriber
(a mailing list: as a reader of its region alone, `access.region_reader`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from agencies import access
from agencies.models import Region, User
from alerts.choices import DeliveryChannel, MessageKind
from alerts.choices import DeliveryStatus as MessageStatus
from alerts.models import Delivery, MaxChannel
from alerts.outbox import (
    LOST_SENDER,
    deliveries_flush,
    deliveries_send,
    delivery_queue,
    max_enabled,
    max_queue,
)
from reports.choices_subscriptions import AttemptStatus, Channel, ChannelState, DeliveryStatus
from reports.exports import jobs as export_jobs
from reports.exports.base import ExportRefused
from reports.exports.formats import check_format
from reports.exports.registry import REPORTS, ExportParams, get_report
from reports.models import ReportSubscription, SubscriptionAttempt, SubscriptionDelivery
from reports.subscription_schedule import Period, due_period
from roadmap_portal.ru_formats import ru_date

logger = logging.getLogger(__name__)

FILE_SALT = "reports.subscription-file"
TAKEN_OVER = "taken_over"  # delivery_send's answer when another run took the claim over
CHANNELS = (("email_state", Channel.EMAIL), ("max_state", Channel.MAX))


# --- subscribing --------------------------------------------------------------------------


@transaction.atomic
def subscription_create(
    *, created_by: User, owner: User | None = None, address: str = "", **fields: Any
) -> ReportSubscription:
    """A subscription of `owner` (or, by an administrator, of a mailing-list `address`).

    `fields`: kind, fmt, region, orgs, frequency, weekday, day_of_month, hour, by_email,
    by_max. The form has checked the rights; they are checked again at every send.
    The same active subscription of the same person (or list) already there is returned
    instead of a second one (a double click would send every report twice); the
    subscriber's row is locked first, so two requests at once find each other.
    """
    subscription = ReportSubscription(
        owner=owner, address=address, created_by=created_by, active_since=timezone.now(), **fields
    )
    if owner is not None:
        list(User.objects.select_for_update().filter(pk=owner.pk).values("pk"))
    elif subscription.region_id is not None:  # a mailing list: its region's row
        list(Region.objects.select_for_update().filter(pk=subscription.region_id).values("pk"))
    same: ReportSubscription | None = ReportSubscription.objects.filter(
        owner=owner, address=address, paused_at=None, **fields
    ).first()
    if same is not None:
        return same
    subscription.full_clean()
    subscription.save()
    return subscription


@transaction.atomic
def subscription_set_paused(
    *, subscription: ReportSubscription, paused: bool, now: dt.datetime | None = None
) -> ReportSubscription:
    """Pause, or resume from now (a period that fell due while paused is not sent)."""
    now = now or timezone.now()
    if paused and subscription.paused_at is None:
        subscription.paused_at = now
    elif not paused and subscription.paused_at is not None:
        subscription.paused_at = None
        subscription.active_since = now
    subscription.save(update_fields=["paused_at", "active_since"])
    return subscription


@transaction.atomic
def subscription_delete(*, subscription: ReportSubscription) -> None:
    for delivery in subscription.deliveries.exclude(file=""):
        delivery.file.delete(save=False)
    subscription.delete()


# --- who may still receive it -------------------------------------------------------------


def refusal(subscription: ReportSubscription) -> str:
    """Why the subscription may not be delivered now (Russian), or "" when it may."""
    if subscription.kind not in REPORTS:
        return "Такого отчёта больше нет в портале."
    if subscription.is_mailing_list:
        return ""  # an administrator's list for a region: the file is the region's alone
    owner = subscription.owner
    assert owner is not None  # not a mailing list
    if not owner.is_active:
        return "Учётная запись подписчика отключена."
    if not access.can_subscribe_reports(owner):
        return "У подписчика больше нет права получать отчёты."
    if subscription.region_id and not access.can_see_region(owner, subscription.region_id):
        return "Субъект РФ больше не доступен подписчику."
    return ""


def reader_of(subscription: ReportSubscription) -> User:
    """The user whose scope the file is built in."""
    if subscription.is_mailing_list:
        return access.region_reader(subscription.region, name=f"Рассылка {subscription.address}")
    assert subscription.owner is not None
    return subscription.owner


def file_scope(subscription: ReportSubscription, reader: User) -> list[int] | None:
    """The regions the file covers (None: every region)."""
    if subscription.region_id:
        return [subscription.region_id]
    scope = access.region_scope(reader)
    return None if scope is None else sorted(scope)


def may_download(user: User, delivery: SubscriptionDelivery) -> bool:
    """The subscriber, while they may still receive it and their scope still covers the file."""
    subscription = delivery.subscription
    if subscription.owner_id != user.pk or refusal(subscription):
        return False
    scope = access.region_scope(user)
    if scope is None:
        return True
    return delivery.scope_region_ids is not None and set(delivery.scope_region_ids) <= scope


def shared_link_token(delivery: SubscriptionDelivery) -> str:
    return signing.dumps(delivery.pk, salt=FILE_SALT)


def shared_link_delivery(token: str) -> SubscriptionDelivery | None:
    """The mailing-list delivery of a signed link still within the keep time, else None."""
    max_age = dt.timedelta(days=settings.SUBSCRIPTION_FILE_KEEP_DAYS)
    try:
        pk = signing.loads(token, salt=FILE_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    return (
        SubscriptionDelivery.objects.filter(pk=pk, subscription__owner__isnull=True)
        .select_related("subscription")
        .first()
    )


def file_url(delivery: SubscriptionDelivery) -> str:
    if delivery.subscription.is_mailing_list:
        path = reverse("reports:subscription-file-shared", args=[shared_link_token(delivery)])
    else:
        path = reverse("reports:subscription-file", args=[delivery.pk])
    return f"{settings.SITE_URL}{path}"


# --- the beat -----------------------------------------------------------------------------


@dataclass
class SendReport:
    created: list[int] = field(default_factory=list)  # new deliveries
    processed: dict[int, str] = field(default_factory=dict)  # delivery id -> final status
    files_deleted: int = 0


def zones() -> dict[int, ZoneInfo]:
    return {pk: ZoneInfo(name) for pk, name in Region.objects.values_list("id", "timezone")}


def subscription_zone(subscription: ReportSubscription, zones: dict[int, ZoneInfo]) -> ZoneInfo:
    """`ReportSubscription.tz` without a query per subscription."""
    if subscription.region_id:
        return zones[subscription.region_id]
    home = subscription.owner.home_region_id if subscription.owner is not None else None
    return zones[home] if home else ZoneInfo(settings.TIME_ZONE)


def deliveries_create_due(*, now: dt.datetime) -> list[int]:
    """Inserts the deliveries of every due period once (ignore_conflicts on the key)."""
    zone_map = zones()
    due: list[tuple[ReportSubscription, Period]] = []
    for subscription in (
        ReportSubscription.objects.active().select_related("owner__agency").order_by("id")
    ):
        tz = subscription_zone(subscription, zone_map)
        period = due_period(subscription.schedule, tz, now, subscription.active_since)
        if period is not None:
            due.append((subscription, period))
    if not due:
        return []
    keys = Q()
    for subscription, period in due:
        keys |= Q(subscription_id=subscription.pk, period=period.key)
    existing = set(
        SubscriptionDelivery.objects.filter(keys).values_list("subscription_id", "period")
    )
    rows = [
        SubscriptionDelivery(
            subscription=subscription,
            period=period.key,
            due_at=period.due_at,
            next_attempt_at=period.due_at,
            email_state=ChannelState.TODO if subscription.by_email else ChannelState.NONE,
            max_state=ChannelState.TODO if subscription.by_max else ChannelState.NONE,
            created_at=now,
        )
        for subscription, period in due
        if (subscription.pk, period.key) not in existing
    ]
    SubscriptionDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        SubscriptionDelivery.objects.filter(
            subscription_id__in=[r.subscription_id for r in rows], created_at=now
        ).values_list("id", flat=True)
    )


def _waiting_q(now: dt.datetime) -> Q:
    lost = now - dt.timedelta(minutes=settings.SUBSCRIPTION_LEASE_MINUTES)
    return Q(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRY], next_attempt_at__lte=now
    ) | Q(status=DeliveryStatus.SENDING, claimed_at__lt=lost)


def _stamp(after: dt.datetime | None) -> dt.datetime:
    """A claim's time: the clock now, never earlier than `after` (the run's own clock, or
    the claim being renewed; a run given a clock ahead of the wall clock stays consistent)."""
    now = timezone.now()
    return now if after is None or now > after else after


def delivery_claim(*, delivery_id: int, now: dt.datetime) -> SubscriptionDelivery | None:
    """One conditional UPDATE: the delivery is this worker's, or None (another has it).

    `now` (the run's clock) decides what is waiting; the claim itself is stamped with the
    time of the claim (`_stamp`), so a delivery claimed late in a long run is not already
    «lost»."""
    claimed = (
        SubscriptionDelivery.objects.filter(pk=delivery_id)
        .filter(_waiting_q(now))
        .update(status=DeliveryStatus.SENDING, claimed_at=_stamp(now), attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    return SubscriptionDelivery.objects.select_related(
        "subscription__owner__agency", "subscription__region"
    ).get(pk=delivery_id)


def subscriptions_send(*, now: dt.datetime | None = None) -> SendReport:
    """The beat: new due deliveries, then every waiting one, then old files."""
    now = now or timezone.now()
    report = SendReport(created=deliveries_create_due(now=now))
    waiting = list(
        SubscriptionDelivery.objects.filter(_waiting_q(now))
        .order_by("due_at", "id")
        .values_list("id", flat=True)
    )
    for delivery_id in waiting:
        delivery = delivery_claim(delivery_id=delivery_id, now=now)
        if delivery is None:
            continue
        try:
            report.processed[delivery_id] = delivery_send(delivery=delivery, now=now)
        except Exception:  # the others still go; this one is taken over after the lease
            logger.exception("subscription delivery %s failed unexpectedly", delivery_id)
            report.processed[delivery_id] = "error"
    report.files_deleted = subscription_files_cleanup(now=now)
    return report


def subscription_files_cleanup(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    count = 0
    for delivery in SubscriptionDelivery.objects.filter(expires_at__lt=now).exclude(file=""):
        delivery.file.delete(save=False)
        count += SubscriptionDelivery.objects.filter(pk=delivery.pk).update(file="")
    return count


# --- one delivery -------------------------------------------------------------------------


def _log(
    delivery: SubscriptionDelivery,
    channel: str,
    recipient: str,
    status: str,
    error: str,
    now: dt.datetime,
    *,
    message: Delivery | None = None,
) -> None:
    SubscriptionAttempt.objects.create(
        delivery=delivery,
        attempt=delivery.attempts,
        channel=channel,
        recipient=recipient[:254],
        status=status,
        error=error,
        at=now,
        message=message,
    )


class _ClaimLost(Exception):
    """Another run took the delivery over (this one was too slow): send nothing more."""


def _claim_keep(delivery: SubscriptionDelivery) -> None:
    """Renews this run's claim right before a channel is sent; `_ClaimLost` when another
    run has taken the delivery over (its claim stamp is no longer ours)."""
    stamp = _stamp(delivery.claimed_at)
    kept = SubscriptionDelivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_at=delivery.claimed_at
    ).update(claimed_at=stamp)
    if not kept:
        logger.warning("subscription delivery %s: taken over by another run", delivery.pk)
        raise _ClaimLost
    delivery.claimed_at = stamp


def _set(delivery: SubscriptionDelivery, **values: Any) -> None:
    for name, value in values.items():
        setattr(delivery, name, value)
    SubscriptionDelivery.objects.filter(pk=delivery.pk).update(**values)


def delivery_send(*, delivery: SubscriptionDelivery, now: dt.datetime) -> str:
    """Delivers a claimed delivery; returns its new status.

    1. channels whose messages an earlier run left in the outbox take their outcome
       (`_settle`: a queued message is sent now, one lost mid-send fails; neither twice);
    2. scope at send time (`refusal`): refused → logged, nothing built or sent;
    3. the file is built as the subscriber into private storage (kept for the links);
    4. in ONE transaction the claim is renewed (`_claim_keep`; taken over → nothing more
       is done, TAKEN_OVER) and the messages of each channel still to do are queued in
       the outbox (the e-mail; each MAX chat not yet reached), the channel SENDING; then
       they are sent and settled: SENT / TODO (a transient error: retried later with
       backoff, at most SUBSCRIPTION_MAX_ATTEMPTS, as a new message to whom has not got
       it) / FAILED;
    5. the delivery's status follows its channels.
    """
    try:
        return _deliver(delivery=delivery, now=now)
    except _ClaimLost:
        return TAKEN_OVER


def _deliver(*, delivery: SubscriptionDelivery, now: dt.datetime) -> str:
    subscription = delivery.subscription
    _settle(delivery, now)

    reason = refusal(subscription)
    if reason:
        _log(
            delivery, Channel.NONE, subscription.recipient_text, AttemptStatus.REFUSED, reason, now
        )
        _set(delivery, status=DeliveryStatus.REFUSED, error=reason, claimed_at=None)
        return DeliveryStatus.REFUSED

    todo = [
        channel
        for name, channel in (("email_state", Channel.EMAIL), ("max_state", Channel.MAX))
        if getattr(delivery, name) == ChannelState.TODO
    ]
    if todo:
        error = _build(delivery=delivery, now=now)
        if error is not None:
            message, transient = error
            _log(
                delivery,
                Channel.NONE,
                subscription.recipient_text,
                AttemptStatus.FAILED,
                message,
                now,
            )
            if not transient:  # e.g. more rows than the format holds: no retry helps
                _set(delivery, **{
                    name: ChannelState.FAILED
                    for name in ("email_state", "max_state")
                    if getattr(delivery, name) == ChannelState.TODO
                })  # fmt: skip
            return _finish(delivery, now, error=message, transient=transient)
        with transaction.atomic():
            _claim_keep(delivery)
            queued: list[int] = []
            if Channel.EMAIL in todo:
                queued += _queue_email(delivery=delivery, now=now)
            if Channel.MAX in todo:
                queued += _queue_max(delivery=delivery, now=now)
        deliveries_send(queued)
        _settle(delivery, now)
    return _finish(delivery, now)


def _settle(delivery: SubscriptionDelivery, now: dt.datetime) -> None:
    """The channels whose messages are in the outbox (SENDING) take their outcome: what is
    still queued is sent now, what was lost mid-send fails (`deliveries_flush`); each
    journal row takes its message's outcome and Russian reason. A message a live sender
    is still sending leaves its channel SENDING (`_finish` looks again later)."""
    if ChannelState.SENDING not in (delivery.email_state, delivery.max_state):
        return
    waiting = list(delivery.log.filter(status=AttemptStatus.SENDING, message__isnull=False))
    if waiting:
        deliveries_flush(ids=[a.message_id for a in waiting if a.message_id])
        messages = Delivery.objects.in_bulk([a.message_id for a in waiting if a.message_id])
        for attempt in waiting:
            message = messages[attempt.message_id]
            if message.status == MessageStatus.SENT:
                outcome, error = AttemptStatus.SENT, ""
            elif message.status == MessageStatus.FAILED:
                outcome, error = AttemptStatus.FAILED, message.reason
            else:
                continue
            SubscriptionAttempt.objects.filter(pk=attempt.pk).update(status=outcome, error=error)
    for name, channel in CHANNELS:
        if getattr(delivery, name) != ChannelState.SENDING:
            continue
        state = _channel_state(delivery, channel)
        if state is None:  # left SENDING with nothing in the outbox (before the outbox)
            state = ChannelState.FAILED
            _log(delivery, channel, "", AttemptStatus.FAILED, str(LOST_SENDER), now)
        _set(delivery, **{name: state})


def journals_settle(*, now: dt.datetime | None = None) -> list[int]:
    """The journals of deliveries whose messages the outbox has sent or failed since their
    run stopped (the sweeper's `deliveries_flush` sent what a killed run left queued): each
    journal row takes its message's outcome and the delivery its status at once, instead of
    «отправляется» until the delivery's claim runs out (SUBSCRIPTION_LEASE_MINUTES).

    Only a delivery none of whose messages is still queued or being sent is touched: a
    live run is past its sending then, and its own `_settle`/`_finish` compute the same
    outcome from the same messages. Run by the sweeper (`reports.tasks.jobs_sweep_all`),
    after the outbox's flush; safe to run twice. Returns the deliveries settled."""
    now = now or timezone.now()
    candidates = (
        SubscriptionDelivery.objects.filter(
            status=DeliveryStatus.SENDING,
            log__status=AttemptStatus.SENDING,
            log__message__status__in=[MessageStatus.SENT, MessageStatus.FAILED],
        )
        .exclude(
            pk__in=SubscriptionAttempt.objects.filter(
                status=AttemptStatus.SENDING,
                message__status__in=[MessageStatus.PENDING, MessageStatus.SENDING],
            ).values("delivery_id")
        )
        .distinct()
        .values_list("pk", flat=True)
    )
    settled = []
    for delivery_id in list(candidates):
        delivery = SubscriptionDelivery.objects.select_related(
            "subscription__owner", "subscription__region"
        ).get(pk=delivery_id)
        _settle(delivery, now)
        if ChannelState.SENDING in (delivery.email_state, delivery.max_state):
            continue
        if not SubscriptionDelivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.SENDING
        ).exists():
            continue  # a run finished it meanwhile
        _finish(delivery, now)
        settled.append(delivery.pk)
    return settled


def _latest_messages(delivery: SubscriptionDelivery, channel: str) -> list[SubscriptionAttempt]:
    """The journal row of the latest message to each addressee of a channel (the e-mail;
    each MAX chat)."""
    latest: dict[int | None, SubscriptionAttempt] = {}
    rows = delivery.log.filter(channel=channel, message__isnull=False).select_related("message")
    for attempt in rows.order_by("id"):
        assert attempt.message is not None
        latest[attempt.message.max_channel_id if channel == Channel.MAX else None] = attempt
    return list(latest.values())


def _channel_state(delivery: SubscriptionDelivery, channel: str) -> str | None:
    """A channel's state from its messages: in flight, every addressee reached, one to
    retry (a transient failure), or failed; None when it has none."""
    latest = _latest_messages(delivery, channel)
    if not latest:
        return None
    states = []
    for attempt in latest:
        assert attempt.message is not None
        if attempt.status == AttemptStatus.SENDING:
            return ChannelState.SENDING
        if attempt.status == AttemptStatus.SENT:
            states.append(ChannelState.SENT)
        else:
            states.append(ChannelState.TODO if attempt.message.retryable else ChannelState.FAILED)
    if ChannelState.TODO in states:
        return ChannelState.TODO
    return ChannelState.SENT if set(states) == {ChannelState.SENT} else ChannelState.FAILED


def _period_text(delivery: SubscriptionDelivery) -> str:
    params = _params(delivery)
    spec = get_report(delivery.subscription.kind)
    if not spec.uses_period:
        return f"на {ru_date(timezone.localtime(delivery.due_at, delivery.subscription.tz))}"
    return f"с {ru_date(params.date_from)} по {ru_date(params.date_to)}"


def _params(delivery: SubscriptionDelivery) -> ExportParams:
    """The previous week or month of the delivery's period (schedule.period_on)."""
    from reports.subscription_schedule import period_on

    subscription = delivery.subscription
    tz = subscription.tz
    period = period_on(subscription.schedule, timezone.localtime(delivery.due_at, tz).date(), tz)
    spec = get_report(subscription.kind)
    return ExportParams(
        region=subscription.region.code if subscription.region is not None else "",
        date_from=period.data_from if spec.uses_period else None,
        date_to=period.data_to if spec.uses_period else None,
        orgs=subscription.orgs and spec.supports_orgs,
    )


def _build(*, delivery: SubscriptionDelivery, now: dt.datetime) -> tuple[str, bool] | None:
    """Builds the file as the subscriber; (Russian error, transient?) when it cannot."""
    subscription = delivery.subscription
    reader = reader_of(subscription)
    spec = get_report(subscription.kind)
    path = export_jobs.export_temp_path(subscription.fmt)
    try:
        check_format(subscription.fmt, spec)
        written = export_jobs.export_write(
            kind=subscription.kind,
            params=_params(delivery),
            user=reader,
            fmt=subscription.fmt,
            path=path,
            now=now,
        )
        if delivery.file:
            delivery.file.delete(save=False)
        with open(path, "rb") as fh:
            delivery.file.save(written.filename, File(fh), save=False)
        _set(
            delivery,
            file=delivery.file.name,
            filename=written.filename,
            size=os.path.getsize(path),
            rows=written.rows,
            scope_region_ids=file_scope(subscription, reader),
            expires_at=now + dt.timedelta(days=settings.SUBSCRIPTION_FILE_KEEP_DAYS),
        )
    except Region.DoesNotExist:
        return "Субъект РФ больше не доступен подписчику.", False
    except ExportRefused as refused:
        return str(refused), False
    except Exception:
        logger.exception("subscription delivery %s: the report was not built", delivery.pk)
        return "Не удалось сформировать отчёт; повторим позже.", True
    finally:
        if os.path.exists(path):
            os.unlink(path)
    return None


def _subject(delivery: SubscriptionDelivery) -> str:
    subscription = delivery.subscription
    region = subscription.region
    where = region.name if region is not None else "все доступные субъекты"
    return f"{subscription.kind_label}: {where}, {_period_text(delivery)}"


def _queue_email(*, delivery: SubscriptionDelivery, now: dt.datetime) -> list[int]:
    """Queues the e-mail (the file attached, or a link to it); its outbox id."""
    subscription = delivery.subscription
    owner = subscription.owner
    address = subscription.address or (owner.email if owner is not None else "")
    if not address:
        _set(delivery, email_state=ChannelState.FAILED)
        _log(
            delivery, Channel.EMAIL, "", AttemptStatus.FAILED,
            "У подписчика не указан адрес электронной почты.", now,
        )  # fmt: skip
        return []
    attach = delivery.size <= settings.SUBSCRIPTION_ATTACH_MAX_BYTES
    lines = [
        "Здравствуйте!",
        "",
        f"Отчёт «{subscription.kind_label}» по подписке ({subscription.schedule_text}).",
        f"Период: {_period_text(delivery)}.",
        "",
    ]
    if attach:
        lines.append(f"Файл {delivery.filename} во вложении.")
    else:
        keep = ru_date(timezone.localtime(delivery.expires_at, subscription.tz))
        lines += [
            "Файл слишком велик для вложения; скачать его (до " + keep + "):",
            file_url(delivery),
        ]
    lines += [
        "",
        "Управлять подписками: " + settings.SITE_URL + reverse("reports:subscription-list"),
        "—",
        "Портал дорожных карт MAX (письмо отправлено автоматически)",
    ]
    payload: dict[str, Any] = {"subject": _subject(delivery), "text": "\n".join(lines)}
    if attach:
        from reports.exports.formats import content_type

        payload["attachment"] = {
            "path": delivery.file.name,
            "filename": delivery.filename,
            "content_type": content_type(subscription.fmt),
        }
    message = delivery_queue(
        channel=DeliveryChannel.EMAIL,
        message_kind=MessageKind.REPORT,
        recipient=address,
        payload=payload,
        region=subscription.region,
    )
    _set(delivery, email_state=ChannelState.SENDING)
    _log(delivery, Channel.EMAIL, address, AttemptStatus.SENDING, "", now, message=message)
    return [message.pk]


def _queue_max(*, delivery: SubscriptionDelivery, now: dt.datetime) -> list[int]:
    """Queues the MAX message to each of the subscriber's chats not reached yet (a chat
    that got it, or refused it for good, is not sent it again); their outbox ids."""
    subscription = delivery.subscription
    channels = (
        list(MaxChannel.objects.filter(user_id=subscription.owner_id, enabled=True).order_by("id"))
        if subscription.owner_id and max_enabled()
        else []
    )
    if not channels:
        _set(delivery, max_state=ChannelState.FAILED)
        _log(
            delivery, Channel.MAX, "", AttemptStatus.FAILED,
            "Канал MAX не подключён (или отправка в MAX выключена на портале).", now,
        )  # fmt: skip
        return []
    done = {
        attempt.message.max_channel_id
        for attempt in _latest_messages(delivery, Channel.MAX)
        if attempt.message is not None
        and (attempt.status != AttemptStatus.FAILED or not attempt.message.retryable)
    }
    text = "\n".join(
        [
            f"**{_subject(delivery)}**",
            "",
            f"Отчёт по подписке ({subscription.schedule_text}), файл `{delivery.filename}`: "
            f"[скачать]({file_url(delivery)})",
        ]
    )
    queued: list[int] = []
    for channel in channels:
        if channel.pk in done:
            continue
        message = max_queue(
            channel=channel, text=text, message_kind=MessageKind.REPORT, region=subscription.region
        )
        if message is None:
            continue
        recipient = f"чат {channel.chat_id}"
        _log(delivery, Channel.MAX, recipient, AttemptStatus.SENDING, "", now, message=message)
        queued.append(message.pk)
    state = ChannelState.SENDING if queued else _channel_state(delivery, Channel.MAX)
    _set(delivery, max_state=state or ChannelState.FAILED)
    return queued


def _finish(
    delivery: SubscriptionDelivery, now: dt.datetime, *, error: str = "", transient: bool = False
) -> str:
    """The delivery's status from its channels: retry with backoff while a channel (or the
    build) failed transiently and attempts remain."""
    states = [s for s in (delivery.email_state, delivery.max_state) if s != ChannelState.NONE]
    pending = transient or ChannelState.TODO in states
    # a message a live sender is still sending: looked at again later, whatever the count
    in_flight = ChannelState.SENDING in states
    if in_flight or (pending and delivery.attempts < settings.SUBSCRIPTION_MAX_ATTEMPTS):
        _set(
            delivery,
            status=DeliveryStatus.RETRY,
            next_attempt_at=now + delivery.retry_delay(),
            claimed_at=None,
            error=error,
        )
        return DeliveryStatus.RETRY
    # no attempts left: what is still to do has failed
    updates: dict[str, str] = {}
    if delivery.email_state == ChannelState.TODO:
        updates["email_state"] = ChannelState.FAILED
    if delivery.max_state == ChannelState.TODO:
        updates["max_state"] = ChannelState.FAILED
    if updates:
        _set(delivery, **updates)
    states = [s for s in (delivery.email_state, delivery.max_state) if s != ChannelState.NONE]
    sent = [s for s in states if s == ChannelState.SENT]
    if states and len(sent) == len(states) and not error:
        status = DeliveryStatus.SENT
    elif sent:
        status = DeliveryStatus.PARTIAL
    else:
        status = DeliveryStatus.FAILED
    if not error and status != DeliveryStatus.SENT:
        error = (
            "Отчёт доставлен не по всем каналам, см. журнал."
            if sent
            else "Отчёт не доставлен, см. журнал."
        )
    _set(
        delivery,
        status=status,
        claimed_at=None,
        next_attempt_at=None,
        error=error,
        sent_at=now if sent else None,
    )
    return status
