"""Write side of exports (STYLE R3): write a report to a file, run and clean up jobs.

`export_write` is the one entry point the view (direct download), the Celery job and the
`export_report` command share. Jobs (`GeneratedExport`) follow NetBox's `Job`: created
pending, claimed by one conditional UPDATE (a redelivered task does nothing), progress
saved every few thousand rows and at most once a second, the file saved to private storage
and kept for EXPORT_KEEP_HOURS.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from agencies import access
from agencies.models import Region
from reports import selectors
from reports.choices_exports import ExportStatus
from reports.models import GeneratedExport
from roadmap_portal.errors import job_failure_reason
from roadmap_portal.jobs import (
    JobKind,
    job_claim,
    job_is_stuck,
    job_lease,
    job_may_rerun,
    job_publish,
    job_rerun,
)

from .base import ExportRefused, TitleBlock
from .formats import check_format, open_book
from .registry import ExportParams, ReportSpec, get_report

logger = logging.getLogger(__name__)

LEASE = "reports.generated_export"  # roadmap_portal.jobs.job_lease namespace
# the registered name of the task that runs one job (reports.tasks registers it)
EXPORT_GENERATE_TASK = "reports.tasks.export_generate"
SYSTEM_AUTHOR = "командная строка (все субъекты)"
ALL_REGIONS = "все доступные субъекты"


def _export_failed(reason: str) -> dict[str, Any]:
    return {"status": ExportStatus.FAILED, "error": reason, "finished_at": timezone.now()}


# how sweep_jobs finds and mends export jobs (roadmap_portal.jobs)
GENERATED_EXPORT_JOB = JobKind(
    model=GeneratedExport,
    lease=LEASE,
    task=EXPORT_GENERATE_TASK,
    created="created_at",
    pending=ExportStatus.PENDING,
    running=ExportStatus.RUNNING,
    failed_status=ExportStatus.FAILED,
    time_limit=settings.EXPORT_TIME_LIMIT,
    failed=_export_failed,
)


def export_generate_enqueue(export_id: int) -> bool:
    """Publishes a pending export job; False when the broker is down (the job stays
    pending and `sweep_jobs` publishes it once the queue is back)."""
    return job_publish(GENERATED_EXPORT_JOB, export_id)


@dataclass(frozen=True)
class WrittenExport:
    path: str
    filename: str
    content_type: str
    rows: int


def author_text(user) -> str:
    """Who generated a document, as the title block and the PDF footer say it."""
    if user is None:
        return SYSTEM_AUTHOR
    name = user.get_full_name() or user.username
    return f"{name} ({user.get_role_display()})"


def export_region(*, user, spec: ReportSpec, params: ExportParams) -> Region | None:
    """The region the report is about, within the user's scope (Region.DoesNotExist when
    the code is unknown or out of scope)."""
    if not params.region:
        if spec.needs_region:
            raise ExportRefused("Для этого отчёта выберите субъект РФ.")
        return None
    return selectors.export_region_get(user=user, code=params.region)


def export_filename(spec: ReportSpec, region: Region | None, fmt: str, now: dt.datetime) -> str:
    where = region.code if region else "all"
    return f"{spec.kind}_{where}_{now:%Y-%m-%d_%H%M}.{fmt}"


def export_write(
    *,
    kind: str,
    params: ExportParams,
    user,
    fmt: str,
    path: str,
    now: dt.datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> WrittenExport:
    """Writes the report to `path` in format `fmt` (formats.FORMATS) and says what was
    written; ExportRefused when the report cannot be had in that format."""
    spec = get_report(kind)
    check_format(fmt, spec)
    now = timezone.localtime(now or timezone.now(), timezone.get_default_timezone())
    region = export_region(user=user, spec=spec, params=params)
    title = TitleBlock(
        report=spec.label,
        region=region.name if region else ALL_REGIONS,
        period=spec.module.period_text(params, now=now, region=region),
        generated_at=now,
        generated_by=author_text(user),
    )
    book = open_book(fmt, path, title)
    try:
        rows = spec.build(book, user=user, region=region, params=params, now=now, progress=progress)
    except BaseException:
        book.abort()
        raise
    book.close()
    return WrittenExport(
        path=path,
        filename=export_filename(spec, region, fmt, now),
        content_type=book.content_type,
        rows=rows,
    )


def export_temp_path(fmt: str) -> str:
    handle, path = tempfile.mkstemp(prefix="export-", suffix=f".{fmt}")
    os.close(handle)
    return path


@transaction.atomic
def export_create(*, user, kind: str, params: ExportParams, fmt: str) -> GeneratedExport:
    """A pending background job; the task is queued once the transaction commits."""
    spec = get_report(kind)
    region = export_region(user=user, spec=spec, params=params)
    estimate = getattr(spec.module, "estimate", None)
    rows = estimate(user=user, region=region, params=params) if estimate else None
    check_format(fmt, spec, estimate=rows)  # refused now rather than after the queue
    export = GeneratedExport(
        kind=kind,
        fmt=fmt,
        params=params.as_json(),
        region=region,
        created_by=user,
        expires_at=timezone.now() + dt.timedelta(hours=settings.EXPORT_KEEP_HOURS),
    )
    export.full_clean()
    export.save()
    transaction.on_commit(lambda: export_generate_enqueue(export.pk))
    return export


def export_generate(*, export: GeneratedExport) -> bool:
    """Runs a pending job; returns False when another worker has it or it is finished.

     1. claim under a lease (`roadmap_portal.jobs.job_lease`): UPDATE … SET status=running
        WHERE status=pending (one winner; a running job whose worker died is taken over, or
    failed after JOBS_MAX_ATTEMPTS claims: `roadmap_portal.jobs.job_claim`);
     2. estimate the row count for the progress bar, when the report can;
     3. write to a temporary file, reporting progress;
     4. save the file to private storage and mark the job done (or failed, with the error).
    """
    with job_lease(LEASE, export.pk) as held:
        if not held:  # a live worker has it: a second delivery changes nothing
            return False
        return _generate_claimed(export=export)


def _generate_claimed(*, export: GeneratedExport) -> bool:
    # under the lease a running job has lost its worker (PostgreSQL): taken over, or failed
    # once it has been claimed JOBS_MAX_ATTEMPTS times (roadmap_portal.jobs.job_claim)
    if not job_claim(GENERATED_EXPORT_JOB, export.pk, progress=0):
        return False
    export.refresh_from_db()
    spec = get_report(export.kind)
    params = ExportParams.from_json(export.params)
    user = export.created_by
    path = export_temp_path(export.fmt)
    # what the file may hold: the author's regions as it is written (GeneratedExport.visible_to)
    scope = access.region_scope(user)
    export.scope_region_ids = None if scope is None else sorted(scope)
    try:
        estimate = getattr(spec.module, "estimate", None)
        if estimate is not None:
            region = export_region(user=user, spec=spec, params=params)
            total = estimate(user=user, region=region, params=params)
            GeneratedExport.objects.filter(pk=export.pk).update(total=total)

        last = [0.0]

        def progress(rows: int) -> None:
            if time.monotonic() - last[0] >= 1.0:
                last[0] = time.monotonic()
                GeneratedExport.objects.filter(pk=export.pk).update(progress=rows)

        written = export_write(
            kind=export.kind,
            params=params,
            user=user,
            fmt=export.fmt,
            path=path,
            progress=progress,
        )
        with open(path, "rb") as fh:
            export.file.save(written.filename, File(fh), save=False)
        export.filename = written.filename
        export.size = os.path.getsize(path)
        export.progress = written.rows
        export.total = max(export.total, written.rows) if estimate else written.rows
        export.status = ExportStatus.DONE
        export.finished_at = timezone.now()
        export.save(
            update_fields=[
                "file",
                "filename",
                "size",
                "progress",
                "total",
                "status",
                "finished_at",
                "scope_region_ids",
            ]
        )
    except Region.DoesNotExist:
        _fail(export, "Субъект РФ больше недоступен автору отчёта.")
    except ExportRefused as exc:
        _fail(export, str(exc))
    except SoftTimeLimitExceeded:
        _fail(
            export,
            "Отчёт не уложился в отведённое время (%s мин); закажите его за меньший период "
            "или по одному субъекту." % (settings.EXPORT_TIME_LIMIT // 60),
        )
    except Exception:  # the job tells the user in Russian; the log keeps the traceback
        _fail(
            export,
            job_failure_reason(logger, "при формировании отчёта", f"export {export.pk}"),
        )
        raise
    finally:
        if os.path.exists(path):
            os.unlink(path)
    return True


def export_is_stuck(export: GeneratedExport) -> bool:
    """Pending with no task queued for it, or running with its worker lost."""
    return job_is_stuck(GENERATED_EXPORT_JOB, export)


def export_may_rerun(export: GeneratedExport) -> bool:
    return job_may_rerun(GENERATED_EXPORT_JOB, export)


def export_rerun(*, export: GeneratedExport) -> bool:
    """A failed or stuck job goes back to pending and is published after commit; True when
    it did (`roadmap_portal.jobs.job_rerun`). A job whose worker is alive, or that is done,
    is left alone. The file is built again as its author, in the author's scope at that
    time (as every job)."""
    export.refresh_from_db()
    fresh = {"progress": 0, "error": "", "finished_at": None}
    changed = job_rerun(GENERATED_EXPORT_JOB, export, fresh=fresh)
    if changed:
        transaction.on_commit(lambda: export_generate_enqueue(export.pk))
    export.refresh_from_db()
    return changed


def _fail(export: GeneratedExport, message: str) -> None:
    GeneratedExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.FAILED, error=message, finished_at=timezone.now()
    )


def exports_cleanup(*, now: dt.datetime | None = None) -> int:
    """Deletes the files of jobs past their keep time and marks them expired; idempotent."""
    now = now or timezone.now()
    count = 0
    for export in GeneratedExport.objects.expired(now).iterator(chunk_size=200):
        if export.file:
            export.file.delete(save=False)
        updated = GeneratedExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.EXPIRED, file=""
        )
        count += updated
    return count
