"""Digests, report subscriptions and every sender through the one outbox: a killed worker, a
retried task or two workers at once never send a message twice and never lose one silently;
a failure reads as a Russian reason, never as Python's text (the reproductions, with the
fixed behaviour asserted; the patterns of tests/test_jobs_defects.py)."""

from __future__ import annotations

import datetime as dt
import smtplib
import threading

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import OperationalError, connection
from django.utils import timezone

from agencies.choices import Role
from agencies.models import Agency, Region
from alerts import maxbot, notify, outbox
from alerts.choices import DeliveryChannel, MessageKind
from alerts.choices import DeliveryStatus as NoticeStatus
from alerts.maxbot import ChatRateLimiter
from alerts.models import Delivery, DigestLog, MaxChannel
from alerts.services import alerts_sync
from reports.choices_subscriptions import AttemptStatus, ChannelState, DeliveryStatus
from reports.models import SubscriptionAttempt, SubscriptionDelivery
from reports.subscriptions import services
from tests.alerts.servers import FakeMaxApi
from tests.factories import make_user
from tests.reports.test_subscriptions import NOW, people, subscribe  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 11, 1)
MINOBR = "minobr@egov66.example"
COORD = "coord66@example.org"
COORD63 = "coord63@example.org"
PYTHON_TEXT = ("Error", "Exception", "Errno", "Traceback", "HTTP ", "smtplib", "urllib")


class WorkerKilled(BaseException):
    """What SIGKILL looks like from inside the process: nothing after this line runs."""


def received() -> dict[str, int]:
    """E-mails per address."""
    out: dict[str, int] = {}
    for message in mail.outbox:
        for to in message.to:
            out[to] = out.get(to, 0) + 1
    return out


def past_the_lease(settings) -> None:
    """Moves every claimed outbox row past NOTIFY_SEND_LEASE_MINUTES (its worker is gone)."""
    minutes = settings.NOTIFY_SEND_LEASE_MINUTES + 1
    Delivery.objects.filter(status=NoticeStatus.SENDING).update(
        claimed_at=timezone.now() - dt.timedelta(minutes=minutes)
    )


@pytest.fixture
def digests(personas):
    """Region 66 with open alerts, the ministry's mailbox and the coordinator's address."""
    Agency.objects.filter(code="so-minobr").update(email=MINOBR)
    personas.coordinator.email = COORD
    personas.coordinator.save()
    region = Region.objects.get(code="66")
    alerts_sync(region=region, on_date=TODAY)
    return region


@pytest.fixture
def fake_max(settings, monkeypatch):
    server = FakeMaxApi()
    settings.MAX_BOT_ENABLED, settings.MAX_BOT_API_URL = True, server.url
    settings.MAX_BOT_RETRIES = 0  # the bot client's own retries are tested in tests/alerts
    monkeypatch.setattr(maxbot, "_limiters", [ChatRateLimiter(rate=1000)])
    yield server
    server.close()


def max_chats(owner, *names: str) -> None:
    for name in names:
        MaxChannel.objects.create(user=owner, bot_token="t", chat_id=name, enabled=True)


def chats(server: FakeMaxApi) -> dict[str, int]:
    out: dict[str, int] = {}
    for request in server.received:
        chat = request.query["chat_id"][0]
        out[chat] = out.get(chat, 0) + 1
    return out


# --- 1. digests: the digest is claimed (logged) with its messages, then sent ---------------


def test_digest_killed_after_the_claim_is_not_sent_again(digests, monkeypatch, settings):
    """The worker claimed the first message (SENDING) and died: the rerun does not send
    that recipient a second digest; the lost message fails with a Russian reason."""
    real = outbox._deliver
    calls = []

    def dies_first(delivery):
        calls.append(delivery.recipient)
        if len(calls) == 1:
            raise WorkerKilled
        return real(delivery)

    monkeypatch.setattr(outbox, "_deliver", dies_first)
    with pytest.raises(WorkerKilled):
        notify.digest_send(region=digests)
    monkeypatch.setattr(outbox, "_deliver", real)
    lost = calls[0]
    notify.digest_send(region=digests)  # the rerun (or the retried task)
    outbox.deliveries_flush()  # the sweeper
    assert received().get(lost, 0) == 0  # it may have gone out: never a second one
    assert set(received()) == {MINOBR, COORD} - {lost}
    past_the_lease(settings)
    outbox.deliveries_flush()
    failed = Delivery.objects.get(recipient=lost, message_kind=MessageKind.DIGEST)
    assert failed.status == NoticeStatus.FAILED
    assert "неизвестно, дошло ли сообщение" in failed.reason
    assert failed.maybe_sent
    assert Delivery.objects.filter(message_kind=MessageKind.DIGEST).count() == 2


