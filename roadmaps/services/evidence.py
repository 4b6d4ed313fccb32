"""Checks on evidence files: extension, size and the content itself (magic bytes)."""

from __future__ import annotations

import zipfile

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from roadmap_portal.uploads import check_upload_size

# extension -> the first bytes a real file of that kind starts with
_MAGIC = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
}
# OOXML packages are zip files; the part that tells a document from a workbook
_OOXML_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}

ALLOWED_LABEL = "PDF, DOCX, XLSX, JPG, PNG"


def evidence_validate(file: UploadedFile) -> None:
    """Raises ValidationError (in Russian) unless the file is an allowed, intact evidence file."""
    name = file.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in _MAGIC:
        raise ValidationError(
            _("Недопустимый тип файла «%(name)s». Разрешены: %(allowed)s.")
            % {"name": name, "allowed": ALLOWED_LABEL},
            code="evidence_type",
        )
    check_upload_size(file.size, "evidence")
    if not file.size:
        raise ValidationError(_("Файл «%(name)s» пуст.") % {"name": name}, code="evidence_empty")
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if not any(head.startswith(magic) for magic in _MAGIC[extension]):
        raise ValidationError(
            _("Содержимое файла «%(name)s» не соответствует расширению .%(ext)s.")
            % {"name": name, "ext": extension},
            code="evidence_content",
        )
    part = _OOXML_PART.get(extension)
    if part:
        try:
            with zipfile.ZipFile(file) as archive:
                ok = part in archive.namelist()
        except zipfile.BadZipFile:
            ok = False
        finally:
            file.seek(0)
        if not ok:
            raise ValidationError(
                _("Содержимое файла «%(name)s» не соответствует расширению .%(ext)s.")
                % {"name": name, "ext": extension},
                code="evidence_content",
            )
