from indicators.services.seeds import seeds_load
from roadmap_portal.commands import PortalCommand


class Command(PortalCommand):
    help = "Загружает справочники и дорожные карты из fixtures/ (повторный запуск безопасен)."

    def handle(self, *args, **options):
        summary = seeds_load()
        for line in summary.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Справочники загружены."))
