"""Importing a region's roadmap document: preview, then one all-or-nothing write.

`roadmap_version_upload` keeps the document as a draft `RoadmapVersion`; `roadmap_import_plan`
reads it and compares it with the region's agencies and with the roadmap in force (what the
preview shows and the command prints); `roadmap_version_apply` plans again inside one
transaction and writes it.

Matching a new version to the roadmap in force (`_match_measures`):

1. the same number and the same wording (spaces and case aside);
2. the same wording under another number (the measure was renumbered);
3. the same number with a similar wording (the measure was reworded);
4. a similar wording under another number (reworded and renumbered);
5. what is left is added (new) or removed (archived, never deleted; an archived measure
   matched again is restored).

A matched measure is updated in place, so its status, history, evidence, reports, cascades
and whatever else hangs off it stay. The same document imported twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from agencies.choices import AgencyKind, CollectiveScope
from agencies.models import Agency, Region, User
from roadmap_portal.storage import display_file_name
from roadmap_portal.uploads import size_problem

from .. import signals
from ..choices import ChangeKind, RoadmapVersionStatus
from ..imports.document import (
    DocumentError,
    ParsedMeasure,
    ParsedRoadmap,
    roadmap_document_read,
)
from ..models import (
    CascadeProgress,
    Measure,
    MeasureChange,
    MeasureResponsibility,
    MeasureStep,
    Roadmap,
    RoadmapVersion,
    Section,
)
from .parts import measure_parts_sync

CLOSE_MATCH_RATIO = 0.82  # agency names: «Минобразования …» vs «Министерство образования …»
REWORDED_RATIO = 0.5  # same number: a wording at least this similar is the same measure
RENUMBERED_RATIO = 0.85  # another number: only a near-identical wording is the same measure
NEW_AGENCY = "new"


class RoadmapImportError(ValidationError):
    """The document cannot be imported; `messages` name the rows (Russian)."""


# --- Agencies -----------------------------------------------------------------------------


def normalize_name(text: str) -> str:
    text = (text or "").casefold().replace("ё", "е")
    text = re.sub(r"[«»\"'“”„()]", " ", text)
    return " ".join(text.split()).strip(" .,;")


@dataclass
class AgencyMatch:
    """A body named in the document and the agency it stands for."""

    name: str
    key: str  # normalised name: one choice per distinct body
    kind: str  # "exact", "close" or "new"
    agency: Agency | None = None  # the exact match or the one chosen
    candidates: list[Agency] = field(default_factory=list)
    rows: list[str] = field(default_factory=list)

    @property
    def will_create(self) -> bool:
        return self.agency is None


def _agency_pool(region: Region) -> list[Agency]:
    return list(Agency.objects.filter(Q(region=region) | Q(region__isnull=True)).order_by("name"))


def agencies_match(
    *, region: Region, measures: list[ParsedMeasure], choices: dict[str, str]
) -> dict[str, AgencyMatch]:
    """Each body of the document: an exact agency, close ones to confirm, or a new one.

    `choices` (normalised name -> agency id or "new") are the user's decisions for close
    and new bodies; without one a close body takes its best candidate.
    """
    pool = _agency_pool(region)
    by_name: dict[str, Agency] = {}
    for agency in pool:
        for name in (agency.name, agency.short_name):
            if name:
                by_name.setdefault(normalize_name(name), agency)
    by_id = {str(agency.pk): agency for agency in pool}
    matches: dict[str, AgencyMatch] = {}
    for measure in measures:
        for name in measure.responsible_names:
            key = normalize_name(name)
            if key in matches:
                matches[key].rows.append(measure.row)
                continue
            match = AgencyMatch(name=name, key=key, kind="new", rows=[measure.row])
            if key in by_name:
                match.kind, match.agency = "exact", by_name[key]
            else:
                scored = sorted(
                    (
                        (difflib.SequenceMatcher(None, key, normalize_name(a.name)).ratio(), a)
                        for a in pool
                    ),
                    key=lambda pair: -pair[0],
                )
                match.candidates = [a for ratio, a in scored[:3] if ratio >= CLOSE_MATCH_RATIO]
                if match.candidates:
                    match.kind, match.agency = "close", match.candidates[0]
                choice = choices.get(key)
                if choice == NEW_AGENCY:
                    match.agency = None
                elif choice in by_id:
                    match.agency = by_id[choice]
            matches[key] = match
    return matches


def _new_agency(region: Region, name: str) -> Agency:
    """An agency for a body the region's list does not have yet (kind told by its name)."""
    lower = normalize_name(name)
    fields: dict[str, Any] = {"kind": AgencyKind.ROIV}
    if lower.startswith(("исполнительные органы", "органы исполнительной власти")):
        fields = {"kind": AgencyKind.COLLECTIVE, "collective_scope": CollectiveScope.ROIV}
    elif lower.startswith("органы местного самоуправления"):
        fields = {"kind": AgencyKind.COLLECTIVE, "collective_scope": CollectiveScope.OMSU}
    elif "муниципальн" in lower or "администрац" in lower and "район" in lower:
        fields = {"kind": AgencyKind.OMSU}
    if fields["kind"] == AgencyKind.COLLECTIVE:
        fields["includes_subordinates"] = "подведомств" in lower
    agency = Agency(name=name[:500], region=region, **fields)
    agency.full_clean(exclude=["code"])
    agency.save()
    return agency


