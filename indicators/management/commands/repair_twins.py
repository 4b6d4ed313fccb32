from agencies.commands import PortalCommand
from agencies.models import Region
from indicators.services.twins import twins_repair


class Command(PortalCommand):
    help = (
        "Находит двойников, сохранённых до проверки написания: организации с кодами, "
        "различающимися только ведущими нулями, регистром или русской буквой вместо "
        "латинской, и муниципальные образования с названиями, различающимися только "
        "регистром, «ё» или пробелами. Без --apply только показывает (по субъектам: строки "
        "каждого двойника и недели, где строки есть у обоих); с --apply объединяет "
        "(indicators.services.twins)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", help="код субъекта, например 66 (по умолчанию — все)")
        parser.add_argument(
            "--apply", action="store_true", help="объединить (по умолчанию — только показать)"
        )

    def handle(self, *args, **options):
        regions = (
            [self.region_option(options["region"])]
            if options["region"]
            else list(Region.objects.order_by("code"))
        )
        apply = options["apply"]
        merged = left = 0
        for region in regions:
            result = twins_repair(region=region, apply=apply)
            for group in result.groups:
                self.stdout.write(group.describe())
            merged += len(result.merged)
            left += len(result.left)
            if result.applied and result.weeks:
                self.stdout.write(
                    f"Субъект {region.code}: пересчитаны итоги и охват недель: "
                    f"{len(result.weeks)}; индекс и оповещения пересчитываются"
                )
        if not merged and not left:
            self.stdout.write(self.style.SUCCESS("Двойников не найдено."))
            return
        if apply:
            self.stdout.write(
                self.style.SUCCESS(f"Объединено групп: {merged}; оставлено для решения: {left}.")
            )
        else:
            self.stdout.write(
                f"Найдено групп: {merged + left} (из них требуют решения человека: {left}). "
                "Пробный запуск: ничего не изменено; для объединения запустите с --apply."
            )
