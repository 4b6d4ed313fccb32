"""Celery tasks of the indicators app: thin, idempotent, twins of management commands."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from .models import MonitoringUpload
from .services.uploads import monitoring_import


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def monitoring_import_task(upload_id: int) -> str | None:
    """Imports one uploaded monitoring file; twin of `manage.py import_monitoring`.

    Safe to redeliver: a settled upload (done, refused, repeat) is left alone, and a file
    is written in one transaction, so a job cut short is simply run again.
    """
    upload = MonitoringUpload.objects.filter(pk=upload_id).first()
    if upload is None:
        return None
    return monitoring_import(upload=upload).status
