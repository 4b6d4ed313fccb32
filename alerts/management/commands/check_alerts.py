import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from agencies.models import Region
from alerts.choices import MONITORING_KINDS
from alerts.notify import overdue_notify
from alerts.selectors import regions_with_alert_sources
from alerts.services import alerts_sync
from indicators.models import IndicatorStage


class Command(BaseCommand):
    help = (
        "Пересчитывает оповещения (все субъекты или один); двойник задач alerts_sync_all "
        "и alerts_sync_monitoring (--monitoring-only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", help="код субъекта, например 66")
        parser.add_argument("--today", help="дата ГГГГ-ММ-ДД вместо местной даты субъекта")
        parser.add_argument(
            "--no-notify", action="store_true", help="не отправлять сообщения о новых просрочках"
        )
        parser.add_argument(
            "--monitoring-only",
            action="store_true",
            help="только оповещения по данным мониторинга (как после загрузки файла; "
            "двойник задачи alerts_sync_monitoring)",
        )

    def handle(
        self, *args, region=None, today=None, no_notify=False, monitoring_only=False, **options
    ):
        on_date = None
        if today:
            try:
                on_date = dt.date.fromisoformat(today)
            except ValueError:
                raise CommandError(f"Неверная дата «{today}»: нужен формат ГГГГ-ММ-ДД") from None
        if region:
            regions = list(Region.objects.filter(code=region))
            if not regions:
                raise CommandError(f"Субъект с кодом «{region}» не найден")
        else:
            # regions without measures, monitoring or open alerts cannot change: skipped
            regions = regions_with_alert_sources()
        stages = list(IndicatorStage.objects.select_related("indicator"))
        started = time.monotonic()
        opened = closed = total = count = 0
        for item in regions:
            result = alerts_sync(
                region=item,
                on_date=on_date,
                stages=stages,
                kinds=MONITORING_KINDS if monitoring_only else None,
            )
            if not no_notify and not monitoring_only:
                overdue_notify(region=item)
            opened += len(result.opened)
            closed += result.closed
            total += result.open_total
            count += 1
            if result.opened or result.closed or region:
                self.stdout.write(str(result))
        self.stdout.write(
            self.style.SUCCESS(
                f"Проверено субъектов: {count}; открыто {opened}, закрыто {closed}, "
                f"всего открытых {total} ({time.monotonic() - started:.1f} с)"
            )
        )
