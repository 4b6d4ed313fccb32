"""What the index does when monitoring is imported (connected in `IndicatorsConfig.ready`)."""

from __future__ import annotations

from roadmap_portal.jobs import publish_after_commit

from ..jobs import INDEX_RECOMPUTE_REGIONS_TASK


def recompute_after_monitoring_import(sender, *, region_ids: list[int], **kwargs) -> str:
    """On commit, one task recomputes the index of all the file's regions (the Sferum
    criterion reads the new rollups): a list of regions costs as many queries as one.
    Published after commit with a marker written in the import's transaction: a broker
    outage never fails the import, and the sweeper publishes the task later."""
    publish_after_commit(INDEX_RECOMPUTE_REGIONS_TASK, list(region_ids))
    return INDEX_RECOMPUTE_REGIONS_TASK
