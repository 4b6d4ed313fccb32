"""Monitoring uploads as jobs: never run twice, never lost when the broker is down, stuck
and failed ones re-run from the page and the API (permission matrix), the sweeper."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from agencies.models import Region
from indicators.jobs import MONITORING_UPLOAD_JOB
from indicators.models import MonitoringRow, MonitoringUpload
from indicators.services.uploads import (
    monitoring_import,
    monitoring_upload_create,
    upload_is_stuck,
)
from indicators.tasks import monitoring_import_task
from roadmap_portal import jobs
from tests.indicators.conftest import csv_bytes, lease_held_elsewhere, row

PERSONAS = ["ministry_user", "other_agency_user", "coordinator", "analyst", "admin", "outsider"]
QUEUE_DOWN = "Очередь обработки сейчас недоступна"


@pytest.fixture
def upload66(seeded):
    return monitoring_upload_create(
        file=SimpleUploadedFile("w.csv", csv_bytes([row("ORG1")])),
        user=None,
        region=Region.objects.get(code="66"),
    )


@pytest.fixture
def broker_down(monkeypatch):
    """Publishing fails the way kombu fails with Redis unreachable."""
    from kombu.exceptions import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(monitoring_import_task, "apply_async", refuse)


def _age(upload, **delta):
    MonitoringUpload.objects.filter(pk=upload.pk).update(
        uploaded_at=timezone.now() - dt.timedelta(**delta)
    )


# --- a second delivery is a no-op ----------------------------------------------------------


def test_second_delivery_of_a_finished_job_changes_nothing(upload66):
    assert monitoring_import_task.delay(upload66.pk).get() == "done"
    upload66.refresh_from_db()
    summary = (upload66.rows_created, upload66.finished_at, upload66.attempts)
    assert summary[0] == 1 and summary[2] == 1
    assert monitoring_import_task.delay(upload66.pk).get() == "done"
    upload66.refresh_from_db()
    assert (upload66.rows_created, upload66.finished_at, upload66.attempts) == summary
    assert MonitoringRow.objects.count() == 1


def test_delivery_of_a_failed_job_does_not_run_it(upload66):
    MonitoringUpload.objects.filter(pk=upload66.pk).update(status="failed")
    assert monitoring_import_task.delay(upload66.pk).get() == "failed"
    assert not MonitoringRow.objects.exists()


def test_delivery_while_another_worker_holds_the_lease(upload66, monkeypatch):
    """The lease taken by a live worker makes the second delivery return at once."""
    from contextlib import contextmanager

    from indicators.services import uploads

    @contextmanager
    def taken(namespace, job_id):
        yield False

    monkeypatch.setattr(uploads, "job_lease", taken)
    assert monitoring_import(upload=upload66).status == "pending"
    assert not MonitoringRow.objects.exists()


# --- broker down ----------------------------------------------------------------------------


def test_page_upload_with_the_broker_down_is_kept_and_explained(
    transactional_db, persona_client, broker_down
):
    """No test transaction around the request: the publish runs on commit, as in production."""
    client = persona_client("coordinator")
    response = client.post(
        reverse("indicators:upload-create", args=["66"]),
        {"file": SimpleUploadedFile("w.csv", csv_bytes([row("ORG1")]))},
    )
    assert response.status_code == 302
    upload = MonitoringUpload.objects.get()
    assert (upload.status, upload.enqueued_at) == ("pending", None)
    assert upload.file.read() == csv_bytes([row("ORG1")])
    page = client.get(response["Location"]).content.decode()
    assert QUEUE_DOWN in page  # the message of the redirect
    assert "будет обработан автоматически, как только очередь заработает" in page
    assert 'data-testid="not-queued"' in page


def test_api_upload_with_the_broker_down_is_accepted_and_explained(
    transactional_db, persona_client, broker_down
):
    """No test transaction around the request: the publish runs on commit, as in production."""
    client = persona_client("coordinator")
    response = client.post(
        "/api/v1/monitoring/uploads/",
        {"file": SimpleUploadedFile("w.csv", csv_bytes([row("ORG1")])), "region": "66"},
    )
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["enqueued_at"]) == ("pending", None)
    assert QUEUE_DOWN in body["detail"]


def test_sweeper_publishes_what_the_broker_missed(upload66, monkeypatch):
    """Never published (broker down) and older than a minute: the sweep runs it."""
    assert upload66.enqueued_at is None
    assert jobs.jobs_sweep(MONITORING_UPLOAD_JOB).published == []  # too fresh: the view has it
    _age(upload66, minutes=2)
    result = jobs.jobs_sweep(MONITORING_UPLOAD_JOB)
    assert result.published == [upload66.pk]
    upload66.refresh_from_db()
    assert upload66.status == "done" and upload66.enqueued_at is not None
    assert MonitoringRow.objects.count() == 1


def test_sweeper_with_the_broker_still_down_keeps_the_upload_pending(upload66, broker_down):
    _age(upload66, minutes=2)
    result = jobs.jobs_sweep(MONITORING_UPLOAD_JOB)
    assert (result.published, result.unpublished) == ([], [upload66.pk])
    upload66.refresh_from_db()
    assert (upload66.status, upload66.enqueued_at) == ("pending", None)


def test_recently_published_pending_upload_is_left_in_its_queue(upload66, settings):
    now = timezone.now()
    _age(upload66, hours=1)
    MonitoringUpload.objects.filter(pk=upload66.pk).update(enqueued_at=now)
    upload66.refresh_from_db()
    assert not upload_is_stuck(upload66)
    assert jobs.jobs_sweep(MONITORING_UPLOAD_JOB).published == []
    later = now + dt.timedelta(minutes=settings.JOBS_REQUEUE_AFTER_MINUTES + 1)
    assert jobs.job_is_stuck(MONITORING_UPLOAD_JOB, upload66, now=later)
    assert jobs.jobs_sweep(MONITORING_UPLOAD_JOB, now=later).published == [upload66.pk]


# --- lost workers ---------------------------------------------------------------------------


def _running(upload, *, started_ago: dt.timedelta, attempts: int = 1):
    MonitoringUpload.objects.filter(pk=upload.pk).update(
        status="running",
        started_at=timezone.now() - started_ago,
        attempts=attempts,
        uploaded_at=timezone.now() - started_ago - dt.timedelta(minutes=1),
    )


def test_running_within_its_time_limit_is_left_alone(upload66):
    _running(upload66, started_ago=dt.timedelta(minutes=5))
    # its worker is alive: on PostgreSQL it holds the job's lease (SQLite has no leases)
    with lease_held_elsewhere(MONITORING_UPLOAD_JOB.lease, upload66.pk):
        result = jobs.jobs_sweep(MONITORING_UPLOAD_JOB)
    assert (result.requeued, result.failed) == ([], [])
    upload66.refresh_from_db()
    assert upload66.status == "running"


def test_running_past_its_time_limit_is_requeued_and_runs(upload66, settings):
    _running(upload66, started_ago=dt.timedelta(seconds=settings.IMPORT_TIME_LIMIT + 120))
    result = jobs.jobs_sweep(MONITORING_UPLOAD_JOB)
    assert result.requeued == [upload66.pk] and result.published == [upload66.pk]
    upload66.refresh_from_db()
    assert (upload66.status, upload66.attempts, upload66.rows_created) == ("done", 2, 1)


def test_lost_too_often_fails_with_a_reason_then_reruns(
    upload66, settings, persona_client, django_capture_on_commit_callbacks
):
    _running(
        upload66,
        started_ago=dt.timedelta(seconds=settings.IMPORT_TIME_LIMIT + 120),
        attempts=settings.JOBS_MAX_ATTEMPTS,
    )
    call_command("sweep_jobs")
    upload66.refresh_from_db()
    assert upload66.status == "failed"
    assert "Обработка прервалась" in upload66.errors[0]["message"]
    client = persona_client("coordinator")
    page = client.get(reverse("indicators:upload-detail", args=[upload66.pk])).content.decode()
    assert "Обработка прервалась" in page and "Запустить повторно" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("indicators:upload-rerun", args=[upload66.pk]))
    upload66.refresh_from_db()
    assert (upload66.status, upload66.attempts, upload66.rows_created) == ("done", 1, 1)


def test_sweeper_beat_entry_and_task(db):
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["jobs-sweep"]
    assert entry["task"] == "reports.tasks.jobs_sweep"
    from reports.tasks import jobs_sweep

    assert set(jobs_sweep.delay().get()) == {
        "uploads",
        "exports",
        "publishes",
        "notices",
        "subscriptions",
    }


# --- re-run from the page and the API: permission matrix ------------------------------------

# who may re-run an upload of Sverdlovsk (66): whoever may upload for it; others do not see it
RERUN_66 = {
    "ministry_user": 302,
    "other_agency_user": 302,
    "coordinator": 302,
    "analyst": 302,
    "admin": 302,
    "outsider": 404,
    "anonymous": 302,
}


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_page_rerun_access(persona_client, upload66, persona, django_capture_on_commit_callbacks):
    MonitoringUpload.objects.filter(pk=upload66.pk).update(status="failed")
    with django_capture_on_commit_callbacks(execute=True):
        response = persona_client(persona).post(
            reverse("indicators:upload-rerun", args=[upload66.pk])
        )
    assert response.status_code == RERUN_66[persona]
    upload66.refresh_from_db()
    rerun = persona not in ("outsider", "anonymous")
    assert upload66.status == ("done" if rerun else "failed")
    if persona == "anonymous":
        assert "/login" in response["Location"] or "login" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("ministry_user", 202),
        ("other_agency_user", 202),
        ("coordinator", 202),
        ("analyst", 202),
        ("admin", 202),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
def test_api_rerun_access(
    persona_client, upload66, persona, code, django_capture_on_commit_callbacks
):
    MonitoringUpload.objects.filter(pk=upload66.pk).update(status="failed")
    with django_capture_on_commit_callbacks(execute=True):
        response = persona_client(persona).post(f"/api/v1/monitoring/uploads/{upload66.pk}/rerun/")
    assert response.status_code == code
    upload66.refresh_from_db()
    assert upload66.status == ("done" if code == 202 else "failed")


@pytest.mark.parametrize(
    ("persona", "code"),
    [("coordinator", 404), ("analyst", 403), ("admin", 202), ("outsider", 404)],
)
def test_api_rerun_of_a_multi_region_upload_is_for_administrators(
    persona_client, personas, persona, code, django_capture_on_commit_callbacks
):
    upload = monitoring_upload_create(
        file=SimpleUploadedFile("w.csv", csv_bytes([row("ORG1")])),
        user=personas.analyst,
        region=None,
    )
    MonitoringUpload.objects.filter(pk=upload.pk).update(status="failed")
    with django_capture_on_commit_callbacks(execute=True):
        response = persona_client(persona).post(f"/api/v1/monitoring/uploads/{upload.pk}/rerun/")
    assert response.status_code == code


def test_api_rerun_of_a_stuck_pending_upload(
    persona_client, upload66, django_capture_on_commit_callbacks
):
    _age(upload66, minutes=30)
    with django_capture_on_commit_callbacks(execute=True):
        response = persona_client("coordinator").post(
            f"/api/v1/monitoring/uploads/{upload66.pk}/rerun/"
        )
    assert response.status_code == 202
    upload66.refresh_from_db()
    assert upload66.status == "done"


def test_rerun_of_a_live_or_finished_upload_is_refused(persona_client, upload66):
    client = persona_client("coordinator")
    MonitoringUpload.objects.filter(pk=upload66.pk).update(
        status="running", started_at=timezone.now()
    )
    # a live worker holds the lease on PostgreSQL (without it the upload counts as lost)
    with lease_held_elsewhere(MONITORING_UPLOAD_JOB.lease, upload66.pk):
        response = client.post(f"/api/v1/monitoring/uploads/{upload66.pk}/rerun/")
    assert response.status_code == 409
    assert "Повторно запустить можно только" in response.json()["detail"]
    MonitoringUpload.objects.filter(pk=upload66.pk).update(status="done")
    response = client.post(reverse("indicators:upload-rerun", args=[upload66.pk]), follow=True)
    assert "Повторно запустить можно только" in response.content.decode()
    upload66.refresh_from_db()
    assert upload66.status == "done"
