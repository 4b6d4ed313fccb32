"""Demo data for `make run`: organisations, a season of monitoring, index facts, statuses.

Small scale, for the seed regions only, drawn by the demo generator (`reports/demo/generator.py`)
with a fixed seed, so every machine gets the same demo. Idempotent: a second run adds nothing
and changes nothing (organisations by code, files rewritten byte for byte and recognised by
the import as repeats, demo date moves and status changes once per roadmap).

The season is placed relative to today: the seed roadmaps' dates (printed for July-December
2025) and the monitoring season are moved by whole weeks so that today falls in the second
half of the roadmaps' period, as on 17.11.2025: most measures are due, some done late, some
overdue, some due soon; the data are fresh and the projections point ahead. The move is
fixed by the first run (kept in the measures' history), so later runs move nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from agencies.commands import PortalCommand
from alerts.selectors import regions_with_alert_sources
from alerts.tasks import alerts_sync_regions
from indicators.index.services import index_recompute
from indicators.models import IndicatorStage
from reports.demo import generator
from roadmaps.choices import ChangeKind, MeasureStatus
from roadmaps.models import Cascade, Measure, MeasureChange, MeasurePart, Roadmap
from roadmaps.services.cascades import cascade_targets_sync

DEMO_REGIONS = ["27", "33", "50", "63", "66"]
DEMO_SEED = 2025
DEMO_SCALE = 0.1
DEMO_MIN_MUNICIPALITIES = 8
MAX_WEEKS = 20
DEMO_MARK = "[демо]"
DEMO_SHIFT_MARK = f"{DEMO_MARK} сроки перенесены"
# The seed roadmaps' «today» the demo re-enacts: a Monday in the second half of their period
DEMO_ANCHOR = dt.date(2025, 11, 17)
# chance that an untouched measure gets a demo status change: most due ones, some of the rest
DEMO_SHARE_DUE = 0.85
DEMO_SHARE_AHEAD = 0.35


def demo_shift(today: dt.date) -> dt.timedelta:
    """Whole weeks that move DEMO_ANCHOR into the week of `today` (a Monday stays a Monday)."""
    return dt.timedelta(weeks=(today - DEMO_ANCHOR).days // 7)


def demo_season_start(shift: dt.timedelta) -> dt.date:
    return generator.FIRST_WEEK + shift


def demo_weeks(today: dt.date, first_week: dt.date = generator.FIRST_WEEK) -> int:
    """Full weeks from `first_week` that ended before `today`, at most MAX_WEEKS."""
    days = (today - first_week).days
    return max(0, min(MAX_WEEKS, days // 7))


def demo_shift_recorded() -> dt.timedelta | None:
    """The move an earlier run made (from a demo date change in the history), if any."""
    change = (
        MeasureChange.objects.filter(comment__startswith=DEMO_SHIFT_MARK)
        .filter(changes__has_key="due_date")
        .order_by("pk")
        .first()
    )
    if change is None:
        return None
    old, new = change.changes["due_date"]
    return dt.date.fromisoformat(new) - dt.date.fromisoformat(old)


class Command(PortalCommand):
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

        # 0. the season relative to today: the seed roadmaps' dates move with it (once)
        shift = demo_shift_recorded()
        if shift is None:
            shift = demo_shift(today)
        first_week = demo_season_start(shift)
        moved = demo_dates_shift(shift)
        self._line(
            f"Сезон: с {first_week:%d.%m.%Y}; сроки дорожных карт сдвинуты на {shift.days} дн. "
            f"(мероприятий: {moved})"
        )

        # 1. organisations and municipalities, then the seed cascades pick up new schools
        world = generator.world_build(
            regions,
            seed=DEMO_SEED,
            scale=DEMO_SCALE,
            min_municipalities=DEMO_MIN_MUNICIPALITIES,
            first_week=first_week,
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
        weeks = demo_weeks(today, first_week)
        # file names and evidence texts say «demo»: uploads and facts show where they came from;
        # one file per region and week, uploaded for its region (its coordinator sees it)
        written = generator.monitoring_write(
            world, out, weeks=weeks, per_region=True, prefix="demo_monitoring"
        )
        self._line(
            f"Мониторинг: {weeks} недель, {written.rows} строк, файлы в {out} "
            f"({written.rows_per_second:.0f} строк/с)"
        )
        facts = out / "demo_index_facts.csv"
        fact_rows = generator.index_facts_write(
            regions, facts, seed=DEMO_SEED, today=today, mark=DEMO_MARK, first_week=first_week
        )
        self._line(f"Сведения для индекса: {fact_rows} строк в {facts}")

        # 3. through the real imports (rollups, index and alerts recompute on commit)
        failures = []
        for path in written.files:
            region_code = path.stem.split("_")[-2]  # demo_monitoring_RR_YYYY-MM-DD
            failures += self._import("import_monitoring", path, "--region", region_code)
        failures += self._import("import_index_inputs", facts)

        # 3b. the index history: one score a week over the season, for the dashboards' trend
        history = demo_index_history(today=today, weeks=weeks, first_week=first_week)
        self._line(f"История индекса: {history} расчётов (по неделям сезона)")

        # 4. status changes with history on the seed roadmaps
        # without --today each region judges by its own local date (Khabarovsk is UTC+10)
        changed = demo_status_changes(today=options["today"])
        if changed:
            self._line(f"Статусы мероприятий: изменено {changed} (комментарий «{DEMO_MARK} …»)")
        else:
            self._line("Статусы мероприятий: демо-изменения уже внесены, ничего не изменено")

        # 5. the sync a status change runs: alerts agree with the statuses just set; every
        # region, as the hourly sync: the regions without demo monitoring have never sent a
        # week, and their «данные устарели» opens now, as the country overview shows them
        region_ids = [region.pk for region in regions_with_alert_sources()]
        on_date = options["today"].isoformat() if options["today"] else None
        alerts_sync_regions(region_ids, on_date)
        self._line("Оповещения: сверены с текущими статусами мероприятий и данными мониторинга")
        if failures:
            raise CommandError("Не загружены файлы: " + "; ".join(failures))

    def _line(self, text: str) -> None:
        self.stdout.write(text)

    def _import(self, command: str, path: Path, *args: str) -> list[str]:
        try:
            call_command(command, str(path), *args, stdout=self.stdout, stderr=self.stderr)
        except CommandError as exc:
            self.stderr.write(f"{path.name}: {exc}")
            return [f"{path.name}: {exc}"]
        return []


def demo_index_history(
    *, today: dt.date, weeks: int, first_week: dt.date = generator.FIRST_WEEK
) -> int:
    """The index of every region at the end of each demo week (idempotent: recompute
    updates the stored score of a date), so trends and rankings have a history."""
    stored = 0
    for week in range(weeks):
        day = first_week + dt.timedelta(weeks=week, days=6)
        if day < today:
            stored += len(index_recompute(on_date=day))
    return stored


def _demo_roadmaps():
    return (
        Roadmap.objects.filter(region__code__in=DEMO_REGIONS)
        .exclude(code__startswith="gen-")
        .select_related("region")
        .order_by("code")
    )


def _untouched_measures(roadmap: Roadmap):
    """Measures nobody has touched: version 1 and no history but the demo's own."""
    users_changes = MeasureChange.objects.filter(measure=OuterRef("pk")).exclude(
        comment__startswith=DEMO_MARK
    )
    return Measure.objects.filter(roadmap=roadmap, version=1).exclude(Exists(users_changes))


