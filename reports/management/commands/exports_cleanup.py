from reports.exports.jobs import exports_cleanup
from roadmap_portal.commands import PortalCommand


class Command(PortalCommand):
    help = "Удаляет файлы фоновых отчётов с истёкшим сроком хранения (как задача exports-cleanup)."

    def handle(self, *args, **options):
        count = exports_cleanup()
        self.stdout.write(f"Удалено отчётов: {count}")
