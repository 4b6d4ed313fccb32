"""The implementation index: loading inputs, scoring (indicators.index.scoring), storing scores.

Set-based: the inputs of every region asked for are read in a fixed number of queries
(the version with its components and criteria, the facts valid on the date, the latest
monitoring week of each region, the stored scores to update), whatever the number of
regions or criteria.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import access
from agencies.choices import Role
from agencies.models import Region

from ..choices import CriterionSource, FactSource
from ..models import (
    Criterion,
    IndexFact,
    IndexScore,
    MethodologyVersion,
    MonitoringRollup,
)
from .scoring import (
    BandSpec,
    ComponentSpec,
    CriterionResult,
    CriterionSpec,
    InputValue,
    Kind,
    RegionInputs,
    ScoreResult,
    VersionSpec,
    score_region,
)

# ---------------------------------------------------------------------------- methodology


def version_on(on_date: dt.date) -> MethodologyVersion | None:
    """The methodology version in force on `on_date`, its components and criteria loaded."""
    return (
        MethodologyVersion.objects.valid_on(on_date)
        .prefetch_related("components__criteria")
        .first()
    )


def version_spec(version: MethodologyVersion) -> VersionSpec:
    """The version as the pure scoring code takes it (uses prefetched rows)."""
    components = []
    for component in version.components.all():
        criteria = []
        for c in component.criteria.all():
            criteria.append(
                CriterionSpec(
                    code=c.code,
                    kind=Kind(c.kind),
                    max_points=c.max_points,
                    points=c.points,
                    step=c.step,
                    bands=tuple(
                        BandSpec(Decimal(str(b["min"])), Decimal(str(b["points"]))) for b in c.bands
                    ),
                    value_input=c.value_input,
                    denominator_input=c.denominator_input,
                    gate_input=c.gate_input,
                    gate_min=c.gate_min,
                    requires_verification=c.requires_verification,
                    counts_from=c.counts_from,
                    source=c.source,
                )
            )
        components.append(ComponentSpec(component.code, component.max_points, tuple(criteria)))
    return VersionSpec(version.code, tuple(components))


def criteria_of(version: MethodologyVersion) -> dict[str, Criterion]:
    return {c.code: c for comp in version.components.all() for c in comp.criteria.all()}


# ---------------------------------------------------------------------------- inputs


def index_inputs_load(*, region_ids: Iterable[int], on_date: dt.date) -> dict[int, RegionInputs]:
    """Inputs valid on `on_date` for every region in `region_ids`: two queries.

    Facts: the latest `as_of` ≤ date per (region, criterion, input), the later entry on the
    same date; a verified reading keeps the latest verified fact. Sferum share M: the
    region's rollup of the latest week on or before the date.
    """
    ids = list(region_ids)
    result = {region_id: RegionInputs() for region_id in ids}
    facts = (
        IndexFact.objects.filter(region_id__in=ids, as_of__lte=on_date)
        .order_by("region_id", "criterion_code", "input", "-as_of", "-id")
        .values_list("id", "region_id", "criterion_code", "input", "value", "as_of", "verified_at")
    )
    for fact_id, region_id, code, name, value, as_of, verified_at in facts:
        inputs = result[region_id]
        key = (code, name)
        item = InputValue(value, as_of, verified_at is not None, fact_id)
        if key not in inputs.claimed:
            inputs.claimed[key] = item
        if verified_at is not None and key not in inputs.verified:
            inputs.verified[key] = item
    latest_week = (
        MonitoringRollup.objects.filter(
            region_id=models.OuterRef("region_id"),
            municipality__isnull=True,
            week_start__lte=on_date,
        )
        .order_by("-week_start")
        .values("week_start")[:1]
    )
    rollups = MonitoringRollup.objects.filter(
        region_id__in=ids, municipality__isnull=True, week_start=models.Subquery(latest_week)
    ).only("region_id", "week_start", "vkm_users", "vkm_and_max_users")
    for rollup in rollups:
        inputs = result[rollup.region_id]
        inputs.sferum_share = rollup.m
        inputs.sferum_week = rollup.week_start
    return result


# ---------------------------------------------------------------------------- rendering


def fmt_number(value: str | Decimal | None) -> str:
    """A number as Russian text shows it: "7,5", "10", "34"."""
    if value is None:
        return "—"
    return format(Decimal(value).normalize(), "f").replace(".", ",")


def rule_text(result: CriterionResult) -> str:
    """The rule applied, in Russian ("7 из 10: охват 34 % ≥ 25 %")."""
    rule = result.rule
    code = rule["code"]
    points, max_points = fmt_number(result.points), fmt_number(result.max_points)
    if code == "not_launched":
        launch = dt.date.fromisoformat(rule["counts_from"]).strftime("%d.%m.%Y")
        return _("0 из %(max)s: учитывается с запуска функционала %(date)s") % {
            "max": max_points,
            "date": launch,
        }
    if code == "no_data":
        return _("0 из %(max)s: нет данных") % {"max": max_points}
    if code == "gate":
        return _("0 из %(max)s: %(value)s при минимуме %(min)s") % {
            "max": max_points,
            "value": fmt_number(rule["gate"]),
            "min": fmt_number(rule["gate_min"]),
        }
    if code == "yes":
        return _("%(points)s из %(max)s: выполнено") % {"points": points, "max": max_points}
    if code == "no":
        return _("0 из %(max)s: не выполнено") % {"max": max_points}
    if code == "per_unit":
        text = _("%(points)s из %(max)s: %(units)s × %(unit)s") % {
            "points": points,
            "max": max_points,
            "units": fmt_number(rule["units"]),
            "unit": fmt_number(rule["unit_points"]),
        }
        if rule["capped"]:
            text += " " + _("(не более максимума)")
        return text
    if code == "stepwise":
        return _(
            "%(points)s из %(max)s: доля %(pct)s %%, полных шагов по %(step)s %% — %(steps)s"
        ) % {
            "points": points,
            "max": max_points,
            "pct": fmt_number(rule["percent"]),
            "step": fmt_number(rule["step"]),
            "steps": fmt_number(rule["steps"]),
        }
    if code == "band":
        return _("%(points)s из %(max)s: %(pct)s %% ≥ %(min)s %%") % {
            "points": points,
            "max": max_points,
            "pct": fmt_number(rule["percent"]),
            "min": fmt_number(rule["band_min"]),
        }
    if code == "below_bands":
        return _("0 из %(max)s: %(pct)s %% ниже всех диапазонов") % {
            "max": max_points,
            "pct": fmt_number(rule["percent"]),
        }
    if code == "assessor":
        return _("%(points)s из %(max)s: оценка эксперта") % {"points": points, "max": max_points}
    return code


def breakdown(result: ScoreResult, spec: VersionSpec) -> tuple[dict, dict]:
    """(components, criteria) JSON of a score as stored in IndexScore."""
    component_of = {k.code: c.code for c in spec.components for k in c.criteria}
    components = {
        c.code: {
            "points": str(c.points),
            "max": str(c.max_points),
            "claimed": str(c.claimed_points),
        }
        for c in result.components
    }
    criteria = {}
    for official, claimed in zip(result.criteria, result.claimed, strict=True):
        criteria[official.code] = {
            "component": component_of[official.code],
            "points": str(official.points),
            "max": str(official.max_points),
            "claimed": str(claimed.points),
            "inputs": claimed.inputs,
            "verified_inputs": official.inputs,
            "rule": official.rule,
            "rule_text": rule_text(official),
            "claimed_rule_text": rule_text(claimed),
        }
    return components, criteria


# ---------------------------------------------------------------------------- scores


def index_evaluate(
    *, region_ids: Iterable[int], on_date: dt.date, version: MethodologyVersion | None = None
) -> tuple[MethodologyVersion | None, dict[int, ScoreResult]]:
    """Scores in memory (nothing written): the version used and region id -> result."""
    version = version or version_on(on_date)
    if version is None:
        return None, {}
    spec = version_spec(version)
    inputs = index_inputs_load(region_ids=region_ids, on_date=on_date)
    return version, {rid: score_region(spec, data, on_date) for rid, data in inputs.items()}


def _store(
    version: MethodologyVersion, on_date: dt.date, results: dict[int, ScoreResult]
) -> list[IndexScore]:
    spec = version_spec(version)
    now = timezone.now()
    existing = {
        s.region_id: s
        for s in IndexScore.objects.filter(
            on_date=on_date, version=version, region_id__in=list(results)
        )
    }
    to_create, to_update = [], []
    for region_id, result in results.items():
        components, criteria = breakdown(result, spec)
        score = existing.get(region_id) or IndexScore(
            region_id=region_id, on_date=on_date, version=version
        )
        score.total = result.total
        score.claimed_total = result.claimed_total
        score.max_points = result.max_points
        score.components = components
        score.criteria = criteria
        score.computed_at = now
        (to_update if score.pk else to_create).append(score)
    IndexScore.objects.bulk_create(to_create, batch_size=500)
    IndexScore.objects.bulk_update(
        to_update,
        ["total", "claimed_total", "max_points", "components", "criteria", "computed_at"],
        batch_size=500,
    )
    # a version in use is locked: from now on it can only be superseded
    MethodologyVersion.objects.filter(pk=version.pk, locked_at__isnull=True).update(locked_at=now)
    return to_create + to_update


@transaction.atomic
def index_recompute(
    *, region_ids: Iterable[int] | None = None, on_date: dt.date | None = None
) -> list[IndexScore]:
    """Computes and stores (updates) the scores of the regions on a date.

    `region_ids` None: every region. `on_date` None: each region's local today (regions
    are grouped by their date, so at most a couple of passes).
    """
    regions = Region.objects.all()
    if region_ids is not None:
        regions = regions.filter(id__in=list(region_ids))
    by_date: dict[dt.date, list[int]] = defaultdict(list)
    if on_date is not None:
        by_date[on_date] = list(regions.values_list("id", flat=True))
    else:
        now = timezone.now()
        for region in regions.only("id", "timezone"):
            by_date[region.local_today(now)].append(region.id)
    stored: list[IndexScore] = []
    for day, ids in by_date.items():
        version, results = index_evaluate(region_ids=ids, on_date=day)
        if version is not None and results:
            stored.extend(_store(version, day, results))
    return stored


def index_compute(*, region: Region, on_date: dt.date) -> IndexScore | None:
    """The stored score of one region on a date (None when no methodology is in force)."""
    scores = index_recompute(region_ids=[region.pk], on_date=on_date)
    return scores[0] if scores else None


# ---------------------------------------------------------------------------- facts


def is_verifier(user) -> bool:
    """Analysts and administrators verify facts (theirs are verified as they land)."""
    return bool(
        user and user.is_authenticated and (access.is_admin(user) or user.role == Role.ANALYST)
    )


def can_enter_facts(user, region_id: int) -> bool:
    """Coordinators of the region, analysts and administrators within their scope."""
    if not (user and user.is_authenticated) or not access.can_see_region(user, region_id):
        return False
    return access.is_admin(user) or user.role in (Role.COORDINATOR, Role.ANALYST)


def fact_value_errors(
    criterion: Criterion, input_code: str, raw
) -> tuple[Decimal | None, list[str]]:
    """Parses and checks a value against the criterion's input spec; Russian messages."""
    if criterion.source != CriterionSource.FACT:
        return None, [
            _("Критерий «%(code)s» рассчитывается по мониторингу Сферума, сведения не вносятся.")
            % {"code": criterion.code}
        ]
    spec = criterion.input_spec(input_code)
    if spec is None:
        expected = ", ".join(f"«{c}»" for c in criterion.input_codes if c) or _("пусто")
        return None, [
            _("У критерия «%(code)s» нет входа «%(input)s» (ожидается: %(expected)s).")
            % {"code": criterion.code, "input": input_code, "expected": expected}
        ]
    if isinstance(raw, Decimal):
        value = raw
    else:
        text = str(raw if raw is not None else "").strip().replace("\xa0", "").replace(" ", "")
        text = text.replace(",", ".").rstrip("%")
        try:
            value = Decimal(text)
        except InvalidOperation:
            return None, [_("Значение «%(value)s» не является числом.") % {"value": raw}]
    if not value.is_finite():
        return None, [_("Значение «%(value)s» не является числом.") % {"value": raw}]
    errors = []
    if spec.get("integer") and value != value.to_integral_value():
        errors.append(_("Значение должно быть целым числом."))
    low, high = spec.get("min"), spec.get("max")
    if low is not None and value < Decimal(str(low)):
        errors.append(_("Значение не может быть меньше %(min)s.") % {"min": low})
    if high is not None and value > Decimal(str(high)):
        errors.append(_("Значение не может быть больше %(max)s.") % {"max": high})
    if value.as_tuple().exponent < -2 or abs(value) >= Decimal("1e12"):
        errors.append(_("Значение вне допустимого диапазона (до двух знаков после запятой)."))
    return (value if not errors else None), errors