# --- Measures -----------------------------------------------------------------------------


def _words(text: str) -> str:
    return " ".join((text or "").casefold().replace("ё", "е").split()).strip(" .;")


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _words(a), _words(b)).ratio()


@dataclass
class MeasureDiff:
    """One line of the difference between the roadmap in force and the document."""

    kind: str  # "added", "removed", "changed", "unchanged", "restored"
    parsed: ParsedMeasure | None = None
    existing: Measure | None = None
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def deadline_moved(self) -> bool:
        return "due_date" in self.changes or "start_date" in self.changes

    @property
    def reworded(self) -> bool:
        return "title" in self.changes

    @property
    def renumbered(self) -> bool:
        return "number" in self.changes


def _match_measures(
    parsed: list[ParsedMeasure], existing: list[Measure]
) -> list[tuple[ParsedMeasure | None, Measure | None]]:
    pairs: dict[int, Measure] = {}  # index in parsed -> existing
    taken: set[int] = set()
    # the roadmap in force first; an archived measure only when nothing current fits
    existing = sorted(existing, key=lambda m: (m.archived_at is not None, m.position))

    def attempt(test: Callable[[ParsedMeasure, Measure], bool]) -> None:
        for index, item in enumerate(parsed):
            if index in pairs:
                continue
            for measure in existing:
                if measure.pk not in taken and test(item, measure):
                    pairs[index] = measure
                    taken.add(measure.pk)
                    break

    attempt(lambda p, m: p.number == m.number and _words(p.title) == _words(m.title))
    attempt(lambda p, m: _words(p.title) == _words(m.title))
    attempt(lambda p, m: p.number == m.number and _similar(p.title, m.title) >= REWORDED_RATIO)
    attempt(lambda p, m: _similar(p.title, m.title) >= RENUMBERED_RATIO)
    result: list[tuple[ParsedMeasure | None, Measure | None]] = [
        (item, pairs.get(index)) for index, item in enumerate(parsed)
    ]
    result += [(None, m) for m in existing if m.pk not in taken and m.archived_at is None]
    return result


def _date(value: dt.date | None) -> str:
    return f"{value:%d.%m.%Y}" if value else ""


def _measure_changes(
    item: ParsedMeasure,
    measure: Measure,
    *,
    section: tuple[str, str] | None,
    agency_names: list[str],
) -> dict[str, tuple[str, str]]:
    deadline = item.deadline
    old_section = (measure.section.number, measure.section.title) if measure.section else None
    pairs = {
        "number": (measure.number, item.number),
        "title": (measure.title, item.title),
        "deadline_text": (measure.deadline_text, item.deadline_text),
        "start_date": (_date(measure.start_date), _date(deadline.start_date if deadline else None)),
        "due_date": (_date(measure.due_date), _date(deadline.due_date if deadline else None)),
        "responsible_text": (measure.responsible_text, item.responsible_text),
        "responsible": (
            "; ".join(r.agency.name for r in measure.ordered_responsibilities),
            "; ".join(agency_names),
        ),
        "expected_result": (measure.expected_result, item.expected_result),
        "steps": (
            # a ticked step the document no longer prints is kept (_steps_sync): not a change
            "\n".join(
                s.title
                for s in measure.steps.all()
                if s.position < len(item.steps) or s.done_on is None
            ),
            "\n".join(item.steps),
        ),
        "section": (
            ". ".join(filter(None, old_section)) if old_section else "",
            ". ".join(filter(None, section)) if section else "",
        ),
    }
    changes = {}
    for key, (old, new) in pairs.items():
        if key in ("title", "expected_result", "responsible_text", "deadline_text"):
            if _words(old) != _words(new):
                changes[key] = (old, new)
        elif old != new:
            changes[key] = (old, new)
    return changes


