"""What the index does when monitoring is imported (connected in `IndicatorsConfig.ready`)."""

from __future__ import annotations

from django.db import transaction

from ..tasks import index_recompute_regions


def recompute_after_monitoring_import(sender, *, region_ids: list[int], **kwargs) -> str:
    """On commit, one task recomputes the index of all the file's regions (the Sferum
    criterion reads the new rollups): a list of regions costs as many queries as one."""
    ids = list(region_ids)
    transaction.on_commit(lambda: index_recompute_regions.delay(ids))
    return index_recompute_regions.name
