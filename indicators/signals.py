"""Events of the indicators app for the apps above it (they connect in their `ready()`).

`monitoring_imported` is sent by `indicators.services.uploads.monitoring_import` inside its
transaction, once per imported file, with the sorted ids of the touched regions and the
weeks. Receivers schedule their work with `transaction.on_commit` (so nothing runs if the
import rolls back) and return the name of the task they enqueue: the index recomputation
(`indicators.index.receivers`) and the alerts sync (`alerts.receivers`).
"""

from __future__ import annotations

from django.dispatch import Signal

monitoring_imported = Signal()  # kwargs: region_ids, weeks


def announce_monitoring_imported(*, region_ids: list[int], weeks: list[str]) -> list[str]:
    """Sends `monitoring_imported`; returns the names of the tasks the receivers scheduled."""
    responses = monitoring_imported.send(
        sender=announce_monitoring_imported, region_ids=sorted(region_ids), weeks=list(weeks)
    )
    return [name for _receiver, name in responses if name]


week_approval_changed = Signal()  # kwargs: region_id, week_start


def announce_week_approval_changed(*, region_id: int, week_start) -> list[str]:
    """Sent by `indicators.services.approval` inside the transition's transaction; the
    receivers (alerts) act on commit."""
    responses = week_approval_changed.send(
        sender=announce_week_approval_changed, region_id=region_id, week_start=week_start
    )
    return [name for _receiver, name in responses if name]