# --- The plan -------------------------------------------------------------------------------


@dataclass
class ImportPlan:
    """What confirming the document would do; nothing of it is written yet."""

    region: Region
    roadmap: Roadmap | None
    parsed: ParsedRoadmap
    agencies: dict[str, AgencyMatch]
    measures: list[MeasureDiff]
    sections_changed: bool
    meta_changed: bool
    repeat_of: RoadmapVersion | None = None

    @property
    def errors(self) -> list[str]:
        return self.parsed.errors

    @property
    def counts(self) -> dict[str, int]:
        counts = {"added": 0, "removed": 0, "restored": 0, "deadline_moved": 0}
        counts |= {"reworded": 0, "renumbered": 0, "changed": 0, "unchanged": 0}
        for diff in self.measures:
            counts[diff.kind] = counts.get(diff.kind, 0) + 1
            counts["deadline_moved"] += diff.deadline_moved
            counts["reworded"] += diff.reworded
            counts["renumbered"] += diff.renumbered
        counts["total"] = len(self.parsed.measures)
        return counts

    @property
    def has_changes(self) -> bool:
        return (
            self.roadmap is None
            or self.sections_changed
            or self.meta_changed
            or any(diff.kind != "unchanged" for diff in self.measures)
        )

    @property
    def close_matches(self) -> list[AgencyMatch]:
        return [m for m in self.agencies.values() if m.kind == "close"]

    @property
    def new_agencies(self) -> list[AgencyMatch]:
        return [m for m in self.agencies.values() if m.kind == "new"]

    def agencies_of(self, item: ParsedMeasure) -> list[AgencyMatch]:
        return [self.agencies[normalize_name(name)] for name in item.responsible_names]


def _existing_measures(roadmap: Roadmap | None) -> list[Measure]:
    if roadmap is None:
        return []
    return list(
        Measure.all_objects.filter(roadmap=roadmap)
        .select_related("section")
        .prefetch_related("steps", "responsibilities__agency")
        .order_by("position", "pk")
    )


def roadmap_import_plan(
    *,
    region: Region,
    roadmap: Roadmap | None,
    parsed: ParsedRoadmap,
    choices: dict[str, str] | None = None,
    sha256: str = "",
) -> ImportPlan:
    agencies = agencies_match(region=region, measures=parsed.measures, choices=choices or {})
    existing = _existing_measures(roadmap)
    diffs: list[MeasureDiff] = []
    for item, measure in _match_measures(parsed.measures, existing):
        if item is None:
            diffs.append(MeasureDiff(kind="removed", existing=measure))
            continue
        if measure is None:
            diffs.append(MeasureDiff(kind="added", parsed=item))
            continue
        section = parsed.sections[item.section] if item.section is not None else None
        names = []
        for name in item.responsible_names:
            agency = agencies[normalize_name(name)].agency
            names.append(agency.name if agency else name)
        changes = _measure_changes(
            item,
            measure,
            section=(section.number, section.title) if section else None,
            agency_names=list(dict.fromkeys(names)),
        )
        if measure.archived_at is not None:
            kind = "restored"
        else:
            kind = "changed" if changes else "unchanged"
        diffs.append(MeasureDiff(kind=kind, parsed=item, existing=measure, changes=changes))
    sections_changed = False
    meta_changed = False
    if roadmap is not None:
        old = [(s.number, _words(s.title)) for s in roadmap.sections.all().order_by("position")]
        new = [(s.number, _words(s.title)) for s in parsed.sections]
        used = {m.section_id for m in existing}
        old_used = [
            (s.number, _words(s.title))
            for s in roadmap.sections.all().order_by("position")
            if s.pk in used
        ]
        sections_changed = new not in (old, old_used)
        meta_changed = bool(parsed.approved_on and parsed.approved_on != roadmap.approved_on) or (
            bool(parsed.document_number) and parsed.document_number != roadmap.document_number
        )
    repeat_of = None
    if roadmap is not None and sha256:
        repeat_of = (
            roadmap.versions.filter(sha256=sha256, status=RoadmapVersionStatus.APPLIED)
            .order_by("-number")
            .first()
        )
    return ImportPlan(
        region=region,
        roadmap=roadmap,
        parsed=parsed,
        agencies=agencies,
        measures=diffs,
        sections_changed=sections_changed,
        meta_changed=meta_changed,
        repeat_of=repeat_of,
    )


