"""Finds lost, stuck and never-queued background jobs (twin of the beat task "jobs-sweep").

Monitoring uploads and export jobs RUNNING whose worker is gone (or past their time limit)
go back to the queue, or fail with a reason after JOBS_MAX_ATTEMPTS; PENDING ones whose
task was never published (broker down) or long ago are published again. Follow-up tasks
the broker refused after commit are published; alert notices left queued are sent.
"""

from agencies.commands import PortalCommand
from reports.tasks import jobs_sweep_all


class Command(PortalCommand):
    help = "Перезапускает зависшие и потерянные фоновые задачи (загрузки, отчёты)."

    def handle(self, *args, **options):
        report = jobs_sweep_all()
        publishes = report.pop("publishes")
        notices = report.pop("notices")
        subscriptions = report.pop("subscriptions")
        for name, result in report.items():
            self.stdout.write(
                f"{name}: requeued {len(result['requeued'])}, failed {len(result['failed'])}, "
                f"published {len(result['published'])}, "
                f"broker unavailable for {len(result['unpublished'])}"
            )
        self.stdout.write(
            f"follow-up tasks: published {len(publishes['published'])}, "
            f"broker unavailable for {len(publishes['unpublished'])}"
        )
        self.stdout.write(
            f"alert notices: sent {len(notices['sent'])}, failed {len(notices['failed'])}"
        )
        self.stdout.write(f"report subscriptions settled: {len(subscriptions['settled'])}")
        if publishes["unpublished"] or any(result["unpublished"] for result in report.values()):
            self.stderr.write("Очередь задач недоступна: задачи останутся в ожидании.")
