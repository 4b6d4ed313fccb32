"""Write side of cascades: hand a measure down to organisations, record their progress."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies import access
from agencies.models import Municipality, Organisation, User
from roadmap_portal.dates import DATE_HINT, ImplausibleDate, parse_date
from roadmap_portal.numbers import NumberTextError, parse_whole
from roadmap_portal.tables import (
    Table,
    TableError,
    cell_text,
    normalize_header,
    open_table,
    shown,
)
from roadmap_portal.uploads import size_problem

from .. import signals
from ..choices import CascadeScope, ChangeKind
from ..models import Cascade, CascadeProgress, CascadeTarget, Measure, MeasureChange, MeasureStep
from ..selectors import cascade_targets_q

# Russian header (lower case) -> key; the first matching column wins.
IMPORT_COLUMNS = {
    "org_code": ("код организации", "код оо", "org_code", "код"),
    "step": ("подэтап", "номер подэтапа", "№ подэтапа", "step"),
    "done_on": ("дата выполнения", "выполнено", "дата", "done_on"),
}
IMPORT_LABELS = {
    "org_code": "Код организации",
    "step": "Подэтап",
    "done_on": "Дата выполнения",
}


@transaction.atomic
def cascade_create(
    *,
    measure: Measure,
    scope: str,
    actor: User,
    municipality: Municipality | None = None,
    org_types: Iterable[str] = (),
    organisations: Iterable[Organisation] = (),
    due_date: dt.date | None = None,
    subject: str = "",
    document_number: str = "",
    document_date: dt.date | None = None,
    parent: Cascade | None = None,
) -> Cascade:
    """Hands a measure down: all organisations of a municipality, of the region, or chosen ones.

    With `parent` the cascade is the next level of that one (a district's letter following
    the ministry's), of the same measure, with its own due date.

    Rule-based cascades (municipality, region) take their organisations from the reference
    data through `cascade_targets_sync`, so organisations added later join on the next sync.
    """
    region_id = measure.roadmap.region_id
    errors: dict[str, list[str]] = {}
    if region_id is None:
        raise ValidationError(_("Мероприятие федерального плана не каскадируется на организации."))
    organisations = list(organisations)
    if scope == CascadeScope.MUNICIPALITY:
        if municipality is None or municipality.region_id != region_id:
            errors["municipality"] = [_("Выберите муниципальное образование субъекта.")]
    elif scope == CascadeScope.CHOSEN:
        if not organisations:
            errors["organisations"] = [_("Выберите хотя бы одну организацию.")]
        elif any(org.region_id != region_id for org in organisations):
            errors["organisations"] = [_("Все организации должны быть из субъекта мероприятия.")]
    elif scope != CascadeScope.REGION:
        errors["scope"] = [_("Неизвестный охват каскада.")]
    if parent is not None and parent.measure_id != measure.pk:
        errors["parent"] = [_("Вышестоящий каскад должен относиться к тому же мероприятию.")]
    if errors:
        raise ValidationError(errors)
    cascade = Cascade(
        measure=measure,
        scope=scope,
        municipality=municipality if scope == CascadeScope.MUNICIPALITY else None,
        org_types=sorted(set(org_types)),
        due_date=due_date or measure.due_date,
        subject=subject.strip(),
        document_number=document_number.strip(),
        document_date=document_date,
        issued_by=actor.agency if actor.agency_id else None,
        created_by=actor,
        parent=parent,
    )
    same = _same_cascade(cascade, organisations)
    if same is not None:
        return same
    cascade.full_clean()
    cascade.save()
    if scope == CascadeScope.CHOSEN:
        CascadeTarget.objects.bulk_create(
            [CascadeTarget(cascade=cascade, organisation=org) for org in organisations]
        )
        count = len(organisations)
    else:
        count = cascade_targets_sync(cascade)
    MeasureChange.objects.create(
        measure=measure,
        kind=ChangeKind.CASCADE,
        actor=actor,
        changes={"cascade": cascade.pk, "scope": scope, "organisations": count},
        comment=cascade.subject,
        version=measure.version,
    )
    transaction.on_commit(partial(signals.announce_measure_changed, measure.pk))
    return cascade


def _same_cascade(cascade: Cascade, organisations: list[Organisation]) -> Cascade | None:
    """An existing cascade of the measure that is this one: the same letter handed down
    twice (a double click, a browser sending the form again) is one cascade, not two lists
    of the same organisations. The measure's row is locked first, so two requests at once
    find each other instead of both creating it."""
    # no ordering: its joins (nullable) cannot be locked on PostgreSQL
    list(
        Measure.all_objects.select_for_update()
        .filter(pk=cascade.measure_id)
        .order_by()
        .values("pk")
    )
    chosen = {org.pk for org in organisations}
    candidates = Cascade.objects.filter(
        measure_id=cascade.measure_id,
        scope=cascade.scope,
        municipality=cascade.municipality,
        due_date=cascade.due_date,
        subject=cascade.subject,
        document_number=cascade.document_number,
        document_date=cascade.document_date,
        parent=cascade.parent,
        issued_by=cascade.issued_by,
    ).order_by("pk")
    for candidate in candidates:
        if sorted(candidate.org_types or []) != cascade.org_types:
            continue
        if cascade.scope == CascadeScope.CHOSEN and chosen != set(
            candidate.targets.values_list("organisation_id", flat=True)
        ):
            continue
        return candidate
    return None


def _check_progress(
    cascade: Cascade,
    organisation: Organisation,
    step: MeasureStep | None,
    done_on: dt.date | None,
    today: dt.date,
) -> list[str]:
    errors: list[str] = []
    if step is not None and step.measure_id != cascade.measure_id:
        errors.append(_("Подэтап не относится к этому мероприятию."))
    if step is None and cascade.measure.steps.exists():
        errors.append(_("Укажите подэтап."))
    if done_on is not None and done_on > today:
        errors.append(_("Дата выполнения не может быть в будущем."))
    return errors


def _save_progress(
    cascade: Cascade,
    organisation: Organisation,
    step: MeasureStep | None,
    done_on: dt.date | None,
    actor: User,
) -> bool:
    lookup: dict[str, Any] = {"cascade": cascade, "organisation": organisation, "step": step}
    if done_on is None:
        deleted, _info = CascadeProgress.objects.filter(**lookup).delete()
        return bool(deleted)
    CascadeProgress.objects.update_or_create(
        **lookup, defaults={"done_on": done_on, "recorded_by": actor}
    )
    return True


@transaction.atomic
def cascade_progress_set(
    *,
    cascade: Cascade,
    organisation: Organisation,
    step: MeasureStep | None,
    done_on: dt.date | None,
    actor: User,
    today: dt.date | None = None,
) -> None:
    """Records (or, with no date, clears) one organisation's progress on one sub-step."""
    if not CascadeTarget.objects.filter(cascade=cascade, organisation=organisation).exists():
        raise ValidationError(_("Организация не входит в каскад."))
    if not access.can_record_cascade(actor, cascade, organisation):
        raise PermissionError(organisation.code)
    today = today or cascade.measure.local_today()
    errors = _check_progress(cascade, organisation, step, done_on, today)
    if errors:
        raise ValidationError(errors)
    _save_progress(cascade, organisation, step, done_on, actor)
    transaction.on_commit(partial(signals.announce_measure_changed, cascade.measure_id))


# --- Import ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRow:
    line: int
    org_code: str
    step: str
    done_on: object


class CascadeImportError(ValidationError):
    """All problems of an import file; nothing of the file was saved."""


IMPORT_ALIASES = {
    normalize_header(alias): key for key, aliases in IMPORT_COLUMNS.items() for alias in aliases
}


def _open(name: str, data: bytes) -> Table:
    """The file as a table (the shared reader: encodings, separators, title rows, and the
    zip-bomb and XML-entity checks of XLSX); every column of IMPORT_COLUMNS required."""
    if not name.lower().endswith((".csv", ".xlsx")):
        raise CascadeImportError([_("Загрузите файл CSV или XLSX.")])
    try:
        table = open_table(
            io.BytesIO(data), aliases=IMPORT_ALIASES, required=["org_code"], titles=IMPORT_LABELS
        )
    except TableError as exc:
        raise CascadeImportError([str(exc)]) from exc
    missing = [IMPORT_LABELS[key] for key in IMPORT_COLUMNS if key not in table.columns]
    if missing:
        raise CascadeImportError(
            [
                _("Строка %(line)s: нет столбца «%(column)s».")
                % {"line": table.header_row, "column": column}
                for column in missing
            ]
        )
    return table


def _cell(row: list[object], position: int) -> object:
    return row[position] if position < len(row) else ""


@transaction.atomic
def cascade_progress_import(
    *, cascade: Cascade, name: str, data: bytes, actor: User, today: dt.date | None = None
) -> int:
    """Imports progress rows (org code, sub-step number, done date); all or nothing.

    1. Read CSV (UTF-8/BOM/cp1251, `;` or `,`) or XLSX (first sheet, title rows allowed).
    2. Check every row: known organisation of the cascade the user may record for, a
       sub-step number of the measure (empty when it has none), a date not in the future.
    3. Any error -> CascadeImportError with every «Строка N, столбец «…»: …»; else save all.
    Returns the number of rows saved.
    """
    problem = size_problem(len(data), "cascade")
    if problem:
        raise CascadeImportError([problem])
    table = _open(name, data)
    measure = cascade.measure
    today = today or measure.local_today()
    steps = {step.position + 1: step for step in measure.steps.all()}
    targets = {
        org.code: org
        for org in Organisation.objects.filter(cascade_targets_q(cascade)).select_related(
            "municipality"
        )
    }
    errors: list[str] = []
    parsed: list[tuple[Organisation, MeasureStep | None, dt.date]] = []
    seen: dict[tuple[str, int | None], int] = {}

    def error(line: int, key: str, message: str) -> None:
        errors.append(
            _("Строка %(line)s, столбец «%(column)s»: %(message)s")
            % {"line": line, "column": IMPORT_LABELS[key], "message": message}
        )

    try:
        rows = list(table.rows())  # a cascade is at most the region's organisations
    except TableError as exc:
        raise CascadeImportError([str(exc)]) from exc
    for offset, row in rows:
        cells = [_cell(row, table.columns[key]) for key in IMPORT_COLUMNS]
        if all(str(cell or "").strip() == "" for cell in cells):
            continue  # a row with other columns only
        raw_code, raw_step, raw_date = cells
        code = cell_text(raw_code)
        org = targets.get(code)
        if not code:
            error(offset, "org_code", _("не указан код организации."))
        elif org is None:
            error(
                offset, "org_code", _("организация «%(code)s» не входит в каскад.") % {"code": code}
            )
        elif not access.can_record_cascade(actor, cascade, org):
            error(
                offset, "org_code", _("нет прав отмечать организацию «%(code)s».") % {"code": code}
            )
        step = None
        step_text = str(raw_step or "").strip()
        try:
            step_number: int | None = parse_whole(raw_step)
        except NumberTextError:  # «²».isdigit() is true, and int("²") raised
            step_number = None
        if steps:
            if step_number not in steps:
                error(
                    offset,
                    "step",
                    _("нужен номер подэтапа от 1 до %(n)s, указано «%(value)s».")
                    % {"n": len(steps), "value": shown(step_text)},
                )
            else:
                step = steps[step_number]
        elif step_text:
            error(offset, "step", _("у мероприятия нет подэтапов, оставьте пустым."))
        implausible_day = ""
        try:
            done_on: dt.date | None = parse_date(raw_date)
        except ImplausibleDate as exc:
            done_on, implausible_day = None, str(exc)
        except ValueError:
            done_on = None
        if implausible_day:
            error(offset, "done_on", implausible_day)
        elif done_on is None:
            error(
                offset,
                "done_on",
                _("дата «%(value)s» не распознана (ожидается %(hint)s).")
                % {"value": str(raw_date or "").strip(), "hint": DATE_HINT},
            )
        elif done_on > today:
            error(offset, "done_on", _("дата выполнения не может быть в будущем."))
        key = (code, step.pk if step else None)
        if code and key in seen:
            error(
                offset,
                "org_code",
                _("повтор строки %(line)s (та же организация и подэтап).") % {"line": seen[key]},
            )
        seen[key] = offset
        if org is not None and done_on is not None:
            parsed.append((org, step, done_on))
    if not errors and not parsed:
        errors.append(_("В файле нет строк с данными."))
    if errors:
        raise CascadeImportError(errors)
    for org, step, done_on in parsed:
        _save_progress(cascade, org, step, done_on, actor)
    MeasureChange.objects.create(
        measure=measure,
        kind=ChangeKind.CASCADE,
        actor=actor,
        changes={"cascade": cascade.pk, "imported": len(parsed), "file": name[:200]},
        version=measure.version,
    )
    transaction.on_commit(partial(signals.announce_measure_changed, measure.pk))
    return len(parsed)


def cascade_targets_sync(cascade: Cascade) -> int:
    """Adds the organisations a rule-based cascade covers (new schools join as they appear)."""
    if cascade.scope == "chosen":
        return 0
    orgs = Organisation.objects.filter(region=cascade.measure.roadmap.region_id)
    if cascade.scope == "municipality":
        orgs = orgs.filter(municipality=cascade.municipality_id)
    if cascade.org_types:
        orgs = orgs.filter(org_type__in=cascade.org_types)
    existing = set(cascade.targets.values_list("organisation_id", flat=True))
    new = [
        CascadeTarget(cascade=cascade, organisation_id=org_id)
        for org_id in orgs.values_list("id", flat=True)
        if org_id not in existing
    ]
    CascadeTarget.objects.bulk_create(new, ignore_conflicts=True)
    if new:  # the cascade's progress and its alerts change: its region's pages move
        transaction.on_commit(partial(signals.announce_measure_changed, cascade.measure_id))
    return len(new)