def demo_dates_shift(shift: dt.timedelta) -> int:
    """Moves the dates of the demo regions' seed roadmaps by `shift`, once per roadmap.

    Only untouched measures move (a user's dates stand); each move is kept in the measure's
    history («[демо] сроки перенесены …» with the old and new due date); the printed deadline
    text stays as in the document. With the first move the indicators' stage dates move
    too (they are the same season's targets). Returns the measures moved.
    """
    if not shift:
        return 0
    moved = 0
    with transaction.atomic():
        first = not MeasureChange.objects.filter(comment__startswith=DEMO_SHIFT_MARK).exists()
        for roadmap in _demo_roadmaps():
            if MeasureChange.objects.filter(
                measure__roadmap=roadmap, comment__startswith=DEMO_SHIFT_MARK
            ).exists():
                continue
            moved += _roadmap_dates_shift(roadmap, shift)
        if first and moved:
            # the stage dates of the indicators belong to the same season (a demo database)
            IndicatorStage.objects.update(target_date=F("target_date") + shift)
    return moved


@transaction.atomic
def _roadmap_dates_shift(roadmap: Roadmap, shift: dt.timedelta) -> int:
    measures = list(_untouched_measures(roadmap).filter(due_date__isnull=False))
    if not measures:
        return 0
    for measure in measures:
        old = measure.due_date
        Measure.objects.filter(pk=measure.pk, version=1).update(
            due_date=F("due_date") + shift,
            start_date=F("start_date") + shift,
        )
        MeasureChange.objects.create(
            measure=measure,
            kind=ChangeKind.EDIT,
            changes={"due_date": [old.isoformat(), (old + shift).isoformat()]},
            comment=f"{DEMO_SHIFT_MARK} к текущему сезону",
        )
    if roadmap.approved_on:
        Roadmap.objects.filter(pk=roadmap.pk).update(approved_on=F("approved_on") + shift)
    Cascade.objects.filter(measure__roadmap=roadmap, due_date__isnull=False).update(
        due_date=F("due_date") + shift
    )
    return len(measures)


def demo_status_changes(*, today: dt.date | None = None) -> int:
    """A handful of realistic status changes per seed roadmap, once (marked «[демо]»).

    Only measures nobody has touched (version 1, no history) change, each through a
    conditional update on its version, so a user's edit made meanwhile is never overwritten.
    A roadmap that already has demo history is left alone: running twice changes nothing.
    """
    changed = 0
    for roadmap in _demo_roadmaps():
        if MeasureChange.objects.filter(
            measure__roadmap=roadmap, kind=ChangeKind.STATUS, comment__startswith=DEMO_MARK
        ).exists():
            continue
        changed += _roadmap_demo_changes(roadmap, today or roadmap.region.local_today())
    return changed


@transaction.atomic
def _roadmap_demo_changes(roadmap: Roadmap, today: dt.date) -> int:
    rng = random.Random(f"{DEMO_SEED}:demo-status:{roadmap.code}")
    untouched = list(
        _untouched_measures(roadmap).filter(status=MeasureStatus.NOT_STARTED).order_by("position")
    )
    chosen = [
        m
        for m in untouched
        if rng.random()
        < (DEMO_SHARE_DUE if m.due_date is None or m.due_date < today else DEMO_SHARE_AHEAD)
    ]
    assert roadmap.region is not None  # demo roadmaps are regional (_demo_roadmaps)
    tz = roadmap.region.tz
    changed = 0
    for measure in chosen:
        due = measure.due_date
        # work starts some weeks before the deadline (or the last weeks, with no deadline)
        started = min(today, (due or today) - dt.timedelta(days=rng.randint(10, 45)))
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
        # every responsible body's part moves with the measure (parts untouched so far)
        MeasurePart.objects.filter(measure=measure, version=1).update(
            status=steps[-1][1], completed_on=completed, status_changed_at=stamps[-1]
        )
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
