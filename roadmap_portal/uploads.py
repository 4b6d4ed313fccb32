"""The size cap of every uploaded file: one check, one Russian message with the limit in МБ.

Each kind of upload has its cap in settings (`LIMITS`: kind -> setting). Every path that
takes a file of that kind — the page's form, the API's serializer, the service, the admin —
asks `size_problem` / `check_upload_size` with the file's size, before a byte of it is read
(Django has already spooled it to a temporary file; nothing is parsed or stored).
A request whose body without files is over DATA_UPLOAD_MAX_MEMORY_SIZE is Django's
`RequestDataTooBig`: the Russian 413 of `roadmap_portal.errors.bad_request`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .ru_formats import ru_number

# kind -> the setting that caps it (bytes)
LIMITS = {
    "evidence": "EVIDENCE_MAX_BYTES",  # evidence of a measure, a report, an index fact
    "monitoring": "MONITORING_UPLOAD_MAX_BYTES",  # monitoring exports and rosters
    "roadmap": "ROADMAP_UPLOAD_MAX_BYTES",  # a region's roadmap document
    "cascade": "CASCADE_UPLOAD_MAX_BYTES",  # a cascade's progress file
    "index": "INDEX_UPLOAD_MAX_BYTES",  # «Сведения для индекса внедрения»
    "admin_import": "ADMIN_IMPORT_MAX_BYTES",  # the admin's CSV/XLSX imports
}


def upload_limit(kind: str) -> int:
    return int(getattr(settings, LIMITS[kind]))


def megabytes(limit: int) -> str:
    """20971520 -> «20», 1536 * 1024 -> «1,5» (a tenth, rounded up: never below the cap)."""
    tenths = -(-limit * 10 // (1024 * 1024))
    return ru_number(tenths / 10, 1) if tenths % 10 else ru_number(tenths // 10, 0)


def size_problem(size: int | None, kind: str) -> str | None:
    """The one message for a file over its cap, else None."""
    limit = upload_limit(kind)
    if size is None or size <= limit:
        return None
    return _("Файл больше допустимого размера: не более %(mb)s МБ.") % {"mb": megabytes(limit)}


def check_upload_size(size: int | None, kind: str) -> None:
    """`ValidationError` (Django's; forms, services and the API's handler show it) when over."""
    problem = size_problem(size, kind)
    if problem:
        raise ValidationError(problem, code="file_too_large")
