"""Loading the stage 1 methodology and the measure ↔ criterion links from fixtures/.

Idempotent by natural keys (version code, component code, criterion code): a second run
changes nothing; a version already used in scores is left as it is (it can only be
superseded by a new version, never rewritten).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from agencies import dataversion
from roadmaps.models import Measure

from ..models import Component, Criterion, MeasureCriterion, MethodologyVersion

STAGE1_PATH = Path(settings.BASE_DIR) / "fixtures" / "methodology_stage1.json"

CRITERION_FIELDS = (
    "name",
    "rule_text",
    "kind",
    "source",
    "max_points",
    "points",
    "step",
    "bands",
    "inputs",
    "value_input",
    "denominator_input",
    "gate_input",
    "gate_min",
    "requires_verification",
)
DECIMAL_FIELDS = {"max_points", "points", "step", "gate_min"}


def _criterion_defaults(item: dict[str, Any], position: int) -> dict[str, Any]:
    defaults: dict[str, Any] = {"position": position}
    for name in CRITERION_FIELDS:
        if name in item:
            value = item[name]
            defaults[name] = Decimal(str(value)) if name in DECIMAL_FIELDS else value
    return defaults


@transaction.atomic
def methodology_load(path: Path | None = None) -> dict[str, int]:
    """Creates or updates the version described by `path`; returns counts by model."""
    data = json.loads((path or STAGE1_PATH).read_text(encoding="utf-8"))
    counts = {"MethodologyVersion": 0, "Component": 0, "Criterion": 0, "MeasureCriterion": 0}
    spec = data["version"]
    version = MethodologyVersion.objects.filter(code=spec["code"]).first()
    if version is None or not version.is_locked:
        version, created = MethodologyVersion.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "valid_from": spec["valid_from"],
                "valid_to": spec.get("valid_to"),
                "source": spec.get("source", ""),
            },
        )
        counts["MethodologyVersion"] += int(created)
        for c_pos, comp in enumerate(data["components"]):
            component, created = Component.objects.update_or_create(
                version=version,
                code=comp["code"],
                defaults={
                    "name": comp["name"],
                    "max_points": Decimal(comp["max_points"]),
                    "position": c_pos,
                },
            )
            counts["Component"] += int(created)
            for k_pos, item in enumerate(comp["criteria"]):
                criterion = Criterion.objects.filter(
                    component=component, code=item["code"]
                ).first() or Criterion(component=component, code=item["code"])
                created = criterion.pk is None
                for name, value in _criterion_defaults(item, k_pos).items():
                    setattr(criterion, name, value)
                criterion.full_clean()
                criterion.save()
                counts["Criterion"] += int(created)
    counts["MeasureCriterion"] = measure_links_load(data.get("measure_links", []))
    dataversion.bump(everything=True)  # every region's index, the ranking, the overview
    return counts


def measure_links_load(links: list[dict[str, Any]]) -> int:
    """Links seed measures to criteria by (roadmap code, measure number); returns new links."""
    created = 0
    for link in links:
        measure = Measure.objects.filter(
            roadmap__code=link["roadmap"], number=link["measure"]
        ).first()
        if measure is None:  # a roadmap not loaded (tests with a partial fixture)
            continue
        _obj, was_created = MeasureCriterion.objects.get_or_create(
            measure=measure, criterion_code=link["criterion"]
        )
        created += int(was_created)
    return created