def test_a_digest_with_a_message_that_may_have_gone_out_is_kept_whatever_its_reason_says(
    digests, monkeypatch, settings
):
    """Whether a digest is given back is judged on the stored fact (`maybe_sent`), not on
    the reason's text: a reason in another wording or language changes nothing."""
    real = outbox._deliver

    def dies(delivery):
        raise WorkerKilled

    monkeypatch.setattr(outbox, "_deliver", dies)
    with pytest.raises(WorkerKilled):
        notify.digest_send(region=digests)
    monkeypatch.setattr(outbox, "_deliver", real)
    past_the_lease(settings)
    outbox.deliveries_flush()
    lost = Delivery.objects.get(maybe_sent=True, message_kind=MessageKind.DIGEST)
    digest = lost.digest_id
    # every other message of the digest failed for a definite reason; the lost one's reason
    # reads differently now
    Delivery.objects.filter(digest_id=digest).exclude(pk=lost.pk).update(
        status=NoticeStatus.FAILED, reason="Почтовый сервер недоступен"
    )
    Delivery.objects.filter(pk=lost.pk).update(reason="Sender lost")
    outbox._digest_give_back(digest)
    assert DigestLog.objects.filter(pk=digest).exists()  # kept: it may have gone out
    Delivery.objects.filter(pk=lost.pk).update(maybe_sent=False)  # had it surely failed
    outbox._digest_give_back(digest)
    assert not DigestLog.objects.filter(pk=digest).exists()  # given back


def test_digest_killed_after_sending_before_its_log_is_not_sent_again(digests, monkeypatch):
    """The e-mail went out and the worker died before writing anything down: the rerun
    sent the same digest again (the log was written after the send)."""
    real = EmailBackend.send_messages

    def sent_then_killed(self, messages):
        real(self, messages)
        raise WorkerKilled

    monkeypatch.setattr(EmailBackend, "send_messages", sent_then_killed)
    with pytest.raises(WorkerKilled):
        notify.digest_send(region=digests)
    monkeypatch.undo()
    (first,) = received()
    notify.digest_send(region=digests)
    outbox.deliveries_flush()
    assert received() == {MINOBR: 1, COORD: 1}
    assert received()[first] == 1


def test_digest_killed_before_sending_goes_once_by_the_rerun_or_the_sweeper(digests, monkeypatch):
    """Queued and not sent (the worker died before the first send): the messages go once,
    whoever comes first, the rerun or the sweeper; not once each."""

    real = notify.deliveries_send

    def killed(ids):
        if list(ids):  # (a recipient reached by no channel has nothing to send)
            raise WorkerKilled
        return real([])

    monkeypatch.setattr(notify, "deliveries_send", killed)
    with pytest.raises(WorkerKilled):
        notify.digest_send(region=digests)
    monkeypatch.undo()
    assert not mail.outbox
    notify.digest_send(region=digests)
    outbox.deliveries_flush()
    notify.digest_send(region=digests)
    assert received() == {MINOBR: 1, COORD: 1}
    assert not Delivery.objects.exclude(status=NoticeStatus.SENT).exists()


def test_digest_task_retried_after_a_failure_mid_batch_sends_each_once(digests, monkeypatch):
    """A database error after the first recipient (the task's autoretry reruns it): the
    first recipient got the digest, had no log, and got it again on the retry."""
    real = DigestLog.objects.create
    calls = []

    def fails_second(**kwargs):
        calls.append(kwargs["recipient"])
        if len(calls) == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(DigestLog.objects, "create", fails_second)
    with pytest.raises(OperationalError):
        notify.digest_send_all()
    monkeypatch.undo()
    notify.digest_send_all()  # the retry
    outbox.deliveries_flush()
    assert received() == {MINOBR: 1, COORD: 1}


def test_two_workers_sending_the_digest_at_once_send_it_once(digests, monkeypatch):
    """Worker B runs the whole digest while worker A is between reading who is due and
    sending: each recipient hears once, not once per worker."""
    real = notify._email
    calls = []

    def b_runs_meanwhile(**kwargs):
        calls.append(kwargs["recipient"].address)
        if len(calls) == 1:
            notify.digest_send(region=digests)  # worker B, start to end
        return real(**kwargs)

    monkeypatch.setattr(notify, "_email", b_runs_meanwhile)
    notify.digest_send(region=digests)  # worker A
    monkeypatch.undo()
    outbox.deliveries_flush()
    assert received() == {MINOBR: 1, COORD: 1}
    assert DigestLog.objects.count() == 2


