"""`python manage.py export_report KIND [--region CODE] [--from D --to D] [--orgs] --output F`.

The period: weeks for `indicators`; for `index` `--to` is the ranking's date and `--from`
the earlier date compared with; for `alerts` the alerts open at some moment of it.
The format follows the output's extension (.xlsx, .ods, .csv; .pdf for the reports that
offer it, see reports/exports/formats.py). Without `--user` the command
runs as the system and sees every region; with `--user NAME` it is scoped like the web.
"""

from __future__ import annotations

import os
import shutil
import time

from django.core.management.base import CommandError

from agencies.commands import PortalCommand
from agencies.models import Region, User
from reports.exports import jobs
from reports.exports.formats import FORMATS, check_format
from reports.exports.registry import REPORTS, ExportParams, get_report
from roadmap_portal.dates import DATE_HINT


class Command(PortalCommand):
    help = "Выгружает отчёт в XLSX, ODS, CSV или PDF (по расширению файла)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(REPORTS))
        parser.add_argument("--region", default="", help="код субъекта РФ (66)")
        parser.add_argument(
            "--from",
            dest="date_from",
            type=PortalCommand.date_option,
            help=f"{DATE_HINT} (для индекса — дата сравнения)",
        )
        parser.add_argument(
            "--to",
            dest="date_to",
            type=PortalCommand.date_option,
            help=f"{DATE_HINT} (для индекса — дата рейтинга)",
        )
        parser.add_argument("--orgs", action="store_true", help="лист по организациям")
        parser.add_argument("--user", default="", help="сформировать от имени пользователя")
        parser.add_argument(
            "--output", required=True, help="FILE.xlsx, FILE.ods, FILE.csv или FILE.pdf"
        )

    def handle(self, *args, **options):
        output = options["output"]
        fmt = os.path.splitext(output)[1].lower().lstrip(".")
        if fmt not in FORMATS:
            raise CommandError(
                "Укажите файл с расширением " + ", ".join(f".{code}" for code in FORMATS) + "."
            )
        folder = os.path.dirname(os.path.abspath(output))
        if not os.path.isdir(folder):
            raise CommandError(f"Нет папки {folder!r}.")
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"Нет пользователя {options['user']!r}.")
        spec = get_report(options["kind"])
        try:
            check_format(fmt, spec)
        except jobs.ExportRefused as exc:
            raise CommandError(str(exc)) from None
        if spec.needs_region and not options["region"]:
            raise CommandError("Для этого отчёта нужен --region.")
        if (
            options["date_from"]
            and options["date_to"]
            and options["date_from"] > options["date_to"]
        ):
            raise CommandError("--from позже --to.")
        # read as every command reads a code (`region_option`: «7» is 07, unknown refused)
        region_code = self.region_option(options["region"]).code if options["region"] else ""
        params = ExportParams(
            region=region_code,
            date_from=options["date_from"],
            date_to=options["date_to"],
            orgs=options["orgs"],
        )
        tmp = jobs.export_temp_path(fmt)
        started = time.monotonic()
        try:
            written = jobs.export_write(kind=spec.kind, params=params, user=user, fmt=fmt, path=tmp)
            shutil.move(tmp, output)  # nothing half-written at the output path
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(output, 0o666 & ~umask)  # the temporary file was private (0600)
        except Region.DoesNotExist:
            raise CommandError(f"Субъект {options['region']!r} не найден или недоступен.") from None
        except jobs.ExportRefused as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"Не удалось записать {output!r}: {exc.strerror}") from None
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self.stdout.write(f"{output}: {written.rows} строк за {time.monotonic() - started:.1f} с")
