"""Choices of the export jobs (kept apart from the alerts' choices until the merge)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("В очереди")
    RUNNING = "running", _("Формируется")
    DONE = "done", _("Готов")
    FAILED = "failed", _("Ошибка")
    EXPIRED = "expired", _("Удалён по сроку хранения")


class ExportFormat(models.TextChoices):
    """The codes of `reports.exports.formats.FORMATS` (which says what each one writes)."""

    XLSX = "xlsx", _("Excel (XLSX)")
    ODS = "ods", _("OpenDocument (ODS): LibreOffice, Р7-Офис, МойОфис")
    CSV = "csv", _("CSV (UTF-8, «;»)")
    PDF = "pdf", _("PDF для печати (A4, альбомная)")