def at_once(monkeypatch, module, name: str, *runs) -> list[BaseException]:
    """Runs each of `runs` in its own thread (its own database connection) so that all of
    them have read the state before any goes past `module.name` (a barrier on its first
    call in each thread); returns what the threads raised."""
    barrier = threading.Barrier(len(runs), timeout=20)
    real = getattr(module, name)
    waited = threading.local()
    errors: list[BaseException] = []

    def meet_first(*args, **kwargs):
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()
        return real(*args, **kwargs)

    def run(target):
        try:
            target()
        except BaseException as exc:  # reported to the test
            errors.append(exc)
        finally:
            connection.close()

    monkeypatch.setattr(module, name, meet_first)
    threads = [threading.Thread(target=run, args=(target,)) for target in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    monkeypatch.undo()
    return errors


@pytest.mark.integration  # PostgreSQL (.ci/run's stage); transactional: one flush, at the end
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_on_postgresql_send_the_digest_once(digests, monkeypatch):
    """Two real workers (two connections) read the same last digest at the same moment:
    the unique claim lets one queue each recipient's digest; the other skips it."""
    if connection.vendor != "postgresql":
        pytest.skip("two connections writing at once: PostgreSQL")
    run = lambda: notify.digest_send(region=digests)  # noqa: E731
    assert at_once(monkeypatch, notify, "_queue_digest", run, run) == []
    outbox.deliveries_flush()
    assert received() == {MINOBR: 1, COORD: 1}
    assert DigestLog.objects.count() == 2


def test_a_region_that_fails_does_not_skip_the_others_and_the_task_retries(digests, monkeypatch):
    """Samara's digest fails: Sverdlovsk's still goes, and the error reaches the task (its
    autoretry runs Samara again; Sverdlovsk is not sent twice)."""
    samara = Region.objects.get(code="63")
    make_user(Role.COORDINATOR, region=samara, email=COORD63)
    alerts_sync(region=samara, on_date=TODAY)
    real = notify.digest_send

    def samara_fails(*, region, now=None):
        if region.code == "63":
            raise OperationalError("could not serialize access")
        return real(region=region, now=now)

    monkeypatch.setattr(notify, "digest_send", samara_fails)
    with pytest.raises(OperationalError):
        notify.digest_send_all()
    monkeypatch.undo()
    assert received() == {MINOBR: 1, COORD: 1}
    notify.digest_send_all()  # the retry
    assert received() == {MINOBR: 1, COORD: 1, COORD63: 1}


def test_a_digest_that_failed_everywhere_goes_with_the_next_digest(digests, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    assert notify.digest_send(region=digests) == 0
    assert not DigestLog.objects.exists()  # retried at the next digest
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notify.digest_send(region=digests) == 2
    assert notify.digest_send(region=digests) == 0
    assert received() == {MINOBR: 1, COORD: 1}


# --- 2. the reasons a user reads are Russian; Python's text stays in the server log ------


class RefusingBackend(EmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({MINOBR: (550, b"5.1.1 User unknown")})


@pytest.mark.parametrize(
    ("backend", "port", "reason"),
    [
        ("django.core.mail.backends.smtp.EmailBackend", 1, "Почтовый сервер недоступен"),
        (f"{__name__}.RefusingBackend", None, "Почтовый сервер не принял адрес получателя"),
    ],
)
def test_an_alert_email_failure_reads_as_a_russian_reason(
    digests, settings, caplog, backend, port, reason
):
    settings.EMAIL_BACKEND = backend
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    notify.digest_send(region=digests)
    failed = Delivery.objects.filter(status=NoticeStatus.FAILED, channel=DeliveryChannel.EMAIL)
    assert failed.count() == 2
    for delivery in failed:
        assert delivery.reason.startswith(reason), delivery.reason
        assert not any(word in delivery.reason for word in PYTHON_TEXT), delivery.reason
    assert any(r.exc_info or "Refused" in r.getMessage() for r in caplog.records)  # the log


def test_a_max_failure_reads_as_a_russian_reason(digests, fake_max, caplog):
    agency = Agency.objects.get(code="so-minobr")
    MaxChannel.objects.create(agency=agency, bot_token="t", chat_id="777", enabled=True)
    fake_max.script = [(502, {})]
    notify.digest_send(region=digests)
    failed = Delivery.objects.get(channel=DeliveryChannel.MAX)
    assert failed.status == NoticeStatus.FAILED
    assert failed.reason.startswith("Сервер MAX ответил ошибкой (код 502)"), failed.reason
    assert not any(word in failed.reason for word in PYTHON_TEXT)
    assert "HTTP 502" in caplog.text  # the technical detail, for the administrator
    assert failed.recipient == "чат 777"


def test_the_delivery_log_lists_each_message_with_its_reason(digests, settings, admin_client):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    notify.digest_send(region=digests)
    page = admin_client.get("/admin/alerts/delivery/").content.decode()
    assert "Почтовый сервер не принял адрес получателя (код 550)." in page
    assert "SMTPRecipientsRefused" not in page and "User unknown" not in page


# --- 3. report subscriptions: each message through the outbox --------------------------


def test_a_transient_max_failure_resends_only_to_the_chat_that_failed(people, fake_max):  # noqa: F811
    """Two chats, the second answered 503: the retry sent the report to both chats again."""
    for chat in ("A", "B"):
        MaxChannel.objects.create(
            user=people.coordinator, bot_token="t", chat_id=chat, enabled=True
        )
    fake_max.script = [(200, {}), (503, {})]
    subscribe(people.coordinator, by_max=True)
    services.subscriptions_send(now=NOW)
    delivery = SubscriptionDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRY
    services.subscriptions_send(now=NOW + dt.timedelta(hours=1))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert chats(fake_max) == {"A": 1, "B": 2}  # B: the 503, then the retry
    assert len(mail.outbox) == 1


def test_a_subscription_killed_mid_max_sends_the_rest_and_fails_the_lost_chat(
    people,  # noqa: F811
    fake_max,
    settings,
    monkeypatch,
):
    """Three chats; the worker died while sending to the second: the third chat never got
    the report and the journal said «unknown whether it arrived» for all of MAX."""
    settings.SUBSCRIPTION_LEASE_MINUTES = 60
    for chat in ("A", "B", "C"):
        MaxChannel.objects.create(
            user=people.coordinator, bot_token="t", chat_id=chat, enabled=True
        )
    subscribe(people.coordinator, by_max=True)
    real = maxbot.max_send
    calls = []

    def dies_on_second(**kwargs):
        calls.append(kwargs["chat_id"])
        if len(calls) == 2:
            raise WorkerKilled
        return real(**kwargs)

    monkeypatch.setattr(outbox, "max_send", dies_on_second)
    with pytest.raises(WorkerKilled):
        services.subscriptions_send(now=NOW)
    monkeypatch.undo()
    past_the_lease(settings)
    services.subscriptions_send(now=NOW + dt.timedelta(minutes=61))
    outbox.deliveries_flush()
    assert chats(fake_max) == {"A": 1, "C": 1}  # B: killed before it went; not retried
    delivery = SubscriptionDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PARTIAL and delivery.max_state == ChannelState.FAILED
    log = {a.recipient: a for a in SubscriptionAttempt.objects.filter(channel="max")}
    assert {r: a.status for r, a in log.items()} == {
        "чат A": AttemptStatus.SENT,
        "чат B": AttemptStatus.FAILED,
        "чат C": AttemptStatus.SENT,
    }
    assert "неизвестно, дошло ли" in log["чат B"].error
    assert len(mail.outbox) == 1


def test_a_subscription_killed_after_sending_is_not_sent_again(people, settings, monkeypatch):  # noqa: F811
    settings.SUBSCRIPTION_LEASE_MINUTES = 60
    subscribe(people.coordinator)
    real = EmailBackend.send_messages

    def sent_then_killed(self, messages):
        real(self, messages)
        raise WorkerKilled

    monkeypatch.setattr(EmailBackend, "send_messages", sent_then_killed)
    with pytest.raises(WorkerKilled):
        services.subscriptions_send(now=NOW)
    monkeypatch.undo()
    past_the_lease(settings)
    services.subscriptions_send(now=NOW + dt.timedelta(minutes=61))
    outbox.deliveries_flush()
    services.subscriptions_send(now=NOW + dt.timedelta(hours=3))
    assert len(mail.outbox) == 1
    delivery = SubscriptionDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.email_state == ChannelState.FAILED
    (lost,) = SubscriptionAttempt.objects.filter(channel="email")
    assert lost.status == AttemptStatus.FAILED and "неизвестно, дошло ли" in lost.error


def test_a_subscription_killed_after_its_claim_is_sent_once(people, settings, monkeypatch):  # noqa: F811
    settings.SUBSCRIPTION_LEASE_MINUTES = 60
    subscribe(people.coordinator)

    def killed(**kwargs):
        raise WorkerKilled

    monkeypatch.setattr(services, "_build", killed)
    with pytest.raises(WorkerKilled):
        services.subscriptions_send(now=NOW)
    monkeypatch.undo()
    assert services.subscriptions_send(now=NOW + dt.timedelta(minutes=30)).processed == {}
    services.subscriptions_send(now=NOW + dt.timedelta(minutes=61))
    services.subscriptions_send(now=NOW + dt.timedelta(hours=3))
    assert len(mail.outbox) == 1
    assert SubscriptionDelivery.objects.get().status == DeliveryStatus.SENT


def test_a_subscription_email_shows_in_the_one_delivery_log(people):  # noqa: F811
    """Every message the portal sends is a row of the one outbox (the admin's «журнал
    доставки»), its reason where the alert notices show theirs."""
    subscribe(people.coordinator)
    services.subscriptions_send(now=NOW)
    (row,) = Delivery.objects.all()
    assert (row.channel, row.recipient, row.status) == (DeliveryChannel.EMAIL, COORD, "sent")
    attempt = SubscriptionAttempt.objects.get()
    assert attempt.message_id == row.pk


@pytest.mark.integration  # PostgreSQL (.ci/run's stage); transactional: one flush, at the end
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_on_postgresql_send_the_subscription_once(people, monkeypatch):  # noqa: F811
    if connection.vendor != "postgresql":
        pytest.skip("two connections writing at once: PostgreSQL")
    subscribe(people.coordinator)
    services.deliveries_create_due(now=NOW)
    run = lambda: services.subscriptions_send(now=NOW)  # noqa: E731
    assert at_once(monkeypatch, services, "delivery_claim", run, run) == []
    assert len(mail.outbox) == 1
    assert SubscriptionDelivery.objects.get().status == DeliveryStatus.SENT


def test_a_subscription_sent_by_the_sweeper_shows_as_sent_in_its_journal(
    people,  # noqa: F811
    settings,
    monkeypatch,
    client,
):
    """The run died after queueing its e-mail, before sending it; the sweeper sent it, yet
    the journal said «отправляется» (the delivery and its attempt) until the subscription
    was next picked up, past SUBSCRIPTION_LEASE_MINUTES: the sweeper settles the journal."""
    from django.urls import reverse

    from reports.tasks import jobs_sweep_all

    settings.SUBSCRIPTION_LEASE_MINUTES = 60
    subscription = subscribe(people.coordinator)

    def killed(ids):
        raise WorkerKilled

    monkeypatch.setattr(services, "deliveries_send", killed)
    with pytest.raises(WorkerKilled):
        services.subscriptions_send(now=NOW)
    monkeypatch.undo()
    delivery = SubscriptionDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SENDING and not mail.outbox

    jobs_sweep_all()  # the beat's "jobs-sweep", minutes later: well within the lease

    assert received() == {COORD: 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.email_state) == (DeliveryStatus.SENT, ChannelState.SENT)
    assert delivery.claimed_at is None and delivery.sent_at is not None
    (attempt,) = SubscriptionAttempt.objects.all()
    assert attempt.status == AttemptStatus.SENT
    client.force_login(people.coordinator)
    page = client.get(reverse("reports:subscription-detail", args=[subscription.pk]))
    assert "тправляется" not in page.content.decode()
    # the next run has nothing left to do: sent once
    services.subscriptions_send(now=NOW + dt.timedelta(hours=2))
    assert received() == {COORD: 1}
    assert SubscriptionDelivery.objects.get().status == DeliveryStatus.SENT


def test_the_sweeper_leaves_a_subscription_whose_message_is_still_in_flight(
    people,  # noqa: F811
    settings,
    monkeypatch,
):
    """A live run still sending (its message claimed, within the lease): the sweeper
    neither fails it nor finishes the delivery under the run's feet."""
    from reports.tasks import jobs_sweep_all

    subscribe(people.coordinator)
    seen = {}

    def sweep_while_sending(self, messages):
        jobs_sweep_all()
        seen["status"] = SubscriptionDelivery.objects.get().status
        seen["attempt"] = SubscriptionAttempt.objects.get().status
        return EmailBackend.send_messages.__wrapped__(self, messages)

    real = EmailBackend.send_messages
    sweep_while_sending.__wrapped__ = real  # type: ignore[attr-defined]
    monkeypatch.setattr(EmailBackend, "send_messages", sweep_while_sending)
    services.subscriptions_send(now=NOW)
    monkeypatch.undo()
    assert seen == {"status": DeliveryStatus.SENDING, "attempt": AttemptStatus.SENDING}
    assert received() == {COORD: 1}
    assert SubscriptionDelivery.objects.get().status == DeliveryStatus.SENT
