from agencies.commands import PortalCommand
from alerts.notify import alerts_escalate, digest_send, digest_send_all


class Command(PortalCommand):
    help = "Отправляет эскалации и ежедневные сводки оповещений; двойник задачи digest_send_all."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="код субъекта, например 66")

    def handle(self, *args, region=None, **options):
        if region:
            item = self.region_option(region)
            sent = alerts_escalate(region=item) + digest_send(region=item)
        else:
            sent = digest_send_all()
        self.stdout.write(self.style.SUCCESS(f"Отправлено писем: {sent}"))
