"""Choices of the export jobs (kept apart from the alerts' choices until the merge)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("В очереди")
    RUNNING = "running", _("Формируется")
    DONE = "done", _("Готов")
    FAILED = "failed", _("Ошибка")
    EXPIRED = "expired", _("Удалён по сроку хранения")


class ReportKind(models.TextChoices):
    """The reports one can order: code and name (each has its module in `reports.exports`,
    listed in `reports.exports.registry.REPORTS`). Below the models, which validate a job's
    kind and show its name without importing the exports above them."""

    ROADMAP_STATUS = "roadmap_status", _("Статус выполнения дорожных карт")
    INDICATORS = "indicators", _("Показатели Сферума (П1–П4)")
    INDEX = "index", _("Индекс внедрения: рейтинг и критерии")
    ALERTS = "alerts", _("Оповещения за период")


class ExportFormat(models.TextChoices):
    """The codes of `reports.exports.formats.FORMATS` (which says what each one writes)."""

    XLSX = "xlsx", _("Excel (XLSX)")
    ODS = "ods", _("OpenDocument (ODS): LibreOffice, Р7-Офис, МойОфис")
    CSV = "csv", _("CSV (UTF-8, «;»)")
    PDF = "pdf", _("PDF для печати (A4, альбомная)")
