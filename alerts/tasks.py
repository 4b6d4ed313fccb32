"""Thin, idempotent Celery tasks of the alerts (STYLE R9); each has a management-command twin.

Enqueued by the receivers in `alerts.receivers` (a measure changed, a monitoring file was
imported) and by the beat schedule.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import OperationalError

from agencies.models import Region
from alerts.notify import overdue_notify
from alerts.selectors import regions_with_unannounced_overdue

from .choices import MONITORING_KINDS
from .notify import digest_send_all as digest_send_all_service
from .services import alerts_sync, alerts_sync_many
from .services import alerts_sync_all as alerts_sync_all_service

TRANSIENT = (OperationalError, ConnectionError, TimeoutError)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def alerts_sync_region(region_id: int, on_date_iso: str | None = None) -> str | None:
    """Sync one region's alerts, then announce newly overdue measures (twin: check_alerts)."""
    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        return None
    on_date = dt.date.fromisoformat(on_date_iso) if on_date_iso else None
    result = alerts_sync(region=region, on_date=on_date)
    overdue_notify(region=region)
    return str(result)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def alerts_sync_regions(region_ids: list[int], on_date_iso: str | None = None) -> int:
    """Several regions in one task (a monitoring file covering many regions); notices go
    only to regions with unannounced overdue measures. Returns the alerts opened."""
    on_date = dt.date.fromisoformat(on_date_iso) if on_date_iso else None
    regions = Region.objects.filter(pk__in=region_ids).order_by("code")
    results = alerts_sync_many(regions=regions, on_date=on_date)
    for region in regions_with_unannounced_overdue().filter(pk__in=region_ids):
        overdue_notify(region=region)
    return sum(len(r.opened) for r in results)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def alerts_sync_monitoring(region_ids: list[int], on_date_iso: str | None = None) -> int:
    """After a monitoring import: the alerts that monitoring feeds (`MONITORING_KINDS`) of
    the file's regions only; the measure and cascade alerts do not depend on the file and
    keep their hourly sync (twin: check_alerts --monitoring-only). Returns the alerts opened.
    """
    on_date = dt.date.fromisoformat(on_date_iso) if on_date_iso else None
    results = alerts_sync_many(
        regions=Region.objects.filter(pk__in=region_ids).order_by("code"),
        on_date=on_date,
        kinds=MONITORING_KINDS,
    )
    return sum(len(r.opened) for r in results)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def alerts_sync_all(on_date_iso: str | None = None) -> int:
    """Hourly (beat "alerts-sync"): every region on its own local date."""
    on_date = dt.date.fromisoformat(on_date_iso) if on_date_iso else None
    results = alerts_sync_all_service(on_date=on_date)
    for region in regions_with_unannounced_overdue():
        overdue_notify(region=region)
    return sum(len(r.opened) for r in results)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def digest_send_all() -> int:
    """Daily (beat "digest-daily"): escalations and digests (twin: send_digests)."""
    return digest_send_all_service()
