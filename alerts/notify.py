"""Notifications about alerts: daily e-mail digest, immediate overdue message, escalation,
and the MAX bot (`alerts.maxbot`) as a second channel (off by default).

Who gets what:
- a responsible agency: its contact address (`Agency.email`) and its active staff users
  with an e-mail, about alerts on the measures it is responsible for;
- the region's coordinators: every alert of the region in the digest, and escalations
  (alerts open for `ALERT_ESCALATION_DAYS`);
- users skip the kinds they opted out of (`NotificationOptOut`); an agency's contact
  address is an institutional mailbox and always receives.
Each message goes through the outbox (`alerts.outbox`: a `Delivery` row, queued PENDING,
claimed, sent, SENT or FAILED with a Russian reason). Each service first claims what it
announces and queues its messages in ONE transaction, then sends them: overdue notices and
escalations claim their alerts (`notified_at`, `escalated_at`), a digest claims itself (its
`DigestLog`, unique per previous digest). A worker killed before the commit leaves nothing
claimed; one killed after it leaves the messages PENDING for the next run or the sweeper;
one killed while sending leaves the message SENDING, failed after NOTIFY_SEND_LEASE_MINUTES
(it may have gone out: never sent twice).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import access
from agencies.choices import Role
from agencies.models import Region, User
from roadmap_portal.ru_formats import ru_date
from roadmaps.models import MeasureResponsibility

from .choices import AlertKind, DeliveryChannel, MessageKind
from .models import Alert, Delivery, DigestLog, MaxChannel, NotificationOptOut
from .outbox import (
    FlushResult,
    deliveries_flush,
    deliveries_send,
    delivery_queue,
    max_enabled,
    max_queue,
)

logger = logging.getLogger(__name__)

__all__ = [
    "alerts_escalate",
    "digest_send",
    "digest_send_all",
    "max_deliver",
    "overdue_notify",
]


def max_deliver(
    *,
    channel: MaxChannel,
    text: str,
    message_kind: str,
    region: Region | None = None,
    alert_ids: Iterable[int] = (),
) -> Delivery | None:
    """Send through one MAX channel (via the outbox) and log it; None when MAX delivery is
    off."""
    delivery = max_queue(
        channel=channel, text=text, message_kind=message_kind, region=region, alert_ids=alert_ids
    )
    if delivery is None:
        return None
    deliveries_send([delivery.pk])
    delivery.refresh_from_db()
    return delivery


# --- Recipients ----------------------------------------------------------------------------


@dataclass
class Recipient:
    """One address (or chat) and the alerts it should hear about."""

    address: str
    name: str
    alerts: dict[int, Alert] = field(default_factory=dict)
    channels: list[MaxChannel] = field(default_factory=list)


def _opt_outs(user_ids: Iterable[int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    for user_id, kind in NotificationOptOut.objects.filter(user_id__in=list(user_ids)).values_list(
        "user_id", "kind"
    ):
        out[user_id].add(kind)
    return out


def _coordinators(region: Region) -> list[User]:
    return list(
        User.objects.filter(role=Role.COORDINATOR, is_active=True, region=region).order_by("id")
    )


def _channels(*, agency_ids=(), user_ids=()) -> tuple[dict, dict]:
    by_agency: dict[int, list[MaxChannel]] = defaultdict(list)
    by_user: dict[int, list[MaxChannel]] = defaultdict(list)
    if not max_enabled():
        return by_agency, by_user
    for channel in MaxChannel.objects.filter(enabled=True).filter(
        Q(agency_id__in=list(agency_ids)) | Q(user_id__in=list(user_ids))
    ):
        if channel.agency_id:
            by_agency[channel.agency_id].append(channel)
        elif channel.user_id:
            by_user[channel.user_id].append(channel)
    return by_agency, by_user


def _agency_recipients(alerts: list[Alert]) -> dict[str, Recipient]:
    """Contacts of the agencies responsible for the alerts' measures, and their staff."""
    by_measure: dict[int, list[Alert]] = defaultdict(list)
    for alert in alerts:
        if alert.measure_id:
            by_measure[alert.measure_id].append(alert)
    if not by_measure:
        return {}
    agency_alerts: dict[int, dict[int, Alert]] = defaultdict(dict)
    agencies: dict[int, tuple[str, str]] = {}
    for measure_id, agency_id, agency_email, agency_name in MeasureResponsibility.objects.filter(
        measure_id__in=list(by_measure)
    ).values_list("measure_id", "agency_id", "agency__email", "agency__name"):
        agencies[agency_id] = (agency_email, agency_name)
        for alert in by_measure[measure_id]:
            agency_alerts[agency_id][alert.pk] = alert
    staff = list(
        User.objects.filter(agency_id__in=list(agencies), is_active=True, role=Role.STAFF)
        .exclude(email="")
        .select_related("agency")
        .order_by("id")
    )
    opt_outs = _opt_outs(u.pk for u in staff)
    by_agency_channel, by_user_channel = _channels(
        agency_ids=agencies, user_ids=[u.pk for u in staff]
    )
    recipients: dict[str, Recipient] = {}

    def add(address: str, name: str, items: Iterable[Alert], channels: list[MaxChannel]):
        recipient = recipients.setdefault(address, Recipient(address=address, name=name))
        for alert in items:
            recipient.alerts[alert.pk] = alert
        recipient.channels.extend(c for c in channels if c not in recipient.channels)

    for agency_id, (agency_email, agency_name) in agencies.items():
        items = agency_alerts[agency_id].values()
        add(agency_email or f"agency:{agency_id}", agency_name, items, by_agency_channel[agency_id])
    for user in staff:
        if user.agency_id is None:  # (staff are agencies' users)
            continue
        # a partner's staff serve many regions: each hears of the regions they see only
        own = [
            a
            for a in agency_alerts[user.agency_id].values()
            if a.kind not in opt_outs[user.pk] and access.can_see_region(user, a.region_id)
        ]
        if own:
            add(user.email, str(user), own, by_user_channel[user.pk])
    return recipients


