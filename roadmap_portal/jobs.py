"""Background jobs that are never lost, never hang and never run twice.

Two small tools shared by every job table (monitoring uploads, generated exports):

* `enqueue(task_name, *args)` publishes a task and says whether the broker took it. With the
  broker down it returns False instead of raising: the caller keeps its pending row, tells
  the user, and the sweeper (`sweep_jobs`) enqueues the row once the queue is back.
* `job_lease(namespace, job_id)` holds a PostgreSQL session advisory lock for as long as a
  worker runs the job. The lock dies with the worker's database connection, so a RUNNING
  row whose lease is free has lost its worker (SIGKILL, OOM, a lost machine): a redelivered
  task may take it over, and the sweeper re-queues or fails it at once instead of waiting
  for the time limit. On SQLite (one process, eager tasks) there is no lease to look at.
* `job_claim(kind, job_id)` is the one claim of every job table: pending → running by one
  conditional UPDATE under the lease; a running job (its worker lost) is taken over, or
  failed with a Russian reason once it has been claimed JOBS_MAX_ATTEMPTS times (a file that
  kills its worker must not loop forever).
* `publish_after_commit(task_name, *args)` is how a service queues follow-up work (index
  recompute, alerts sync): a `PendingPublish` marker is written with the data, the task is
  published once the transaction commits and the marker deleted; nothing ever raises into
  the caller, and a marker the broker did not take is published by the sweeper
  (`publishes_sweep`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)

QUEUE_DOWN_MESSAGE = gettext_lazy(
    "Очередь обработки сейчас недоступна. Файл сохранён и будет обработан автоматически, "
    "как только очередь заработает; проверять и загружать его повторно не нужно."
)
QUEUE_DOWN_EXPORT_MESSAGE = gettext_lazy(
    "Очередь обработки сейчас недоступна. Заказ отчёта сохранён: отчёт будет сформирован "
    "автоматически, как только очередь заработает."
)

# what publishing raises when the broker is unreachable (kombu wraps the client's errors)
BROKER_ERRORS: tuple[type[BaseException], ...] = (BrokerError, ConnectionError, OSError)


def task_named(name: str) -> Any:
    """The registered Celery task called `name`.

    Services publish their jobs by task name and never import the tasks module above them
    (tasks import services, not the reverse). Every app's tasks module is loaded with the
    Celery app (`roadmap_portal.apps`), so the name is known in the web process too.
    """
    return current_app.tasks[name]


def enqueue(task_name: str, *args: Any) -> bool:
    """Publishes `task_name(*args)`; False (logged) when the broker is unreachable."""
    try:
        task_named(task_name).apply_async(args=args, retry=False)
    except BROKER_ERRORS as exc:
        logger.warning("broker unavailable, %s%r stays pending: %s", task_name, args, exc)
        return False
    return True


def _keys(namespace: str, job_id: int) -> tuple[str, int]:
    return namespace, int(job_id) % 2_147_483_647


def leases_supported() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def job_lease(namespace: str, job_id: int) -> Iterator[bool]:
    """Yields True when this process now holds the job's lease (always on SQLite)."""
    if not leases_supported():
        yield True
        return
    name, key = _keys(namespace, job_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s), %s)", [name, key])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(hashtext(%s), %s)", [name, key])
            except Exception:  # a closed connection has released it anyway
                logger.warning("lease %s/%s: connection gone before unlock", name, key)


def lease_is_free(namespace: str, job_id: int) -> bool | None:
    """True when no live worker holds the job (None: cannot tell, SQLite)."""
    if not leases_supported():
        return None
    with job_lease(namespace, job_id) as held:
        return held


@dataclass(frozen=True)
class JobKind:
    """How `jobs_sweep` finds and mends the jobs of one table.

    The table has `status`, `started_at`, `enqueued_at` (null: never published) and
    `attempts` (claims so far); `created` names its creation time field; `failed(reason)`
    gives the fields that fail a job with a Russian reason; `task` is the registered name of
    the task that runs one job (`task_named`).
    """

    model: type[models.Model]
    lease: str
    task: str
    created: str
    pending: str
    running: str
    failed_status: str
    time_limit: int
    failed: Callable[[str], dict[str, Any]]


