from agencies.commands import PortalCommand
from reports.exports.jobs import exports_cleanup


class Command(PortalCommand):
    help = "Удаляет файлы фоновых отчётов с истёкшим сроком хранения (как задача exports-cleanup)."

    def handle(self, *args, **options):
        count = exports_cleanup()
        self.stdout.write(f"Удалено отчётов: {count}")
