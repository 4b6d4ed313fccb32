from agencies.commands import PortalCommand
from indicators.services.seeds import seeds_load


class Command(PortalCommand):
    help = "Загружает справочники и дорожные карты из fixtures/ (повторный запуск безопасен)."

    def handle(self, *args, **options):
        summary = seeds_load()
        for line in summary.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Справочники загружены."))