@dataclass
class SweepResult:
    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    published: list[int] = field(default_factory=list)
    unpublished: list[int] = field(default_factory=list)


GRACE = dt.timedelta(minutes=1)


def job_is_stuck(kind: JobKind, job: Any, *, now: dt.datetime | None = None) -> bool:
    """Pending with no task queued for it, or running with its worker lost."""
    now = now or timezone.now()
    if job.status == kind.pending:
        return job.enqueued_at is None or job.enqueued_at < now - _requeue_after()
    if job.status == kind.running:
        return _running_lost(kind, job, now)
    return False


def _requeue_after() -> dt.timedelta:
    return dt.timedelta(minutes=settings.JOBS_REQUEUE_AFTER_MINUTES)


def _running_lost(kind: JobKind, job: Any, now: dt.datetime) -> bool:
    free = lease_is_free(kind.lease, job.pk)
    if free is not None:
        return free
    started = job.started_at or now
    return started < now - dt.timedelta(seconds=kind.time_limit) - GRACE


def job_exhausted_reason(attempts: int) -> str:
    """Why a job whose worker kept dying was failed (the sweeper and `job_claim`)."""
    return gettext(
        "Обработка прервалась: обработчик остановился, не закончив работу "
        "(попыток: %(n)s). Ничего не записано; запустите повторно."
    ) % {"n": attempts}


def job_claim(kind: JobKind, job_id: int, **fields: Any) -> bool:
    """PENDING → RUNNING by one conditional UPDATE (the one winner runs the job); True when
    this process now runs it. The caller holds the job's lease (`job_lease`).

    Under the lease a RUNNING row has lost its worker (the lock died with its connection),
    so on PostgreSQL it is taken over, unless it has already been claimed
    JOBS_MAX_ATTEMPTS times: then it is failed with the kind's Russian reason instead of
    being run again (each redelivery of a job that kills its worker would otherwise run it
    again, for ever, while the sweeper sees a live lease). Without leases (SQLite) only
    PENDING is claimed. `fields` are set with the claim (e.g. progress=0).
    """
    manager = kind.model._default_manager
    claimable = [kind.pending]
    if leases_supported():
        claimable.append(kind.running)
        lost = manager.filter(pk=job_id, status=kind.running).values_list("attempts", flat=True)
        attempts = lost.first()
        if attempts is not None and attempts >= settings.JOBS_MAX_ATTEMPTS:
            failed = manager.filter(pk=job_id, status=kind.running).update(
                **kind.failed(job_exhausted_reason(attempts))
            )
            if failed:
                logger.warning("job %s %s failed after %s claims", kind.lease, job_id, attempts)
            return False
    return bool(
        manager.filter(pk=job_id, status__in=claimable).update(
            status=kind.running, started_at=timezone.now(), attempts=F("attempts") + 1, **fields
        )
    )


def job_publish(kind: JobKind, job_id: int) -> bool:
    """Publishes the job's task; records when (the sweeper's clue that it is queued)."""
    if not enqueue(kind.task, job_id):
        return False
    kind.model._default_manager.filter(pk=job_id).update(enqueued_at=timezone.now())
    return True


def job_reset(kind: JobKind, job: Any, *, from_statuses: list[str], attempts: bool) -> bool:
    """Puts a job back to pending by one conditional UPDATE; True when it changed."""
    fields: dict[str, Any] = {"status": kind.pending, "enqueued_at": None}
    if attempts:
        fields["attempts"] = 0
    with job_lease(kind.lease, job.pk) as held:
        if not held:  # a live worker has it after all
            return False
        return bool(
            kind.model._default_manager.filter(pk=job.pk, status__in=from_statuses).update(**fields)
        )


def job_may_rerun(kind: JobKind, job: Any) -> bool:
    return job.status == kind.failed_status or job_is_stuck(kind, job)


