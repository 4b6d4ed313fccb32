"""Celery tasks of the exports and the job sweeper (thin, safe to run twice; STYLE R9).

No autoretry for exports: a failed job is marked failed and a retry would find it no longer
pending. A worker lost mid-job gives the message back (acks_late, reject_on_worker_lost);
the claim under a lease makes the second delivery a no-op unless the first worker is gone.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from indicators.jobs import MONITORING_UPLOAD_JOB
from roadmap_portal import jobs as job_tools

from .exports import jobs
from .exports.jobs import EXPORT_GENERATE_TASK, GENERATED_EXPORT_JOB
from .models import GeneratedExport


@shared_task(
    name=EXPORT_GENERATE_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.EXPORT_TIME_LIMIT,
    soft_time_limit=max(settings.EXPORT_TIME_LIMIT - 60, 1),
    counts_own_attempts=True,  # on its record: roadmap_portal.jobs.job_claim
)
def export_generate(export_id: int) -> None:
    export = GeneratedExport.objects.filter(pk=export_id).select_related("created_by").first()
    if export is None:
        return
    jobs.export_generate(export=export)


@shared_task
def exports_cleanup() -> int:
    return jobs.exports_cleanup()


def jobs_sweep_all() -> dict[str, dict[str, list[int]]]:
    """Monitoring uploads and export jobs: lost ones re-queued or failed, pending ones
    whose task is missing published again (see `roadmap_portal.jobs.jobs_sweep`); follow-up
    tasks the broker refused after commit published (`roadmap_portal.jobs.publishes_sweep`);
    messages queued and not sent, sent (`alerts.outbox.deliveries_flush`), and the report
    subscriptions' journals given those messages' outcome (`journals_settle`)."""
    from alerts.outbox import deliveries_flush

    from .subscriptions.services import journals_settle

    report = {}
    for name, kind in (("uploads", MONITORING_UPLOAD_JOB), ("exports", GENERATED_EXPORT_JOB)):
        result = job_tools.jobs_sweep(kind)
        report[name] = {
            "requeued": result.requeued,
            "failed": result.failed,
            "published": result.published,
            "unpublished": result.unpublished,
        }
    publishes = job_tools.publishes_sweep()
    report["publishes"] = {
        "published": publishes.published,
        "unpublished": publishes.unpublished,
    }
    notices = deliveries_flush()
    report["notices"] = {"sent": notices.sent, "failed": notices.failed}
    report["subscriptions"] = {"settled": journals_settle()}
    return report


@shared_task
def jobs_sweep() -> dict[str, dict[str, list[int]]]:
    """Every 5 minutes (beat "jobs-sweep"); twin of `manage.py sweep_jobs`."""
    return jobs_sweep_all()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def subscriptions_send() -> dict:
    """Every 10 minutes (beat "subscriptions-send"); twin of `manage.py send_subscriptions`.
    Safe to run twice: a period is inserted once and each delivery claimed by one UPDATE."""
    from .subscriptions.services import subscriptions_send as send

    report = send()
    return {
        "created": report.created,
        "processed": report.processed,
        "files_deleted": report.files_deleted,
    }
