"""Jobs beyond one machine: queues per kind, limits, export jobs swept, a degrading cache."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from reports.choices_exports import ExportStatus
from reports.exports import jobs as export_jobs
from reports.exports.jobs import GENERATED_EXPORT_JOB
from reports.exports.registry import ExportParams
from reports.models import GeneratedExport
from reports.tasks import export_generate
from roadmap_portal import jobs
from roadmap_portal.celery import app


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("indicators.tasks.monitoring_import_task", "imports"),
        ("reports.tasks.export_generate", "exports"),
        ("alerts.tasks.alerts_sync_region", "notifications"),
        ("alerts.tasks.alerts_sync_regions", "notifications"),
        ("alerts.tasks.digest_send_all", "notifications"),
        ("indicators.tasks.index_recompute_regions", "imports"),
        ("reports.tasks.jobs_sweep", "default"),
    ],
)
def test_each_kind_of_work_has_its_queue(task, queue):
    assert app.amqp.router.route({}, task)["queue"].name == queue
    assert queue in app.amqp.queues  # a worker without -Q consumes every queue


def test_jobs_are_acked_late_limited_and_not_redelivered_while_running(settings):
    from indicators.tasks import monitoring_import_task

    for task, limit in (
        (monitoring_import_task, settings.IMPORT_TIME_LIMIT),
        (export_generate, settings.EXPORT_TIME_LIMIT),
    ):
        assert task.acks_late and task.reject_on_worker_lost
        assert task.time_limit == limit and task.soft_time_limit < limit
        assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > limit


def test_visibility_timeout_below_a_time_limit_is_refused(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import roadmap_portal.settings as module

    monkeypatch.setenv("IMPORT_TIME_LIMIT", "7200")
    monkeypatch.setenv("CELERY_VISIBILITY_TIMEOUT", "3600")
    with pytest.raises(ImproperlyConfigured, match="CELERY_VISIBILITY_TIMEOUT"):
        importlib.reload(module)
    monkeypatch.undo()
    importlib.reload(module)


@pytest.fixture
def export_job(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return export_jobs.export_create(
            user=personas.analyst, kind="indicators", params=ExportParams(region="66"), fmt="csv"
        )


def test_export_second_delivery_is_a_noop(export_job):
    export_job.refresh_from_db()
    assert (export_job.status, export_job.attempts) == (ExportStatus.DONE, 1)
    assert export_job.enqueued_at is not None
    export_generate.delay(export_job.pk).get()
    export_job.refresh_from_db()
    assert export_job.attempts == 1


def test_lost_export_is_requeued_then_failed_with_a_reason(export_job, settings):
    long_ago = timezone.now() - dt.timedelta(seconds=settings.EXPORT_TIME_LIMIT + 600)
    GeneratedExport.objects.filter(pk=export_job.pk).update(
        status=ExportStatus.RUNNING, started_at=long_ago, created_at=long_ago
    )
    result = jobs.jobs_sweep(GENERATED_EXPORT_JOB)
    assert result.requeued == [export_job.pk]
    export_job.refresh_from_db()
    assert (export_job.status, export_job.attempts) == (ExportStatus.DONE, 2)
    GeneratedExport.objects.filter(pk=export_job.pk).update(
        status=ExportStatus.RUNNING, started_at=long_ago, attempts=settings.JOBS_MAX_ATTEMPTS
    )
    assert jobs.jobs_sweep(GENERATED_EXPORT_JOB).failed == [export_job.pk]
    export_job.refresh_from_db()
    assert export_job.status == ExportStatus.FAILED
    assert "Обработка прервалась" in export_job.error


def test_an_export_that_breaks_says_so_in_russian_with_a_reference(
    personas, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    """An unexpected failure wrote «Не удалось сформировать отчёт: KeyError» on the page:
    Python's text. Now a Russian reason with a reference the server log carries."""

    def breaks(**kwargs):
        raise KeyError("region_code")

    monkeypatch.setattr(export_jobs, "export_write", breaks)
    with pytest.raises(KeyError), django_capture_on_commit_callbacks(execute=True):
        export = export_jobs.export_create(
            user=personas.analyst, kind="indicators", params=ExportParams(region="66"), fmt="csv"
        )
    export = GeneratedExport.objects.get()
    assert export.status == ExportStatus.FAILED
    assert "KeyError" not in export.error and "region_code" not in export.error
    assert "Внутренняя ошибка" in export.error
    reference = export.error.split("номер ошибки ", 1)[1].split(" ", 1)[0].rstrip(":.")
    assert any(reference in record.getMessage() for record in caplog.records)


