"""Celery tasks of the exports (thin, safe to run twice; STYLE R9).

No autoretry: a failed job is marked failed and a retry would find it no longer pending.
"""

from __future__ import annotations

from celery import shared_task

from .exports import jobs
from .models import GeneratedExport


@shared_task
def export_generate(export_id: int) -> None:
    export = GeneratedExport.objects.filter(pk=export_id).select_related("created_by").first()
    if export is None:
        return
    jobs.export_generate(export=export)


@shared_task
def exports_cleanup() -> int:
    return jobs.exports_cleanup()
