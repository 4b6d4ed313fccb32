"""`manage.py import_monitoring PATH [--dry-run] [--region CODE] [--user USERNAME]`.

The twin of the upload page and of `monitoring_import_task`: the same service, run in the
foreground. Exits 0 with a summary; a refused or failed file exits 1 with the reasons.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import CommandError

from agencies.commands import PortalCommand
from agencies.models import User
from indicators.choices import UploadStatus
from indicators.services.uploads import monitoring_import, monitoring_upload_create


class Command(PortalCommand):
    help = "Импорт выгрузки мониторинга Сферума (CSV или XLSX)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="только проверить")
        parser.add_argument("--region", help="код субъекта: строки других субъектов — ошибка")
        parser.add_argument("--user", help="от имени пользователя (его субъекты)")

    def handle(self, *args, path, dry_run=False, region=None, user=None, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"Файл не найден: {path}")
        region_obj = None
        if region:
            region_obj = self.region_option(region)
        user_obj = None
        if user:
            user_obj = User.objects.filter(username=user).first()
            if user_obj is None:
                raise CommandError(f"Нет пользователя: {user}")
        with source.open("rb") as stream:
            try:
                upload = monitoring_upload_create(
                    file=File(stream, name=source.name),
                    user=user_obj,
                    region=region_obj,
                    dry_run=dry_run,
                    original_name=source.name,
                    enforce_limit=False,
                )
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from None
        upload = monitoring_import(upload=upload)
        summary = (
            f"Загрузка #{upload.pk}: {upload.state_display}"
            f"{' (пробная проверка)' if upload.dry_run else ''}. "
            f"Строк прочитано: {upload.rows_read}, создано: {upload.rows_created}, "
            f"обновлено: {upload.rows_updated}, без изменений: {upload.rows_unchanged}, "
            f"пропущено: {upload.rows_skipped}."
        )
        if upload.status in (UploadStatus.REFUSED, UploadStatus.FAILED):
            total = (upload.preview or {}).get("errors_total", len(upload.errors))
            lines = [summary, f"Файл отклонён, ошибок: {total}. Ничего не записано."]
            lines += [error["message"] for error in upload.errors]
            if total > len(upload.errors):
                lines.append(f"… и ещё {total - len(upload.errors)}")
            raise CommandError("\n".join(lines))
        if upload.status == UploadStatus.REPEAT:
            summary += " Этот файл уже загружен ранее: ничего не изменено."
        self.stdout.write(summary)
