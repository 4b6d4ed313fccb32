import datetime as dt
import time

from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import Region
from indicators.index.services import index_recompute
from roadmap_portal.commands import PortalCommand


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Дата должна быть в формате ГГГГ-ММ-ДД: {value}") from exc


class Command(PortalCommand):
    help = "Пересчитывает индекс внедрения (все субъекты или один) на дату."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="код субъекта, например 66")
        parser.add_argument("--date", help="дата ГГГГ-ММ-ДД (по умолчанию — сегодня по субъекту)")

    def handle(self, *args, **options):
        region_ids = None
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"Нет субъекта с кодом {options['region']}.")
            region_ids = [region.pk]
        on_date = parse_date(options["date"]) if options["date"] else None
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            scores = index_recompute(region_ids=region_ids, on_date=on_date)
        elapsed = time.perf_counter() - started
        db_time = sum(float(q.get("time") or 0) for q in queries.captured_queries)
        self.stdout.write(
            f"Пересчитано субъектов: {len(scores)}; {elapsed:.3f} с; "
            f"запросов к БД: {len(queries)}, время БД: {db_time:.3f} с"
        )
