from pathlib import Path

from django.core.files import File
from django.core.management.base import CommandError

from agencies.commands import PortalCommand
from indicators.choices import FactSource, UploadStatus
from indicators.index.uploads import index_upload_apply, index_upload_create, upload_summary


class Command(PortalCommand):
    help = (
        "Загружает «Сведения для индекса внедрения» (CSV/XLSX). Сведения из командной строки "
        "считаются подтверждёнными. Файл с ошибками не загружается ни в какой части."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="только проверить файл")

    def handle(self, *args, path, dry_run, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"Файл не найден: {path}")
        with source.open("rb") as fh:
            upload = index_upload_create(file=File(fh, name=source.name), source=FactSource.COMMAND)
        if upload.errors:
            for message in upload.errors:
                self.stderr.write(message)
            raise CommandError(f"Файл отклонён, ошибок: {len(upload.errors)}. Ничего не загружено.")
        if upload.status == UploadStatus.REPEAT:
            self.stdout.write("Этот файл уже загружен: повторная загрузка ничего не меняет.")
            return
        if dry_run:
            self.stdout.write(
                f"Проверка пройдена: строк {upload.rows_read}, субъектов {len(upload.regions)}. "
                "Ничего не загружено (--dry-run)."
            )
            return
        upload = index_upload_apply(upload=upload)
        if upload.errors:
            for message in upload.errors:
                self.stderr.write(message)
            raise CommandError("Файл отклонён. Ничего не загружено.")
        if upload.status == UploadStatus.REPEAT:
            self.stdout.write("Этот файл уже загружен: повторная загрузка ничего не меняет.")
            return
        self.stdout.write(self.style.SUCCESS(upload_summary(upload)))
