import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.commands import PortalCommand
from agencies.models import Region
from indicators.index.services import index_recompute
from roadmap_portal.dates import DATE_HINT


class Command(PortalCommand):
    help = "Пересчитывает индекс внедрения (все субъекты или один) на дату."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="код субъекта, например 66")
        parser.add_argument("--date", help=f"дата {DATE_HINT} (по умолчанию — сегодня по субъекту)")

    def handle(self, *args, **options):
        region_ids = None
        asked = Region.objects.count()
        if options["region"]:
            region_ids = [self.region_option(options["region"]).pk]
            asked = 1
        on_date = self.date_option(options["date"]) if options["date"] else None
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            scores = index_recompute(region_ids=region_ids, on_date=on_date)
        elapsed = time.perf_counter() - started
        db_time = sum(float(q.get("time") or 0) for q in queries.captured_queries)
        # a region with neither a fact nor a monitoring week has no index to store
        without = f"; без данных (индекс не рассчитан): {asked - len(scores)}"
        self.stdout.write(
            f"Пересчитано субъектов: {len(scores)}{without if asked > len(scores) else ''}; "
            f"{elapsed:.3f} с; "
            f"запросов к БД: {len(queries)}, время БД: {db_time:.3f} с"
        )
