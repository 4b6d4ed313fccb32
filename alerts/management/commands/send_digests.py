from django.core.management.base import CommandError

from agencies.models import Region
from alerts.notify import alerts_escalate, digest_send, digest_send_all
from roadmap_portal.commands import PortalCommand


class Command(PortalCommand):
    help = "Отправляет эскалации и ежедневные сводки оповещений; двойник задачи digest_send_all."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="код субъекта, например 66")

    def handle(self, *args, region=None, **options):
        if region:
            item = Region.objects.filter(code=region).first()
            if item is None:
                raise CommandError(f"Субъект с кодом «{region}» не найден")
            sent = alerts_escalate(region=item) + digest_send(region=item)
        else:
            sent = digest_send_all()
        self.stdout.write(self.style.SUCCESS(f"Отправлено писем: {sent}"))