def _rerun_url(export) -> str:
    from django.urls import reverse

    return reverse("reports:export-rerun", args=[export.pk])


@pytest.mark.parametrize("how", ["failed", "lost"])
def test_a_failed_or_lost_export_is_ordered_again_from_its_page(
    export_job, persona_client, settings, django_capture_on_commit_callbacks, how
):
    """The page of a failed export said «запустите повторно» and offered no way to: its
    author re-runs it (a failed one, or a running one whose worker was lost)."""
    long_ago = timezone.now() - dt.timedelta(seconds=settings.EXPORT_TIME_LIMIT + 600)
    if how == "failed":
        GeneratedExport.objects.filter(pk=export_job.pk).update(
            status=ExportStatus.FAILED,
            error=jobs.job_exhausted_reason(3),
            attempts=3,
            file="",
        )
    else:
        GeneratedExport.objects.filter(pk=export_job.pk).update(
            status=ExportStatus.RUNNING, started_at=long_ago, file=""
        )
    client = persona_client("analyst")
    page = client.get(f"/reports/exports/{export_job.pk}/").content.decode()
    assert _rerun_url(export_job) in page and "Сформировать заново" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_rerun_url(export_job))
    assert response.status_code == 302
    export_job.refresh_from_db()
    assert (export_job.status, export_job.error) == (ExportStatus.DONE, "")
    assert export_job.attempts == 1
    page = client.get(f"/reports/exports/{export_job.pk}/").content.decode()
    assert _rerun_url(export_job) not in page  # done: nothing to re-run


@pytest.mark.parametrize(
    ("persona", "code"), [("analyst", 302), ("admin", 302), ("coordinator", 404), ("outsider", 404)]
)
def test_who_may_order_an_export_again(export_job, persona_client, persona, code):
    GeneratedExport.objects.filter(pk=export_job.pk).update(status=ExportStatus.FAILED, error="x")
    client = persona_client(persona)
    assert client.get(_rerun_url(export_job)).status_code in (405, 404 if code == 404 else 405)
    assert client.post(_rerun_url(export_job)).status_code == code
    export_job.refresh_from_db()
    assert (export_job.status == ExportStatus.FAILED) is (code == 404)


def test_a_finished_or_live_export_is_not_ordered_again(export_job, persona_client):
    client = persona_client("analyst")
    response = client.post(_rerun_url(export_job), follow=True)
    assert "Заново можно сформировать только" in response.content.decode()
    export_job.refresh_from_db()
    assert (export_job.status, export_job.attempts) == (ExportStatus.DONE, 1)
    GeneratedExport.objects.filter(pk=export_job.pk).update(
        status=ExportStatus.RUNNING, started_at=timezone.now()
    )
    from reports.exports.jobs import GENERATED_EXPORT_JOB
    from tests.indicators.conftest import lease_held_elsewhere

    # a live worker holds the lease on PostgreSQL (without it the job counts as lost)
    with lease_held_elsewhere(GENERATED_EXPORT_JOB.lease, export_job.pk):
        client.post(_rerun_url(export_job))
    export_job.refresh_from_db()
    assert export_job.status == ExportStatus.RUNNING  # its worker is alive: left alone


def test_a_failed_export_is_ordered_again_through_the_api(
    export_job, personas, django_capture_on_commit_callbacks
):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(personas.analyst)
    url = f"/api/v1/exports/{export_job.pk}/rerun/"
    assert client.post(url).status_code == 409  # done
    GeneratedExport.objects.filter(pk=export_job.pk).update(status=ExportStatus.FAILED, error="x")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 202, response.content
    export_job.refresh_from_db()
    assert export_job.status == ExportStatus.DONE
    other = APIClient()
    other.force_authenticate(personas.coordinator)
    assert other.post(url).status_code == 404


