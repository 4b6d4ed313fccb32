"""Rosters: the organisations a region expects to report every week (indicators.coverage).

`monitoring_roster_upload` reads the file (`indicators.imports.roster`), checks that no
listed organisation belongs to another region and that no new code is a twin of a known code
of the region or of another listed code (`tables.code_twin_key`, the monitoring import's
rule), replaces the region's roster in one transaction, recomputes the coverage of every
stored week of the region and announces the change like an import (the index and the
alerts follow the complete weeks).
`monitoring_roster_delete` returns the region to coverage by its previous weeks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import Organisation, Region, User
from roadmap_portal.storage import display_file_name
from roadmap_portal.tables import code_twin_key, code_twin_problem

from .. import signals
from ..imports.roster import RosterRead, roster_read
from ..models import MonitoringRollup, MonitoringRoster, MonitoringRosterEntry
from .coverage import coverage_update

BATCH = 5000


@dataclass
class RosterResult:
    roster: MonitoringRoster | None
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_total: int = 0
    repeats: int = 0
    unknown: int = 0  # codes not yet in the directory (expected, never reported so far)


def _recompute(region: Region) -> None:
    weeks = sorted(
        set(
            MonitoringRollup.objects.filter(region=region, municipality__isnull=True).values_list(
                "week_start", flat=True
            )
        )
    )
    if weeks:
        coverage_update(region_ids=[region.pk], weeks=weeks)
        signals.announce_monitoring_imported(
            region_ids=[region.pk], weeks=[w.isoformat() for w in weeks]
        )


def _twin_problems(read: RosterRead, *, region: Region, new: list[str]) -> list[tuple[int, str]]:
    """(row, problem) of each new code of the roster that is a twin of a known code of the
    region or of another code of the roster (`tables.code_twin_key`: the monitoring
    import's rule): listed so, the school would be expected under a code it never
    reports."""
    if not new:
        return []
    known: dict[str, str] = {}
    for code in (
        Organisation.objects.filter(region=region).order_by("code").values_list("code", flat=True)
    ):
        known.setdefault(code_twin_key(code), code)
    listed: dict[str, list[str]] = {}
    for code in read.codes:
        listed.setdefault(code_twin_key(code), []).append(code)
    problems = []
    for code in new:
        key = code_twin_key(code)
        twin = known.get(key)
        if twin is not None and twin != code:
            problems.append((read.rows[code], code_twin_problem(code, twin)))
            continue
        others = [other for other in listed[key] if other != code]
        if others:
            other = others[0]
            problems.append(
                (read.rows[code], code_twin_problem(code, other, other_row=read.rows[other]))
            )
    return problems


def monitoring_roster_upload(
    *, region: Region, user: User | None, file: IO[bytes], original_name: str = ""
) -> RosterResult:
    """Replaces the region's roster with the codes of `file`, or changes nothing and
    returns the errors (row and column named)."""
    read = roster_read(file, region_code=region.code)
    result = RosterResult(None, read.errors, read.errors_total, read.repeats)
    if read.errors_total:
        return result
    elsewhere: list[tuple[str, str]] = []
    known: set[str] = set()
    for start in range(0, len(read.codes), BATCH):  # IN lists within SQLite's limit
        chunk = read.codes[start : start + BATCH]
        for code, region_id, region_code in Organisation.objects.filter(code__in=chunk).values_list(
            "code", "region_id", "region__code"
        ):
            if region_id == region.pk:
                known.add(code)
            else:
                elsewhere.append((code, region_code))
    problems = [
        (
            read.rows[code],
            _("организация «%(code)s» числится в субъекте %(other)s, а не %(region)s")
            % {"code": code, "other": other, "region": region.code},
        )
        for code, other in elsewhere
    ]
    foreign = {code for code, _other in elsewhere}
    new = [code for code in read.codes if code not in known and code not in foreign]
    problems += _twin_problems(read, region=region, new=new)
    for row, problem in sorted(problems, key=lambda item: item[0]):
        result.errors_total += 1
        if len(result.errors) < 200:
            result.errors.append(
                {
                    "row": row,
                    "column": "Код организации",
                    "message": _("Строка %(row)s, столбец «Код организации»: %(problem)s")
                    % {"row": row, "problem": problem},
                }
            )
    if result.errors_total:
        return result
    with transaction.atomic():
        roster, _created = MonitoringRoster.objects.select_for_update().get_or_create(region=region)
        roster.entries.all().delete()
        MonitoringRosterEntry.objects.bulk_create(
            (MonitoringRosterEntry(roster=roster, region=region, org_code=c) for c in read.codes),
            batch_size=BATCH,
        )
        roster.uploaded_by = user if user is not None and user.is_authenticated else None
        roster.original_name = display_file_name(original_name, max_length=500, default="")
        roster.organisations = len(read.codes)
        roster.save()
        _recompute(region)
    result.roster = roster
    result.unknown = len(read.codes) - len(known)
    return result


def monitoring_roster_delete(*, region: Region) -> bool:
    """Deletes the region's roster (coverage goes back to the previous weeks)."""
    with transaction.atomic():
        deleted, _detail = MonitoringRoster.objects.filter(region=region).delete()
        if deleted:
            _recompute(region)
    return bool(deleted)