def criterion_for(code: str, on_date: dt.date) -> Criterion | None:
    """The criterion with `code` in the version valid on `on_date` (else the latest one)."""
    qs = Criterion.objects.select_related("component__version").filter(code=code)
    return (
        qs.filter(
            models.Q(component__version__valid_to__isnull=True)
            | models.Q(component__version__valid_to__gte=on_date),
            component__version__valid_from__lte=on_date,
        )
        .order_by("-component__version__valid_from")
        .first()
        or qs.order_by("-component__version__valid_from").first()
    )


def index_fact_create(
    *,
    region: Region,
    criterion_code: str,
    value,
    as_of: dt.date,
    input: str = "",
    evidence_url: str = "",
    evidence_file: UploadedFile | None = None,
    evidence_text: str = "",
    entered_by=None,
    source: str = FactSource.FORM,
    upload=None,
    recompute: bool = True,
) -> IndexFact:
    """Records a fact; verified as it lands when an analyst/administrator or the command
    line enters it. Schedules the region's recompute after commit."""
    criterion = criterion_for(criterion_code, as_of)
    if criterion is None:
        raise ValidationError(
            {"criterion_code": _("Неизвестный критерий «%(code)s».") % {"code": criterion_code}}
        )
    parsed, errors = fact_value_errors(criterion, input, value)
    if errors:
        raise ValidationError({"value": errors})
    verified = source == FactSource.COMMAND or is_verifier(entered_by)
    now = timezone.now()
    fact = IndexFact(
        region=region,
        criterion_code=criterion_code,
        input=input,
        value=parsed,
        as_of=as_of,
        evidence_url=evidence_url,
        evidence_text=evidence_text,
        source=source,
        upload=upload,
        entered_by=entered_by,
        verified_by=entered_by if verified and entered_by else None,
        verified_at=now if verified else None,
    )
    if evidence_file is not None:
        fact.evidence_file = evidence_file
    fact.full_clean()
    with transaction.atomic():
        fact.save()
        if recompute:
            schedule_recompute([region.pk])
    return fact


@transaction.atomic
def index_fact_verify(*, fact: IndexFact, actor) -> IndexFact:
    """An analyst or administrator confirms a fact; conditional update, safe to repeat."""
    if not is_verifier(actor):
        raise ValidationError(_("Подтверждать сведения могут аналитики и администраторы."))
    now = timezone.now()
    changed = IndexFact.objects.filter(pk=fact.pk, verified_at__isnull=True).update(
        verified_at=now, verified_by=actor
    )
    if changed:
        fact.verified_at, fact.verified_by = now, actor
        schedule_recompute([fact.region_id])
    return fact


def schedule_recompute(region_ids: list[int]) -> None:
    from ..tasks import index_recompute_all, index_recompute_region

    ids = sorted(set(region_ids))
    if len(ids) == 1:
        transaction.on_commit(lambda: index_recompute_region.delay(ids[0]))
    elif ids:
        transaction.on_commit(lambda: index_recompute_all.delay())
