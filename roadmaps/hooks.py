"""Hook points other apps plug into after a measure changes.

`measure_changed(measure_id)` is called in `transaction.on_commit` by every service that
changes a measure (status, sub-steps, monthly reports, cascades). It enqueues the alerts
sync of the measure's region — `reports.tasks.alerts_sync_region.delay(region_id=…)` — when
the reports app provides that task; without it the hook does nothing.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging

logger = logging.getLogger(__name__)

ALERTS_TASK_MODULE = "reports.tasks"
ALERTS_TASK_NAME = "alerts_sync_region"


def _alerts_task():
    try:
        spec = importlib.util.find_spec(ALERTS_TASK_MODULE)
    except ModuleNotFoundError:  # the parent package itself is missing
        return None
    if spec is None:
        return None
    module = importlib.import_module(ALERTS_TASK_MODULE)
    return getattr(module, ALERTS_TASK_NAME, None)


def measure_changed(measure_id: int) -> None:
    """Dispatches the follow-up work of a committed measure change (see module docstring)."""
    task = _alerts_task()
    if task is None:
        return
    from .models import Measure

    region_id = (
        Measure.objects.filter(pk=measure_id).values_list("roadmap__region_id", flat=True).first()
    )
    if region_id is None:  # gone, or a federal measure: no region to sync
        return
    task.delay(region_id=region_id)
