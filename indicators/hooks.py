"""The one hook point after a successful monitoring import.

`monitoring_imported` is called by `indicators.services.uploads.monitoring_import` inside its
transaction, once per imported file. On commit it enqueues, for every touched region:

- `indicators.tasks.index_recompute_region(region_id)`: the implementation index (its own
  issue), and
- `reports.tasks.alerts_sync_region(region_id)`: the alerts (its own issue).

Those tasks are built in parallel by other engineers, so each is looked up at call time
(`importlib.util.find_spec` + `getattr`) and skipped while it does not exist. When they
land, nothing here needs to change; add further consumers here, not in the import.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging

from django.db import transaction

logger = logging.getLogger(__name__)

CONSUMERS = (
    ("indicators.tasks", "index_recompute_region"),
    ("reports.tasks", "alerts_sync_region"),
)


def _task(module_name: str, name: str):
    try:
        if importlib.util.find_spec(module_name) is None:
            return None
    except ModuleNotFoundError:
        return None
    module = importlib.import_module(module_name)
    return getattr(module, name, None)


def monitoring_imported(*, region_ids: list[int], weeks: list[str]) -> list[str]:
    """Schedules the recomputations of the regions (on commit); returns the task names found."""
    found = []
    for module_name, name in CONSUMERS:
        task = _task(module_name, name)
        if task is None:
            logger.debug("monitoring_imported: %s.%s not available yet", module_name, name)
            continue
        found.append(f"{module_name}.{name}")
        for region_id in region_ids:
            transaction.on_commit(lambda task=task, region_id=region_id: task.delay(region_id))
    return found