def _coordinator_recipients(region: Region, alerts: list[Alert]) -> dict[str, Recipient]:
    coordinators = _coordinators(region)
    opt_outs = _opt_outs(u.pk for u in coordinators)
    _, by_user_channel = _channels(user_ids=[u.pk for u in coordinators])
    recipients: dict[str, Recipient] = {}
    for user in coordinators:
        items = [a for a in alerts if a.kind not in opt_outs[user.pk]]
        if not items:
            continue
        address = user.email or f"user:{user.pk}"
        recipient = recipients.setdefault(address, Recipient(address=address, name=str(user)))
        recipient.alerts.update({a.pk: a for a in items})
        recipient.channels.extend(by_user_channel[user.pk])
    return recipients


def _merge(*groups: dict[str, Recipient]) -> dict[str, Recipient]:
    merged: dict[str, Recipient] = {}
    for group in groups:
        for address, recipient in group.items():
            target = merged.setdefault(address, Recipient(address=address, name=recipient.name))
            target.alerts.update(recipient.alerts)
            target.channels.extend(c for c in recipient.channels if c not in target.channels)
    return merged


# --- Rendering and sending -----------------------------------------------------------------


def _link(alert: Alert) -> str:
    if alert.measure_id:
        path = reverse("roadmaps:measure-detail", args=[alert.measure_id])
    else:
        path = reverse("alerts:alert-detail", args=[alert.pk])
    return f"{settings.SITE_URL}{path}"


def _rows(alerts: Iterable[Alert], new_since: dt.datetime | None = None) -> list[dict]:
    rows = []
    for alert in sorted(alerts, key=lambda a: (-a.severity, a.kind, a.pk)):
        is_new = new_since is None or alert.opened_at > new_since
        rows.append({"alert": alert, "link": _link(alert), "is_new": is_new})
    return rows


def _markdown(heading: str, rows: list[dict]) -> str:
    lines = [f"**{heading}**", ""]
    for row in rows:
        alert = row["alert"]
        mark = "🆕 " if row["is_new"] else ""
        days = alert.days_late
        late = _(" (просрочено на %(days)s дн.)") % {"days": days} if days else ""
        lines.append(
            f"- {mark}{alert.get_kind_display()}: {alert.message}{late} ([открыть]({row['link']}))"
        )
    return "\n".join(lines)


def _email(
    *,
    recipient: Recipient,
    subject: str,
    template: str,
    context: dict,
    message_kind: str,
    region: Region,
    digest: DigestLog | None = None,
) -> Delivery | None:
    """Renders one e-mail (plain text + HTML) and queues it; None for a recipient without
    an address (an agency or user reached by MAX only)."""
    if "@" not in recipient.address:
        return None
    context = {**context, "recipient": recipient, "site_url": settings.SITE_URL}
    return delivery_queue(
        channel=DeliveryChannel.EMAIL,
        message_kind=message_kind,
        recipient=recipient.address,
        region=region,
        alert_ids=recipient.alerts,
        digest=digest,
        payload={
            "subject": subject,
            "text": render_to_string(f"alerts/email/{template}.txt", context),
            "html": render_to_string(f"alerts/email/{template}.html", context),
        },
    )


