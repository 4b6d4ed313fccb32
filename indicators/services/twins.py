"""Repair of twins stored before the imports refused them: one organisation under two codes,
one municipality under two names.

Twins are what the imports now refuse as NEW (`agencies.naming`, `roadmap_portal.tables`):
organisation codes of a region with one `code_twin_key` («org9» / «ORG9», «0012» / «12»,
«ОRG9» with a Cyrillic «О»), municipality names of a region with one `name_twin_key`
(«Ирбит» / «ирбит», «Берёзовский» / «Березовский», «Новая  Ляля» / «Новая Ляля»). Stored
before the rules, each twin keeps its own rows, and a region-week where both report is
counted twice (rollups, coverage, indicators, index).

`twins_find(region=…)` lists the groups; `twins_repair(region=…)` merges them. The merge
rule:

1. which spelling survives: the twin named by the NEWEST upload (the greatest upload among
   its monitoring rows: each row records the upload that last wrote it); when no row of the
   group records an upload (rows of seeds, demo data or an upload since deleted), the twin
   stored first (lowest id). A surviving municipality name is single-spaced;
2. a week where two twin organisations BOTH have a row: when the rows hold the same figures
   (and type and municipality) the twin's is a plain duplicate; otherwise the row written by
   the newer upload wins. When that cannot be told (a row without its upload, both from one
   upload) or the week is approved (locked: `indicators.approval`), the group is NOT merged
   automatically: it is reported with its weeks for a person (correct one of the rows, or
   reopen the week, then run the repair again);
3. everything that refers to a dropped twin moves to the survivor: every foreign key to
   `Organisation` or `Municipality` found from the model graph (monitoring rows, cascade
   targets and progress, users, cascades, alerts …; `_move`), a clash with the survivor's
   own row of a unique key keeping the survivor's (cascade progress: the earlier date of
   completion); the region's roster codes of the group take the surviving code (a roster
   code of a group without any organisation, twin of another roster code, is reported);
   the survivor's record (name, type, municipality) is the one of the twin with the latest
   week stored; municipality rollups of a dropped municipality are rebuilt, not moved;
4. the rollups and coverage of the region's weeks the moved rows hold (and the 4 weeks after
   them: `services.coverage`) are rebuilt by `rollups_rebuild`, and
   `signals.announce_monitoring_imported` schedules the index and the alerts after commit,
   as an import does.

One transaction per region, under the import lock (`staging.lock_imports`): an import never
sees half a merge. A second run finds nothing to merge (only the groups left for a person).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import Max
from django.db.models.fields.reverse_related import ForeignObjectRel
from django.utils.translation import gettext as _

from agencies import dataversion
from agencies.models import Municipality, Organisation, Region
from roadmap_portal.ru_formats import ru_date
from roadmap_portal.tables import code_twin_key, name_twin_key, single_spaced

from .. import signals
from ..approval import locked_weeks
from ..imports.columns import COUNT_KEYS
from ..models import MonitoringRollup, MonitoringRoster, MonitoringRosterEntry, MonitoringRow
from .rollups import rollups_rebuild
from .staging import lock_imports

ORGANISATION = "organisation"
MUNICIPALITY = "municipality"
# the fields of a monitoring row that make two rows of one week the same report
_ROW_FIGURES = ("org_type", "municipality_id", *COUNT_KEYS)


@dataclass
class Twin:
    """One spelling of a twin group: the record (None: a roster code only), its rows."""

    pk: int | None
    spelling: str
    rows: int = 0
    newest_upload: int | None = None
    latest_week: dt.date | None = None


@dataclass
class TwinGroup:
    """Twins of one region: organisations (by code) or municipalities (by name)."""

    kind: str
    region: Region
    key: str
    twins: list[Twin]
    survivor: Twin | None = None
    # weeks where two twin organisations both have a row: week -> winning twin's spelling
    # (None: a person must decide)
    shared_weeks: dict[dt.date, str | None] = field(default_factory=dict)
    problem: str = ""  # why the group is left for a person ("" : merged automatically)

    @property
    def dropped(self) -> list[Twin]:
        return [t for t in self.twins if t is not self.survivor]

    def describe(self) -> str:
        """One Russian line for the command's report."""
        what = _("организация") if self.kind == ORGANISATION else _("муниципальное образование")
        spellings = ", ".join(
            _("«%(s)s» (строк мониторинга: %(n)s)") % {"s": t.spelling, "n": t.rows}
            if t.pk is not None
            else _("«%(s)s» (только в перечне)") % {"s": t.spelling}
            for t in self.twins
        )
        line = _("Субъект %(region)s, %(what)s: %(spellings)s") % {
            "region": self.region.code,
            "what": what,
            "spellings": spellings,
        }
        if self.shared_weeks:
            weeks = ", ".join(
                ru_date(week) + (f" → «{winner}»" if winner else " → ?")
                for week, winner in sorted(self.shared_weeks.items())
            )
            line += _("; недели, где строки есть у обоих: %(weeks)s") % {"weeks": weeks}
        if self.problem:
            return line + _("; НЕ объединено: %(problem)s") % {"problem": self.problem}
        if self.survivor is not None:
            line += _("; остаётся «%(s)s»") % {"s": self.survivor_spelling}
        return line

    @property
    def survivor_spelling(self) -> str:
        assert self.survivor is not None
        if self.kind == MUNICIPALITY:
            return single_spaced(self.survivor.spelling)
        return self.survivor.spelling


