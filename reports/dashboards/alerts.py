"""Read side of the region dashboard's alerts block: open alerts of the region (2 queries)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from agencies.models import Region
from alerts.choices import AlertKind
from alerts.models import Alert

ALERTS_SHOWN = 6


@dataclass
class AlertsBlock:
    total: int
    by_kind: list[tuple[str, str, int]]  # kind, label, count
    top: list[Alert]


def open_alerts(*, region: Region, limit: int = ALERTS_SHOWN) -> AlertsBlock:
    """The open alerts of the region by kind, and the most severe, newest first."""
    queryset = Alert.objects.filter(region=region).open()
    counts = list(queryset.values_list("kind").annotate(n=Count("id")).order_by("-n", "kind"))
    labels = dict(AlertKind.choices)
    top = list(
        queryset.select_related("measure", "municipality", "indicator").order_by(
            "-severity", "-opened_at", "-id"
        )[:limit]
    )
    return AlertsBlock(
        total=sum(n for _kind, n in counts),
        by_kind=[(kind, str(labels.get(kind, kind)), n) for kind, n in counts],
        top=top,
    )