def roadmap_default_for(region: Region) -> Roadmap | None:
    """The roadmap a region's document updates: its only roadmap, if it has exactly one."""
    roadmaps = list(Roadmap.objects.filter(region=region)[:2])
    return roadmaps[0] if len(roadmaps) == 1 else None


def roadmap_document_check(*, name: str, data: bytes) -> None:
    problem = size_problem(len(data), "roadmap")
    if problem:
        raise RoadmapImportError(problem)
    if not data:
        raise RoadmapImportError(_("Файл пуст."))


def version_plan(version: RoadmapVersion) -> ImportPlan:
    """Reads a draft's stored document again and plans it against today's data."""
    with version.file.open("rb") as handle:
        data = handle.read()
    try:
        parsed = roadmap_document_read(
            name=version.file_name, data=data, approved_on=version.approved_on
        )
    except DocumentError as error:
        parsed = ParsedRoadmap(format="", errors=error.messages)
    return roadmap_import_plan(
        region=version.region,
        roadmap=version.roadmap,
        parsed=parsed,
        choices=version.agency_choices,
        sha256=version.sha256,
    )


# --- Writes -----------------------------------------------------------------------------------


@transaction.atomic
def roadmap_version_upload(
    *,
    region: Region,
    name: str,
    data: bytes,
    actor: User | None,
    roadmap: Roadmap | None = None,
    approved_on: dt.date | None = None,
) -> RoadmapVersion:
    """Keeps an uploaded document as a draft version (read and shown by the preview).

    A document that cannot be read at all is refused here (RoadmapImportError); row errors
    are shown by the preview, which then offers no confirmation.
    """
    roadmap_document_check(name=name, data=data)
    if roadmap is not None and roadmap.region_id != region.pk:
        raise RoadmapImportError(_("Дорожная карта другого субъекта."))
    try:
        parsed = roadmap_document_read(name=name, data=data, approved_on=approved_on)
    except DocumentError as error:
        raise RoadmapImportError(error.messages) from error
    version = RoadmapVersion(
        region=region,
        roadmap=roadmap,
        title=parsed.title,
        approved_on=parsed.approved_on,
        document_number=parsed.document_number,
        file_name=display_file_name(name),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
    )
    version.file.save(_safe_file_name(name), ContentFile(data), save=False)
    version.save()
    return version


def _safe_file_name(name: str) -> str:
    stem, _dot, ext = name.rpartition(".")
    return f"{slugify(stem, allow_unicode=False)[:80] or 'roadmap'}.{slugify(ext)[:5] or 'bin'}"


def _unique_code(region: Region, approved_on: dt.date | None) -> str:
    base = f"region-{region.code}-{(approved_on or timezone.localdate()).year}"
    code, n = base, 1
    while Roadmap.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


def _sections_sync(roadmap: Roadmap, parsed: ParsedRoadmap) -> list[Section]:
    """The document's sections in order, reusing the roadmap's by number and title."""
    existing = list(roadmap.sections.all().order_by("position"))
    offset = max([s.position for s in existing], default=0) + len(parsed.sections) + 1
    # park the current ones out of the way of the unique position
    for section in existing:
        Section.objects.filter(pk=section.pk).update(position=F("position") + offset)
    result = []
    free = list(existing)
    for position, item in enumerate(parsed.sections):
        found = next(
            (s for s in free if s.number == item.number and _words(s.title) == _words(item.title)),
            None,
        ) or next((s for s in free if item.number and s.number == item.number), None)
        if found is None:
            found = Section.objects.create(
                roadmap=roadmap, number=item.number, title=item.title[:500], position=position
            )
        else:
            free.remove(found)
            found.number, found.title, found.position = item.number, item.title[:500], position
            found.save(update_fields=["number", "title", "position"])
        result.append(found)
    # sections left out keep the archived measures that refer to them, after the others
    for extra, section in enumerate(free, start=len(parsed.sections)):
        if not Measure.all_objects.filter(section=section).exists():
            section.delete()
        else:
            Section.objects.filter(pk=section.pk).update(position=extra)
    return result


