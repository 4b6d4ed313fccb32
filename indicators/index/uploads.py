"""Importing «Сведения для индекса внедрения»: check (dry run), then apply all or nothing.

1. the file is stored with its SHA-256; a file already imported is a no-op (status
   "repeat") only when none of its rows would enter a new value (`_is_repeat`): a fact
   corrected since (by a later file, the form or the API) is entered again, so re-uploading
   an earlier file restores its values;
2. every row is read and validated (indicators.index.inputs); any error refuses
   the whole file and nothing is written;
3. rows are upserted by their natural key (region, criterion, input, as_of): a row equal
   to the fact already there is "unchanged", a new or corrected value is a new fact
   (history is kept; the later entry wins on the same date);
4. the regions touched are recomputed after commit.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import access
from indicators.index.services import schedule_recompute
from roadmap_portal.storage import display_file_name
from roadmap_portal.uploads import check_upload_size

from ..approval import lock_problem, locked_weeks, week_of
from ..choices import FactSource, UploadStatus
from ..models import IndexFact, IndexUpload
from ..services.approval import approval_corrections_record
from .inputs import TITLES, ReadResult, index_inputs_read

PREVIEW_ROWS = 50


def _sha256(file: File) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def index_upload_create(*, file: File, user=None, source: str = FactSource.IMPORT) -> IndexUpload:
    """Stores the file and checks it (dry run): errors and a preview, nothing imported."""
    check_upload_size(getattr(file, "size", None), "index")
    sha = _sha256(file)
    upload = IndexUpload(
        uploaded_by=user,
        original_name=display_file_name(getattr(file, "name", ""), max_length=500),
        sha256=sha,
        source=source,
    )
    upload.file.save(upload.original_name.rsplit("/", 1)[-1], file, save=False)
    result = _check(upload, user)
    if not result.errors and _is_repeat(upload, _changed_rows(result)):
        upload.status = UploadStatus.REPEAT
    upload.save()
    return upload


def _existing(region_ids: set[int]) -> dict[tuple, Decimal]:
    """The value in force for each (region, criterion, input, as_of): the latest entry."""
    existing: dict[tuple, Decimal] = {}
    for region_id, code, name, as_of, value in (
        IndexFact.objects.filter(region_id__in=region_ids)
        .order_by("id")
        .values_list("region_id", "criterion_code", "input", "as_of", "value")
    ):
        existing[(region_id, code, name, as_of)] = value  # the latest entry wins
    return existing


def _changed_rows(result: ReadResult) -> list:
    """The rows whose value differs from the one in force (the only ones written)."""
    existing = _existing({r.region_id for r in result.rows})
    return [
        row
        for row in result.rows
        if existing.get((row.region_id, row.criterion_code, row.input, row.as_of)) != row.value
    ]


def _is_repeat(upload: IndexUpload, changed: list) -> bool:
    """The same file imported before AND nothing written since changed its values: every
    row equals the fact in force. Exact, and cheap: an index file has dozens of rows, and
    the comparison is the one the import makes anyway."""
    if changed:
        return False
    return (
        IndexUpload.objects.filter(sha256=upload.sha256, status=UploadStatus.DONE)
        .exclude(pk=upload.pk)
        .exists()
    )


def _check(upload: IndexUpload, user) -> ReadResult:
    with upload.file.open("rb") as stream:
        result = index_inputs_read(stream, user=user if source_scoped(upload) else None)
    upload.rows_read = result.rows_read
    upload.errors = result.errors
    upload.preview = [
        {
            "row": r.row,
            "region_code": r.region_code,
            "criterion": r.criterion_code,
            "input": r.input,
            "value": str(r.value),
            "as_of": r.as_of.isoformat(),
            "evidence": r.evidence_url or r.evidence_text,
        }
        for r in result.rows[:PREVIEW_ROWS]
    ]
    upload.regions = sorted({r.region_code for r in result.rows})
    if not result.errors:
        result.errors.extend(_locked_rows(result))
    upload.status = UploadStatus.REFUSED if result.errors else UploadStatus.PENDING
    return result


def _locked_rows(result: ReadResult) -> list[str]:
    """Rows that would enter a new value into an approved week (indicators.approval): one
    Russian error each; a row equal to the fact already there changes nothing and passes."""
    locked = locked_weeks({(r.region_id, week_of(r.as_of)) for r in result.rows})
    if not locked:
        return []
    existing: dict[tuple, Decimal] = {}
    for region_id, code, name, as_of, value in (
        IndexFact.objects.filter(region_id__in={pair[0] for pair in locked})
        .order_by("id")
        .values_list("region_id", "criterion_code", "input", "as_of", "value")
    ):
        existing[(region_id, code, name, as_of)] = value
    errors = []
    for r in result.rows:
        approval = locked.get((r.region_id, week_of(r.as_of)))
        if approval is None:
            continue
        if existing.get((r.region_id, r.criterion_code, r.input, r.as_of)) == r.value:
            continue
        errors.append(
            _("Строка %(row)s, столбец «%(col)s»: %(msg)s")
            % {"row": r.row, "col": TITLES["as_of"], "msg": lock_problem(approval)}
        )
    return errors


def source_scoped(upload: IndexUpload) -> bool:
    """Uploads through the page are limited to the user's regions; the command line is not."""
    return upload.source != FactSource.COMMAND


@transaction.atomic
def index_upload_apply(*, upload: IndexUpload, user=None) -> IndexUpload:
    """Imports a checked upload, all or nothing (see the module docstring)."""
    upload = IndexUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.status in (UploadStatus.DONE, UploadStatus.REPEAT):
        return upload  # applying twice is a no-op
    result = _check(upload, user)
    if result.errors:
        upload.save()
        return upload
    changed = _changed_rows(result)
    if _is_repeat(upload, changed):
        upload.status = UploadStatus.REPEAT
        upload.save()
        return upload
    verified = upload.source == FactSource.COMMAND or access.is_verifier(user)

    now = timezone.now()
    new = []
    unchanged = len(result.rows) - len(changed)
    for row in changed:
        new.append(
            IndexFact(
                region_id=row.region_id,
                criterion_code=row.criterion_code,
                input=row.input,
                value=row.value,
                as_of=row.as_of,
                evidence_url=row.evidence_url,
                evidence_text=row.evidence_text,
                source=upload.source,
                upload=upload,
                entered_by=user,
                verified_by=user if verified and user else None,
                verified_at=now if verified else None,
            )
        )
    IndexFact.objects.bulk_create(new, batch_size=1000)
    approval_corrections_record(
        pairs={(f.region_id, week_of(f.as_of)) for f in new},
        actor=user,
        note=_("Загрузка сведений для индекса «%(name)s»") % {"name": upload.original_name},
    )
    upload.rows_created = len(new)
    upload.rows_unchanged = unchanged
    upload.status = UploadStatus.DONE
    upload.save()
    if new:
        schedule_recompute(sorted({f.region_id for f in new}))
    return upload


def upload_summary(upload: IndexUpload) -> str:
    return _("Прочитано строк: %(read)s; новых сведений: %(new)s; без изменений: %(same)s.") % {
        "read": upload.rows_read,
        "new": upload.rows_created,
        "same": upload.rows_unchanged,
    }