def _max(
    recipient: Recipient,
    heading: str,
    rows: list[dict],
    kind: str,
    region: Region,
    digest: DigestLog | None = None,
) -> list[Delivery]:
    """Queues the message to each MAX channel of the recipient."""
    if not recipient.channels:
        return []
    text = _markdown(heading, rows)
    queued = (
        max_queue(
            channel=channel,
            text=text,
            message_kind=kind,
            region=region,
            alert_ids=recipient.alerts,
            digest=digest,
        )
        for channel in recipient.channels
    )
    return [delivery for delivery in queued if delivery is not None]


def _queued_ids(*items: Delivery | list[Delivery] | None) -> list[int]:
    ids: list[int] = []
    for item in items:
        if isinstance(item, list):
            ids.extend(d.pk for d in item)
        elif item is not None:
            ids.append(item.pk)
    return ids


# --- Services ------------------------------------------------------------------------------


def digest_send(*, region: Region, now: dt.datetime | None = None) -> int:
    """The daily digest of the region's open alerts; returns the number of e-mails sent.

    1. What an earlier run queued and did not send goes first (`deliveries_flush`).
    2. Open alerts of the region, the recipients for each (agencies, their staff,
       coordinators; opt-outs applied), and each recipient's last digest: nothing opened
       or escalated since → no digest.
    3. In ONE transaction each digest is claimed and its messages queued (text + HTML,
       links to the measures; MAX): the claim is the recipient's `DigestLog`, unique per
       previous digest, so of two workers that read the same last digest one claims it
       and the other skips the recipient; a retried task finds it claimed.
    4. The queued messages are sent; a digest none of whose messages went out is given
       back (`alerts.outbox`), so the next digest covers it again.
    """
    now = now or timezone.now()
    deliveries_flush(region=region)
    alerts = list(
        Alert.objects.filter(region=region)
        .open()
        .select_related("region", "measure", "indicator", "municipality")
    )
    if not alerts:
        return 0
    recipients = _merge(_agency_recipients(alerts), _coordinator_recipients(region, alerts))
    last = {
        row["recipient"]: row
        for row in DigestLog.objects.filter(region=region, recipient__in=list(recipients))
        .values("recipient")
        .annotate(sent_at=Max("sent_at"), previous=Max("pk"))
    }
    queued: list[int] = []
    with transaction.atomic():
        for address, recipient in recipients.items():
            since = last[address]["sent_at"] if address in last else None
            items = recipient.alerts.values()
            if since is not None and not any(
                a.opened_at > since or (a.escalated_at and a.escalated_at > since) for a in items
            ):
                continue
            if "@" not in address and not (recipient.channels and max_enabled()):
                continue  # no way to reach it
            previous = last[address]["previous"] if address in last else 0
            queued += _queue_digest(region, recipient, previous=previous, since=since, now=now)
    return _emails_sent(deliveries_send(queued))


def _queue_digest(
    region: Region,
    recipient: Recipient,
    *,
    previous: int,
    since: dt.datetime | None,
    now: dt.datetime,
) -> list[int]:
    """Claims one recipient's digest and queues its messages (a savepoint of the caller's
    transaction); [] when another worker has claimed the digest after `previous`."""
    try:
        with transaction.atomic():
            digest = DigestLog.objects.create(
                recipient=recipient.address,
                region=region,
                sent_at=now,
                alert_ids=sorted(recipient.alerts),
                previous=previous,
            )
    except IntegrityError:
        logger.info("digest of %s to %s: claimed by another run", region, recipient.address)
        return []
    rows = _rows(recipient.alerts.values(), since)
    heading = _("Оповещения портала дорожных карт MAX: %(region)s") % {"region": region.name}
    context = {
        "heading": heading,
        "rows": rows,
        "new_count": sum(1 for r in rows if r["is_new"]),
        "region": region,
        "intro": _("Открытые оповещения на %(date)s.")
        % {"date": ru_date(timezone.localtime(now, region.tz))},
    }
    email = _email(
        recipient=recipient,
        subject=_("Сводка оповещений: %(region)s, новых %(new)s")
        % {"region": region.name, "new": context["new_count"]},
        template="alerts",
        context=context,
        message_kind=MessageKind.DIGEST,
        region=region,
        digest=digest,
    )
    return _queued_ids(email, _max(recipient, heading, rows, MessageKind.DIGEST, region, digest))


