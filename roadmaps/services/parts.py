"""Every responsible body's part of a measure: who is concerned, and the roll-up.

A measure's responsible cell may name several agencies or a collective designation
(«Исполнительные органы … и их подведомственные организации»). Each body concerned gets a
`MeasurePart` with its own status and history; the measure's status follows from its parts
(`rolled_up`). A measure with one body concerned has no parts: the measure is that body's
part, and it works as it always did.

The writes of a part's status live with the measure's (roadmaps.services.measures); this
module decides who is concerned and keeps the parts in step with the responsibilities
(`measure_parts_sync`, run by the seed loader, the roadmap import and the command
`sync_measure_parts`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import dataversion
from agencies.choices import AgencyKind
from agencies.models import Agency

from .. import signals
from ..choices import ChangeKind, MeasureStatus
from ..models import Measure, MeasureChange, MeasurePart, MeasureResponsibility


def rolled_up(parts: Iterable[MeasurePart]) -> tuple[str, dt.date | None]:
    """The measure's status and completion date that follow from its parts.

    Done when every part is closed and at least one is done (the date: the last part's);
    cancelled when every part is; not started when no part has started; else in progress.
    """
    items = list(parts)
    statuses = {part.status for part in items}
    if not items or statuses == {MeasureStatus.NOT_STARTED}:
        return MeasureStatus.NOT_STARTED, None
    if statuses == {MeasureStatus.CANCELLED}:
        return MeasureStatus.CANCELLED, None
    if statuses <= {MeasureStatus.DONE, MeasureStatus.CANCELLED}:
        dates = [part.completed_on for part in items if part.completed_on]
        return MeasureStatus.DONE, max(dates) if dates else None
    return MeasureStatus.IN_PROGRESS, None


def _collective_members(collective: Agency, region_agencies: list[Agency]) -> list[Agency]:
    """The listed bodies of the region a collective designation stands for (by name).

    Mirrors `agencies.access.acting_agency_ids`: bodies whose kind is the collective's
    scope, and with `includes_subordinates` the bodies under one of them.
    """
    by_id = {agency.pk: agency for agency in region_agencies}
    scope = collective.collective_scope

    def under_scope(agency: Agency) -> bool:
        parent, seen = agency.parent_id, set()
        while parent and parent in by_id and parent not in seen:
            seen.add(parent)
            if by_id[parent].kind == scope:
                return True
            parent = by_id[parent].parent_id
        return False

    members = [
        agency
        for agency in region_agencies
        if agency.kind == scope or (collective.includes_subordinates and under_scope(agency))
    ]
    return sorted(members, key=lambda agency: agency.name)


def concerned_agencies(measures: list[Measure]) -> dict[int, list[Agency]]:
    """Each measure's bodies concerned, in the printed order, collectives expanded.

    A collective designation counts as each listed body of its region it stands for; one
    that covers no listed body (e.g. the municipalities of a region whose bodies are not
    entered yet) stays a single body concerned. Two queries whatever the number of measures
    when the responsibilities are prefetched (`with_list_related`).
    """
    region_ids = {m.roadmap.region_id for m in measures if m.roadmap.region_id}
    agencies_by_region: dict[int, list[Agency]] = defaultdict(list)
    if region_ids:
        for agency in Agency.objects.filter(region_id__in=region_ids).exclude(
            kind=AgencyKind.COLLECTIVE
        ):
            agencies_by_region[agency.region_id].append(agency)
    result: dict[int, list[Agency]] = {}
    for measure in measures:
        seen: set[int] = set()
        bodies: list[Agency] = []
        for responsibility in sorted(measure.responsibilities.all(), key=lambda r: r.position):
            agency = responsibility.agency
            members = [agency]
            if agency.is_collective:
                region_id = agency.region_id or measure.roadmap.region_id
                pool = agencies_by_region.get(region_id, []) if region_id else []
                members = _collective_members(agency, pool)
                members = members or [agency]
            for member in members:
                if member.pk not in seen:
                    seen.add(member.pk)
                    bodies.append(member)
        result[measure.pk] = bodies
    return result


def parts_query(measures: QuerySet[Measure]) -> QuerySet[Measure]:
    """Measures with what `measure_parts_sync` needs (responsibilities, parts)."""
    return measures.select_related("roadmap").prefetch_related(
        Prefetch(
            "responsibilities",
            queryset=MeasureResponsibility.objects.select_related("agency").order_by("position"),
        ),
        Prefetch("parts", queryset=MeasurePart.objects.order_by("position", "id")),
    )


@transaction.atomic
def measure_parts_sync(measures: QuerySet[Measure] | None = None) -> dict[str, int]:
    """Gives every measure with several bodies concerned one part per body (idempotent).

    1. A new part starts from the measure's status and completion date, so the measure's
       status does not move when parts appear; a body no longer concerned loses its part
       (its history stays on the measure with the body's name).
    2. A measure left with one body concerned loses its parts and keeps its status.
    3. Where parts remain and the roll-up differs from the stored status (a part went
       away), the measure takes the roll-up, recorded in its history.
    4. The regions whose parts changed have their pages moved (`agencies.dataversion`: the
       dashboards list who has not done their part); a roll-up is announced as a change of
       the measure, which moves them too and syncs the alerts.
    `measures`: a queryset (default: every measure in force, archived ones left alone).
    """
    if measures is None:
        measures = Measure.objects.all()
    items = list(parts_query(measures))
    wanted = concerned_agencies(items)
    counts = {"created": 0, "deleted": 0, "rolled_up": 0}
    now = timezone.now()
    new_parts: list[MeasurePart] = []
    changed_regions: set[int | None] = set()
    for measure in items:
        bodies = wanted[measure.pk] if len(wanted[measure.pk]) > 1 else []
        body_ids = [agency.pk for agency in bodies]
        existing = {part.agency_id: part for part in measure.parts.all()}
        gone = [part.pk for agency_id, part in existing.items() if agency_id not in body_ids]
        if gone:
            counts["deleted"] += MeasurePart.objects.filter(pk__in=gone).delete()[0]
            changed_regions.add(measure.roadmap.region_id)
        kept = []
        for position, agency in enumerate(bodies):
            part = existing.get(agency.pk)
            if part is None:
                part = MeasurePart(
                    measure=measure,
                    agency=agency,
                    position=position,
                    status=measure.status,
                    completed_on=measure.completed_on,
                    status_changed_at=measure.status_changed_at,
                )
                new_parts.append(part)
                counts["created"] += 1
                changed_regions.add(measure.roadmap.region_id)
            elif part.position != position:
                MeasurePart.objects.filter(pk=part.pk).update(position=position)
                changed_regions.add(measure.roadmap.region_id)
            kept.append(part)
        if not kept or not gone:
            continue
        status, completed_on = rolled_up(kept)
        if (status, completed_on) == (measure.status, measure.completed_on):
            continue
        Measure.all_objects.filter(pk=measure.pk).update(
            status=status,
            completed_on=completed_on,
            status_changed_at=now,
            version=F("version") + 1,
            updated_at=now,
        )
        MeasureChange.objects.create(
            measure=measure,
            kind=ChangeKind.STATUS,
            old_status=measure.status,
            new_status=status,
            changes={"status": [measure.status, status]},
            comment=_("Статус пересчитан по частям ответственных органов."),
            version=measure.version + 1,
        )
        counts["rolled_up"] += 1
        transaction.on_commit(partial(signals.announce_measure_changed, measure.pk))
    MeasurePart.objects.bulk_create(new_parts)
    if changed_regions:
        dataversion.bump(region_ids=changed_regions)
    return counts


def measures_edited(*, measure_ids: Iterable[int | None]) -> None:
    """What follows a change of measures made outside the services of the measure's page
    (the admin's forms and imports): every body concerned keeps (or gets) its part, and
    each change is announced at commit (`roadmaps.signals`: the pages move, the region's
    alerts sync), as the page and the roadmap import do."""
    ids = sorted({pk for pk in measure_ids if pk is not None})
    if not ids:
        return
    measure_parts_sync(Measure.all_objects.filter(pk__in=ids))
    for pk in ids:
        transaction.on_commit(partial(signals.announce_measure_changed, pk))
