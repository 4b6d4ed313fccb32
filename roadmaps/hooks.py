"""Follow-up work after a measure changes.

`measure_changed(measure_id)` is called in `transaction.on_commit` by every service that
changes a measure (status, sub-steps, monthly reports, cascades): the alerts of the
measure's region are synced, so an overdue alert closes as soon as the measure is done.
"""

from __future__ import annotations


def measure_changed(measure_id: int) -> None:
    from reports.tasks import alerts_sync_region

    from .models import Measure

    region_id = (
        Measure.objects.filter(pk=measure_id).values_list("roadmap__region_id", flat=True).first()
    )
    if region_id is None:  # gone, or a federal measure: no region to sync
        return
    alerts_sync_region.delay(region_id=region_id)
