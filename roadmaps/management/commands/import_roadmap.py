"""`manage.py import_roadmap PATH --region CODE [--dry-run] [--roadmap CODE | --new-roadmap]`.

The twin of the upload page: the same reading, matching and all-or-nothing write. Close
matches of responsible bodies take their best candidate (printed); `--dry-run` prints the
preview and writes nothing. A refused document exits 1 with the reasons.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from agencies.commands import PortalCommand
from agencies.models import User
from roadmap_portal.dates import DATE_HINT
from roadmaps.imports.document import DocumentError, roadmap_document_read
from roadmaps.models import Roadmap
from roadmaps.services.roadmap_import import (
    ImportPlan,
    RoadmapImportError,
    roadmap_default_for,
    roadmap_document_check,
    roadmap_import_plan,
    roadmap_version_apply,
    roadmap_version_upload,
)


class Command(PortalCommand):
    help = "Импорт дорожной карты субъекта из документа DOCX, XLSX или CSV."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--region", required=True, help="код субъекта")
        parser.add_argument("--dry-run", action="store_true", help="только проверить")
        parser.add_argument("--roadmap", help="код дорожной карты, новую версию которой грузим")
        parser.add_argument(
            "--new-roadmap", action="store_true", help="новая дорожная карта, а не новая версия"
        )
        parser.add_argument("--approved-on", help=f"дата утверждения, {DATE_HINT}")
        parser.add_argument("--user", help="от имени пользователя (для истории)")

    def handle(self, *args, path, region, dry_run=False, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"Файл не найден: {path}")
        region_obj = self.region_option(region)
        roadmap = None
        if options.get("roadmap"):
            roadmap = Roadmap.objects.filter(code=options["roadmap"], region=region_obj).first()
            if roadmap is None:
                raise CommandError(f"У субъекта нет дорожной карты с кодом {options['roadmap']}")
        elif not options.get("new_roadmap"):
            roadmap = roadmap_default_for(region_obj)
        approved_on = None
        if options.get("approved_on"):
            approved_on = self.date_option(options["approved_on"])
        actor = None
        if options.get("user"):
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"Нет пользователя: {options['user']}")
        data = source.read_bytes()
        try:
            roadmap_document_check(name=source.name, data=data)
            parsed = roadmap_document_read(name=source.name, data=data, approved_on=approved_on)
        except RoadmapImportError as error:
            raise CommandError("\n".join(error.messages)) from None
        except DocumentError as error:
            raise CommandError("\n".join(error.messages)) from None
        plan = roadmap_import_plan(region=region_obj, roadmap=roadmap, parsed=parsed)
        self._print_plan(plan, verbose=options.get("verbosity", 1) > 1)
        if plan.errors:
            raise CommandError("Документ не принят:\n" + "\n".join(plan.errors))
        if dry_run:
            self.stdout.write("Пробная проверка: ничего не записано.")
            return
        try:
            version = roadmap_version_upload(
                region=region_obj,
                name=source.name,
                data=data,
                actor=actor,
                roadmap=roadmap,
                approved_on=approved_on,
            )
            result = roadmap_version_apply(version=version, actor=actor)
        except RoadmapImportError as error:
            raise CommandError("Документ не принят:\n" + "\n".join(error.messages)) from None
        if result.changed:
            self.stdout.write(
                f"Записана версия {result.version.number} дорожной карты «{result.roadmap.code}»;"
                f" новых органов: {len(result.created_agencies)}."
            )
        else:
            self.stdout.write("Документ не отличается от действующей версии: ничего не изменено.")

    def _print_plan(self, plan: ImportPlan, *, verbose: bool) -> None:
        out = self.stdout.write
        parsed = plan.parsed
        target = f"новая версия «{plan.roadmap.code}»" if plan.roadmap else "новая дорожная карта"
        out(f"{plan.region}: {target}")
        approved = f"{parsed.approved_on:%d.%m.%Y}" if parsed.approved_on else "—"
        out(f"Документ: {parsed.title or '—'} (утверждён {approved})")
        counts = plan.counts
        out(
            f"Разделов: {len(parsed.sections)}, мероприятий: {counts['total']}; "
            f"добавлено {counts['added']}, изменено {counts['changed']} (срок перенесён "
            f"{counts['deadline_moved']}, формулировка {counts['reworded']}), исключено "
            f"{counts['removed']}, без изменений {counts['unchanged']}"
        )
        for match in plan.agencies.values():
            if match.kind == "close":
                out(f"  близкое совпадение: «{match.name}» → {match.agency}")
            elif match.kind == "new":
                out(f"  новый орган: «{match.name}»")
        if verbose:
            for diff in plan.measures:
                item = diff.parsed
                if item is None:
                    out(f"  исключается: {diff.existing}")
                    continue
                parsed_deadline = item.deadline
                dates = ""
                if parsed_deadline and parsed_deadline.due_date:
                    dates = f" → {parsed_deadline.due_date:%d.%m.%Y}"
                out(
                    f"  {item.number} [{diff.kind}] {item.title[:80]} | {item.deadline_text}{dates}"
                )
