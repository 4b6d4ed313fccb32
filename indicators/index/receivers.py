"""What the index does when monitoring is imported (connected in `IndicatorsConfig.ready`)."""

from __future__ import annotations

from django.db import transaction

from roadmap_portal.jobs import task_named

from ..jobs import INDEX_RECOMPUTE_REGIONS_TASK


def recompute_after_monitoring_import(sender, *, region_ids: list[int], **kwargs) -> str:
    """On commit, one task recomputes the index of all the file's regions (the Sferum
    criterion reads the new rollups): a list of regions costs as many queries as one."""
    ids = list(region_ids)
    transaction.on_commit(lambda: task_named(INDEX_RECOMPUTE_REGIONS_TASK).delay(ids))
    return INDEX_RECOMPUTE_REGIONS_TASK
