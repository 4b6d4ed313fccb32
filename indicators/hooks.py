"""The one hook point after a successful monitoring import.

`monitoring_imported` is called by `indicators.services.uploads.monitoring_import` inside its
transaction, once per imported file. On commit it enqueues, for every touched region, the
recomputation of the implementation index (the Sferum criterion reads the new rollups) and
the alerts sync (stale data, indicators below target or at risk, regressions). Add further
consumers here, not in the import.
"""

from __future__ import annotations

from django.db import transaction


def monitoring_imported(*, region_ids: list[int], weeks: list[str]) -> list[str]:
    """Schedules the recomputations of the regions (on commit); returns the task names."""
    from reports.tasks import alerts_sync_region

    from .tasks import index_recompute_region

    consumers = (index_recompute_region, alerts_sync_region)
    for task in consumers:
        for region_id in region_ids:
            transaction.on_commit(lambda task=task, region_id=region_id: task.delay(region_id))
    return [task.name for task in consumers]
