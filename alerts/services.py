"""alerts_sync_many: raise, update and close the regions' alerts from the state of their data.

The causes are computed by `alerts.causes` from a constant number of queries for any
number of regions (never one per region or per measure), then compared with the regions'
open alerts: new causes are bulk-created, gone causes are closed with one UPDATE, changed
ones (severity, values) are bulk-updated. A partial unique constraint on (kind, cause_key)
among open alerts keeps one open alert per cause even when two workers run at once
(STYLE R10b).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from agencies import dataversion
from agencies.models import Region, User
from indicators.models import IndicatorStage

from .causes import Cause, alert_causes_by_region, overdue_severity
from .choices import AlertKind
from .models import Alert, NotificationOptOut
from .selectors import regions_with_alert_sources

__all__ = [
    "Cause",
    "SyncResult",
    "alert_acknowledge",
    "alerts_sync",
    "alerts_sync_all",
    "alerts_sync_many",
    "notification_preferences_set",
    "overdue_severity",
]

SYNCED_FIELDS = ["severity", "message", "details", "measure", "indicator", "municipality"]


@dataclass
class SyncResult:
    region_code: str
    opened: list[int] = field(default_factory=list)
    closed: int = 0
    updated: int = 0
    open_total: int = 0

    def __str__(self) -> str:
        return (
            f"{self.region_code}: открыто {len(self.opened)}, закрыто {self.closed}, "
            f"обновлено {self.updated}, всего открытых {self.open_total}"
        )


def alerts_sync(
    *,
    region: Region,
    on_date: dt.date | None = None,
    stages: list[IndicatorStage] | None = None,
    kinds: Collection[str] | None = None,
) -> SyncResult:
    """Bring the region's open alerts in line with its data (`alerts_sync_many`)."""
    return alerts_sync_many(regions=[region], on_date=on_date, stages=stages, kinds=kinds)[0]


def alerts_sync_many(
    *,
    regions: Iterable[Region],
    on_date: dt.date | None = None,
    stages: list[IndicatorStage] | None = None,
    kinds: Collection[str] | None = None,
) -> list[SyncResult]:
    """Bring the regions' open alerts in line with their data on `on_date`, or else on
    each region's own local date (idempotent); `kinds`: only the alerts of these kinds
    (the others are neither read nor touched). One result per region, in their order.

    1. Compute the causes of all the regions together (`alert_causes_by_region`: a
       constant number of queries, whatever the number of regions and measures).
    2. Lock nothing; read the regions' open alerts (one query).
    3. Close the alerts whose cause is gone (one UPDATE, keeps opened_at).
    4. Create alerts for new causes (one INSERT; a concurrent twin is ignored by the
       partial unique constraint).
    5. Update severity and text of the others where they changed (one bulk UPDATE).
    An alert belongs to its region: a cause is matched with the open alerts of the region
    it was found in.
    """
    regions = list(regions)
    if not regions:
        return []
    by_region = alert_causes_by_region(regions=regions, on_date=on_date, stages=stages, kinds=kinds)
    wanted = {
        (region_id, c.kind, c.key): c for region_id, causes in by_region.items() for c in causes
    }
    results = {region.pk: SyncResult(region_code=region.code) for region in regions}
    now = timezone.now()
    with transaction.atomic():
        open_alerts = Alert.objects.filter(region_id__in=list(results)).open()
        if kinds is not None:
            open_alerts = open_alerts.filter(kind__in=list(kinds))
        current = {(a.region_id, a.kind, a.cause_key): a for a in open_alerts}
        gone = [a for key, a in current.items() if key not in wanted]
        if gone:
            Alert.objects.filter(pk__in=[a.pk for a in gone], resolved_at__isnull=True).update(
                resolved_at=now, updated_at=now
            )
            for alert in gone:
                results[alert.region_id].closed += 1
        new = [
            Alert(
                kind=c.kind,
                cause_key=c.key,
                region_id=region_id,
                severity=c.severity,
                message=c.message,
                details=c.details,
                measure_id=c.measure_id,
                indicator_id=c.indicator_id,
                municipality_id=c.municipality_id,
                upload_id=c.upload_id,
                opened_at=now,
                updated_at=now,
            )
            for (region_id, *_key), c in wanted.items()
            if (region_id, *_key) not in current
        ]
        if new:
            Alert.objects.bulk_create(new, ignore_conflicts=True)
        changed = []
        for key, alert in current.items():
            cause = wanted.get(key)
            if cause is None:
                continue
            values = {
                "severity": cause.severity,
                "message": cause.message,
                "details": cause.details,
                "measure_id": cause.measure_id,
                "indicator_id": cause.indicator_id,
                "municipality_id": cause.municipality_id,
            }
            if any(getattr(alert, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(alert, name, value)
                alert.updated_at = now
                changed.append(alert)
                results[alert.region_id].updated += 1
        if changed:
            Alert.objects.bulk_update(changed, [*SYNCED_FIELDS, "updated_at"])
        touched = {a.region_id for a in gone} | {a.region_id for a in new}
        touched |= {a.region_id for a in changed}
        if touched:
            dataversion.bump(region_ids=touched)  # the dashboards list the open alerts
    if new:
        for region_id, pk in (
            Alert.objects.filter(region_id__in={a.region_id for a in new}, opened_at=now)
            .open()
            .order_by("pk")
            .values_list("region_id", "pk")
        ):
            results[region_id].opened.append(pk)
    for region_id, causes in by_region.items():
        results[region_id].open_total = len(causes)
    return list(results.values())


def alerts_sync_all(*, on_date: dt.date | None = None) -> list[SyncResult]:
    """Every region with something to watch, each on its own local date unless given."""
    return alerts_sync_many(regions=regions_with_alert_sources(), on_date=on_date)


# --- User actions --------------------------------------------------------------------------


@transaction.atomic
def alert_acknowledge(*, alert: Alert, actor: User, comment: str) -> Alert:
    """Mark an alert as seen, with the user's comment; a later acknowledgement replaces it."""
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = actor
    alert.ack_comment = comment.strip()
    alert.full_clean(validate_constraints=False)
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "ack_comment", "updated_at"])
    dataversion.bump(region_ids=[alert.region_id])
    return alert


@transaction.atomic
def notification_preferences_set(*, user: User, muted_kinds: Iterable[str]) -> set[str]:
    """Replace the user's opt-outs with `muted_kinds` (unknown kinds are refused)."""
    muted = set(muted_kinds)
    unknown = muted - set(AlertKind.values)
    if unknown:
        raise ValueError(f"Неизвестные виды оповещений: {', '.join(sorted(unknown))}")
    NotificationOptOut.objects.filter(user=user).exclude(kind__in=muted).delete()
    NotificationOptOut.objects.bulk_create(
        [NotificationOptOut(user=user, kind=kind) for kind in sorted(muted)],
        ignore_conflicts=True,
    )
    return muted
