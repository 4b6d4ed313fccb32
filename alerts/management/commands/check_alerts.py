import time

from agencies.commands import PortalCommand
from alerts.choices import MONITORING_KINDS
from alerts.notify import overdue_notify
from alerts.selectors import regions_with_alert_sources, regions_with_unannounced_overdue
from alerts.services import alerts_sync_many
from roadmap_portal.dates import DATE_HINT


class Command(PortalCommand):
    help = (
        "Пересчитывает оповещения (все субъекты или один); двойник задач alerts_sync_all "
        "и alerts_sync_monitoring (--monitoring-only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", help="код субъекта, например 66")
        parser.add_argument("--today", help=f"дата {DATE_HINT} вместо местной даты субъекта")
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
            on_date = self.date_option(today)
        # without --region: regions without measures, monitoring or open alerts cannot
        # change, and are skipped
        regions = [self.region_option(region)] if region else regions_with_alert_sources()
        started = time.monotonic()
        results = alerts_sync_many(
            regions=regions, on_date=on_date, kinds=MONITORING_KINDS if monitoring_only else None
        )
        if not no_notify and not monitoring_only:
            # the regions with an overdue alert not yet announced (one query)
            for item in regions_with_unannounced_overdue().filter(pk__in=[r.pk for r in regions]):
                overdue_notify(region=item)
        opened = closed = total = count = 0
        for result in results:
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
