"""Sends the report subscriptions that are due (twin of the beat task "subscriptions-send").

`--now 2026-11-30T09:00+05:00` runs as of another moment (scripts, checks); a period already
delivered is never sent again.
"""

import datetime as dt

from django.core.management.base import CommandError
from django.utils import timezone

from agencies.commands import PortalCommand
from reports.subscriptions.services import subscriptions_send


class Command(PortalCommand):
    help = "Отправляет отчёты по подпискам, срок которых наступил."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", help="момент ISO 8601 с часовым поясом (по умолчанию — сейчас)"
        )

    def handle(self, *args, **options):
        now = timezone.now()
        if options["now"]:
            try:
                now = dt.datetime.fromisoformat(options["now"])
            except ValueError:
                raise CommandError("--now: ожидается дата и время ISO 8601") from None
            if timezone.is_naive(now):
                raise CommandError("--now: укажите часовой пояс, например 2026-11-30T09:00+05:00")
        report = subscriptions_send(now=now)
        statuses: dict[str, int] = {}
        for status in report.processed.values():
            statuses[status] = statuses.get(status, 0) + 1
        summary = ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())) or "none"
        self.stdout.write(
            f"deliveries created {len(report.created)}, processed: {summary}; "
            f"files deleted {report.files_deleted}"
        )