@dataclass
class TwinsResult:
    region: Region
    groups: list[TwinGroup]
    applied: bool = False
    weeks: list[dt.date] = field(default_factory=list)  # region-weeks rebuilt

    @property
    def merged(self) -> list[TwinGroup]:
        return [g for g in self.groups if not g.problem]

    @property
    def left(self) -> list[TwinGroup]:
        return [g for g in self.groups if g.problem]


def _choose_survivor(group: TwinGroup) -> None:
    """Rule 1: the twin of the newest upload, else the first stored."""
    records = [t for t in group.twins if t.pk is not None]
    if not records:
        group.problem = _(
            "коды есть только в перечне организаций субъекта; загрузите перечень заново, "
            "записав код одинаково"
        )
        return
    with_upload = [t for t in records if t.newest_upload is not None]
    if with_upload:
        group.survivor = max(with_upload, key=lambda t: (t.newest_upload, -(t.pk or 0)))
    else:
        group.survivor = min(records, key=lambda t: t.pk or 0)


def _row_stats(column: str, pks: list[int]) -> dict[int, dict[str, Any]]:
    return {
        item[column]: item
        for item in MonitoringRow.objects.filter(**{f"{column}__in": pks})
        .values(column)
        .annotate(
            rows=models.Count("id"),
            newest_upload=Max("upload_id"),
            latest_week=Max("week_start"),
        )
    }


def _municipality_groups(region: Region) -> list[TwinGroup]:
    by_key: dict[str, list[Twin]] = defaultdict(list)
    for pk, name in (
        Municipality.objects.filter(region=region).order_by("pk").values_list("pk", "name")
    ):
        by_key[name_twin_key(name)].append(Twin(pk=pk, spelling=name))
    # a lone name stored with other white space (typed so in the admin before it was
    # single-spaced) is a group of one: it only takes its single-spaced spelling
    groups = [
        TwinGroup(MUNICIPALITY, region, key, twins)
        for key, twins in by_key.items()
        if len(twins) > 1 or twins[0].spelling != single_spaced(twins[0].spelling)
    ]
    if groups:
        _read_stats(groups, "municipality_id")
        for group in groups:
            _choose_survivor(group)
    return groups


def _read_stats(groups: list[TwinGroup], column: str) -> None:
    """Each twin's row count, newest upload and latest week (`_row_stats`, one query)."""
    stats = _row_stats(column, [t.pk for g in groups for t in g.twins if t.pk is not None])
    for group in groups:
        for twin in group.twins:
            found = stats.get(twin.pk, {}) if twin.pk is not None else {}
            twin.rows = found.get("rows", 0)
            twin.newest_upload = found.get("newest_upload")
            twin.latest_week = found.get("latest_week")


def _organisation_groups(region: Region) -> list[TwinGroup]:
    by_key: dict[str, dict[str, Twin]] = defaultdict(dict)
    for pk, code in (
        Organisation.objects.filter(region=region).order_by("pk").values_list("pk", "code")
    ):
        by_key[code_twin_key(code)][code] = Twin(pk=pk, spelling=code)
    for code in (
        MonitoringRosterEntry.objects.filter(region=region)
        .order_by("org_code")
        .values_list("org_code", flat=True)
    ):
        by_key[code_twin_key(code)].setdefault(code, Twin(pk=None, spelling=code))
    groups = [
        TwinGroup(ORGANISATION, region, key, list(twins.values()))
        for key, twins in by_key.items()
        if len(twins) > 1
    ]
    if not groups:
        return []
    _read_stats(groups, "organisation_id")
    for group in groups:
        _choose_survivor(group)
        if group.survivor is not None:
            _shared_weeks(group)
    return groups


