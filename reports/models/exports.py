from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies import access
from agencies.models import Region

from ..choices_exports import ExportFormat, ExportStatus, ReportKind


def validate_export_kind(value: str) -> None:
    """The kind must be a known report (a plain code, not field choices: adding a report
    needs no migration, see reports/exports/registry.py)."""
    if value not in ReportKind.values:
        raise ValidationError(_("Неизвестный вид отчёта: %(kind)s"), params={"kind": value})


class GeneratedExportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A job is its author's, and only while its region is still in the author's scope;
        administrators see every job.

        A report of «every region the author sees» (no region) holds the regions its author
        saw when the file was written (`scope_region_ids`; null: every region): its file is
        theirs only while they still see each of them, as a subscription's file
        (`reports.subscriptions.services.may_download`). One more query for a user with a
        limited scope, over their jobs that still hold a file (a few, kept
        EXPORT_KEEP_HOURS)."""
        if not user.is_authenticated:
            return self.none()
        if access.is_admin(user):
            return self
        mine = self.filter(created_by=user).filter(
            access.region_q(user, "region_id", null_visible=True)
        )
        scope = access.region_scope(user)
        if scope is None:
            return mine
        with_file = mine.filter(region__isnull=True, status=ExportStatus.DONE).exclude(file="")
        beyond = [
            pk
            for pk, regions in with_file.values_list("pk", "scope_region_ids")
            if regions is None or not set(regions) <= scope
        ]
        return mine.exclude(pk__in=beyond) if beyond else mine

    def expired(self, now=None):
        return self.filter(expires_at__lt=now or timezone.now()).exclude(
            status=ExportStatus.EXPIRED
        )


def export_upload_to(instance: GeneratedExport, filename: str) -> str:
    return f"exports/{timezone.now():%Y/%m}/{filename}"


class GeneratedExport(models.Model):
    """A report generated in the background (a job record, NetBox `Job` style).

    The file lives in private storage and is served only by the download view, which checks
    the requester; `exports_cleanup` deletes it after EXPORT_KEEP_HOURS and marks the job
    expired (the row stays as a record of who exported what).
    """

    kind = models.CharField(_("вид отчёта"), max_length=40, validators=[validate_export_kind])
    fmt = models.CharField(
        _("формат"), max_length=10, choices=ExportFormat.choices, default=ExportFormat.XLSX
    )
    params = models.JSONField(_("параметры"), default=dict, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("субъект РФ"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Пусто: все субъекты, доступные автору."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто заказал"),
        on_delete=models.CASCADE,
        related_name="exports",
    )
    status = models.CharField(
        _("статус"), max_length=20, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    progress = models.PositiveIntegerField(_("строк записано"), default=0)
    total = models.PositiveIntegerField(_("строк всего (оценка)"), default=0)
    file = models.FileField(_("файл"), upload_to=export_upload_to, max_length=500, blank=True)
    filename = models.CharField(_("имя файла"), max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("размер, байт"), default=0)
    error = models.TextField(_("ошибка"), blank=True)
    created_at = models.DateTimeField(_("заказан"), auto_now_add=True)
    started_at = models.DateTimeField(_("начат"), null=True, blank=True)
    finished_at = models.DateTimeField(_("готов"), null=True, blank=True)
    expires_at = models.DateTimeField(_("хранится до"))
    # the regions the author saw when the file was written (visible_to); null: every region
    scope_region_ids = models.JSONField(
        _("субъекты в области видимости автора"), null=True, blank=True, editable=False
    )
    # job bookkeeping (roadmap_portal.jobs, sweep_jobs): null = the task was never published
    enqueued_at = models.DateTimeField(_("поставлен в очередь"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("попыток формирования"), default=0)

    objects = GeneratedExportQuerySet.as_manager()
    region_field = "region_id"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("сформированный отчёт")
        verbose_name_plural = _("сформированные отчёты")
        indexes = [
            # used by exports_cleanup: jobs past their keep time
            models.Index(fields=["expires_at"], name="export_expires_idx"),
            # used by the export page: the user's recent jobs
            models.Index(fields=["created_by", "-created_at"], name="export_user_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} №{self.pk} ({self.get_status_display()})"

    @property
    def kind_label(self) -> str:
        return str(ReportKind(self.kind).label) if self.kind in ReportKind.values else self.kind

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.total:
            return 0
        return min(int(self.progress * 100 / self.total), 99)

    @property
    def is_active(self) -> bool:
        return self.status in (ExportStatus.PENDING, ExportStatus.RUNNING)

    @property
    def is_downloadable(self) -> bool:
        return self.status == ExportStatus.DONE and bool(self.file) and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
