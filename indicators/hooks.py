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
    """Schedules the recomputations of the regions (on commit); returns the task names.

    One task per consumer for all the file's regions: a national file touches 89 regions,
    and the index recomputes a list of regions in as many queries as one.
    """
    from reports.tasks import alerts_sync_regions

    from .tasks import index_recompute_regions

    consumers = (index_recompute_regions, alerts_sync_regions)
    ids = sorted(region_ids)
    for task in consumers:
        transaction.on_commit(lambda task=task: task.delay(ids))
    return [task.name for task in consumers]