def _shared_weeks(group: TwinGroup) -> None:
    """Rule 2: the weeks where several twins have a row, and which row wins each."""
    spelling = {t.pk: t.spelling for t in group.twins if t.pk is not None}
    rows_by_week: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for row in MonitoringRow.objects.filter(organisation_id__in=list(spelling)).values(
        "id", "organisation_id", "week_start", "upload_id", *_ROW_FIGURES
    ):
        rows_by_week[row["week_start"]].append(row)
    undecided: list[dt.date] = []
    for week, rows in sorted(rows_by_week.items()):
        if len(rows) < 2:
            continue
        if len({tuple(row[f] for f in _ROW_FIGURES) for row in rows}) == 1:
            # the same report twice: the survivor's row, or any
            assert group.survivor is not None
            winner = next((r for r in rows if r["organisation_id"] == group.survivor.pk), rows[0])
        else:
            uploads = [r["upload_id"] for r in rows]
            newest = max((u for u in uploads if u is not None), default=None)
            if None in uploads or uploads.count(newest) > 1:
                group.shared_weeks[week] = None
                undecided.append(week)
                continue
            winner = next(r for r in rows if r["upload_id"] == newest)
        group.shared_weeks[week] = spelling[winner["organisation_id"]]
    locked = sorted(
        week for _region, week in locked_weeks((group.region.pk, w) for w in group.shared_weeks)
    )
    if undecided:
        group.problem = _(
            "за недели %(weeks)s у двойников разные данные, и не известно, какая загрузка "
            "новее; исправьте или удалите одну из строк и запустите объединение снова"
        ) % {"weeks": ", ".join(ru_date(w) for w in undecided)}
    elif locked:
        group.problem = _(
            "недели %(weeks)s утверждены и закрыты для изменений; откройте их для "
            "исправления и запустите объединение снова"
        ) % {"weeks": ", ".join(ru_date(w) for w in locked)}


def twins_find(*, region: Region) -> list[TwinGroup]:
    """The twin groups of the region (municipalities first), each with its survivor, its
    shared weeks and, when it must be left for a person, why."""
    return _municipality_groups(region) + _organisation_groups(region)


FK = models.ForeignKey[Any, Any]


def _relations(model: type[models.Model]) -> list[FK]:
    """Every foreign key to `model` (the model graph: a new one is covered the day it is
    declared), M2M through tables included (their own foreign keys)."""
    found: list[FK] = []
    for rel in model._meta.get_fields(include_hidden=True):
        if isinstance(rel, ForeignObjectRel) and isinstance(rel.field, models.ForeignKey):
            found.append(rel.field)
    return found


def _clash_keys(fk: FK) -> list[tuple[tuple[str, ...], models.Q]]:
    """The other fields of each unique key of the holding model that holds `fk`, with the
    rows the key applies to (a partial constraint's condition)."""
    meta = fk.model._meta
    keys: list[tuple[tuple[str, ...], models.Q]] = [
        (tuple(c.fields), c.condition or models.Q())
        for c in meta.constraints
        if isinstance(c, models.UniqueConstraint) and fk.name in c.fields
    ]
    keys += [(tuple(u), models.Q()) for u in meta.unique_together if fk.name in u]
    return [
        (
            tuple(str(getattr(meta.get_field(f), "attname", f)) for f in fields if f != fk.name),
            condition,
        )
        for fields, condition in keys
    ]


def _keeps_dropped(fk: FK, survivor_row: Any, dropped_row: Any) -> bool:
    """On a clash of a unique key: True when the dropped twin's row is kept instead of the
    survivor's (cascade progress: the earlier completion)."""
    done = "done_on"
    if any(f.name == done for f in fk.model._meta.concrete_fields):
        return bool(getattr(dropped_row, done) < getattr(survivor_row, done))
    return False


def _move(model: type[models.Model], survivor_pk: int, dropped_pk: int) -> None:
    """Rule 3: every row referring to the dropped twin refers to the survivor."""
    for fk in _relations(model):
        holder = fk.model
        if holder is MonitoringRollup:
            # rebuilt from the rows (rollups_rebuild), never moved
            holder._base_manager.filter(**{fk.attname: dropped_pk}).delete()
            continue
        for key, condition in _clash_keys(fk):
            if not key:
                continue
            rows = holder._base_manager.filter(condition)
            survivors = {
                tuple(getattr(row, f) for f in key): row
                for row in rows.filter(**{fk.attname: survivor_pk})
            }
            for row in rows.filter(**{fk.attname: dropped_pk}):
                mine = survivors.get(tuple(getattr(row, f) for f in key))
                if mine is None:
                    continue
                if _keeps_dropped(fk, mine, row):
                    mine.delete()
                else:
                    row.delete()
        holder._base_manager.filter(**{fk.attname: dropped_pk}).update(**{fk.attname: survivor_pk})