def _measure_fields(item: ParsedMeasure, position: int, section: Section | None) -> dict[str, Any]:
    deadline = item.deadline
    return {
        "number": item.number,
        "position": position,
        "section": section,
        "title": item.title,
        "deadline_text": item.deadline_text[:200],
        "deadline_kind": deadline.kind if deadline else "none",
        "start_date": deadline.start_date if deadline else None,
        "due_date": deadline.due_date if deadline else None,
        "recurrence": deadline.recurrence if deadline else "",
        "responsible_text": item.responsible_text,
        "expected_result": item.expected_result,
    }


def _responsibilities_sync(measure: Measure, agencies: list[Agency]) -> None:
    """Rows kept by agency, so what later hangs off a (measure, body) pair stays."""
    wanted = list(dict.fromkeys(agencies))
    MeasureResponsibility.objects.filter(measure=measure).exclude(
        agency__in=[a.pk for a in wanted]
    ).delete()
    for position, agency in enumerate(wanted):
        MeasureResponsibility.objects.update_or_create(
            measure=measure, agency=agency, defaults={"position": position}
        )


def _steps_sync(measure: Measure, titles: list[str]) -> None:
    steps = list(MeasureStep.objects.filter(measure=measure).order_by("position"))
    for position, title in enumerate(titles):
        if position < len(steps):
            if steps[position].title != title:
                steps[position].title = title
                steps[position].save(update_fields=["title"])
        else:
            MeasureStep.objects.create(measure=measure, position=position, title=title)
    for step in steps[len(titles) :]:
        # a ticked step or one with cascade progress is kept: it is part of the history
        in_use = CascadeProgress.objects.filter(step=step).exists()
        if step.done_on is None and not in_use:
            step.delete()


@dataclass
class ImportResult:
    version: RoadmapVersion
    roadmap: Roadmap
    counts: dict[str, int]
    created_agencies: list[Agency]

    @property
    def changed(self) -> bool:
        return self.version.status == RoadmapVersionStatus.APPLIED


def roadmap_version_apply(
    *, version: RoadmapVersion, actor: User | None, choices: dict[str, str] | None = None
) -> ImportResult:
    """Writes a draft (see `_apply`); a value the models refuse is a RoadmapImportError."""
    try:
        return _apply(version=version, actor=actor, choices=choices)
    except RoadmapImportError:
        raise
    except ValidationError as error:
        raise RoadmapImportError(error.messages) from error


def _version_of(measure: Measure) -> int:
    """The version the import's UPDATE just made: read back, not the plan's reading plus
    one (a status saved meanwhile moved it too; the history entry must carry its own)."""
    version: int = Measure.all_objects.values_list("version", flat=True).get(pk=measure.pk)
    return version


