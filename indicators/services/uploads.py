"""Monitoring uploads: one pipeline for the page, the API and `import_monitoring`.

`monitoring_upload_create` keeps the file and its sha256 as a record; `monitoring_import`
(run by `indicators.tasks.monitoring_import_task`, or directly by the command) does the work:

1. skip what is already settled (done, refused, repeat): a redelivered task changes nothing;
2. the same file (sha256) already imported for the same scope → status «repeat», nothing
   written;
3. in ONE transaction: open the table (missing columns refuse the file before any row),
   stream and validate every row, staging the valid ones (COPY on PostgreSQL, executemany
   on SQLite), collecting every error;
4. any error → roll back, status «refused» with the errors (the first 1000 and a count);
5. classify created / updated / unchanged against the stored rows and keep a preview;
   a dry run rolls back here;
6. otherwise write set-based (new municipalities and organisations, renames, one upsert),
   rebuild the touched rollups and send `signals.monitoring_imported` (receivers act on commit).

Progress during the long streaming step goes to the cache (the database connection is busy
with COPY inside the open transaction); `upload_progress` reads it back.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import IO, Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import access
from agencies.models import Region, User
from roadmap_portal.tables import TableError, open_table

from .. import signals
from ..choices import UploadStatus
from ..imports.columns import ALIASES, REQUIRED, TITLES
from ..imports.monitoring import MAX_STORED_ERRORS, ErrorCollector, MonitoringRowReader
from ..models import MonitoringUpload
from .rollups import rollups_rebuild
from .staging import Staging, lock_imports

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
    limit = settings.MONITORING_UPLOAD_MAX_BYTES
    size = wrapped.size
    if enforce_limit and size > limit:
        raise ValidationError(
            _("Файл больше допустимого размера (%(mb)s МБ).") % {"mb": limit // (1024 * 1024)}
        )
    if size == 0:
        raise ValidationError(_("Файл пуст."))
    digest = hashlib.sha256()
    for chunk in wrapped.chunks():
        digest.update(chunk)
    wrapped.seek(0)
    upload = MonitoringUpload(
        region=region,
        uploaded_by=user if user is not None and user.is_authenticated else None,
        original_name=str(name).rsplit("/", 1)[-1][:500],
        size=size,
        sha256=digest.hexdigest(),
        dry_run=dry_run,
    )
    upload.file.save(upload.original_name, wrapped, save=False)
    upload.save()
    return upload


def monitoring_upload_confirm(*, upload: MonitoringUpload) -> bool:
    """Turns a checked dry run into a real import; True when it was pending confirmation."""
    changed = MonitoringUpload.objects.filter(
        pk=upload.pk, dry_run=True, status=UploadStatus.DONE
    ).update(dry_run=False, status=UploadStatus.PENDING, progress=0)
    upload.refresh_from_db()
    return bool(changed)


def monitoring_upload_rerun(*, upload: MonitoringUpload) -> bool:
    """A failed job goes back to pending; True when it was failed."""
    changed = MonitoringUpload.objects.filter(pk=upload.pk, status=UploadStatus.FAILED).update(
        status=UploadStatus.PENDING, progress=0, errors=[]
    )
    upload.refresh_from_db()
    return bool(changed)


def _scope(upload: MonitoringUpload) -> tuple[frozenset[int] | None, str]:
    if upload.region_id:
        return frozenset({upload.region_id}), upload.region.name
    if upload.uploaded_by_id:
        scope = access.region_scope(upload.uploaded_by)
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


class _Refused(Exception):
    pass


def monitoring_import(
    *, upload: MonitoringUpload, dry_run: bool | None = None, progress_every: int | None = None
) -> MonitoringUpload:
    """Validates and (unless a dry run) imports one uploaded file; see the module docstring."""
    upload.refresh_from_db()
    if dry_run is not None and dry_run != upload.dry_run:
        MonitoringUpload.objects.filter(pk=upload.pk).update(dry_run=dry_run)
        upload.dry_run = dry_run
    if upload.status in SETTLED:
        return upload
    if not upload.dry_run and (
        MonitoringUpload.objects.filter(
            sha256=upload.sha256,
            region_id=upload.region_id,
            status=UploadStatus.DONE,
            dry_run=False,
        )
        .exclude(pk=upload.pk)
        .exists()
    ):
        return _finish(
            upload,
            status=UploadStatus.REPEAT,
            errors=[],
            preview={"repeat": True},
            started_at=timezone.now(),
        )
    upload.status = UploadStatus.RUNNING
    upload.started_at = timezone.now()
    upload.progress = 0
    upload.save(update_fields=["status", "started_at", "progress"])
    try:
        return _run(upload, progress_every=progress_every or PROGRESS_EVERY)
    except Exception as exc:  # the record tells the user; the log keeps the traceback
        logger.exception("monitoring import %s failed", upload.pk)
        return _finish(
            upload,
            status=UploadStatus.FAILED,
            errors=[
                {
                    "row": None,
                    "column": "",
                    "message": _("Внутренняя ошибка при обработке файла: %(err)s")
                    % {"err": str(exc)[:500]},
                }
            ],
        )


def _run(upload: MonitoringUpload, *, progress_every: int) -> MonitoringUpload:
    scope, scope_label = _scope(upload)
    regions = dict(Region.objects.values_list("code", "id"))
    errors = ErrorCollector()
    result: dict[str, Any] = {}
    staging = Staging()
    reader: MonitoringRowReader | None = None
    progress = _Progress(upload.pk)
    started = time.monotonic()
    phases: dict[str, float] = {}
    try:
        with transaction.atomic(), upload.file.open("rb") as stream:
            lock_imports()
            staging.create()
            try:
                table = open_table(stream, aliases=ALIASES, required=REQUIRED, titles=TITLES)
                reader = MonitoringRowReader(
                    table, regions=regions, scope=scope, scope_label=scope_label
                )
                errors = reader.errors
                with staging.row_writer() as write:
                    for seen, row in enumerate(reader.rows(), start=1):
                        write(row)
                        if seen % progress_every == 0:
                            progress.save(reader.rows_read)
            except TableError as exc:
                errors.add(None, "", str(exc))
            if errors:
                raise _Refused
            assert reader is not None
            if not reader.rows_read:
                errors.add(None, "", _("В файле нет строк с данными."))
                raise _Refused
            progress.save(reader.rows_read)
            phases = {"read_and_stage": time.monotonic() - started}
            staging.write_organisations(reader.organisations)
            for first_row, code, file_region, stored_region in staging.region_conflicts(
                MAX_STORED_ERRORS
            ):
                column = reader.column("region_code")
                errors.add(
                    first_row,
                    column,
                    _(
                        "Строка %(row)s, столбец «%(column)s»: организация «%(code)s» "
                        "числится в субъекте %(stored)s, а не %(file)s"
                    )
                    % {
                        "row": first_row,
                        "column": column,
                        "code": code,
                        "stored": stored_region,
                        "file": file_region,
                    },
                )
            if errors:
                raise _Refused
            phases["stage_organisations"] = time.monotonic() - started
            result = staging.organisation_changes()
            staging.write_reference()
            result.update(staging.key_rows())
            result["rows"] = staging.preview(PREVIEW_ROWS)
            phases["classify"] = time.monotonic() - started
            if not upload.dry_run:
                staging.apply(upload_id=upload.pk)
                phases["write"] = time.monotonic() - started
                region_ids = sorted({seen.region_id for seen in reader.organisations.values()})
                weeks = sorted(week.isoformat() for week in reader.weeks)
                rollups_rebuild(region_ids=region_ids, weeks=weeks)
                signals.announce_monitoring_imported(region_ids=region_ids, weeks=weeks)
            phases["rollups"] = time.monotonic() - started
            staging.drop()
            if upload.dry_run:
                transaction.set_rollback(True)
        phases["commit"] = time.monotonic() - started
        logger.info(
            "monitoring import %s: %s rows, elapsed by phase end %s",
            upload.pk,
            reader.rows_read,
            {name: round(value, 2) for name, value in phases.items()},
        )
    except _Refused:
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
            weeks=sorted(w.isoformat() for w in reader.weeks) if reader else [],
        )
    finally:
        progress.close()
    assert reader is not None
    rows_preview = result.pop("rows")
    return _finish(
        upload,
        status=UploadStatus.DONE,
        errors=[],
        rows_read=reader.rows_read,
        rows_skipped=reader.rows_skipped,
        rows_created=result["created"],
        rows_updated=result["updated"],
        rows_unchanged=result["unchanged"],
        progress=reader.rows_read,
        weeks=sorted(w.isoformat() for w in reader.weeks),
        preview={**result, "rows": rows_preview, "preview_limit": PREVIEW_ROWS},
    )
