"""Write side of the implementation index: storing scores, entering and verifying facts.

The inputs are loaded and scored by `selectors.index_evaluate` (set-based: a fixed number
of queries whatever the number of regions or criteria); `index_recompute` stores them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import access, dataversion
from agencies.models import Region, User
from roadmap_portal.numbers import NumberTextError, parse_decimal
from roadmap_portal.ru_formats import ru_number
from roadmap_portal.tables import shown
from roadmap_portal.uploads import check_upload_size

from ..approval import check_fact_unlocked, week_of
from ..choices import CriterionSource, FactSource
from ..jobs import index_recompute_publish
from ..models import (
    Criterion,
    IndexFact,
    IndexScore,
    IndexUpload,
    MethodologyVersion,
)
from ..services.approval import approval_corrections_record
from .scoring import (
    ScoreResult,
)
from .scoring.parts import Reading, part_over_whole
from .selectors import breakdown, criterion_for, index_evaluate, version_spec

# ---------------------------------------------------------------------------- scores


def _store(
    version: MethodologyVersion, on_date: dt.date, results: dict[int, ScoreResult]
) -> list[IndexScore]:
    spec = version_spec(version)
    now = timezone.now()
    scores: list[IndexScore] = []
    # a region with neither a fact nor a monitoring week has no index («нет данных»): no
    # stored score, and the one an earlier recompute stored for this date goes (its facts
    # were withdrawn). A stored 0 would read as a real total in the API and the history.
    without = [region_id for region_id, result in results.items() if not result.has_data]
    if without:
        IndexScore.objects.filter(region_id__in=without, on_date=on_date, version=version).delete()
    for region_id, result in results.items():
        if not result.has_data:
            continue
        components, criteria = breakdown(result, spec)
        scores.append(
            IndexScore(
                region_id=region_id,
                on_date=on_date,
                version=version,
                total=result.total,
                claimed_total=result.claimed_total,
                max_points=result.max_points,
                components=components,
                criteria=criteria,
                computed_at=now,
            )
        )
    # one INSERT ... ON CONFLICT DO UPDATE per batch: a recompute updates the row of its
    # (region, date, version), never duplicates it (bulk_update's CASE per row and field
    # cost seconds for 89 regions)
    IndexScore.objects.bulk_create(
        scores,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["region", "on_date", "version"],
        update_fields=[
            "total",
            "claimed_total",
            "max_points",
            "components",
            "criteria",
            "computed_at",
        ],
    )
    # a version in use is locked: from now on it can only be superseded
    MethodologyVersion.objects.filter(pk=version.pk, locked_at__isnull=True).update(locked_at=now)
    dataversion.bump(region_ids=results)  # the dashboards show the stored scores
    return scores


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


def fact_value_errors(
    criterion: Criterion, input_code: str, raw: object
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
        try:  # the one grammar of a number in a file (`1 234,5`; never `1 5` or `1e3`)
            value = parse_decimal(raw, percent_sign=True)
        except NumberTextError as exc:
            return None, [_("Значение: %(reason)s.") % {"reason": exc}]
    if not value.is_finite():
        return None, [_("Значение «%(value)s» не является числом.") % {"value": shown(raw)}]
    errors: list[str] = []
    if spec.get("integer") and value != value.to_integral_value():
        errors.append(_("Значение должно быть целым числом."))
    low, high = spec.get("min"), spec.get("max")
    if low is not None and value < Decimal(str(low)):
        errors.append(_("Значение не может быть меньше %(min)s.") % {"min": low})
    if high is not None and value > Decimal(str(high)):
        errors.append(_("Значение не может быть больше %(max)s.") % {"max": high})
    exponent = value.as_tuple().exponent  # an int: the value is finite
    if (isinstance(exponent, int) and exponent < -2) or abs(value) >= Decimal("1e12"):
        errors.append(_("Значение вне допустимого диапазона (до двух знаков после запятой)."))
    return (value if not errors else None), errors


@dataclass(frozen=True)
class NewFact:
    """A fact being entered, for `part_whole_problems`: `ref` names it to the caller (a
    file's row number)."""

    ref: int
    region_id: int
    criterion: Criterion
    input: str
    value: Decimal
    as_of: dt.date


def part_whole_problems(
    facts: Iterable[NewFact], *, replacing: int | None = None
) -> dict[int, str]:
    """`ref` → the Russian message for each new fact that would put a share's part above its
    whole in force (`scoring.parts`: the one rule), against the stored facts of the same
    region and criterion (one query) and the other new ones. `replacing`: the stored fact
    an edit replaces (the admin), left out."""
    pairs: dict[tuple[int, str], Criterion] = {}
    new: dict[tuple[int, str], list[Reading]] = defaultdict(list)
    for fact in facts:
        criterion = fact.criterion
        inputs = (criterion.value_input, criterion.denominator_input)
        if not criterion.denominator_input or fact.input not in inputs:
            continue
        key = (fact.region_id, criterion.code)
        pairs.setdefault(key, criterion)
        new[key].append(Reading(fact.input, fact.as_of, fact.value, new=True, ref=fact.ref))
    if not pairs:
        return {}
    stored: dict[tuple[int, str], list[Reading]] = defaultdict(list)
    rows = (
        IndexFact.objects.filter(
            region_id__in={region_id for region_id, _code in pairs},
            criterion_code__in={code for _region, code in pairs},
        )
        .exclude(pk=replacing)
        .order_by("id")
        .values_list("region_id", "criterion_code", "input", "as_of", "value")
    )
    for region_id, code, name, as_of, value in rows:
        if (region_id, code) in pairs:
            stored[(region_id, code)].append(Reading(name, as_of, value))
    problems = {}
    for key, criterion in pairs.items():
        part, whole = criterion.value_input, criterion.denominator_input
        for found in part_over_whole([*stored[key], *new[key]], part=part, whole=whole):
            problems[found.reading.ref] = _(
                "«%(part)s» (%(part_value)s) больше, чем «%(whole)s» (%(whole_value)s), с "
                "%(day)s: часть не может быть больше целого."
            ) % {
                "part": _input_label(criterion, part),
                "part_value": ru_number(found.part),
                "whole": _input_label(criterion, whole),
                "whole_value": ru_number(found.whole),
                "day": found.day.strftime("%d.%m.%Y"),
            }
    return problems


def _input_label(criterion: Criterion, code: str) -> str:
    spec = criterion.input_spec(code) or {}
    return str(spec.get("label") or code)


def fact_errors(
    *,
    region_id: int,
    criterion_code: str,
    input: str,
    value: object,
    as_of: dt.date,
    replacing: int | None = None,
) -> tuple[Decimal | None, dict[str, list[str]]]:
    """The one check of a fact entered by hand (the form, the API, the admin): the criterion
    known on its date, the value within its input's range, a share's part not above its
    whole. The parsed value, or the Russian errors by field."""
    criterion = criterion_for(criterion_code, as_of)
    if criterion is None:
        return None, {
            "criterion_code": [
                _("Неизвестный критерий «%(code)s».") % {"code": shown(criterion_code)}
            ]
        }
    parsed, errors = fact_value_errors(criterion, input, value)
    if errors or parsed is None:
        return None, {"value": errors}
    fact = NewFact(0, region_id, criterion, input, parsed, as_of)
    problems = part_whole_problems([fact], replacing=replacing)
    if problems:
        return None, {"value": list(problems.values())}
    return parsed, {}


def index_fact_create(
    *,
    region: Region,
    criterion_code: str,
    value: object,
    as_of: dt.date,
    input: str = "",
    evidence_url: str = "",
    evidence_file: UploadedFile | None = None,
    evidence_text: str = "",
    entered_by: User | None = None,
    source: str = FactSource.FORM,
    upload: IndexUpload | None = None,
    recompute: bool = True,
) -> IndexFact:
    """Records a fact; verified as it lands when an analyst/administrator or the command
    line enters it. Schedules the region's recompute after commit."""
    parsed, errors = fact_errors(
        region_id=region.pk, criterion_code=criterion_code, input=input, value=value, as_of=as_of
    )
    if errors or parsed is None:  # (no errors: a value)
        raise ValidationError(errors)
    check_fact_unlocked(region.pk, as_of)
    verified = source == FactSource.COMMAND or access.is_verifier(entered_by)
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
        check_upload_size(evidence_file.size, "evidence")
        fact.evidence_file = evidence_file
    fact.full_clean()
    with transaction.atomic():
        fact.save()
        approval_corrections_record(
            pairs=[(region.pk, week_of(as_of))],
            actor=entered_by,
            note=_("Сведения для индекса: %(fact)s") % {"fact": fact},
        )
        if recompute:
            schedule_recompute([region.pk])
    return fact


@transaction.atomic
def index_fact_verify(*, fact: IndexFact, actor: User) -> IndexFact:
    """An analyst or administrator confirms a fact; conditional update, safe to repeat."""
    if not access.is_verifier(actor):
        raise ValidationError(_("Подтверждать сведения могут аналитики и администраторы."))
    check_fact_unlocked(fact.region_id, fact.as_of)
    now = timezone.now()
    changed = IndexFact.objects.filter(pk=fact.pk, verified_at__isnull=True).update(
        verified_at=now, verified_by=actor
    )
    if changed:
        fact.verified_at, fact.verified_by = now, actor
        schedule_recompute([fact.region_id])
    return fact


def schedule_recompute(region_ids: list[int]) -> None:
    """The regions' facts changed: the ranking (evaluated live) shows them at commit, the
    stored scores follow with the recompute queued once the transaction commits (its marker
    commits with the facts: `roadmap_portal.jobs.publish_after_commit`)."""
    ids = sorted(set(region_ids))
    dataversion.bump(region_ids=ids)
    if ids:
        index_recompute_publish(ids)
