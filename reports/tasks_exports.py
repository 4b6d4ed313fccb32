"""Celery tasks of the exports (thin, safe to run twice; STYLE R9).

`reports.tasks` re-exports `exports_cleanup` for the beat entry "exports-cleanup".
"""

from __future__ import annotations

from celery import shared_task

# Explicit names: the beat schedule and the integrator's `reports.tasks` re-export use them.
# No autoretry: a failed job is marked failed and a retry would find it no longer pending.


@shared_task(name="reports.tasks.export_generate")
def export_generate(export_id: int) -> None:
    from reports.exports import jobs
    from reports.models import GeneratedExport

    export = GeneratedExport.objects.filter(pk=export_id).select_related("created_by").first()
    if export is None:
        return
    jobs.export_generate(export=export)


@shared_task(name="reports.tasks.exports_cleanup")
def exports_cleanup() -> int:
    from reports.exports import jobs

    return jobs.exports_cleanup()
