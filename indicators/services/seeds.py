"""Loading the reference fixtures (regions, agencies, seed roadmaps, indicators, methodology).

It loads the data of every app up to this one, so it lives in the highest of them.

Idempotent by natural keys: running it again updates printed texts and adds what is
missing, and never touches what users entered (statuses, history, ticked steps).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import ForeignObjectRel

from agencies import dataversion
from agencies.models import Agency, Region
from agencies.naming import municipality_get_or_create
from roadmaps.deadlines import parse_deadline
from roadmaps.models import (
    Cascade,
    Measure,
    MeasureResponsibility,
    MeasureStep,
    MeasureTarget,
    Roadmap,
    Section,
)
from roadmaps.services.cascades import cascade_targets_sync
from roadmaps.services.parts import measure_parts_sync

from ..models import Indicator, IndicatorStage, RegionTarget
from .methodology import methodology_load

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
SEEDS_DIR = FIXTURES_DIR / "seeds"


@dataclass
class SeedSummary:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def count(self, model: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[model] = target.get(model, 0) + 1

    def lines(self) -> list[str]:
        keys = sorted(set(self.created) | set(self.updated))
        lines = [
            f"{key}: создано {self.created.get(key, 0)}, уже было {self.updated.get(key, 0)}"
            + (f", удалено {self.deleted[key]}" if self.deleted.get(key) else "")
            for key in keys
        ]
        lines += [f"{key}: удалено {n}" for key, n in self.deleted.items() if key not in keys]
        return lines + self.notes


_M = TypeVar("_M", bound=models.Model)


def _load_json(name: str) -> Any:
    """The parsed seed file (its shape is the file's: fixtures/seeds/README)."""
    return json.loads((SEEDS_DIR / name).read_text(encoding="utf-8"))


def _upsert(
    summary: SeedSummary, model: type[_M], lookup: dict[str, Any], defaults: dict[str, Any]
) -> _M:
    obj, created = model._default_manager.update_or_create(**lookup, defaults=defaults)
    summary.count(model.__name__, created)
    return obj


def regions_load(summary: SeedSummary) -> dict[str, Region]:
    regions = {}
    with (FIXTURES_DIR / "regions.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            regions[row["code"]] = _upsert(
                summary,
                Region,
                {"code": row["code"]},
                {"name": row["name"], "timezone": row["timezone"]},
            )
    return regions


def agencies_load(summary: SeedSummary, regions: dict[str, Region]) -> dict[str, Agency]:
    agencies: dict[str, Agency] = {}
    items = _load_json("agencies.json")
    # parents first: a parent is created before a child refers to it
    pending = list(items)
    while pending:
        progressed = False
        for item in list(pending):
            parent_key = item.get("parent")
            if parent_key and parent_key not in agencies:
                continue
            agencies[item["key"]] = _upsert(
                summary,
                Agency,
                {"code": item["key"]},
                {
                    "name": item["name"],
                    "short_name": item.get("short_name") or "",
                    "kind": item["kind"],
                    "region": regions[item["region"]] if item.get("region") else None,
                    "parent": agencies[parent_key] if parent_key else None,
                    "collective_scope": item.get("collective_scope") or "",
                    "includes_subordinates": bool(item.get("includes_subordinates")),
                },
            )
            pending.remove(item)
            progressed = True
        if not progressed:
            raise ValueError(f"agencies.json: unknown parents in {[i['key'] for i in pending]}")
    return agencies


def indicators_load(summary: SeedSummary, regions: dict[str, Region]) -> dict[str, Indicator]:
    data = _load_json("indicators.json")
    indicators = {}
    for item in data["indicators"]:
        indicators[item["code"]] = _upsert(
            summary,
            Indicator,
            {"code": item["code"]},
            {
                "number": item["number"],
                "name": item["name"],
                "description": item.get("description", ""),
                "org_types": item["org_types"],
            },
        )
    for item in data["stages"]:
        value = item.get("target_value")
        _upsert(
            summary,
            IndicatorStage,
            {"indicator": indicators[item["indicator"]], "stage": item["stage"]},
            {
                "target_date": dt.date.fromisoformat(item["target_date"]),
                "target_kind": item["target_kind"],
                "target_value": Decimal(str(value)) if value is not None else None,
            },
        )
    for item in data.get("region_targets", []):
        value = item.get("target_value")
        lookup = {
            "region": regions[item["region"]],
            "indicator": indicators[item["indicator"]],
            "stage": item["stage"],
        }
        defaults = {
            "target_value": Decimal(str(value)) if value is not None else None,
            "conditional": bool(item.get("conditional")),
            "condition": item.get("condition") or "",
            "source": item.get("source") or "",
        }
        existing = RegionTarget.objects.filter(**lookup).first()
        if existing is None:
            # a conditional target starts not in force; later loads keep what users decided
            defaults["in_force"] = not defaults["conditional"]
        _upsert(summary, RegionTarget, lookup, defaults)
    return indicators


def _measure_load(
    summary: SeedSummary,
    *,
    roadmap: Roadmap,
    section: Section,
    position: int,
    item: dict[str, Any],
    agencies: dict[str, Agency],
    indicators: dict[str, Indicator],
) -> Measure:
    default_year = roadmap.approved_on.year if roadmap.approved_on else 2025
    parsed = parse_deadline(item.get("deadline", ""), default_year=default_year)
    measure = _upsert(
        summary,
        Measure,
        {"roadmap": roadmap, "number": item["number"]},
        {
            "section": section,
            "position": position,
            "title": item["title"],
            "deadline_text": item.get("deadline", ""),
            "deadline_kind": parsed.kind,
            "start_date": parsed.start_date,
            "due_date": parsed.due_date,
            "recurrence": parsed.recurrence,
            "responsible_text": item.get("responsible_text", ""),
            "expected_result": item.get("result", ""),
        },
    )
    wanted = [agencies[key] for key in item.get("responsible", [])]
    MeasureResponsibility.objects.filter(measure=measure).exclude(
        agency__in=[a.pk for a in wanted]
    ).delete()
    for pos, agency in enumerate(wanted):
        _upsert(
            summary,
            MeasureResponsibility,
            {"measure": measure, "agency": agency},
            {"position": pos},
        )
    for pos, title in enumerate(item.get("steps", [])):
        _upsert(summary, MeasureStep, {"measure": measure, "position": pos}, {"title": title})
    MeasureStep.objects.filter(measure=measure, position__gte=len(item.get("steps", []))).delete()
    for target in item.get("targets", []):
        _upsert(
            summary,
            MeasureTarget,
            {"measure": measure, "description": target["description"]},
            {
                "quantity": Decimal(str(target["quantity"])),
                "unit": target.get("unit", ""),
            },
        )
    measure.indicators.set([indicators[f"i{n}"] for n in item.get("indicators", [])])
    return measure


def roadmaps_load(
    summary: SeedSummary,
    regions: dict[str, Region],
    agencies: dict[str, Agency],
    indicators: dict[str, Indicator],
) -> dict[str, Roadmap]:
    data = _load_json("roadmaps.json")
    roadmaps = {}
    for item in data["roadmaps"]:
        roadmap = _upsert(
            summary,
            Roadmap,
            {"code": item["key"]},
            {
                "region": regions[item["region"]] if item.get("region") else None,
                "title": item["title"],
                "approver": item.get("approver", ""),
                "approved_on": dt.date.fromisoformat(item["approved_on"])
                if item.get("approved_on")
                else None,
                "document_number": item.get("document_number", ""),
                "signatories": item.get("signatories", []),
                "source": item.get("source", ""),
            },
        )
        roadmaps[item["key"]] = roadmap
        position = 0
        for section_pos, section_item in enumerate(item["sections"]):
            section = _upsert(
                summary,
                Section,
                {"roadmap": roadmap, "position": section_pos},
                {"number": section_item.get("number", ""), "title": section_item.get("title", "")},
            )
            for measure_item in section_item["measures"]:
                _measure_load(
                    summary,
                    roadmap=roadmap,
                    section=section,
                    position=position,
                    item=measure_item,
                    agencies=agencies,
                    indicators=indicators,
                )
                position += 1
    loaded: dict[str, Cascade] = {}
    for item in data.get("cascades", []):  # a letter after the one it follows
        cascade = _cascade_load(summary, item, roadmaps=roadmaps, agencies=agencies, loaded=loaded)
        loaded[cascade.document_number] = cascade
    # a part for every body concerned by a measure with several (idempotent)
    parts = measure_parts_sync(Measure.objects.filter(roadmap__in=list(roadmaps.values())))
    summary.created["MeasurePart"] = summary.created.get("MeasurePart", 0) + parts["created"]
    return roadmaps


def _cascade_load(
    summary: SeedSummary,
    item: dict[str, Any],
    *,
    roadmaps: dict[str, Roadmap],
    agencies: dict[str, Agency],
    loaded: dict[str, Cascade],
) -> Cascade:
    roadmap = roadmaps[item["roadmap"]]
    measure = Measure.objects.get(roadmap=roadmap, number=item["measure"])
    municipality = None
    if item.get("municipality"):
        # single-spaced, a twin of a known municipality refused (agencies.naming); a
        # municipality belongs to a region, so its roadmap has one
        municipality, created = municipality_get_or_create(
            region_id=roadmap.region.pk if roadmap.region else 0, name=item["municipality"]
        )
        summary.count("Municipality", created)
    cascade = _upsert(
        summary,
        Cascade,
        {"measure": measure, "document_number": item.get("document_number", "")},
        {
            "issued_by": agencies.get(item["issued_by"]) if item.get("issued_by") else None,
            "subject": item.get("subject", ""),
            "document_date": dt.date.fromisoformat(item["document_date"])
            if item.get("document_date")
            else None,
            "basis": item.get("basis", ""),
            "addressees": item.get("addressees", ""),
            "scope": item["scope"],
            "municipality": municipality,
            "org_types": item.get("org_types", []),
            # the level above in the chain (the ministry's letter the district's follows)
            "parent": loaded[item["parent"]] if item.get("parent") else None,
        },
    )
    cascade_targets_sync(cascade)
    return cascade


# Agencies earlier loads created and the seeds no longer hold, with the reason. Samara's
# milestones name no responsible body; the ministry was inferred, so it is taken away.
RETIRED_AGENCIES = {
    "sam-minobr": "в документе (seed 002) ответственный орган не назван; был выведен",
}


def _referenced(agency: Agency) -> list[str]:
    """What still refers to the agency (archived measures, users, channels … included)."""
    found = []
    reverse = [
        field
        for field in agency._meta.get_fields(include_hidden=True)
        if isinstance(field, ForeignObjectRel) and field.auto_created and not field.concrete
    ]
    for rel in reverse:
        model = rel.related_model
        if not isinstance(model, type):
            continue
        if model._meta.auto_created:  # the hidden through table of a many-to-many
            continue
        if model._base_manager.filter(**{rel.field.name: agency}).exists():
            found.append(str(model._meta.verbose_name_plural))
    return found


def agencies_retire(summary: SeedSummary) -> None:
    """Removes the retired agencies the seeds created, once nothing refers to them.

    Run after the roadmaps: their responsibilities are gone by then. An agency someone has
    since used (a user of it, a roadmap import matched to it) is kept and reported.
    """
    for code in RETIRED_AGENCIES:
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            continue
        used = _referenced(agency)
        if used:
            summary.notes.append(
                f"Орган «{agency.name}» ({code}) оставлен: на него ссылаются {', '.join(used)}."
            )
            continue
        agency.delete()
        summary.deleted["Agency"] = summary.deleted.get("Agency", 0) + 1


@transaction.atomic
def seeds_load() -> SeedSummary:
    summary = SeedSummary()
    regions = regions_load(summary)
    agencies = agencies_load(summary, regions)
    indicators = indicators_load(summary, regions)
    roadmaps_load(summary, regions, agencies, indicators)
    agencies_retire(summary)
    # the stage 1 index methodology and the measure -> criterion links
    for model, created in methodology_load().items():
        summary.created[model] = summary.created.get(model, 0) + created
    dataversion.bump(everything=True)  # reference data: stages, targets, roadmaps
    return summary
