"""Monitoring uploads: one pipeline for the page, the API and `import_monitoring`.

`monitoring_upload_create` keeps the file (the same bytes once) and its sha256 as a record;
`monitoring_import` (run by `indicators.tasks.monitoring_import_task`, or directly by the
command) does the work:

1. claim the upload under a lease (`roadmap_portal.jobs.job_lease`) by one conditional
   UPDATE pending → running: a redelivered task of a running, settled or failed upload
   changes nothing; a running upload whose worker died (its lease is free) is taken over;
2. the same file (sha256) already imported for the same scope, and no later import changed
   rows of its weeks → status «repeat», nothing written (`is_repeat`: the one rule);
3. in ONE transaction: open the table (missing columns refuse the file before any row),
   stream and validate every row, staging the valid ones (COPY on PostgreSQL, executemany
   on SQLite), collecting every error;
4. any error (a row of an approved week too: `services.approval.locked_week_errors`) → roll
   back, status «refused» with the errors (the first 1000 and a count);
5. classify created / updated / unchanged against the stored rows and keep a preview;
   a dry run rolls back here;
6. otherwise write set-based (new municipalities and organisations, renames, one upsert;
   an organisation's record follows its latest stored week, whatever order files come in),
   rebuild the touched rollups, send `signals.monitoring_imported` (receivers publish their
   tasks after commit, `roadmap_portal.jobs.publish_after_commit`) and, as the last write of
   the same transaction, mark the upload DONE with its counts: a worker killed at any point
   leaves either the data and «done» or neither (a rerun then imports the file afresh).

Progress during the long streaming step goes to the cache (the database connection is busy
with COPY inside the open transaction); `upload_progress` reads it back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from typing import IO, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import access
from agencies.models import Region, User
from agencies.naming import municipality_twin_problem
from roadmap_portal.errors import job_failure_reason
from roadmap_portal.jobs import job_claim, job_is_stuck, job_lease, job_may_rerun, job_rerun
from roadmap_portal.ru_formats import ru_date
from roadmap_portal.storage import display_file_name
from roadmap_portal.tables import TableError, code_twin_problem, open_table, shown
from roadmap_portal.uploads import check_upload_size

from .. import signals
from ..choices import UploadStatus
from ..imports.columns import ALIASES, REQUIRED, TITLES
from ..imports.monitoring import (
    MAX_STORED_ERRORS,
    ErrorCollector,
    MonitoringRowReader,
    format_error,
)
from ..jobs import LEASE, MONITORING_UPLOAD_JOB
from ..models import MonitoringUpload
from .approval import approval_corrections_record, locked_week_errors
from .coverage import MissingCounts, coverage_preview
from .rollups import rollups_rebuild
from .staging import NotForTheFastPath, Staging, copy_csv, lock_imports

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 20_000
PREVIEW_ROWS = 200
SETTLED = (UploadStatus.DONE, UploadStatus.REFUSED, UploadStatus.REPEAT)


def _progress_key(upload_id: int) -> str:
    return f"monitoring-upload-progress:{upload_id}"


class _Progress:
    """Saves the rows processed so far while the import transaction is open.

    The cache is always written (shared with the web process when Redis is configured). On
    PostgreSQL the record is updated too, through a second short-lived connection in
    autocommit: the import's own connection is inside its transaction (and busy with COPY).
    SQLite allows one writer, so there the cache alone carries the progress.
    """

    def __init__(self, upload_id: int) -> None:
        self.upload_id = upload_id
        self.key = _progress_key(upload_id)
        self.side = None
        if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)

    def save(self, rows: int) -> None:
        cache.set(self.key, rows, 24 * 3600)
        if self.side is not None:
            table = self.side.ops.quote_name(MonitoringUpload._meta.db_table)
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET progress = %s WHERE id = %s", [rows, self.upload_id]
                )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


def upload_progress(upload: MonitoringUpload) -> int:
    """Rows processed so far: the cache while running, the record afterwards."""
    if upload.status == UploadStatus.RUNNING:
        value = cache.get(_progress_key(upload.pk))
        if value is not None:
            return int(value)
    return upload.progress


def monitoring_upload_create(
    *,
    file: UploadedFile | IO[bytes],
    user: User | None,
    region: Region | None = None,
    dry_run: bool = False,
    original_name: str = "",
    enforce_limit: bool = True,
) -> MonitoringUpload:
    """Keeps an uploaded export as a pending record (the import runs in a task)."""
    from django.core.files import File

    wrapped = file if isinstance(file, File) else File(file, name=original_name or "upload")
    name = original_name or getattr(file, "name", "") or "upload"
    size = wrapped.size
    if enforce_limit:
        check_upload_size(size, "monitoring")
    if size == 0:
        raise ValidationError(_("Файл пуст."))
    digest = hashlib.sha256()
    for chunk in wrapped.chunks():
        digest.update(chunk)
    wrapped.seek(0)
    upload = MonitoringUpload(
        region=region,
        uploaded_by=user if user is not None and user.is_authenticated else None,
        original_name=display_file_name(str(name), max_length=500),
        size=size,
        sha256=digest.hexdigest(),
        dry_run=dry_run,
    )
    stored = _stored_copy(upload.sha256, size)
    if stored:  # the same bytes are kept once, whatever the number of uploads naming them
        upload.file.name = stored
    else:
        # a name too long for the file system is cut by the storage (roadmap_portal.storage)
        upload.file.save(upload.original_name.rsplit("/", 1)[-1] or "upload", wrapped, save=False)
    upload.save()
    return upload


def _stored_copy(sha256: str, size: int) -> str:
    """The stored name of a file with these bytes, kept for an earlier upload, or "".

    Stored uploads are never changed or deleted by the portal (an upload record removed in
    the admin leaves its file), so records may share one. A file gone from the storage is
    not reused: the new upload then keeps its own copy."""
    names = (
        MonitoringUpload.objects.filter(sha256=sha256, size=size)
        .exclude(file="")
        .order_by("-id")
        .values_list("file", flat=True)[:5]
    )
    storage = MonitoringUpload._meta.get_field("file").storage
    return next((name for name in names if storage.exists(name)), "")


def monitoring_upload_confirm(*, upload: MonitoringUpload) -> bool:
    """Turns a checked dry run into a real import; True when it was pending confirmation."""
    changed = MonitoringUpload.objects.filter(
        pk=upload.pk, dry_run=True, status=UploadStatus.DONE
    ).update(dry_run=False, status=UploadStatus.PENDING, progress=0, attempts=0, enqueued_at=None)
    upload.refresh_from_db()
    return bool(changed)


def upload_is_stuck(upload: MonitoringUpload) -> bool:
    """Pending with no task queued for it, or running with its worker lost."""
    return job_is_stuck(MONITORING_UPLOAD_JOB, upload)


def upload_may_rerun(upload: MonitoringUpload) -> bool:
    return job_may_rerun(MONITORING_UPLOAD_JOB, upload)


def monitoring_upload_rerun(*, upload: MonitoringUpload) -> bool:
    """A failed or stuck job goes back to pending (the caller publishes it); True when it
    did (`roadmap_portal.jobs.job_rerun`). A running job whose worker is alive is left
    alone."""
    upload.refresh_from_db()
    changed = job_rerun(MONITORING_UPLOAD_JOB, upload, fresh={"progress": 0, "errors": []})
    upload.refresh_from_db()
    return changed


def _scope(upload: MonitoringUpload) -> tuple[frozenset[int] | None, str]:
    if upload.region is not None:
        return frozenset({upload.region.pk}), upload.region.name
    if upload.uploaded_by is not None:
        scope = access.monitoring_scope(upload.uploaded_by)
        if scope is not None:
            codes = Region.objects.filter(id__in=scope).values_list("code", flat=True)
            return scope, _("субъекты пользователя: %(codes)s") % {"codes": ", ".join(codes)}
    return None, ""


def _finish(upload: MonitoringUpload, **fields: Any) -> MonitoringUpload:
    fields.setdefault("finished_at", timezone.now())
    for name, value in fields.items():
        setattr(upload, name, value)
    upload.save()
    cache.delete(_progress_key(upload.pk))
    return upload


def _fail(upload: MonitoringUpload, **fields: Any) -> MonitoringUpload:
    """FAILED with the reason, by a conditional UPDATE: only a RUNNING upload fails (one
    whose data and «done» have committed stays done whatever happens after)."""
    fields.setdefault("finished_at", timezone.now())
    MonitoringUpload.objects.filter(pk=upload.pk, status=UploadStatus.RUNNING).update(**fields)
    cache.delete(_progress_key(upload.pk))
    upload.refresh_from_db()
    return upload


def _fail_whole(upload: MonitoringUpload, message: str) -> MonitoringUpload:
    """FAILED for a reason of the whole file (no row, no column)."""
    return _fail(
        upload,
        status=UploadStatus.FAILED,
        errors=[{"row": None, "column": "", "message": message}],
    )


class _Refused(Exception):
    pass


def _record_corrections(upload: MonitoringUpload, pairs: set[tuple[int, dt.date]]) -> None:
    """A reopened or submitted week changed by this file: «исправление данных недели» in
    its approval history."""
    note = _("Загрузка мониторинга «%(name)s» (№ %(id)s)") % {
        "name": upload.original_name,
        "id": upload.pk,
    }
    approval_corrections_record(pairs=pairs, actor=upload.uploaded_by, note=note)


def is_repeat(upload: MonitoringUpload) -> bool:
    """The one rule of a «repeat»: the same file (sha256) was imported for the same scope
    AND nothing imported since could have changed what that import wrote.

    «Since» is every later finished real import (any scope) that created or updated rows of
    a week the earlier import holds (`MonitoringUpload.weeks`, `rows_created`,
    `rows_updated`): file A, then B correcting A's week, then A again is imported again,
    and restores A's figures (the import writes only the rows that differ). Monitoring rows
    are written by the import alone, so the uploads' own counts are the exact record of what
    changed; the test reads a few upload records, never the rows, so a repeat of a national
    file stays cheap. Organisation names and types on the reference record are not figures
    and are not part of the test: the record follows each organisation's latest stored week
    (`staging.Staging.write_reference`), so an older file imported again cannot take it back.
    """
    earlier = (
        MonitoringUpload.objects.filter(
            Q(region__isnull=True) if upload.region_id is None else Q(region_id=upload.region_id),
            sha256=upload.sha256,
            status=UploadStatus.DONE,
            dry_run=False,
        )
        .exclude(pk=upload.pk)
        .order_by(F("finished_at").desc(nulls_last=True), "-id")
        .values("pk", "finished_at", "weeks")
        .first()
    )
    if earlier is None:
        return False
    later = MonitoringUpload.objects.filter(
        Q(rows_created__gt=0) | Q(rows_updated__gt=0),
        status=UploadStatus.DONE,
        dry_run=False,
    ).exclude(pk__in=[earlier["pk"], upload.pk])
    if earlier["finished_at"] is not None:  # a tie counts as later: imported again
        later = later.filter(finished_at__gte=earlier["finished_at"])
    weeks = set(earlier["weeks"] or [])
    changed_weeks = later.values_list("weeks", flat=True)
    return not any(weeks.intersection(other or []) for other in changed_weeks)


def monitoring_import(
    *, upload: MonitoringUpload, dry_run: bool | None = None, progress_every: int | None = None
) -> MonitoringUpload:
    """Validates and (unless a dry run) imports one uploaded file; see the module docstring."""
    with job_lease(LEASE, upload.pk) as held:
        if not held:  # a live worker runs it: a second delivery changes nothing
            upload.refresh_from_db()
            return upload
        return _import_claimed(upload=upload, dry_run=dry_run, progress_every=progress_every)


def _claim(upload: MonitoringUpload) -> bool:
    """PENDING → RUNNING (a lost worker's RUNNING taken over, or failed after
    JOBS_MAX_ATTEMPTS claims): `roadmap_portal.jobs.job_claim`."""
    claimed = job_claim(MONITORING_UPLOAD_JOB, upload.pk, progress=0)
    upload.refresh_from_db()
    return claimed


def _import_claimed(
    *, upload: MonitoringUpload, dry_run: bool | None, progress_every: int | None
) -> MonitoringUpload:
    upload.refresh_from_db()
    if dry_run is not None and dry_run != upload.dry_run:
        MonitoringUpload.objects.filter(pk=upload.pk).update(dry_run=dry_run)
        upload.dry_run = dry_run
    if upload.status not in (UploadStatus.PENDING, UploadStatus.RUNNING):
        return upload  # settled or failed (a rerun puts it back to pending first)
    if not upload.dry_run and is_repeat(upload):
        return _finish(
            upload,
            status=UploadStatus.REPEAT,
            errors=[],
            preview={"repeat": True},
            started_at=timezone.now(),
        )
    if not _claim(upload):
        return upload
    if not upload.file or not upload.file.storage.exists(upload.file.name):
        # the stored file went away before the job ran (a cleanup, a lost volume)
        logger.warning("monitoring upload %s: its stored file is gone", upload.pk)
        return _fail_whole(
            upload,
            _(
                "Файл загрузки больше не хранится на сервере; ничего не записано. "
                "Загрузите файл заново."
            ),
        )
    try:
        return _run(upload, progress_every=progress_every or PROGRESS_EVERY)
    except SoftTimeLimitExceeded:  # the transaction rolled back: nothing written
        return _fail_whole(
            upload,
            _(
                "Обработка не уложилась в отведённое время (%(minutes)s мин) и прервана; "
                "ничего не записано."
            )
            % {"minutes": settings.IMPORT_TIME_LIMIT // 60},
        )
    except Exception:  # the record tells the user; the log keeps the traceback
        reason = job_failure_reason(
            logger, _("при обработке файла"), f"monitoring import {upload.pk}"
        )
        return _fail_whole(upload, reason)


def _run(upload: MonitoringUpload, *, progress_every: int) -> MonitoringUpload:
    scope, scope_label = _scope(upload)
    region_objects = list(Region.objects.all())
    regions = {region.code: region.id for region in region_objects}
    # a week may start at most 7 days after the region's own today
    last_weeks = {
        region.id: region.local_today() + dt.timedelta(days=7) for region in region_objects
    }
    errors = ErrorCollector()
    result: dict[str, Any] = {}
    staging = Staging()
    reader: MonitoringRowReader | None = None
    progress = _Progress(upload.pk)
    started = time.monotonic()
    phases: dict[str, float] = {}
    done: dict[str, Any] = {}
    try:
        with transaction.atomic(), upload.file.open("rb") as stream:
            lock_imports()
            staging.create()
            try:

                def open_reader() -> MonitoringRowReader:
                    stream.seek(0)
                    table = open_table(
                        stream,
                        aliases=ALIASES,
                        required=REQUIRED,
                        titles=TITLES,
                        mark_formulas=True,
                    )
                    return MonitoringRowReader(
                        table,
                        regions=regions,
                        last_weeks=last_weeks,
                        scope=scope,
                        scope_label=scope_label,
                    )

                reader = open_reader()
                errors = reader.errors
                fast = staging.postgres and reader.table.format == "csv"
                if fast:
                    try:
                        with transaction.atomic():  # a savepoint: a refused try leaves nothing
                            copy_csv(stream, reader.table, reader, stage=staging)
                    except (NotForTheFastPath, DatabaseError) as exc:
                        logger.info("monitoring import %s: row by row (%r)", upload.pk, exc)
                        fast = False
                        reader = open_reader()
                        errors = reader.errors
                if not fast:
                    with staging.row_writer() as write:
                        for seen, row in enumerate(reader.rows(), start=1):
                            write(row)
                            if seen % progress_every == 0:
                                progress.save(reader.rows_read)
            except TableError as exc:
                errors.add(None, "", str(exc))
                raise _Refused from None
            assert reader is not None
            if not reader.rows_read:
                errors.add(None, "", _("В файле нет строк с данными."))
                raise _Refused
            progress.save(reader.rows_read)
            phases["read_and_stage"] = time.monotonic() - started
            staging.prepare()
            for kind, row_no, code, other in staging.file_problems(MAX_STORED_ERRORS):
                if kind == "duplicate":
                    column = reader.column("org_code")
                    problem = _(
                        "организация «%(code)s» уже встречалась в файле за неделю %(week)s"
                    ) % {"code": code, "week": ru_date(other)}
                else:
                    column = reader.column("region_code")
                    problem = _(
                        "организация «%(code)s» выше в файле (строка %(row)s) "
                        "указана в другом субъекте"
                    ) % {"code": code, "row": other}
                errors.add(row_no, column, format_error(row_no, column, problem))
            # an approved week is locked (indicators.approval): reported with the rest
            locked_week_errors(
                pairs=reader.pairs, errors=errors, column=reader.column("week_start")
            )
            if errors:
                raise _Refused
            for first_row, code, file_region, stored_region in staging.region_conflicts(
                MAX_STORED_ERRORS
            ):
                column = reader.column("region_code")
                errors.add(
                    first_row,
                    column,
                    format_error(
                        first_row,
                        column,
                        _("организация «%(code)s» числится в субъекте %(stored)s, а не %(file)s")
                        % {"code": code, "stored": stored_region, "file": file_region},
                    ),
                )
            for first_row, code, known, other, other_row in staging.twin_conflicts(
                MAX_STORED_ERRORS
            ):
                column = reader.column("org_code")
                if known is not None:
                    problem = code_twin_problem(code, known)
                else:
                    problem = code_twin_problem(code, str(other), other_row=other_row)
                errors.add(first_row, column, format_error(first_row, column, problem))
            for first_row, name, known, other, other_row in staging.municipality_twins(
                MAX_STORED_ERRORS
            ):
                column = reader.column("municipality")
                problem = _municipality_twin_problem(name, known, other, other_row)
                errors.add(first_row, column, format_error(first_row, column, problem))
            if errors:
                raise _Refused
            phases["stage_organisations"] = time.monotonic() - started
            result = {**staging.organisation_changes()}
            staging.write_reference(result)
            result.update(staging.key_rows())
            result["rows"] = staging.preview(PREVIEW_ROWS)
            phases["classify"] = time.monotonic() - started
            # a dry run writes too, inside this transaction, and rolls back below: its
            # preview shows each week's coverage as the file would make it
            staging.apply(upload_id=upload.pk)
            phases["write"] = time.monotonic() - started
            # the preview reuses the missing organisations the rollups' coverage counted
            missing = MissingCounts()
            rollups_rebuild(pairs=reader.pairs, missing_out=missing)
            weeks = [week.isoformat() for week in reader.weeks]
            result["coverage"] = coverage_preview(
                region_ids=reader.region_ids, weeks=weeks, missing=missing
            )
            if not upload.dry_run:
                signals.announce_monitoring_imported(region_ids=reader.region_ids, weeks=weeks)
                _record_corrections(upload, reader.pairs)
            phases["rollups"] = time.monotonic() - started
            staging.drop()
            progress.close()  # the side connection must not touch the record from now on
            rows_preview = result.pop("rows")
            done = _done_fields(reader, result, rows_preview)
            if upload.dry_run:
                transaction.set_rollback(True)
            else:
                # the last write of the data's transaction: data and «done» commit together
                MonitoringUpload.objects.filter(pk=upload.pk, status=UploadStatus.RUNNING).update(
                    **done
                )
        phases["commit"] = time.monotonic() - started
        logger.info(
            "monitoring import %s: %s rows (%s), elapsed by phase end %s",
            upload.pk,
            reader.rows_read,
            "set-based" if fast else "row by row",
            {name: round(value, 2) for name, value in phases.items()},
        )
    except _Refused:
        errors.sort()
        progress.close()  # before the record is saved: the side connection must be gone
        return _finish(
            upload,
            status=UploadStatus.REFUSED,
            errors=errors.items,
            preview={"errors_total": errors.total},
            rows_read=reader.rows_read if reader else 0,
            rows_skipped=reader.rows_skipped if reader else 0,
            progress=reader.rows_read if reader else 0,
            rows_created=0,
            rows_updated=0,
            rows_unchanged=0,
            weeks=[w.isoformat() for w in reader.weeks] if reader else [],
        )
    finally:
        progress.close()
    if upload.dry_run:  # nothing was written: the preview is the job's result
        return _finish(upload, **done)
    cache.delete(_progress_key(upload.pk))
    upload.refresh_from_db()
    return upload


def _municipality_twin_problem(
    name: str, known: str | None, other: str | None, other_row: int
) -> str:
    """A municipality name that is a twin of a known one (`known`) or of another name of the
    file (`other`, first on `other_row`): `staging.Staging.municipality_twins`."""
    if known is not None:
        problem = municipality_twin_problem(name, known)
    else:
        problem = _(
            "муниципальное образование «%(name)s» отличается от «%(other)s» (строка %(row)s) "
            "только регистром букв или буквой «ё»: это одно муниципальное образование или "
            "два? Напишите название одинаково во всех строках"
        ) % {"name": shown(name), "other": shown(other), "row": other_row}
    return problem + _(
        ", иначе показатели муниципалитета разделятся на два (два разных муниципальных "
        "образования не называются одинаково с точностью до регистра и «ё»)"
    )


def _done_fields(
    reader: MonitoringRowReader, result: dict[str, Any], rows_preview: Any
) -> dict[str, Any]:
    return {
        "status": UploadStatus.DONE,
        "errors": [],
        "rows_read": reader.rows_read,
        "rows_skipped": reader.rows_skipped,
        "rows_created": result["created"],
        "rows_updated": result["updated"],
        "rows_unchanged": result["unchanged"],
        "progress": reader.rows_read,
        "weeks": [w.isoformat() for w in reader.weeks],
        "preview": {**result, "rows": rows_preview, "preview_limit": PREVIEW_ROWS},
        "finished_at": timezone.now(),
    }
