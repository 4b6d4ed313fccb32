"""Killed workers, slow runs and a broker outage: nothing hangs, is lost, sent twice or
half-written (the reviewer's reproductions, with the fixed behaviour asserted)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError

from agencies.models import Agency, Region
from alerts import notify, outbox
from alerts.choices import AlertKind
from alerts.choices import DeliveryStatus as NoticeStatus
from alerts.models import Alert, Delivery
from alerts.services import alerts_sync
from indicators.models import MonitoringRow, MonitoringUpload
from indicators.services import uploads
from indicators.services.uploads import monitoring_import, monitoring_upload_create
from reports.choices_subscriptions import DeliveryStatus
from reports.models import SubscriptionDelivery
from reports.subscriptions import services
from roadmap_portal import jobs
from roadmap_portal.models import PendingPublish
from tests.indicators.conftest import csv_bytes, row
from tests.reports.test_subscriptions import NOW, people, subscribe  # noqa: F401

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """What SIGKILL looks like from inside the process: nothing after this line runs."""


def refuse(*args, **kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.fixture
def upload66(seeded):
    return monitoring_upload_create(
        file=SimpleUploadedFile("w.csv", csv_bytes([row("ORG1"), row("ORG2")])),
        user=None,
        region=Region.objects.get(code="66"),
    )


# --- 1. a job that keeps killing its worker fails after JOBS_MAX_ATTEMPTS claims ----------


def test_a_lost_job_claimed_too_often_is_failed_instead_of_run_again(upload66, settings):
    if connection.vendor != "postgresql":
        pytest.skip("a RUNNING job is taken over only where leases exist (PostgreSQL)")
    MonitoringUpload.objects.filter(pk=upload66.pk).update(
        status="running", attempts=settings.JOBS_MAX_ATTEMPTS, started_at=timezone.now()
    )
    upload = monitoring_import(upload=MonitoringUpload.objects.get(pk=upload66.pk))
    assert upload.status == "failed"
    assert f"попыток: {settings.JOBS_MAX_ATTEMPTS}" in upload.errors[0]["message"]
    assert upload.attempts == settings.JOBS_MAX_ATTEMPTS  # not claimed once more
    assert not MonitoringRow.objects.exists()


def test_a_lost_job_with_attempts_left_is_taken_over(upload66, settings):
    if connection.vendor != "postgresql":
        pytest.skip("a RUNNING job is taken over only where leases exist (PostgreSQL)")
    MonitoringUpload.objects.filter(pk=upload66.pk).update(
        status="running", attempts=settings.JOBS_MAX_ATTEMPTS - 1, started_at=timezone.now()
    )
    upload = monitoring_import(upload=MonitoringUpload.objects.get(pk=upload66.pk))
    assert (upload.status, upload.attempts, upload.rows_created) == (
        "done",
        settings.JOBS_MAX_ATTEMPTS,
        2,
    )


def test_job_claim_is_the_one_rule_of_exports_too(settings):
    from agencies.choices import Role
    from reports.exports.jobs import GENERATED_EXPORT_JOB
    from reports.models import GeneratedExport
    from tests.factories import make_user

    if connection.vendor != "postgresql":
        pytest.skip("a RUNNING job is taken over only where leases exist (PostgreSQL)")
    export = GeneratedExport.objects.create(
        kind="roadmap_status",
        fmt="csv",
        params={},
        created_by=make_user(Role.ADMIN),
        expires_at=timezone.now() + dt.timedelta(hours=1),
        status="running",
        attempts=settings.JOBS_MAX_ATTEMPTS,
    )
    assert not jobs.job_claim(GENERATED_EXPORT_JOB, export.pk, progress=0)
    export.refresh_from_db()
    assert export.status == "failed" and "попыток: 3" in export.error


# --- 2. subscriptions: a long run keeps its claim; a taken-over run sends nothing more -----


def test_long_subscription_run_is_not_sent_twice(people):  # noqa: F811
    subscribe(people.coordinator)
    subscribe(people.coordinator, fmt="csv")
    real_send = services.delivery_send
    calls = []

    def slow_send(*, delivery, now):
        calls.append(delivery.pk)
        if len(calls) == 2:  # the next beat runs while run A builds the second delivery
            services.subscriptions_send(now=NOW + dt.timedelta(minutes=80))
        return real_send(delivery=delivery, now=now)

    services.delivery_send = slow_send
    try:
        services.subscriptions_send(now=NOW)
    finally:
        services.delivery_send = real_send
    assert SubscriptionDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 2
    assert len(mail.outbox) == 2


def test_a_claim_is_stamped_when_it_is_made_not_when_the_run_started(people, monkeypatch):  # noqa: F811
    subscription = subscribe(people.coordinator)
    services.deliveries_create_due(now=NOW)
    delivery = SubscriptionDelivery.objects.get(subscription=subscription)
    late = NOW + dt.timedelta(minutes=75)  # the run started at NOW and is 75 minutes in
    monkeypatch.setattr(services.timezone, "now", lambda: late)
    assert services.delivery_claim(delivery_id=delivery.pk, now=NOW) is not None
    delivery.refresh_from_db()
    assert delivery.claimed_at == late
    # the beat ten minutes later does not see it as abandoned
    assert (
        services.delivery_claim(delivery_id=delivery.pk, now=late + dt.timedelta(minutes=5)) is None
    )


# --- 3. overdue notices: queued with the claim, sent by the rerun, never twice ------------


@pytest.fixture
def overdue(personas):
    Agency.objects.filter(code="so-minobr").update(email="minobr@egov66.example")
    region = Region.objects.get(code="66")
    alerts_sync(region=region, on_date=dt.date(2025, 11, 1))
    assert Alert.objects.filter(region=region, kind=AlertKind.MEASURE_OVERDUE).exists()
    return region


def test_overdue_notice_survives_a_worker_killed_before_sending(overdue, monkeypatch):
    def killed(**kwargs):
        raise WorkerKilled

    monkeypatch.setattr(notify, "_email", killed)
    with pytest.raises(WorkerKilled):
        notify.overdue_notify(region=overdue)
    monkeypatch.undo()
    assert Alert.objects.filter(region=overdue, notified_at__isnull=False).count() == 0
    assert notify.overdue_notify(region=overdue) >= 1
    sent = len(mail.outbox)
    assert sent and Delivery.objects.filter(status=NoticeStatus.SENT).count() == sent
    assert notify.overdue_notify(region=overdue) == 0 and len(mail.outbox) == sent


def test_overdue_notice_queued_but_not_sent_goes_with_the_next_run(overdue, monkeypatch):
    monkeypatch.setattr(notify, "deliveries_send", lambda ids: outbox.FlushResult())
    notify.overdue_notify(region=overdue)  # claimed and queued; the worker dies here
    monkeypatch.undo()
    assert not mail.outbox
    assert Delivery.objects.filter(status=NoticeStatus.PENDING).exists()
    notify.overdue_notify(region=overdue)  # nothing new to claim: sends what was queued
    assert mail.outbox
    assert not Delivery.objects.filter(status=NoticeStatus.PENDING).exists()
    sent = len(mail.outbox)
    outbox.deliveries_flush()
    assert len(mail.outbox) == sent


def test_a_notice_lost_mid_send_is_failed_with_a_reason_not_sent_twice(
    overdue, monkeypatch, settings
):
    real = outbox._deliver

    def dies_sending(delivery):
        raise WorkerKilled

    monkeypatch.setattr(outbox, "_deliver", dies_sending)
    with pytest.raises(WorkerKilled):
        notify.overdue_notify(region=overdue)
    monkeypatch.setattr(outbox, "_deliver", real)
    sending = Delivery.objects.get(status=NoticeStatus.SENDING)
    outbox.deliveries_flush()  # within the lease: a live worker may be sending it
    sending.refresh_from_db()
    assert sending.status == NoticeStatus.SENDING
    Delivery.objects.filter(pk=sending.pk).update(
        claimed_at=timezone.now() - dt.timedelta(minutes=settings.NOTIFY_SEND_LEASE_MINUTES + 1)
    )
    outbox.deliveries_flush()
    sending.refresh_from_db()
    assert sending.status == NoticeStatus.FAILED
    assert "неизвестно, дошло ли сообщение" in sending.reason
    assert all(m.to != [sending.recipient] for m in mail.outbox)


# --- 4. an import's data and its «done» commit together -----------------------------------


def test_import_killed_inside_its_transaction_leaves_nothing(upload66, monkeypatch):
    def dies(*args, **kwargs):
        raise WorkerKilled

    monkeypatch.setattr(uploads, "_record_corrections", dies)
    with pytest.raises(WorkerKilled):
        monitoring_import(upload=upload66)
    assert MonitoringUpload.objects.get(pk=upload66.pk).status == "running"
    assert not MonitoringRow.objects.exists()


def test_import_killed_after_its_commit_is_done_with_its_counts(upload66, monkeypatch):
    class DyingCache:
        def delete(self, key):
            raise WorkerKilled  # the first thing after the commit

        def set(self, *args, **kwargs):
            pass

    monkeypatch.setattr(uploads, "cache", DyingCache())
    with pytest.raises(WorkerKilled):
        monitoring_import(upload=upload66)
    monkeypatch.undo()
    upload = MonitoringUpload.objects.get(pk=upload66.pk)
    assert (upload.status, upload.rows_created, upload.rows_unchanged) == ("done", 2, 0)
    assert MonitoringRow.objects.count() == 2
    monitoring_import(upload=upload)  # a redelivery changes nothing
    upload.refresh_from_db()
    assert (upload.status, upload.rows_created) == ("done", 2)


# --- 5. broker down at commit: the import is done, the follow-ups published later ---------


def test_broker_down_at_commit_keeps_the_import_done_and_publishes_later(
    upload66, monkeypatch, django_capture_on_commit_callbacks
):
    from alerts.tasks import alerts_sync_monitoring
    from indicators.tasks import index_recompute_regions

    monkeypatch.setattr(index_recompute_regions, "apply_async", refuse)
    monkeypatch.setattr(alerts_sync_monitoring, "apply_async", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        monitoring_import(upload=upload66)
    upload66.refresh_from_db()
    assert upload66.status == "done" and MonitoringRow.objects.count() == 2
    markers = sorted(PendingPublish.objects.values_list("task", flat=True))
    assert markers == [alerts_sync_monitoring.name, index_recompute_regions.name]
    later = timezone.now() + dt.timedelta(minutes=2)
    assert jobs.publishes_sweep(now=later).unpublished  # still down: kept
    assert PendingPublish.objects.count() == 2
    monkeypatch.undo()
    calls = []
    for task in (index_recompute_regions, alerts_sync_monitoring):
        monkeypatch.setattr(task, "apply_async", lambda n=task.name, **kw: calls.append(n))
    assert len(jobs.publishes_sweep(now=later).published) == 2
    assert sorted(calls) == markers and not PendingPublish.objects.exists()


def test_a_published_follow_up_leaves_no_marker(upload66, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        monitoring_import(upload=upload66)
    assert not PendingPublish.objects.exists()


def test_a_measure_change_with_the_broker_down_is_no_web_error(monkeypatch, seeded):
    from alerts.receivers import sync_after_measure_change
    from alerts.tasks import alerts_sync_region

    monkeypatch.setattr(alerts_sync_region, "apply_async", refuse)
    region = Region.objects.get(code="66")
    sync_after_measure_change(None, measure_id=1, region_id=region.pk)  # no exception
    marker = PendingPublish.objects.get()
    assert (marker.task, marker.args) == (alerts_sync_region.name, [region.pk])


# --- a job whose input went away meanwhile ----------------------------------------------------


def test_an_upload_whose_file_is_gone_fails_with_a_reason_the_user_can_act_on(upload66):
    """The stored file was deleted (a cleanup, a lost volume) before the worker took the
    job: it failed as «Внутренняя ошибка … номер ошибки»; the user is told what happened
    and what to do, and nothing is written."""
    upload66.file.storage.delete(upload66.file.name)
    monitoring_import(upload=upload66)
    upload66.refresh_from_db()
    assert upload66.status == "failed"
    (error,) = upload66.errors
    assert "Файл загрузки больше не хранится" in error["message"]
    assert "Внутренняя ошибка" not in error["message"]
    assert not MonitoringRow.objects.exists()
