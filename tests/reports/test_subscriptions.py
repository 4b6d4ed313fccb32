"""Reports that arrive by themselves: delivered through a local SMTP server and the local
fake MAX bot API (real sockets), scoped at send time, once per period, with retries."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from agencies.choices import Role
from agencies.models import Region
from alerts.models import MaxChannel
from reports.choices_subscriptions import AttemptStatus, ChannelState, DeliveryStatus
from reports.models import ReportSubscription, SubscriptionAttempt, SubscriptionDelivery
from reports.subscription_schedule import WEEKLY, Schedule, next_due_at
from reports.subscriptions import services
from roadmaps.models import Measure
from tests.alerts.servers import FakeMaxApi, FakeSmtp
from tests.factories import make_measure, make_roadmap
from tests.reports.conftest import HOSTILE, assert_no_formulas, table

pytestmark = pytest.mark.django_db

EKB = ZoneInfo("Asia/Yekaterinburg")
# the next Monday 09:00 in Yekaterinburg after the real clock: files kept from then on are
# still downloadable when the test runs
NOW = next_due_at(Schedule(WEEKLY, hour=9, weekday=0), EKB, timezone.now())
BEFORE = NOW - dt.timedelta(days=30)
# Moscow's Monday 09:00 (an analyst of every region has no region: the portal's zone)
MOSCOW_NINE = NOW + dt.timedelta(hours=2)
COORD = "coord66@example.org"
ANALYST = "analyst@minpros.example"
LIST = "priemnaya@minobr66.example"


@pytest.fixture
def fake_max(settings):
    server = FakeMaxApi()
    settings.MAX_BOT_ENABLED = True
    settings.MAX_BOT_API_URL = server.url
    settings.MAX_BOT_RETRIES = 0  # the bot client's own retries are tested in tests/alerts
    yield server
    server.close()


@pytest.fixture
def fake_smtp(settings):
    server = FakeSmtp()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.close()


@pytest.fixture
def people(personas, settings):
    settings.SITE_URL = "https://portal.example"
    personas.coordinator.email = COORD
    personas.coordinator.save()
    personas.analyst.email = ANALYST
    personas.analyst.save()
    measure = Measure.objects.get(roadmap__region__code="66", number="1.1")
    measure.title = HOSTILE[0]
    measure.save()
    return personas


def subscribe(owner, *, since=BEFORE, **fields) -> ReportSubscription:
    values = {
        "kind": "roadmap_status",
        "fmt": "xlsx",
        "region": Region.objects.get(code="66"),
        "frequency": "weekly",
        "weekday": 0,
        "hour": 9,
        "by_email": True,
        "by_max": False,
        **fields,
    }
    subscription = services.subscription_create(owner=owner, created_by=owner, **values)
    ReportSubscription.objects.filter(pk=subscription.pk).update(active_since=since)
    subscription.refresh_from_db()
    return subscription


def send(moment=NOW) -> services.SendReport:
    return services.subscriptions_send(now=moment)


def attachment(message):
    parts = [p for p in message.iter_attachments()]
    assert len(parts) == 1
    return parts[0].get_filename(), parts[0].get_content()


def regions_in(content: bytes) -> set[str]:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    assert_no_formulas(wb)
    headers, rows = table(wb["Мероприятия"])
    column = headers.index("Субъект РФ")
    return {row[column].value for row in rows}


# --- end to end -----------------------------------------------------------------------------


def test_subscribed_on_the_page_delivered_by_smtp_and_max(
    people, persona_client, fake_smtp, fake_max
):
    MaxChannel.objects.create(user=people.coordinator, bot_token="tok", chat_id="77", enabled=True)
    client = persona_client("coordinator")
    response = client.post(
        reverse("reports:subscription-create"),
        {
            "kind": "roadmap_status", "region": "66", "fmt": "xlsx", "frequency": "weekly",
            "weekday": "0", "hour": "9", "by_email": "on", "by_max": "on",
        },
    )  # fmt: skip
    assert response.status_code == 302
    subscription = ReportSubscription.objects.get(owner=people.coordinator)
    ReportSubscription.objects.filter(pk=subscription.pk).update(active_since=BEFORE)

    assert send(NOW - dt.timedelta(minutes=1)).created == []  # 08:59 in Yekaterinburg
    call_command("send_subscriptions", "--now", NOW.isoformat())

    # e-mail through the local SMTP server, the workbook attached
    assert len(fake_smtp.messages) == 1
    _sender, recipients, message = fake_smtp.messages[0]
    assert recipients == [COORD]
    assert "Статус выполнения дорожных карт: Свердловская область" in str(message["Subject"])
    name, content = attachment(message)
    assert name.startswith("roadmap_status_66_") and name.endswith(".xlsx")
    assert regions_in(content) == {"Свердловская область"}
    wb = openpyxl.load_workbook(io.BytesIO(content))
    titles = [r[3].value for r in table(wb["Мероприятия"])[1]]
    assert "'" + HOSTILE[0] in titles  # neutralised: no formula reaches the subscriber

    # MAX: a message with a link to the file, which only the subscriber can download
    assert len(fake_max.received) == 1
    request = fake_max.received[0]
    assert request.query == {"chat_id": ["77"]} and request.headers["Authorization"] == "tok"
    delivery = SubscriptionDelivery.objects.get()
    link = reverse("reports:subscription-file", args=[delivery.pk])
    assert f"https://portal.example{link}" in request.body["text"]
    downloaded = client.get(link)
    assert downloaded.status_code == 200
    assert b"".join(downloaded.streaming_content) == content
    assert persona_client("analyst").get(link).status_code == 404

    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    assert delivery.period == NOW.astimezone(EKB).strftime("%G-W%V")
    log = list(SubscriptionAttempt.objects.values_list("channel", "recipient", "status"))
    assert log == [("email", COORD, "sent"), ("max", "чат 77", "sent")]

    # the beat again, at once and an hour later: nothing new
    for moment in (NOW, NOW + dt.timedelta(hours=1)):
        report = send(moment)
        assert report.created == [] and report.processed == {}
    assert len(fake_smtp.messages) == 1 and len(fake_max.received) == 1
    assert SubscriptionDelivery.objects.count() == 1

    # the next week: the next period
    send(NOW + dt.timedelta(days=7))
    assert len(fake_smtp.messages) == 2

    client = persona_client("coordinator")  # the same test client, logged in again
    page = client.get(reverse("reports:subscription-detail", args=[subscription.pk]))
    html = page.content.decode()
    assert "Журнал отправки" in html and "чат 77" in html and "отправлено" in html


def test_large_file_goes_as_a_link(people, settings):
    settings.SUBSCRIPTION_ATTACH_MAX_BYTES = 100
    subscribe(people.coordinator)
    send()
    (message,) = mail.outbox
    assert message.attachments == []
    delivery = SubscriptionDelivery.objects.get()
    assert delivery.size > 100
    assert f"https://portal.example/reports/subscriptions/files/{delivery.pk}/" in message.body
    assert "слишком велик" in message.body


def test_csv_and_ods_are_built_by_the_export_code(people):
    subscribe(people.coordinator, fmt="csv")
    subscribe(people.analyst, fmt="ods", region=None, frequency="monthly", weekday=None,
              day_of_month=1, hour=0)  # fmt: skip
    send(NOW + dt.timedelta(days=31))
    by_to = {m.to[0]: m for m in mail.outbox}
    name, content, _type = by_to[COORD].attachments[0]
    assert name.endswith(".csv")
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    cells = {cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row}
    assert "'" + HOSTILE[0] in cells and HOSTILE[0] not in cells
    name, content, _type = by_to[ANALYST].attachments[0]
    assert name.startswith("roadmap_status_all_") and name.endswith(".ods")


# --- scope at send time -------------------------------------------------------------------


def test_a_subscriber_who_lost_the_region_gets_nothing(people, fake_max):
    MaxChannel.objects.create(user=people.coordinator, bot_token="t", chat_id="1", enabled=True)
    subscription = subscribe(people.coordinator, by_max=True)
    people.coordinator.region = Region.objects.get(code="50")  # moved to Moscow oblast
    people.coordinator.save()
    report = send()
    delivery = SubscriptionDelivery.objects.get()
    assert report.processed == {delivery.pk: DeliveryStatus.REFUSED}
    assert mail.outbox == [] and fake_max.received == []
    assert not delivery.file
    (attempt,) = SubscriptionAttempt.objects.all()
    assert attempt.status == AttemptStatus.REFUSED
    assert attempt.error == "Субъект РФ больше не доступен подписчику."
    send(NOW + dt.timedelta(hours=1))  # refused once per period, not retried
    assert SubscriptionAttempt.objects.count() == 1
    detail = f"/reports/subscriptions/{subscription.pk}/"
    assert detail == reverse("reports:subscription-detail", args=[subscription.pk])


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"role": Role.STAFF}, "У подписчика больше нет права получать отчёты."),
        ({"is_active": False}, "Учётная запись подписчика отключена."),
    ],
)
def test_a_subscriber_who_lost_the_right_gets_nothing(people, change, reason):
    subscribe(people.analyst, region=None)
    for name, value in change.items():
        setattr(people.analyst, name, value)
    people.analyst.save()
    send(MOSCOW_NINE)
    assert mail.outbox == []
    delivery = SubscriptionDelivery.objects.get()
    assert delivery.status == DeliveryStatus.REFUSED and delivery.error == reason


def test_the_file_is_scoped_as_of_send_time(people):
    moscow = Region.objects.get(code="50")
    make_measure(make_roadmap(moscow), number="1.1", title="Мероприятие Подмосковья")
    subscribe(people.analyst, region=None)  # all regions the analyst sees
    send(MOSCOW_NINE)
    assert regions_in(mail.outbox[0].attachments[0][1]) >= {
        "Свердловская область",
        "Московская область",
    }
    # the next week the analyst sees Sverdlovsk only: the file follows
    people.analyst.all_regions = False
    people.analyst.region = Region.objects.get(code="66")
    people.analyst.save()
    send(NOW + dt.timedelta(days=7))
    narrowed = regions_in(mail.outbox[1].attachments[0][1])
    assert "Свердловская область" in narrowed and "Московская область" not in narrowed
    # and the earlier file (all regions) is no longer the analyst's to download
    first = SubscriptionDelivery.objects.order_by("due_at").first()
    assert first.scope_region_ids is None
    assert not services.may_download(people.analyst, first)


# --- retries and lost workers ----------------------------------------------------------------


def test_smtp_down_is_retried_with_backoff_then_sent(people, settings, fake_smtp):
    settings.EMAIL_PORT = 1  # nothing listens there
    settings.SUBSCRIPTION_RETRY_MINUTES = 10
    subscribe(people.coordinator)
    assert send().processed
    delivery = SubscriptionDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRY and delivery.attempts == 1
    assert delivery.next_attempt_at == NOW + dt.timedelta(minutes=10)
    (attempt,) = SubscriptionAttempt.objects.all()
    assert attempt.status == AttemptStatus.FAILED
    assert attempt.error == "Почтовый сервер недоступен; повторим позже."

    assert send(NOW + dt.timedelta(minutes=5)).processed == {}  # not yet
    settings.EMAIL_PORT = fake_smtp.port  # the server is back
    send(NOW + dt.timedelta(minutes=10))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert len(fake_smtp.messages) == 1


def test_retries_are_bounded(people, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    settings.SUBSCRIPTION_MAX_ATTEMPTS = 3
    settings.SUBSCRIPTION_RETRY_MINUTES = 10
    subscribe(people.coordinator)
    send()
    send(NOW + dt.timedelta(minutes=10))
    delivery = SubscriptionDelivery.objects.get()
    assert delivery.next_attempt_at == NOW + dt.timedelta(minutes=30)  # 10, then 20
    send(NOW + dt.timedelta(minutes=30))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3
    assert delivery.email_state == ChannelState.FAILED
    send(NOW + dt.timedelta(days=1))
    assert SubscriptionAttempt.objects.count() == 3


def test_only_the_failed_channel_is_retried(people, fake_max):
    MaxChannel.objects.create(user=people.coordinator, bot_token="t", chat_id="5", enabled=True)
    fake_max.script = [(503, {})]
    subscribe(people.coordinator, by_max=True)
    send()
    delivery = SubscriptionDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRY
    assert (delivery.email_state, delivery.max_state) == (ChannelState.SENT, ChannelState.TODO)
    failed = SubscriptionAttempt.objects.get(channel="max")
    assert failed.error == "Сервер MAX ответил ошибкой (код 503); повторим позже."
    send(NOW + dt.timedelta(hours=1))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1 and len(fake_max.received) == 2


def test_a_refused_bot_token_is_not_retried(people, fake_max):
    MaxChannel.objects.create(user=people.coordinator, bot_token="bad", chat_id="5", enabled=True)
    fake_max.script = [(401, {})]
    subscribe(people.coordinator, by_max=True)
    send()
    delivery = SubscriptionDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PARTIAL
    assert delivery.max_state == ChannelState.FAILED and len(mail.outbox) == 1


def test_a_lost_worker_is_taken_over_without_sending_twice(people, fake_max, settings):
    settings.SUBSCRIPTION_LEASE_MINUTES = 60
    MaxChannel.objects.create(user=people.coordinator, bot_token="t", chat_id="5", enabled=True)
    subscription = subscribe(people.coordinator, by_max=True)
    # a worker claimed it, was sending the e-mail and died
    delivery = SubscriptionDelivery.objects.create(
        subscription=subscription, period=NOW.astimezone(EKB).strftime("%G-W%V"), due_at=NOW,
        status=DeliveryStatus.SENDING, claimed_at=NOW, attempts=1,
        email_state=ChannelState.SENDING, max_state=ChannelState.TODO,
    )  # fmt: skip
    assert send(NOW + dt.timedelta(minutes=30)).processed == {}  # its worker may be alive
    send(NOW + dt.timedelta(minutes=61))
    delivery.refresh_from_db()
    assert mail.outbox == []  # whether it went out is unknown: not sent again
    assert len(fake_max.received) == 1
    assert delivery.status == DeliveryStatus.PARTIAL and delivery.attempts == 2
    lost = SubscriptionAttempt.objects.get(channel="email")
    assert lost.status == AttemptStatus.FAILED and "неизвестно, дошло ли" in lost.error


def test_concurrent_beats_insert_one_delivery(people):
    subscription = subscribe(people.coordinator)
    first = services.deliveries_create_due(now=NOW)
    second = services.deliveries_create_due(now=NOW)
    assert len(first) == 1 and second == []
    delivery_id = first[0]
    assert services.delivery_claim(delivery_id=delivery_id, now=NOW) is not None
    assert services.delivery_claim(delivery_id=delivery_id, now=NOW) is None  # one winner
    assert subscription.deliveries.count() == 1


def test_paused_and_new_subscriptions_do_not_get_a_missed_period(people):
    subscription = subscribe(people.coordinator, since=NOW + dt.timedelta(minutes=1))
    send(NOW + dt.timedelta(hours=1))
    assert SubscriptionDelivery.objects.count() == 0  # made after this week's 09:00
    services.subscription_set_paused(subscription=subscription, paused=True, now=NOW)
    send(NOW + dt.timedelta(days=7))
    assert SubscriptionDelivery.objects.count() == 0
    services.subscription_set_paused(
        subscription=subscription, paused=False, now=NOW + dt.timedelta(days=7, hours=1)
    )
    send(NOW + dt.timedelta(days=7, hours=2))
    assert SubscriptionDelivery.objects.count() == 0  # this week's was due while paused
    send(NOW + dt.timedelta(days=14))
    assert SubscriptionDelivery.objects.count() == 1 and len(mail.outbox) == 1


# --- mailing lists --------------------------------------------------------------------------


def test_mailing_list_of_a_region_by_an_administrator(people, persona_client, settings):
    settings.SUBSCRIPTION_ATTACH_MAX_BYTES = 100  # the link, not the attachment
    data = {
        "list-address": LIST, "list-kind": "roadmap_status", "list-region": "66",
        "list-fmt": "xlsx", "list-frequency": "weekly", "list-weekday": "0", "list-hour": "9",
    }  # fmt: skip
    url = reverse("reports:mailing-list-create")
    assert persona_client("analyst").post(url, data).status_code == 403
    assert persona_client("admin").post(url, data).status_code == 302
    subscription = ReportSubscription.objects.get(address=LIST)
    assert subscription.owner is None and subscription.created_by == people.admin
    ReportSubscription.objects.filter(pk=subscription.pk).update(active_since=BEFORE)
    moscow = Region.objects.get(code="50")
    make_measure(make_roadmap(moscow), number="1.1", title="Мероприятие Подмосковья")

    send()
    (message,) = mail.outbox
    assert message.to == [LIST]
    delivery = SubscriptionDelivery.objects.get()
    assert delivery.scope_region_ids == [Region.objects.get(code="66").pk]
    # the signed token carries the second it was made: read the link the e-mail carries
    prefix = reverse("reports:subscription-file-shared", args=["TOKEN"]).split("TOKEN")[0]
    found = re.search(rf"https://portal\.example({re.escape(prefix)}[^/\s]+/)", message.body)
    assert found, message.body
    link = found.group(1)
    assert services.shared_link_delivery(link[len(prefix) : -1]) == delivery
    client = persona_client("anonymous")
    response = client.get(link)  # the list's readers have no accounts
    assert response.status_code == 200
    assert regions_in(b"".join(response.streaming_content)) == {"Свердловская область"}
    assert client.get(link[:-3] + "xyz/").status_code == 404
    # the owner-only download does not serve a list's file
    assert persona_client("admin").get(
        reverse("reports:subscription-file", args=[delivery.pk])
    ).status_code == 404  # fmt: skip


def test_a_list_file_past_its_keep_time_is_gone(people, settings):
    subscription = subscribe(people.admin)
    ReportSubscription.objects.filter(pk=subscription.pk).update(owner=None, address=LIST)
    send()
    delivery = SubscriptionDelivery.objects.get()
    path = delivery.file.path
    report = send(NOW + dt.timedelta(days=settings.SUBSCRIPTION_FILE_KEEP_DAYS, minutes=1))
    assert report.files_deleted == 1
    delivery.refresh_from_db()
    assert not delivery.file
    import os

    assert not os.path.exists(path)


def test_beat_entry_runs_the_task(settings, seeded):
    from reports.tasks import subscriptions_send
    from roadmap_portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["subscriptions-send"]
    assert entry["task"] == "reports.tasks.subscriptions_send" and entry["task"] in app.tasks
    assert subscriptions_send.delay().get() == {"created": [], "processed": {}, "files_deleted": 0}
