"""alerts_sync: raise, update and close a region's alerts from the state of its data.

The causes are computed by `alerts.causes` from a constant number of queries per
region (never one per measure), then compared with the region's open alerts: new causes
are bulk-created, gone causes are closed with one UPDATE, changed ones (severity, values)
are bulk-updated. A partial unique constraint on (kind, cause_key) among open alerts keeps
one open alert per cause even when two workers run at once (STYLE R10b).
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

from .causes import Cause, alert_causes, overdue_severity
from .choices import AlertKind
from .models import Alert, NotificationOptOut
from .selectors import regions_with_alert_sources

__all__ = [
    "Cause",
    "SyncResult",
    "alert_acknowledge",
    "alerts_sync",
    "alerts_sync_all",
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
    """Bring the region's open alerts in line with its data on `on_date` (idempotent);
    `kinds`: only the alerts of these kinds (the others are neither read nor touched).

    1. Compute the causes (a constant number of queries, whatever the number of measures).
    2. Lock nothing; read the region's open alerts.
    3. Close the alerts whose cause is gone (one UPDATE, keeps opened_at).
    4. Create alerts for new causes (one INSERT; a concurrent twin is ignored by the
       partial unique constraint).
    5. Update severity and text of the others where they changed (one bulk UPDATE).
    """
    on_date = on_date or region.local_today()
    causes = alert_causes(region=region, on_date=on_date, stages=stages, kinds=kinds)
    wanted = {(c.kind, c.key): c for c in causes}
    result = SyncResult(region_code=region.code)
    now = timezone.now()
    with transaction.atomic():
        open_alerts = Alert.objects.filter(region=region).open()
        if kinds is not None:
            open_alerts = open_alerts.filter(kind__in=list(kinds))
        current = {(a.kind, a.cause_key): a for a in open_alerts}
        gone = [a.pk for key, a in current.items() if key not in wanted]
        if gone:
            result.closed = Alert.objects.filter(pk__in=gone, resolved_at__isnull=True).update(
                resolved_at=now, updated_at=now
            )
        new = [
            Alert(
                kind=c.kind,
                cause_key=c.key,
                region=region,
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
            for key, c in wanted.items()
            if key not in current
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
        if changed:
            Alert.objects.bulk_update(changed, [*SYNCED_FIELDS, "updated_at"])
        result.updated = len(changed)
        if gone or new or changed:
            dataversion.bump(region_ids=[region.pk])  # the dashboards list the open alerts
    if new:
        result.opened = list(
            Alert.objects.filter(region=region, opened_at=now).open().values_list("pk", flat=True)
        )
    result.open_total = len(wanted)
    return result


def alerts_sync_all(*, on_date: dt.date | None = None) -> list[SyncResult]:
    """Every region with something to watch, each on its own local date unless given."""
    stages = list(IndicatorStage.objects.select_related("indicator"))
    return [
        alerts_sync(region=region, on_date=on_date, stages=stages)
        for region in regions_with_alert_sources()
    ]


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