def overdue_notify(*, region: Region, now: dt.datetime | None = None) -> int:
    """An immediate message about newly opened overdue alerts; each alert is announced once.

    1. what an earlier run queued and did not send goes first (`deliveries_flush`);
    2. in ONE transaction the alerts are claimed (a conditional UPDATE: notified_at IS NULL
       → now, so two workers never announce the same alert) and their messages queued: a
       worker killed before the commit leaves the alerts unclaimed, one killed after it
       leaves the messages PENDING for the next run;
    3. the queued messages are sent. Returns the e-mails sent.
    """
    now = now or timezone.now()
    deliveries_flush(region=region)
    with transaction.atomic():
        claimed = Alert.objects.filter(
            region=region, kind=AlertKind.MEASURE_OVERDUE, notified_at__isnull=True
        ).open()
        if not claimed.update(notified_at=now):
            return 0
        alerts = list(
            Alert.objects.filter(region=region, kind=AlertKind.MEASURE_OVERDUE, notified_at=now)
            .open()
            .select_related("region", "measure")
        )
        queued = _queue_overdue(region, alerts)
    return _emails_sent(deliveries_send(queued))


def _emails_sent(result: FlushResult) -> int:
    return Delivery.objects.filter(pk__in=result.sent, channel=DeliveryChannel.EMAIL).count()


def _queue_overdue(region: Region, alerts: list[Alert]) -> list[int]:
    heading = _("Просрочены мероприятия: %(region)s") % {"region": region.name}
    # a measure whose document names no responsible body: its coordinators hear of it
    with_body = set(
        MeasureResponsibility.objects.filter(
            measure_id__in=[a.measure_id for a in alerts if a.measure_id]
        ).values_list("measure_id", flat=True)
    )
    unassigned = [a for a in alerts if a.measure_id and a.measure_id not in with_body]
    recipients = _agency_recipients(alerts)
    if unassigned:
        recipients = _merge(recipients, _coordinator_recipients(region, unassigned))
    return _queue_alert_messages(
        recipients.values(),
        heading=heading,
        intro=_("Срок этих мероприятий прошёл, а они не выполнены."),
        kind=MessageKind.OVERDUE,
        region=region,
    )


def _queue_alert_messages(
    recipients: Iterable[Recipient], *, heading: str, intro: str, kind: str, region: Region
) -> list[int]:
    """Each recipient's e-mail (and MAX message) about their alerts, queued in the outbox
    (PENDING deliveries, sent after the caller's transaction); their ids."""
    queued: list[int] = []
    for recipient in recipients:
        rows = _rows(recipient.alerts.values())
        email = _email(
            recipient=recipient,
            subject=heading,
            template="alerts",
            context={
                "heading": heading,
                "rows": rows,
                "new_count": len(rows),
                "region": region,
                "intro": intro,
            },
            message_kind=kind,
            region=region,
        )
        queued += _queued_ids(email, _max(recipient, heading, rows, kind, region))
    return queued


def alerts_escalate(*, region: Region, now: dt.datetime | None = None) -> int:
    """Alerts open for ALERT_ESCALATION_DAYS go to the region's coordinators, once: claimed
    and queued in one transaction, then sent, as `overdue_notify`."""
    now = now or timezone.now()
    days = int(getattr(settings, "ALERT_ESCALATION_DAYS", 14))
    deliveries_flush(region=region)
    with transaction.atomic():
        claimed = Alert.objects.filter(
            region=region, escalated_at__isnull=True, opened_at__lte=now - dt.timedelta(days=days)
        ).open()
        if not claimed.update(escalated_at=now):
            return 0
        alerts = list(
            Alert.objects.filter(region=region, escalated_at=now)
            .open()
            .select_related("region", "measure", "indicator", "municipality")
        )
        heading = _("Оповещения открыты более %(days)s дн.: %(region)s") % {
            "days": days,
            "region": region.name,
        }
        queued = _queue_alert_messages(
            _coordinator_recipients(region, alerts).values(),
            heading=heading,
            intro=_("Эти оповещения не закрыты в течение %(days)s дней.") % {"days": days},
            kind=MessageKind.ESCALATION,
            region=region,
        )
    return _emails_sent(deliveries_send(queued))


def digest_send_all(*, now: dt.datetime | None = None) -> int:
    """Escalations, then digests, for every region with open alerts. A region that fails
    does not stop the others; the first error is raised at the end (the task's autoretry
    runs it again: what went out is claimed and is not sent twice)."""
    sent = 0
    errors: list[Exception] = []
    for region in Region.objects.filter(alerts__resolved_at__isnull=True).distinct():
        try:
            sent += alerts_escalate(region=region, now=now)
            sent += digest_send(region=region, now=now)
        except Exception as exc:
            logger.exception("digest of %s failed", region)
            errors.append(exc)
    if errors:
        raise errors[0]
    return sent
