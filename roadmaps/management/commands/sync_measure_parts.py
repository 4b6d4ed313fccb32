"""`manage.py sync_measure_parts [--region CODE]`: every body concerned gets its part.

A measure with several responsible bodies, or a collective designation, has one part per
body concerned (roadmaps.services.parts). The seed loader and the roadmap import keep them
in step; run this after adding a region's bodies (a collective then covers the new ones)
or once on a database from before parts existed. Idempotent.
"""

from __future__ import annotations

from agencies.commands import PortalCommand
from roadmaps.models import Measure
from roadmaps.services.parts import measure_parts_sync


class Command(PortalCommand):
    help = "Части мероприятий по каждому ответственному органу (повторный запуск безопасен)."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="код субъекта (по умолчанию все)")

    def handle(self, *args, region=None, **options):
        measures = Measure.objects.all()
        if region:
            measures = measures.filter(roadmap__region=self.region_option(region))
        counts = measure_parts_sync(measures)
        self.stdout.write(
            f"Частей создано: {counts['created']}, удалено: {counts['deleted']}, "
            f"мероприятий пересчитано: {counts['rolled_up']}."
        )
