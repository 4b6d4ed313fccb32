"""Demo data for `make run`: organisations, a season of monitoring, index facts, statuses.

Small scale, for the seed regions only, drawn by the demo generator (`reports/demo/generator.py`)
with a fixed seed, so every machine gets the same demo. Idempotent: a second run adds nothing
and changes nothing (organisations by code, files rewritten byte for byte and recognised by
the import as repeats, demo status changes once per roadmap).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from indicators.index.services import index_recompute
from reports.demo import generator
from roadmaps.choices import ChangeKind, MeasureStatus
from roadmaps.models import Cascade, Measure, MeasureChange, Roadmap
from roadmaps.services.cascades import cascade_targets_sync

DEMO_REGIONS = ["27", "33", "50", "63", "66"]
DEMO_SEED = 2025
DEMO_SCALE = 0.1
DEMO_MIN_MUNICIPALITIES = 8
MAX_WEEKS = 20
DEMO_MARK = "[демо]"
DEMO_SHARE = 0.3  # share of a roadmap's untouched measures that get a demo status change
DEMO_MAX_PER_ROADMAP = 12


def demo_weeks(today: dt.date) -> int:
    """Full weeks from 01.09.2025 that ended before `today`, at most MAX_WEEKS."""
    days = (today - generator.FIRST_WEEK).days
    return max(0, min(MAX_WEEKS, days // 7))


class Command(BaseCommand):
    help = "Загружает демонстрационные данные (организации, мониторинг, сведения для индекса)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--out",
            type=Path,
            default=Path(settings.VAR_DIR) / "demo",
            help="папка для файлов мониторинга (по умолчанию var/demo)",
        )
        parser.add_argument(
            "--today", type=dt.date.fromisoformat, default=None, help="дата YYYY-MM-DD"
        )

    def handle(self, *args, **options):
        out: Path = options["out"]
        today: dt.date = options["today"] or timezone.localdate()
        regions = generator.regions_from_db(DEMO_REGIONS)
        if len(regions) != len(DEMO_REGIONS):
            raise CommandError("Нет справочника субъектов: сначала выполните load_seeds.")
        self._line(f"Демонстрационные данные {DEMO_MARK}: субъекты {', '.join(DEMO_REGIONS)}")

        # 1. organisations and municipalities, then the seed cascades pick up new schools
        world = generator.world_build(
            regions, seed=DEMO_SEED, scale=DEMO_SCALE, min_municipalities=DEMO_MIN_MUNICIPALITIES
        )
        saved = generator.world_save(world)
        self._line(
            f"Муниципальные образования: создано {saved.municipalities}; "
            f"организации: создано {saved.organisations} (всего в демо {world.organisation_count})"
        )
        added = 0
        for cascade in Cascade.objects.filter(
            measure__roadmap__region__code__in=DEMO_REGIONS
        ).select_related("measure__roadmap"):
            added += cascade_targets_sync(cascade)
        self._line(f"Каскады: добавлено адресатов {added}")

        # 2. a season of weekly monitoring and the index facts, as files
        weeks = demo_weeks(today)
        # file names and evidence texts say «demo»: uploads and facts show where they came from
        written = generator.monitoring_write(world, out, weeks=weeks, prefix="demo_monitoring")
        self._line(
            f"Мониторинг: {weeks} недель, {written.rows} строк, файлы в {out} "
            f"({written.rows_per_second:.0f} строк/с)"
        )
        facts = out / "demo_index_facts.csv"
        fact_rows = generator.index_facts_write(
            regions, facts, seed=DEMO_SEED, today=today, mark=DEMO_MARK
        )
        self._line(f"Сведения для индекса: {fact_rows} строк в {facts}")

        # 3. through the real imports (rollups, index and alerts recompute on commit)
        failures = []
        for path in written.files:
            failures += self._import("import_monitoring", path)
        failures += self._import("import_index_inputs", facts)

        # 3b. the index history: one score a week over the season, for the dashboards' trend
        history = demo_index_history(today=today, weeks=weeks)
        self._line(f"История индекса: {history} расчётов (по неделям сезона)")

        # 4. status changes with history on the seed roadmaps
        # without --today each region judges by its own local date (Khabarovsk is UTC+10)
        changed = demo_status_changes(today=options["today"])
        if changed:
            self._line(f"Статусы мероприятий: изменено {changed} (комментарий «{DEMO_MARK} …»)")
        else:
            self._line("Статусы мероприятий: демо-изменения уже внесены, ничего не изменено")
        if failures:
            raise CommandError("Не загружены файлы: " + "; ".join(failures))

    def _line(self, text: str) -> None:
        self.stdout.write(text)

    def _import(self, command: str, path: Path) -> list[str]:
        try:
            call_command(command, str(path), stdout=self.stdout, stderr=self.stderr)
        except CommandError as exc:
            self.stderr.write(f"{path.name}: {exc}")
            return [f"{path.name}: {exc}"]
        return []


def demo_index_history(*, today: dt.date, weeks: int) -> int:
    """The index of every region at the end of each demo week (idempotent: recompute
    updates the stored score of a date), so trends and rankings have a history."""
    stored = 0
    for week in range(weeks):
        day = generator.FIRST_WEEK + dt.timedelta(weeks=week, days=6)
        if day < today:
            stored += len(index_recompute(on_date=day))
    return stored


def demo_status_changes(*, today: dt.date | None = None) -> int:
    """A handful of realistic status changes per seed roadmap, once (marked «[демо]»).

    Only measures nobody has touched (version 1, no history) change, each through a
    conditional update on its version, so a user's edit made meanwhile is never overwritten.
    A roadmap that already has demo history is left alone: running twice changes nothing.
    """
    changed = 0
    roadmaps = (
        Roadmap.objects.filter(region__code__in=DEMO_REGIONS)
        .exclude(code__startswith="gen-")
        .select_related("region")
        .order_by("code")
    )
    for roadmap in roadmaps:
        if MeasureChange.objects.filter(
            measure__roadmap=roadmap, comment__startswith=DEMO_MARK
        ).exists():
            continue
        changed += _roadmap_demo_changes(roadmap, today or roadmap.region.local_today())
    return changed


@transaction.atomic
def _roadmap_demo_changes(roadmap: Roadmap, today: dt.date) -> int:
    rng = random.Random(f"{DEMO_SEED}:demo-status:{roadmap.code}")
    untouched = list(
        Measure.objects.filter(roadmap=roadmap, version=1, status=MeasureStatus.NOT_STARTED)
        .exclude(Exists(MeasureChange.objects.filter(measure=OuterRef("pk"))))
        .order_by("position")
    )
    count = min(DEMO_MAX_PER_ROADMAP, max(1, round(len(untouched) * DEMO_SHARE)))
    chosen = sorted(rng.sample(untouched, min(count, len(untouched))), key=lambda m: m.position)
    tz = roadmap.region.tz
    changed = 0
    for measure in chosen:
        start = roadmap.approved_on or dt.date(2025, 8, 1)
        started = min(today, start + dt.timedelta(days=rng.randint(3, 25)))
        due = measure.due_date
        done = due is not None and rng.random() < (0.75 if due < today else 0.2)
        steps = [(MeasureStatus.NOT_STARTED, MeasureStatus.IN_PROGRESS, started, "работа начата")]
        completed = None
        if done:
            late = rng.random() < 0.3
            offset = rng.randint(1, 20) if late else -rng.randint(0, 15)
            completed = min(today, max(started, due + dt.timedelta(days=offset)))
            steps.append(
                (
                    MeasureStatus.IN_PROGRESS,
                    MeasureStatus.DONE,
                    completed,
                    "выполнено, отчёт направлен координатору",
                )
            )
        stamps = [
            dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.randint(0, 59)), tzinfo=tz)
            for _old, _new, day, _c in steps
        ]
        updated = Measure.objects.filter(
            pk=measure.pk, version=1, status=MeasureStatus.NOT_STARTED
        ).update(
            status=steps[-1][1],
            completed_on=completed,
            status_changed_at=stamps[-1],
            version=1 + len(steps),
        )
        if updated != 1:  # a user changed it meanwhile: theirs stands
            continue
        for (old, new, _day, comment), stamp in zip(steps, stamps, strict=True):
            change = MeasureChange.objects.create(
                measure=measure,
                kind=ChangeKind.STATUS,
                old_status=old,
                new_status=new,
                changes={"status": [old, new]},
                comment=f"{DEMO_MARK} {comment}",
            )
            # created_at is auto_now_add: put the drawn moment back
            MeasureChange.objects.filter(pk=change.pk).update(created_at=stamp)
        changed += 1
    return changed
