"""Celery tasks of the indicators app: thin, idempotent, twins of management commands."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from agencies.models import Region

from .index.services import index_recompute
from .jobs import (
    INDEX_RECOMPUTE_ALL_TASK,
    INDEX_RECOMPUTE_REGION_TASK,
    INDEX_RECOMPUTE_REGIONS_TASK,
    MONITORING_IMPORT_TASK,
)
from .models import MonitoringUpload
from .services.seeds import seeds_load
from .services.uploads import monitoring_import

TRANSIENT = (ConnectionError, OperationalError)


@shared_task(
    name=MONITORING_IMPORT_TASK,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.IMPORT_TIME_LIMIT,
    soft_time_limit=max(settings.IMPORT_TIME_LIMIT - 60, 1),
    counts_own_attempts=True,  # on its record: roadmap_portal.jobs.job_claim
)
def monitoring_import_task(upload_id: int) -> str | None:
    """Imports one uploaded monitoring file; twin of `manage.py import_monitoring`.

    Safe to redeliver: the upload is claimed under a lease by one conditional UPDATE, so a
    second delivery of a running or finished upload changes nothing; a file is written in
    one transaction, so a job whose worker died is simply run again.
    """
    upload = MonitoringUpload.objects.filter(pk=upload_id).first()
    if upload is None:
        return None
    return monitoring_import(upload=upload).status


@shared_task(
    name=INDEX_RECOMPUTE_REGION_TASK, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3
)
def index_recompute_region(region_id: int, on_date_iso: str | None = None) -> int:
    """Recomputes one region's index (its local today by default); twin of
    `manage.py recompute_index --region CODE`. Quietly does nothing if the region is gone."""
    if not Region.objects.filter(pk=region_id).exists():
        return 0
    on_date = dt.date.fromisoformat(on_date_iso) if on_date_iso else None
    return len(index_recompute(region_ids=[region_id], on_date=on_date))


@shared_task(
    name=INDEX_RECOMPUTE_REGIONS_TASK, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3
)
def index_recompute_regions(region_ids: list[int], on_date_iso: str | None = None) -> int:
    """Several regions at once: the same constant number of queries as one region."""
    on_date = dt.date.fromisoformat(on_date_iso) if on_date_iso else None
    return len(index_recompute(region_ids=list(region_ids), on_date=on_date))


@shared_task(
    name=INDEX_RECOMPUTE_ALL_TASK, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3
)
def index_recompute_all() -> int:
    """Nightly: every region's index on its local today (beat "index-recompute-nightly")."""
    return len(index_recompute())


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def seeds_load_task() -> None:
    """Reloads the reference fixtures (idempotent); twin of `manage.py load_seeds`."""
    seeds_load()