def job_rerun(kind: JobKind, job: Any, *, fresh: dict[str, Any]) -> bool:
    """«Запустить повторно», the one rule for every job with a record: a failed job, or a
    stuck one (pending with no task queued, running with its worker lost), goes back to
    pending with its attempts counted from zero and `fresh` (its progress, its errors)
    cleared, by a conditional UPDATE; a live or finished job is left alone. True when it
    changed; the caller publishes the job after commit."""
    manager = kind.model._default_manager
    if job.status == kind.failed_status:
        changed = manager.filter(pk=job.pk, status=kind.failed_status).update(
            status=kind.pending, attempts=0, enqueued_at=None, **fresh
        )
        return bool(changed)
    if not job_is_stuck(kind, job):
        return False
    if not job_reset(kind, job, from_statuses=[kind.pending, kind.running], attempts=True):
        return False
    manager.filter(pk=job.pk).update(**fresh)
    return True


def jobs_sweep(kind: JobKind, *, now: dt.datetime | None = None) -> SweepResult:
    """1. running jobs whose worker is lost (lease free; past the time limit where leases
    cannot be seen) go back to pending, or fail with a Russian reason after
    JOBS_MAX_ATTEMPTS claims; 2. pending jobs whose task was never published (broker down)
    or long ago are published (a duplicate delivery is a no-op)."""
    now = now or timezone.now()
    result = SweepResult()
    manager = kind.model._default_manager
    job: Any
    for job in manager.filter(status=kind.running).order_by("pk"):
        if not _running_lost(kind, job, now):
            continue
        if job.attempts >= settings.JOBS_MAX_ATTEMPTS:
            reason = job_exhausted_reason(job.attempts)
            if leases_supported() and not lease_is_free(kind.lease, job.pk):
                continue
            if manager.filter(pk=job.pk, status=kind.running).update(**kind.failed(reason)):
                result.failed.append(job.pk)
                logger.warning("job %s %s failed by the sweeper", kind.lease, job.pk)
        elif job_reset(kind, job, from_statuses=[kind.running], attempts=False):
            result.requeued.append(job.pk)
            logger.warning("job %s %s lost its worker, re-queued", kind.lease, job.pk)
    created_before = now - GRACE
    stale = now - _requeue_after()
    pending = manager.filter(status=kind.pending, **{f"{kind.created}__lt": created_before})
    pending = pending.filter(models.Q(enqueued_at__isnull=True) | models.Q(enqueued_at__lt=stale))
    for job_id in list(pending.order_by("pk").values_list("pk", flat=True)) + result.requeued:
        if job_id in result.published or job_id in result.unpublished:
            continue
        (result.published if job_publish(kind, job_id) else result.unpublished).append(job_id)
    return result


# --- follow-up tasks published after commit ----------------------------------------------


def publish_after_commit(task_name: str, *args: Any) -> None:
    """Publishes `task_name(*args)` once the current transaction commits (at once outside
    one); never raises into the caller.

    A `PendingPublish` marker is inserted first, in the caller's transaction: it commits
    with the data (or rolls back with it). After the commit the task is published and the
    marker deleted; with the broker down (or any other error of the hook, logged) the
    marker stays and `publishes_sweep` publishes it once the queue is back. The tasks
    published this way are idempotent recomputes, so a rare second publish is harmless.
    """
    from .models import PendingPublish

    marker = PendingPublish.objects.create(task=task_name, args=list(args))

    def publish() -> None:
        if enqueue(task_name, *args):
            PendingPublish.objects.filter(pk=marker.pk).delete()

    publish.__qualname__ = f"publish_after_commit({task_name})"
    transaction.on_commit(publish, robust=True)


@dataclass
class PublishSweep:
    published: list[int] = field(default_factory=list)
    unpublished: list[int] = field(default_factory=list)


def publishes_sweep(*, now: dt.datetime | None = None) -> PublishSweep:
    """Publishes the follow-up tasks whose publish after commit failed (markers older than
    a minute: a fresh one may still be published by its own hook)."""
    from .models import PendingPublish

    now = now or timezone.now()
    result = PublishSweep()
    for marker in PendingPublish.objects.filter(created_at__lt=now - GRACE).order_by("pk"):
        if enqueue(marker.task, *marker.args):
            PendingPublish.objects.filter(pk=marker.pk).delete()
            result.published.append(marker.pk)
        else:
            result.unpublished.append(marker.pk)
            break  # the broker is down: the others wait for the next sweep
    return result
