"""Digests, immediate overdue messages, escalation and the MAX bot, against local servers."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from agencies import access
from agencies.choices import Role
from agencies.models import Agency, Region
from alerts import maxbot
from alerts.choices import AlertKind, DeliveryChannel, DeliveryStatus, MessageKind
from alerts.maxbot import ChatRateLimiter, max_send
from alerts.models import Alert, Delivery, DigestLog, MaxChannel, NotificationOptOut
from alerts.notify import alerts_escalate, digest_send, max_deliver, overdue_notify
from alerts.services import alerts_sync
from roadmaps.models import Measure
from tests.factories import make_measure, make_user

from .servers import FakeMaxApi, FakeSmtp

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 11, 1)
MINOBR = "minobr@egov66.example"
COORD = "coord66@example.org"


@pytest.fixture
def fake_max():
    server = FakeMaxApi()
    yield server
    server.close()


@pytest.fixture
def fake_smtp():
    server = FakeSmtp()
    yield server
    server.close()


@pytest.fixture
def sverdlovsk(personas):
    Agency.objects.filter(code="so-minobr").update(email=MINOBR)
    personas.coordinator.email = COORD
    personas.coordinator.save()
    region = Region.objects.get(code="66")
    alerts_sync(region=region, on_date=TODAY)
    return region


def _by_recipient():
    out = {}
    for message in mail.outbox:
        for to in message.to:
            out.setdefault(to, []).append(message)
    return out


def _minobr_measures_with_alerts():
    return set(
        Alert.objects.open()
        .filter(region__code="66", measure__responsibilities__agency__code="so-minobr")
        .values_list("measure_id", flat=True)
    )


# --- digest ---------------------------------------------------------------------------------


def test_digest_to_agency_and_coordinator_only_when_new(sverdlovsk, settings):
    settings.SITE_URL = "https://portal.example"
    assert digest_send(region=sverdlovsk) == 2
    sent = _by_recipient()
    assert set(sent) == {MINOBR, COORD}
    agency_mail, coord_mail = sent[MINOBR][0], sent[COORD][0]
    assert "Сводка оповещений" in agency_mail.subject and "Свердловская" in agency_mail.subject
    body = agency_mail.body
    for measure_id in _minobr_measures_with_alerts():
        assert f"https://portal.example/measures/{measure_id}/" in body
    other = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="1.6")  # so-dip only
    assert f"/measures/{other.pk}/" not in body
    assert f"/measures/{other.pk}/" in coord_mail.body
    html, mimetype = agency_mail.alternatives[0]
    assert mimetype == "text/html" and '<a href="https://portal.example/measures/' in html
    assert "просрочено на" in body
    assert DigestLog.objects.filter(region=sverdlovsk).count() == 2
    assert Delivery.objects.filter(
        channel=DeliveryChannel.EMAIL, message_kind=MessageKind.DIGEST, status="sent"
    ).count() == 2  # fmt: skip

    # nothing new: nothing sent
    mail.outbox.clear()
    assert digest_send(region=sverdlovsk) == 0
    assert mail.outbox == []

    # a new overdue measure of the ministry: both hear about it, the rest is not "new"
    roadmap = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.1").roadmap
    minobr = Agency.objects.get(code="so-minobr")
    fresh = make_measure(roadmap, agencies=[minobr], due_date=dt.date(2025, 10, 30))
    alerts_sync(region=sverdlovsk, on_date=TODAY)
    assert digest_send(region=sverdlovsk) == 2
    body = _by_recipient()[MINOBR][0].body
    assert body.count("[новое]") == 1 and f"/measures/{fresh.pk}/" in body


def test_digest_opt_out_per_kind_and_staff_users(sverdlovsk, personas, settings):
    settings.ALERT_DUE_SOON_DAYS = 30  # 3.18 and 3.19 (30.11.2025) become due soon
    alerts_sync(region=sverdlovsk, on_date=TODAY)
    personas.ministry_user.email = "ivanova@egov66.example"
    personas.ministry_user.save()
    NotificationOptOut.objects.create(user=personas.coordinator, kind=AlertKind.REPORT_MISSING)
    NotificationOptOut.objects.create(user=personas.ministry_user, kind=AlertKind.MEASURE_OVERDUE)
    digest_send(region=sverdlovsk)
    sent = _by_recipient()
    assert "Нет ежемесячного отчёта" not in sent[COORD][0].body
    assert "Мероприятие просрочено" in sent[COORD][0].body
    # the staff user opted out of overdue alerts; due-soon ones of the ministry remain
    staff_body = sent["ivanova@egov66.example"][0].body
    assert "Мероприятие просрочено" not in staff_body
    assert "Срок мероприятия скоро наступит" in staff_body
    # the agency mailbox is institutional: no opt-out applies
    assert "Мероприятие просрочено" in sent[MINOBR][0].body


def test_digest_end_to_end_through_smtp(sverdlovsk, settings, fake_smtp):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", fake_smtp.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    call_command("send_digests", "--region", "66")
    received = {tuple(rcpts): message for _sender, rcpts, message in fake_smtp.messages}
    assert set(received) == {(MINOBR,), (COORD,)}
    message = received[(COORD,)]
    assert "Сводка оповещений" in str(message["Subject"])
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Мероприятие просрочено" in text and "просрочено на" in text
    assert "<table" in html and "/measures/" in html


def test_failed_email_is_logged(sverdlovsk, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    settings.EMAIL_TIMEOUT = 2
    assert digest_send(region=sverdlovsk) == 0
    failed = Delivery.objects.filter(status=DeliveryStatus.FAILED, channel=DeliveryChannel.EMAIL)
    assert failed.count() == 2
    assert all(d.reason for d in failed)
    assert not DigestLog.objects.exists()  # retried at the next digest


# --- immediate and escalation -----------------------------------------------------------------


def test_immediate_overdue_message_once(sverdlovsk):
    assert overdue_notify(region=sverdlovsk) == 1
    message = mail.outbox[0]
    assert message.to == [MINOBR] and "Просрочены мероприятия" in message.subject
    assert Alert.objects.filter(
        region=sverdlovsk, kind=AlertKind.MEASURE_OVERDUE, notified_at__isnull=True
    ).count() == 0  # fmt: skip
    mail.outbox.clear()
    assert overdue_notify(region=sverdlovsk) == 0
    # a newly overdue measure is announced on its own
    roadmap = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.1").roadmap
    fresh = make_measure(
        roadmap, agencies=[Agency.objects.get(code="so-minobr")], due_date=dt.date(2025, 10, 31)
    )
    alerts_sync(region=sverdlovsk, on_date=TODAY)
    assert overdue_notify(region=sverdlovsk) == 1
    assert f"/measures/{fresh.pk}/" in mail.outbox[0].body
    assert mail.outbox[0].body.count("/measures/") == 1


def test_task_sends_immediate_message(sverdlovsk):
    from alerts.tasks import alerts_sync_region

    Alert.objects.all().delete()
    alerts_sync_region.delay(sverdlovsk.pk, TODAY.isoformat()).get()
    assert [m.to for m in mail.outbox] == [[MINOBR]]


def test_escalation_after_14_days(sverdlovsk, personas):
    later = timezone.now() + dt.timedelta(days=13)
    assert alerts_escalate(region=sverdlovsk, now=later) == 0
    later = timezone.now() + dt.timedelta(days=15)
    assert alerts_escalate(region=sverdlovsk, now=later) == 1
    message = mail.outbox[0]
    assert message.to == [COORD] and "более 14 дн." in message.subject
    assert not Alert.objects.open().filter(region=sverdlovsk, escalated_at__isnull=True).exists()
    assert alerts_escalate(region=sverdlovsk, now=later + dt.timedelta(days=1)) == 0
    # the coordinator's next digest is due again because of the escalation
    digest_send(region=sverdlovsk, now=later - dt.timedelta(hours=1))
    mail.outbox.clear()
    DigestLog.objects.update(sent_at=later - dt.timedelta(hours=1))
    digest_send(region=sverdlovsk, now=later + dt.timedelta(hours=1))
    assert COORD in _by_recipient()


# --- MAX bot ------------------------------------------------------------------------------------


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def _fast_limiter():
    return ChatRateLimiter(rate=1000)


def test_max_send_request_shape(fake_max):
    result = max_send(
        base_url=fake_max.url, token="tok-123", chat_id="-100500", text="**Привет**",
        limiter=_fast_limiter(),
    )  # fmt: skip
    assert result.ok and result.attempts == 1 and result.status == 200
    request = fake_max.received[0]
    assert request.path == "/messages" and request.query == {"chat_id": ["-100500"]}
    assert request.headers["Authorization"] == "tok-123"
    assert request.body == {"text": "**Привет**", "format": "markdown"}


def test_max_retries_429_honouring_retry_after(fake_max):
    fake_max.script = [(429, {"Retry-After": "3"}), (503, {}), (200, {})]
    sleeps = Sleeps()
    result = max_send(
        base_url=fake_max.url, token="t", chat_id="1", text="x", backoff=0.25,
        limiter=_fast_limiter(), sleep=sleeps,
    )  # fmt: skip
    assert result.ok and result.attempts == 3
    assert sleeps == [3.0, 0.5]  # Retry-After, then the doubled backoff of attempt 2
    assert len(fake_max.received) == 3


def test_max_gives_up_after_retries_and_not_on_4xx(fake_max):
    fake_max.script = [(500, {})] * 5
    sleeps = Sleeps()
    result = max_send(
        base_url=fake_max.url, token="t", chat_id="1", text="x", retries=4, backoff=0.5,
        limiter=_fast_limiter(), sleep=sleeps,
    )  # fmt: skip
    assert not result.ok and result.attempts == 5 and "HTTP 500" in result.reason
    assert sleeps == [0.5, 1.0, 2.0, 4.0]
    fake_max.script = [(401, {})]
    result = max_send(
        base_url=fake_max.url, token="bad", chat_id="1", text="x", limiter=_fast_limiter(),
        sleep=sleeps,
    )  # fmt: skip
    assert not result.ok and result.attempts == 1 and result.status == 401


def test_max_network_error_is_a_failure():
    result = max_send(
        base_url="http://127.0.0.1:1", token="t", chat_id="1", text="x", retries=1,
        limiter=_fast_limiter(), sleep=Sleeps(), timeout=2,
    )  # fmt: skip
    assert not result.ok and result.attempts == 2 and result.status is None
    assert "URLError" in result.reason


def test_rate_limit_two_per_second_per_chat(fake_max):
    limiter = ChatRateLimiter(rate=2)
    for n in range(5):
        max_send(base_url=fake_max.url, token="t", chat_id="A", text=str(n), limiter=limiter)
    times = [r.at for r in fake_max.received]
    # never three messages within one second (server-side clock; a little jitter allowed)
    assert all(later - first >= 0.9 for first, later in zip(times, times[2:], strict=False))
    assert times[-1] - times[0] >= 1.9  # five messages take at least two seconds


def test_rate_limiter_schedule_with_fake_clock():
    now = [100.0]
    sleeps = Sleeps()

    def sleep(seconds):
        sleeps.append(seconds)

    limiter = ChatRateLimiter(rate=2, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        limiter.wait("c")
    limiter.wait("other")
    assert sleeps == [0.5, 1.0]


def test_max_off_by_default_and_delivery_log(personas, fake_max, settings, monkeypatch):
    # the five retries to one chat are not paced here (the pacing has its own tests above)
    monkeypatch.setattr(maxbot, "_limiters", [ChatRateLimiter(rate=1000)])
    agency = Agency.objects.get(code="so-minobr")
    channel = MaxChannel.objects.create(agency=agency, bot_token="tok", chat_id="42", enabled=True)
    assert settings.MAX_BOT_ENABLED is False
    assert max_deliver(channel=channel, text="x", message_kind=MessageKind.DIGEST) is None
    assert fake_max.received == []

    settings.MAX_BOT_ENABLED, settings.MAX_BOT_API_URL = True, fake_max.url
    settings.MAX_BOT_BACKOFF = 0.01
    delivery = max_deliver(channel=channel, text="ok", message_kind=MessageKind.DIGEST)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    fake_max.script = [(502, {})] * 5
    delivery = max_deliver(channel=channel, text="ko", message_kind=MessageKind.DIGEST)
    assert delivery.status == DeliveryStatus.FAILED and "(код 502)" in delivery.reason
    assert delivery.attempts == 5
    channel.enabled = False
    channel.save()
    assert max_deliver(channel=channel, text="x", message_kind=MessageKind.DIGEST) is None


def test_digest_and_overdue_through_max(sverdlovsk, personas, fake_max, settings):
    settings.MAX_BOT_ENABLED, settings.MAX_BOT_API_URL = True, fake_max.url
    agency = Agency.objects.get(code="so-minobr")
    MaxChannel.objects.create(agency=agency, bot_token="agency-tok", chat_id="777", enabled=True)
    MaxChannel.objects.create(
        user=personas.coordinator, bot_token="coord-tok", chat_id="888", enabled=True
    )
    overdue_notify(region=sverdlovsk)
    digest_send(region=sverdlovsk)
    chats = [(r.query["chat_id"][0], r.headers["Authorization"]) for r in fake_max.received]
    assert chats.count(("777", "agency-tok")) == 2  # immediate + digest
    assert chats.count(("888", "coord-tok")) == 1  # digest
    digest_text = fake_max.received[-1].body["text"]
    assert digest_text.startswith("**Оповещения портала") and "(http" in digest_text
    assert fake_max.received[-1].body["format"] == "markdown"
    log = Delivery.objects.filter(channel=DeliveryChannel.MAX)
    assert log.count() == 3 and set(log.values_list("status", flat=True)) == {"sent"}


def test_digest_task_and_command_cover_every_region(sverdlovsk, capsys):
    from alerts.tasks import digest_send_all

    alerts_sync(region=Region.objects.get(code="33"), on_date=TODAY)  # no contacts there
    assert digest_send_all.delay().get() == 2
    call_command("send_digests")
    assert "Отправлено писем: 0" in capsys.readouterr().out  # nothing new since
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="не найден"):
        call_command("send_digests", "--region", "XX")


def test_overdue_milestone_without_a_body_goes_to_the_coordinator(seeded):
    """Samara's milestones name no responsible body: their overdue alert reaches the
    region's coordinator (immediately and in the digest), not an inferred ministry."""
    from agencies.choices import Role
    from tests.factories import make_user

    samara = Region.objects.get(code="63")
    coordinator = make_user(Role.COORDINATOR, region=samara, email="coord63@example.org")
    measure = Measure.objects.get(roadmap__code="samara-2025", number="1")  # «Июль»
    assert not measure.responsibilities.exists()
    alerts_sync(region=samara, on_date=TODAY)
    assert Alert.objects.open().filter(measure=measure, kind=AlertKind.MEASURE_OVERDUE).exists()
    mail.outbox.clear()
    assert overdue_notify(region=samara) >= 1
    sent = _by_recipient()
    assert set(sent) == {coordinator.email}
    assert f"/measures/{measure.pk}/" in sent[coordinator.email][0].body
    mail.outbox.clear()
    assert digest_send(region=samara) == 1
    assert set(_by_recipient()) == {coordinator.email}


def test_staff_hear_only_of_the_regions_they_see(sverdlovsk, personas):
    """A partner serving every region (no region of its own) is responsible for a
    Sverdlovsk measure: its mailbox hears of it, as the measure's body; its staff only when
    they see Sverdlovsk (`access.can_see_region`), as on the alert's page. The digest never
    tells anybody of a measure their link would answer 404."""
    partner = Agency.objects.create(code="vk-test", name="ООО «Партнёр»", kind="partner")
    partner.email = "partner@example.org"
    partner.save()
    blind = make_user(Role.STAFF, agency=partner, email="blind@example.org")
    make_user(Role.STAFF, agency=partner, region=sverdlovsk, email="local@example.org")
    roadmap = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.1").roadmap
    measure = make_measure(roadmap, agencies=[partner], due_date=dt.date(2025, 10, 30))
    alerts_sync(region=sverdlovsk, on_date=TODAY)
    digest_send(region=sverdlovsk)
    sent = _by_recipient()
    assert f"/measures/{measure.pk}/" in sent["partner@example.org"][0].body
    assert f"/measures/{measure.pk}/" in sent["local@example.org"][0].body
    assert "blind@example.org" not in sent
    assert not access.can_see_region(blind, sverdlovsk.pk)
