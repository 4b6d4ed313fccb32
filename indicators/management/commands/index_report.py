import json

from django.core.management.base import CommandError
from django.utils import timezone

from agencies.commands import PortalCommand
from agencies.models import Region
from indicators.index.selectors import index_evaluate
from roadmap_portal.dates import DATE_HINT


class Command(PortalCommand):
    help = "Печатает индекс внедрения по субъектам на дату (по критериям, с входными данными)."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="код субъекта, например 66")
        parser.add_argument("--date", help=f"дата {DATE_HINT} (по умолчанию — сегодня)")
        parser.add_argument("--format", choices=["json"], default="json")

    def handle(self, *args, **options):
        regions = Region.objects.order_by("code")
        if options["region"]:
            regions = regions.filter(pk=self.region_option(options["region"]).pk)
        on_date = self.date_option(options["date"]) if options["date"] else timezone.localdate()
        codes = dict(regions.values_list("id", "code"))
        version, results = index_evaluate(region_ids=list(codes), on_date=on_date)
        if version is None:
            raise CommandError(f"На {on_date:%d.%m.%Y} нет действующей методики индекса.")
        out = []
        for region_id, code in sorted(codes.items(), key=lambda item: item[1]):
            result = results[region_id]
            known = result.has_data  # without data: null («нет данных»), never 0 points

            def points(value, known=known):
                return float(value) if known else None

            out.append(
                {
                    "region_code": code,
                    "date": on_date.isoformat(),
                    "methodology": version.code,
                    "has_data": known,
                    "total": points(result.total),
                    "claimed_total": points(result.claimed_total),
                    "components": {
                        c.code: {"points": points(c.points), "max": float(c.max_points)}
                        for c in result.components
                    },
                    "criteria": {
                        c.code: {
                            "points": points(c.points),
                            "max": float(c.max_points),
                            "inputs": c.inputs,
                        }
                        for c in result.criteria
                    },
                }
            )
        self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
