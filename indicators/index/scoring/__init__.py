"""The implementation index rules: pure Python, no Django (a test checks).

`score_region(spec, inputs)` takes the methodology version (dataclasses built from the
database by `indicators.index.services`) and the inputs valid on a date, and returns the
per-criterion breakdown; the service stores it.
"""

from .engine import (
    BandSpec,
    ComponentResult,
    ComponentSpec,
    CriterionResult,
    CriterionSpec,
    InputValue,
    Kind,
    RegionInputs,
    ScoreResult,
    VersionSpec,
    display_percent,
    exact,
    percent_of,
    score_criterion,
    score_region,
)

__all__ = [
    "BandSpec",
    "ComponentResult",
    "ComponentSpec",
    "CriterionResult",
    "CriterionSpec",
    "InputValue",
    "Kind",
    "RegionInputs",
    "ScoreResult",
    "VersionSpec",
    "display_percent",
    "exact",
    "percent_of",
    "score_criterion",
    "score_region",
]
