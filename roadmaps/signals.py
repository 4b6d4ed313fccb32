"""Events of the roadmaps app for the apps above it (they connect in their `ready()`).

`measure_changed` is sent after the transaction that changed a measure commits (status,
sub-steps, monthly reports, cascades): every service that changes a measure schedules
`announce_measure_changed` with `transaction.on_commit`. Receivers get the measure's id and
its region's id; federal measures (no region) and measures gone since are not announced.
"""

from __future__ import annotations

from django.dispatch import Signal

from agencies import dataversion

from .models import Measure

measure_changed = Signal()  # kwargs: measure_id, region_id


def announce_measure_changed(measure_id: int) -> None:
    region_id = (
        Measure.objects.filter(pk=measure_id).values_list("roadmap__region_id", flat=True).first()
    )
    # the region's dashboard, the overview's overdue counts and the ranking (criteria linked
    # to measures) change with it; a federal measure: the country's pages
    dataversion.bump(region_ids=[region_id])
    if region_id is None:  # gone, or a federal measure: no region to announce
        return
    measure_changed.send(sender=Measure, measure_id=measure_id, region_id=region_id)
