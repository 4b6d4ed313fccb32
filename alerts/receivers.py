"""What the alerts do when a lower app announces an event (connected in `AlertsConfig.ready`).

Every task is published with `roadmap_portal.jobs.publish_after_commit`: nothing raises into
the caller when the broker is down, and the sweeper publishes what the broker refused.
"""

from __future__ import annotations

from roadmap_portal.jobs import publish_after_commit

from .tasks import alerts_sync_monitoring, alerts_sync_region


def sync_after_measure_change(sender, *, measure_id: int, region_id: int, **kwargs) -> None:
    """A measure changed (sent on commit): sync its region's alerts, so an overdue alert
    closes as soon as the measure is done."""
    publish_after_commit(alerts_sync_region.name, region_id)


def sync_after_monitoring_import(sender, *, region_ids: list[int], **kwargs) -> str:
    """A monitoring file was imported (sent inside its transaction): on commit, one task
    syncs the monitoring alerts of the file's regions only (stale data, indicators below
    target or at risk, drops, organisations gone): the other regions, and the measure and
    cascade alerts, which the file cannot change, are not read."""
    publish_after_commit(alerts_sync_monitoring.name, list(region_ids))
    return alerts_sync_monitoring.name


def sync_after_week_approval(sender, *, region_id: int, **kwargs) -> str:
    """A week was submitted, approved, returned or reopened (sent inside the transition's
    transaction): on commit, sync the region's alerts, so «не направлена в срок» and «ждёт
    утверждения» close as soon as they are resolved."""
    publish_after_commit(alerts_sync_region.name, region_id)
    return alerts_sync_region.name