def _merge_municipalities(group: TwinGroup) -> set[dt.date]:
    assert group.survivor is not None and group.survivor.pk is not None
    if not group.dropped:  # a respelling: no figure changes
        Municipality.objects.filter(pk=group.survivor.pk).update(name=group.survivor_spelling)
        return set()
    weeks = set(
        MonitoringRow.objects.filter(municipality_id__in=[t.pk for t in group.twins]).values_list(
            "week_start", flat=True
        )
    )
    for twin in group.dropped:
        assert twin.pk is not None
        _move(Municipality, group.survivor.pk, twin.pk)
        Municipality.objects.filter(pk=twin.pk).delete()
    Municipality.objects.filter(pk=group.survivor.pk).update(name=group.survivor_spelling)
    return weeks


def _merge_organisations(group: TwinGroup) -> set[dt.date]:
    survivor = group.survivor
    assert survivor is not None and survivor.pk is not None
    records = [t for t in group.twins if t.pk is not None]
    weeks = set(
        MonitoringRow.objects.filter(organisation_id__in=[t.pk for t in records]).values_list(
            "week_start", flat=True
        )
    )
    by_spelling = {t.spelling: t.pk for t in records}
    # rule 2: of a shared week only the winning row stays
    for week, winner in group.shared_weeks.items():
        assert winner is not None
        MonitoringRow.objects.filter(
            organisation_id__in=[t.pk for t in records], week_start=week
        ).exclude(organisation_id=by_spelling[winner]).delete()
    # the record follows the twin with the latest week stored
    latest = max(
        records,
        key=lambda t: (t.latest_week or dt.date.min, t is survivor),
    )
    if latest is not survivor:
        source = Organisation.objects.get(pk=int(latest.pk or 0))
        Organisation.objects.filter(pk=survivor.pk).update(
            name=source.name, org_type=source.org_type, municipality_id=source.municipality_id
        )
    for twin in group.dropped:
        if twin.pk is not None:
            _move(Organisation, survivor.pk, twin.pk)
            Organisation.objects.filter(pk=twin.pk).delete()
    # the roster lists the organisation once, under the surviving code
    entries = MonitoringRosterEntry.objects.filter(
        region=group.region, org_code__in=[t.spelling for t in group.twins]
    )
    if entries.exists():
        if entries.filter(org_code=survivor.spelling).exists():
            entries.exclude(org_code=survivor.spelling).delete()
        else:
            first = entries.order_by("pk").first()
            assert first is not None
            entries.exclude(pk=first.pk).delete()
            MonitoringRosterEntry.objects.filter(pk=first.pk).update(org_code=survivor.spelling)
        for roster in MonitoringRoster.objects.filter(region=group.region):
            roster.organisations = roster.entries.count()
            roster.save(update_fields=["organisations"])
        # the roster sets the coverage of every stored week of the region
        weeks.update(
            MonitoringRollup.objects.filter(
                region=group.region, municipality__isnull=True
            ).values_list("week_start", flat=True)
        )
    return weeks


def twins_repair(*, region: Region, apply: bool = False) -> TwinsResult:
    """The twin groups of the region, merged when `apply` (see the module docstring) in one
    transaction; without `apply`, only found and reported (a dry run)."""
    with transaction.atomic():
        lock_imports()
        groups = twins_find(region=region)
        result = TwinsResult(region=region, groups=groups)
        if not apply or not result.merged:
            return result
        weeks: set[dt.date] = set()
        for group in result.merged:
            if group.kind == MUNICIPALITY:
                weeks |= _merge_municipalities(group)
        # the organisations' shared weeks compare municipalities: read again after the merge
        organisations = _organisation_groups(region)
        result.groups = [g for g in groups if g.kind == MUNICIPALITY] + organisations
        for group in organisations:
            if not group.problem:
                weeks |= _merge_organisations(group)
        result.applied = True
        result.weeks = sorted(weeks)
        dataversion.bump(region_ids=[region.pk])
        if weeks:
            rollups_rebuild(region_ids=[region.pk], weeks=result.weeks)
            signals.announce_monitoring_imported(
                region_ids=[region.pk], weeks=[w.isoformat() for w in result.weeks]
            )
    return result