def test_export_ordered_with_the_broker_down_waits_for_the_sweeper(
    transactional_db, personas, persona_client, monkeypatch
):
    from kombu.exceptions import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("Connection refused.")

    monkeypatch.setattr(export_generate, "apply_async", refuse)
    response = persona_client("analyst").post(
        "/api/v1/exports/",
        {"kind": "indicators", "region": "66", "fmt": "csv", "orgs": True},
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    assert "Заказ отчёта сохранён" in response.json()["detail"]
    export = GeneratedExport.objects.get()
    assert (export.status, export.enqueued_at) == (ExportStatus.PENDING, None)
    monkeypatch.undo()
    GeneratedExport.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert jobs.jobs_sweep(GENERATED_EXPORT_JOB).published == [export.pk]
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE


# --- Redis down: the cache degrades, pages and the API keep working -------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dead_redis_cache():
    dead = {
        "default": {
            "BACKEND": "roadmap_portal.cache.DegradingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/13",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    with override_settings(CACHES=dead):
        yield cache


def test_a_dead_redis_is_a_cache_miss(dead_redis_cache):
    assert dead_redis_cache.get("x", "default") == "default"
    dead_redis_cache.set("x", 1)
    assert dead_redis_cache.add("x", 1) is False
    assert dead_redis_cache.get_many(["x"]) == {}
    with pytest.raises(ValueError):
        dead_redis_cache.incr("x")
    dead_redis_cache.delete("x")


def test_login_pages_and_api_work_with_redis_down(dead_redis_cache, client, personas):
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": personas.coordinator.username, "password": "x"})
    assert response.status_code == 200  # a wrong password is told, not a 500
    client.force_login(personas.coordinator)
    assert client.get("/indicators/regions/66/").status_code == 200
    assert client.get("/api/v1/monitoring/uploads/").status_code == 200


@pytest.mark.parametrize("limit", [2])
def test_api_rate_limit_with_redis_down_counts_in_the_database(
    dead_redis_cache, client, personas, limit
):
    """The degrading cache does not hide the outage from the throttle: it still counts
    (in the database) and still refuses."""
    from agencies.models import ApiRateCounter
    from roadmap_portal.api.throttling import TokenRateThrottle

    original = TokenRateThrottle.THROTTLE_RATES
    TokenRateThrottle.THROTTLE_RATES = {**original, "token": f"{limit}/min"}
    try:
        client.force_login(personas.coordinator)
        codes = [client.get("/api/v1/monitoring/uploads/").status_code for _ in range(limit + 1)]
    finally:
        TokenRateThrottle.THROTTLE_RATES = original
    assert codes == [200] * limit + [429]
    assert ApiRateCounter.objects.get().count == limit + 1


def test_two_threads_running_eager_tasks_at_once_leave_the_next_test_able_to_wait(export_job):
    """Celery's «a result may not be waited for» flag is one global per process: two threads
    whose eager tasks overlap leave it set (A enters, B enters, A leaves, B leaves and puts
    back A's «set»). It stuck, and a later test's `.get()` in the same xdist worker failed
    on CI. The autouse `_celery_mode` fixture clears it before every test; this test makes
    the interleaving on purpose and checks both halves."""
    import threading

    from celery._state import _set_task_join_will_block, task_join_will_block
    from celery.result import denied_join_result

    assert not task_join_will_block()  # cleared for this test, whatever ran before it
    assert export_generate.delay(export_job.pk).get() is None
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def a():
        with denied_join_result():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def b():
        a_in.wait(5)
        with denied_join_result():
            b_in.set()
            a_out.wait(5)

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    try:
        assert task_join_will_block()  # Celery's race, as on CI
        with pytest.raises(RuntimeError, match="Never call result.get"):
            export_generate.delay(export_job.pk).get()
    finally:
        _set_task_join_will_block(False)
