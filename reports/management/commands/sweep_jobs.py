"""Finds lost, stuck and never-queued background jobs (twin of the beat task "jobs-sweep").

Monitoring uploads and export jobs RUNNING whose worker is gone (or past their time limit)
go back to the queue, or fail with a reason after JOBS_MAX_ATTEMPTS; PENDING ones whose
task was never published (broker down) or long ago are published again.
"""

from agencies.commands import PortalCommand
from reports.tasks import jobs_sweep_all


class Command(PortalCommand):
    help = "Перезапускает зависшие и потерянные фоновые задачи (загрузки, отчёты)."

    def handle(self, *args, **options):
        report = jobs_sweep_all()
        for name, result in report.items():
            self.stdout.write(
                f"{name}: requeued {len(result['requeued'])}, failed {len(result['failed'])}, "
                f"published {len(result['published'])}, "
                f"broker unavailable for {len(result['unpublished'])}"
            )
        if any(result["unpublished"] for result in report.values()):
            self.stderr.write("Очередь задач недоступна: задачи останутся в ожидании.")