@transaction.atomic
def _apply(
    *, version: RoadmapVersion, actor: User | None, choices: dict[str, str] | None
) -> ImportResult:
    """Writes a draft: the roadmap, its sections and measures, new agencies; all or nothing.

    1. Plan again against the current data (another version may have come in meanwhile);
       any row error -> RoadmapImportError, nothing written.
    2. No difference (the same document again) -> the draft is marked «без изменений».
    3. Otherwise: create the roadmap if new, create the agencies the user did not map,
       sync sections, archive removed measures, update matched ones in place (each gets a
       history entry with old -> new), create added ones, record the version number.
    """
    version = RoadmapVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != RoadmapVersionStatus.DRAFT:
        raise RoadmapImportError(_("Этот документ уже обработан."))
    if choices is not None:
        version.agency_choices = choices
    plan = version_plan(version)
    if plan.errors:
        raise RoadmapImportError(plan.errors)
    now = timezone.now()
    counts = plan.counts
    version.applied_by, version.applied_at = actor, now
    if not plan.has_changes:
        version.status = RoadmapVersionStatus.UNCHANGED
        version.summary = counts
        version.save()
        assert plan.roadmap is not None
        return ImportResult(
            version=version, roadmap=plan.roadmap, counts=counts, created_agencies=[]
        )

    parsed = plan.parsed
    roadmap = plan.roadmap
    if roadmap is None:
        roadmap = Roadmap.objects.create(
            code=_unique_code(plan.region, parsed.approved_on),
            region=plan.region,
            title=parsed.title or _("Дорожная карта: %(region)s") % {"region": plan.region.name},
            approved_on=parsed.approved_on,
            document_number=parsed.document_number,
            source=version.file_name[:200],
        )
    else:
        roadmap.approved_on = parsed.approved_on or roadmap.approved_on
        roadmap.document_number = parsed.document_number or roadmap.document_number
        roadmap.title = parsed.title or roadmap.title
        roadmap.save(update_fields=["approved_on", "document_number", "title"])
    version.roadmap = roadmap
    version.number = (roadmap.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version.status = RoadmapVersionStatus.APPLIED
    version.summary = counts
    version.save()

    created: list[Agency] = []
    for match in plan.agencies.values():
        if match.agency is None:
            match.agency = _new_agency(plan.region, match.name)
            created.append(match.agency)

    sections = _sections_sync(roadmap, parsed)
    base = {"roadmap_version": version.number}

    def history(measure: Measure, kind: str, changes: dict[str, Any], new_version: int) -> None:
        MeasureChange.objects.create(
            measure=measure,
            kind=kind,
            actor=actor,
            changes={**base, **changes},
            comment=_("Версия %(n)s дорожной карты (%(file)s).")
            % {"n": version.number, "file": version.file_name},
            version=new_version,
        )

    # 1. archive what the document dropped (their numbers become free)
    for diff in plan.measures:
        if diff.kind == "removed":
            measure = diff.existing
            assert measure is not None
            Measure.all_objects.filter(pk=measure.pk).update(
                archived_at=now, archived_in=version, version=F("version") + 1, updated_at=now
            )
            history(measure, ChangeKind.ARCHIVED, {}, _version_of(measure))
    # 2. park renumbered measures on a temporary number (numbers are unique per roadmap)
    for diff in plan.measures:
        if diff.existing is not None and diff.parsed is not None and diff.renumbered:
            Measure.all_objects.filter(pk=diff.existing.pk).update(
                number=f"~{diff.existing.pk}"[:20]
            )
    # 3. update matched measures in place, create added ones, in the document's order
    position = 0
    for diff in plan.measures:
        item = diff.parsed
        if item is None:
            continue
        section = sections[item.section] if item.section is not None else None
        fields = _measure_fields(item, position, section)
        agencies = [m.agency for m in plan.agencies_of(item) if m.agency is not None]
        position += 1
        if diff.existing is None:
            measure = Measure(roadmap=roadmap, **fields)
            measure.full_clean(exclude=["roadmap", "section", "archived_in"])
            measure.save()
            history(measure, ChangeKind.CREATED, {}, measure.version)
        else:
            measure = diff.existing
            if diff.kind == "restored":
                fields |= {"archived_at": None, "archived_in": None}
            if diff.kind == "unchanged":
                # the position may still move when measures were added or removed before it
                Measure.all_objects.filter(pk=measure.pk).update(
                    position=fields["position"], section=section
                )
                continue
            Measure.all_objects.filter(pk=measure.pk).update(
                **fields, version=F("version") + 1, updated_at=now
            )
            kind = ChangeKind.RESTORED if diff.kind == "restored" else ChangeKind.VERSION
            history(
                measure,
                kind,
                {key: [old, new] for key, (old, new) in diff.changes.items()},
                _version_of(measure),
            )
        _responsibilities_sync(measure, agencies)
        _steps_sync(measure, item.steps)
    # every body's part of a measure with several bodies concerned (kept by body)
    measure_parts_sync(Measure.objects.filter(roadmap=roadmap))
    first = Measure.objects.filter(roadmap=roadmap).values_list("pk", flat=True).first()
    if first is not None:
        # deadlines moved and measures archived: announced once, receivers work per region
        transaction.on_commit(partial(signals.announce_measure_changed, first))
    return ImportResult(version=version, roadmap=roadmap, counts=counts, created_agencies=created)
