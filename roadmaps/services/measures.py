"""Write side of measures: status, sub-steps, monthly reports (STYLE R3).

Concurrency (STYLE R10a): every write to a measure moves `Measure.version` on with a
conditional ``UPDATE … WHERE version = <the version the form carried>``; when no row
changes, somebody saved in between and `MeasureConflict` lists their changes. Nothing is
overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.access import can_edit_measure_part
from agencies.models import User
from roadmap_portal.numbers import NumberTextError, parse_decimal

from .. import signals
from ..choices import CLOSED_STATUSES, ChangeKind, MeasureStatus
from ..models import Measure, MeasureChange, MeasurePart, MeasureReport, MeasureStep, MeasureTarget
from .evidence import evidence_validate
from .parts import rolled_up

# "Moving back" is going down this order, or reopening a done/cancelled measure.
_STATUS_RANK: dict[str, int] = {
    MeasureStatus.NOT_STARTED: 0,
    MeasureStatus.IN_PROGRESS: 1,
    MeasureStatus.DONE: 2,
    MeasureStatus.CANCELLED: 2,
}


class MeasureConflict(Exception):
    """A save carried a stale version; `changes` are the entries saved since (newest first)."""

    def __init__(self, measure: Measure, expected_version: int, changes: list[MeasureChange]):
        self.measure = measure
        self.expected_version = expected_version
        self.changes = changes
        super().__init__(
            _("Мероприятие изменено другим пользователем после того, как вы открыли страницу.")
        )


def is_moving_back(old: str, new: str) -> bool:
    if old == new:
        return False
    if old in CLOSED_STATUSES:
        return True
    return _STATUS_RANK[new] < _STATUS_RANK[old]


def _bump_version(measure: Measure, expected_version: int, **fields: object) -> int:
    """Conditional update of the measure; returns the new version or raises MeasureConflict."""
    now = timezone.now()
    updated = Measure.objects.filter(pk=measure.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=now, **fields
    )
    if updated != 1:
        raise MeasureConflict(measure, expected_version, _changes_since(measure, expected_version))
    for name, value in fields.items():
        setattr(measure, name, value)
    measure.version = expected_version + 1
    measure.updated_at = now
    return measure.version


def _changes_since(measure: Measure, expected_version: int) -> list[MeasureChange]:
    return list(
        MeasureChange.objects.filter(measure=measure, version__gt=expected_version)
        .select_related("actor")
        .order_by("-version", "-id")
    )


def _resubmitted(
    measure: Measure,
    expected_version: int,
    *,
    actor: User,
    kind: str,
    status: str,
    comment: str,
    evidence: UploadedFile | None,
    evidence_link: str,
    changes: Callable[[dict[str, Any]], bool] = lambda changes: True,
) -> MeasureChange | None:
    """The change this very request already made, when it is sent a second time (a double
    click, a browser resending the form): every change since the form's version is one
    save of the same person, with the same status, comment, link and file (by size), and
    `changes` holds for its recorded changes (the month of a report, a target's value). Then
    the request is that save's success, not «изменено другим пользователем»; anything
    else since the form's version is a conflict as before."""
    return _same_save(
        _changes_since(measure, expected_version),
        actor=actor,
        kind=kind,
        status=status,
        comment=comment,
        evidence=evidence,
        evidence_link=evidence_link,
        changes=changes,
    )


def _same_save(
    since: list[MeasureChange],
    *,
    actor: User,
    kind: str,
    status: str,
    comment: str,
    evidence: UploadedFile | None,
    evidence_link: str,
    changes: Callable[[dict[str, Any]], bool] = lambda changes: True,
) -> MeasureChange | None:
    """`_resubmitted` on the changes saved since a form was opened (newest first)."""
    if not since or {(change.actor_id, change.version) for change in since} != {
        (actor.pk, since[0].version)
    }:
        return None
    latest = since[0]
    if (
        latest.kind != kind
        or latest.new_status != status
        or latest.comment != comment
        or latest.evidence_link != evidence_link
        or not changes(latest.changes or {})
        or bool(latest.evidence) != (evidence is not None)
    ):
        return None
    if evidence is not None:
        try:
            if latest.evidence.size != evidence.size:
                return None
        except OSError:
            return None
    return latest


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _check_evidence(evidence: UploadedFile | None, evidence_link: str) -> None:
    if evidence is not None:
        try:
            evidence_validate(evidence)
        except ValidationError as error:
            raise ValidationError({"evidence": error.messages}) from error


def _status_errors(
    *,
    old_status: str,
    status: str,
    comment: str,
    completed_on: dt.date | None,
    current_completed_on: dt.date | None,
    today: dt.date,
) -> tuple[dict[str, list[str]], dt.date | None]:
    """The rules of a status change, for a measure and for one body's part of it alike.

    A comment when moving to done, to cancelled or back; a completion date (default: the
    region's today, never in the future) only for done. Returns the errors and the date.
    """
    errors: dict[str, list[str]] = {}
    needs_comment = (status != old_status and status in CLOSED_STATUSES) or is_moving_back(
        old_status, status
    )
    if needs_comment and not comment:
        errors["comment"] = [
            _("Укажите комментарий: он обязателен при выполнении, отмене и возврате статуса.")
        ]
    if status == MeasureStatus.DONE:
        completed_on = completed_on or current_completed_on or today
        if completed_on > today:
            errors["completed_on"] = [_("Дата выполнения не может быть в будущем.")]
    else:
        completed_on = None
    return errors, completed_on


def _status_changes(
    old_status: str, status: str, old_completed_on: dt.date | None, completed_on: dt.date | None
) -> dict[str, list[object]]:
    changes: dict[str, list[object]] = {}
    if status != old_status:
        changes["status"] = [old_status, status]
    if completed_on != old_completed_on:
        changes["completed_on"] = [_iso(old_completed_on), _iso(completed_on)]
    return changes


@transaction.atomic
def measure_set_status(
    *,
    measure: Measure,
    status: str,
    actor: User,
    comment: str = "",
    evidence: UploadedFile | None = None,
    evidence_link: str = "",
    completed_on: dt.date | None = None,
    expected_version: int,
    confirm_open_steps: bool = False,
    today: dt.date | None = None,
) -> MeasureChange:
    """Sets a measure's status and records the change with its comment and evidence.

    1. Validate: a known status; a comment when moving to done, to cancelled or back; a
       completion date (default: the region's today, never in the future) only for done;
       with open sub-steps, done needs `confirm_open_steps`; the evidence file's type, size
       and content.
    2. Conditional update on `expected_version` (conflict -> MeasureConflict, nothing saved).
    3. A MeasureChange with old -> new values; the alerts hook runs after commit.
    A measure with parts (several bodies concerned) takes the status for the parts the
    actor answers for — every part for an editor of the region, their own body's for staff
    — and its own status follows from all parts (`measure_set_parts_status`).
    The same form sent twice (a double click) returns the change the first one saved
    (`_resubmitted`), before the checks (they would judge it against its own result) and
    after a conflict (two requests at once: the second waited for the first).
    """
    comment = (comment or "").strip()
    evidence_link = (evidence_link or "").strip()
    if status not in MeasureStatus.values:
        raise ValidationError({"status": [_("Неизвестный статус.")]})
    replay = partial(
        _resubmitted,
        measure,
        expected_version,
        actor=actor,
        kind=ChangeKind.STATUS,
        status=status,
        comment=comment,
        evidence=evidence,
        evidence_link=evidence_link,
    )
    if measure.version != expected_version and (
        completed_on is None or completed_on == measure.completed_on
    ):
        done = replay()
        if done is not None:
            return done
    try:
        return _measure_set_status(
            measure=measure,
            status=status,
            actor=actor,
            comment=comment,
            evidence=evidence,
            evidence_link=evidence_link,
            completed_on=completed_on,
            expected_version=expected_version,
            confirm_open_steps=confirm_open_steps,
            today=today,
        )
    except MeasureConflict:  # the same form, sent twice at once: the second waited
        done = replay() if completed_on is None else None
        if done is None:
            raise
        return done


def _measure_set_status(
    *,
    measure: Measure,
    status: str,
    actor: User,
    comment: str,
    evidence: UploadedFile | None,
    evidence_link: str,
    completed_on: dt.date | None,
    expected_version: int,
    confirm_open_steps: bool,
    today: dt.date | None,
) -> MeasureChange:
    today = today or measure.local_today()
    parts = list(MeasurePart.objects.filter(measure=measure).select_related("agency"))
    if parts:
        for part in parts:
            part.measure = measure
        mine = [part for part in parts if can_edit_measure_part(actor, part)]
        if not mine:
            raise ValidationError(
                {"status": [_("Ни одна часть мероприятия не относится к вашему органу.")]}
            )
        return measure_set_parts_status(
            measure=measure,
            parts=parts,
            chosen=mine,
            status=status,
            actor=actor,
            comment=comment,
            evidence=evidence,
            evidence_link=evidence_link,
            completed_on=completed_on,
            expected_version=expected_version,
            confirm_open_steps=confirm_open_steps,
            today=today,
        )
    old_status = measure.status
    errors, completed_on = _status_errors(
        old_status=old_status,
        status=status,
        comment=comment,
        completed_on=completed_on,
        current_completed_on=measure.completed_on,
        today=today,
    )
    errors.update(_open_steps_errors(measure, status, old_status, confirm_open_steps))
    try:
        _check_evidence(evidence, evidence_link)
    except ValidationError as error:
        errors.update(error.message_dict)
    changes = _status_changes(old_status, status, measure.completed_on, completed_on)
    if not changes and not comment and evidence is None and not evidence_link and not errors:
        errors["status"] = [_("Нет изменений: выберите новый статус или добавьте комментарий.")]
    if errors:
        raise ValidationError(errors)

    fields = {"status": status, "completed_on": completed_on}
    if "status" in changes:
        fields["status_changed_at"] = timezone.now()
    version = _bump_version(measure, expected_version, **fields)
    change = MeasureChange(
        measure=measure,
        kind=ChangeKind.STATUS,
        actor=actor,
        old_status=old_status,
        new_status=status,
        changes=changes,
        comment=comment,
        evidence_link=evidence_link,
        version=version,
    )
    if evidence is not None:
        change.evidence = evidence
    change.full_clean(exclude=["evidence"])
    change.save()
    transaction.on_commit(partial(signals.announce_measure_changed, measure.pk))
    return change


def _open_steps_errors(
    measure: Measure, status: str, old_status: str, confirm_open_steps: bool
) -> dict[str, list[str]]:
    if status != MeasureStatus.DONE or confirm_open_steps or old_status == MeasureStatus.DONE:
        return {}
    open_steps = [step for step in measure.steps.all() if not step.is_done]
    if not open_steps:
        return {}
    return {
        "confirm_open_steps": [
            _("Не отмечено подэтапов: %(count)s. Подтвердите, что мероприятие выполнено целиком.")
            % {"count": len(open_steps)}
        ]
    }


@transaction.atomic
def measure_set_parts_status(
    *,
    measure: Measure,
    parts: list[MeasurePart],
    chosen: list[MeasurePart],
    status: str,
    actor: User,
    comment: str = "",
    evidence: UploadedFile | None = None,
    evidence_link: str = "",
    completed_on: dt.date | None = None,
    expected_version: int | None = None,
    expected_part_version: int | None = None,
    confirm_open_steps: bool = False,
    today: dt.date | None = None,
) -> MeasureChange:
    """Sets the status of some bodies' parts of a measure; the measure follows from all parts.

    The same rules as a measure's status, checked for every chosen part. Concurrency: with
    `expected_version` the measure's version (the measure page's form), with
    `expected_part_version` the one chosen part's (its own form and the API); a stale one
    raises MeasureConflict and nothing is saved. One history entry per part that changed
    (each with the comment and the evidence, the file stored once); the measure's own
    change of status is noted in the last of them.
    """
    comment = (comment or "").strip()
    evidence_link = (evidence_link or "").strip()
    if status not in MeasureStatus.values:
        raise ValidationError({"status": [_("Неизвестный статус.")]})
    today = today or measure.local_today()
    errors: dict[str, list[str]] = {}
    planned: list[tuple[MeasurePart, dt.date | None, dict[str, list[object]]]] = []
    for part in chosen:
        part_errors, part_completed = _status_errors(
            old_status=part.status,
            status=status,
            comment=comment,
            completed_on=completed_on,
            current_completed_on=part.completed_on,
            today=today,
        )
        for field, messages in part_errors.items():
            errors.setdefault(field, messages)
        changes = _status_changes(part.status, status, part.completed_on, part_completed)
        planned.append((part, part_completed, changes))
    chosen_ids = {part.pk for part in chosen}
    after = [MeasurePart(status=status, completed_on=done_on) for _part, done_on, _c in planned] + [
        part for part in parts if part.pk not in chosen_ids
    ]
    new_status, new_completed_on = rolled_up(after)
    errors.update(_open_steps_errors(measure, new_status, measure.status, confirm_open_steps))
    try:
        _check_evidence(evidence, evidence_link)
    except ValidationError as error:
        errors.update(error.message_dict)
    if (
        not any(changes for _p, _d, changes in planned)
        and not comment
        and evidence is None
        and not evidence_link
        and not errors
    ):
        errors["status"] = [_("Нет изменений: выберите новый статус или добавьте комментарий.")]
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    if expected_part_version is not None:
        part = chosen[0]
        updated = MeasurePart.objects.filter(pk=part.pk, version=expected_part_version).update(
            version=F("version") + 1
        )
        if updated != 1:
            # each save of a part moves its version by one and records one entry of it:
            # the entries since the form's version are the newest (current - expected)
            current = MeasurePart.objects.values_list("version", flat=True).get(pk=part.pk)
            count = min(max(current - expected_part_version, 0), 10)
            since = list(
                MeasureChange.objects.filter(part=part)
                .select_related("actor")
                .order_by("-created_at", "-id")[:count]
            )
            same = _same_save(
                since,
                actor=actor,
                kind=ChangeKind.STATUS,
                status=status,
                comment=comment,
                evidence=evidence,
                evidence_link=evidence_link,
            )
            if same is not None:  # the same form sent twice: the first one's success
                return same
            raise MeasureConflict(measure, expected_part_version, since)
    measure_changes: dict[str, list[object]] = _status_changes(
        measure.status, new_status, measure.completed_on, new_completed_on
    )
    fields = {"status": new_status, "completed_on": new_completed_on}
    if "status" in measure_changes:
        fields["status_changed_at"] = now
    old_measure_status = measure.status
    if expected_version is None:
        expected_version = Measure.all_objects.values_list("version", flat=True).get(pk=measure.pk)
    version = _bump_version(measure, expected_version, **fields)
    entries = []
    stored_evidence = None
    for part, done_on, changes in planned:
        if not changes and not comment and evidence is None and not evidence_link:
            continue
        old_part_status = part.status
        part_fields = {"status": status, "completed_on": done_on}
        if "status" in changes:
            part_fields["status_changed_at"] = now
        bump = {} if expected_part_version is not None else {"version": F("version") + 1}
        MeasurePart.objects.filter(pk=part.pk).update(**part_fields, **bump)
        for name, value in part_fields.items():
            setattr(part, name, value)
        part.version = (
            expected_part_version + 1 if expected_part_version is not None else part.version + 1
        )
        change = MeasureChange(
            measure=measure,
            part=part,
            kind=ChangeKind.STATUS,
            actor=actor,
            old_status=old_part_status,
            new_status=status,
            changes={"part": part.agency.display_name, **changes},
            comment=comment,
            evidence_link=evidence_link,
            version=version,
        )
        if evidence is not None:
            change.evidence = stored_evidence or evidence
        change.full_clean(exclude=["evidence"])
        change.save()
        if evidence is not None and stored_evidence is None:
            stored_evidence = change.evidence.name
        entries.append(change)
    last = entries[-1]
    if "status" in measure_changes:
        last.changes["measure_status"] = [old_measure_status, new_status]
        last.save(update_fields=["changes"])
    transaction.on_commit(partial(signals.announce_measure_changed, measure.pk))
    return last


@transaction.atomic
def measure_step_set(
    *,
    step: MeasureStep,
    done: bool,
    actor: User,
    expected_version: int,
    done_on: dt.date | None = None,
    today: dt.date | None = None,
) -> MeasureChange | None:
    """Ticks (or unticks) one sub-step; returns None when it already was so."""
    measure = step.measure
    today = today or measure.local_today()
    new_done_on = (done_on or today) if done else None
    if new_done_on and new_done_on > today:
        raise ValidationError({"done_on": [_("Дата выполнения не может быть в будущем.")]})
    if (step.done_on is not None) == done and (not done or step.done_on == new_done_on):
        return None
    version = _bump_version(measure, expected_version)
    old = step.done_on
    step.done_on = new_done_on
    step.done_by = actor if done else None
    step.save(update_fields=["done_on", "done_by"])
    change = MeasureChange.objects.create(
        measure=measure,
        kind=ChangeKind.STEP,
        actor=actor,
        changes={
            "step": [step.position + 1, step.title[:200]],
            "done_on": [_iso(old), _iso(new_done_on)],
        },
        version=version,
    )
    transaction.on_commit(partial(signals.announce_measure_changed, measure.pk))
    return change


@transaction.atomic
def measure_report_submit(
    *,
    measure: Measure,
    period: dt.date,
    status: str,
    actor: User,
    comment: str = "",
    evidence: UploadedFile | None = None,
    evidence_link: str = "",
    allowed_periods: dict[dt.date, dt.date],
    expected_version: int | None = None,
) -> MeasureReport:
    """Records one month's report of a recurring measure (its own status and evidence).

    `allowed_periods` maps the first day of each reporting month to its due date
    (selectors.measure_report_months); any other month is refused. A report is a write to
    the measure: it moves the measure's version by the same conditional UPDATE, so a form
    opened before another save (`expected_version`, the page's form and the API's
    If-Match) is refused with MeasureConflict instead of overwriting that save, and two
    first reports of a month at once cannot both insert (the second waits, then
    conflicts). Without `expected_version` the version read under a row lock is used. The
    same form sent twice returns the report the first one saved (`_resubmitted`).
    """
    comment = (comment or "").strip()
    evidence_link = (evidence_link or "").strip()
    replay = partial(
        _resubmitted,
        measure,
        actor=actor,
        kind=ChangeKind.REPORT,
        status=status,
        comment=comment,
        evidence=evidence,
        evidence_link=evidence_link,
        changes=lambda changes: changes.get("period") == period.isoformat(),
    )
    if (
        expected_version is not None
        and measure.version != expected_version
        and replay(expected_version) is not None
    ):
        return MeasureReport.objects.get(measure=measure, period=period)
    errors: dict[str, list[str]] = {}
    if period not in allowed_periods:
        errors["period"] = [_("Этот месяц не входит в отчётные периоды мероприятия.")]
    if status not in MeasureStatus.values:
        errors["status"] = [_("Неизвестный статус.")]
    if status in CLOSED_STATUSES and not comment:
        errors["comment"] = [_("Укажите комментарий к отчёту.")]
    try:
        _check_evidence(evidence, evidence_link)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    if expected_version is None:
        expected_version = (
            Measure.objects.select_for_update().values_list("version", flat=True).get(pk=measure.pk)
        )
    try:
        version = _bump_version(measure, expected_version)
    except MeasureConflict:
        if replay(expected_version) is None:
            raise
        return MeasureReport.objects.get(measure=measure, period=period)
    # read again under the measure's new version: nobody else writes it until the commit
    report = MeasureReport.objects.filter(measure=measure, period=period).first()
    old_status = report.status if report else MeasureStatus.NOT_STARTED
    report = report or MeasureReport(
        measure=measure, period=period, due_date=allowed_periods[period]
    )
    report.status = status
    report.comment = comment
    if evidence is not None:
        report.evidence = evidence
    if evidence_link:
        report.evidence_link = evidence_link
    report.reported_by = actor
    report.reported_at = timezone.now()
    report.full_clean(exclude=["evidence", "measure"])
    report.save()
    change = MeasureChange(
        measure=measure,
        kind=ChangeKind.REPORT,
        actor=actor,
        old_status=old_status,
        new_status=status,
        changes={"period": period.isoformat(), "status": [old_status, status]},
        comment=comment,
        evidence_link=evidence_link,
        version=version,
    )
    if evidence is not None:
        change.evidence = report.evidence.name
    change.save()
    transaction.on_commit(partial(signals.announce_measure_changed, measure.pk))
    return report


@transaction.atomic
def measure_part_set_status(
    *,
    part: MeasurePart,
    status: str,
    actor: User,
    comment: str = "",
    evidence: UploadedFile | None = None,
    evidence_link: str = "",
    completed_on: dt.date | None = None,
    expected_version: int,
    today: dt.date | None = None,
) -> MeasureChange:
    """Sets one body's part of a measure; `expected_version` is the part's (its If-Match).

    The measure's status follows from all its parts; the measure's sub-steps are not the
    part's to confirm, so a part done leaves them as they are.
    """
    measure = part.measure
    parts = list(MeasurePart.objects.filter(measure=measure).select_related("agency"))
    chosen = next(item for item in parts if item.pk == part.pk)
    if chosen.version != expected_version and completed_on is None:
        # the same form sent twice: judged before the checks, which would judge it
        # against its own result («нет изменений»)
        count = min(max(chosen.version - expected_version, 0), 10)
        same = _same_save(
            list(
                MeasureChange.objects.filter(part=chosen)
                .select_related("actor")
                .order_by("-created_at", "-id")[:count]
            ),
            actor=actor,
            kind=ChangeKind.STATUS,
            status=status,
            comment=(comment or "").strip(),
            evidence=evidence,
            evidence_link=(evidence_link or "").strip(),
        )
        if same is not None:
            return same
    for item in parts:
        item.measure = measure
    return measure_set_parts_status(
        measure=measure,
        parts=parts,
        chosen=[chosen],
        status=status,
        actor=actor,
        comment=comment,
        evidence=evidence,
        evidence_link=evidence_link,
        completed_on=completed_on,
        expected_part_version=expected_version,
        confirm_open_steps=True,
        today=today,
    )


def _number(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text


@transaction.atomic
def measure_target_set(
    *,
    target: MeasureTarget,
    achieved: Decimal | str | None,
    actor: User,
    comment: str = "",
    evidence: UploadedFile | None = None,
    evidence_link: str = "",
    expected_version: int,
) -> MeasureChange:
    """Enters the value achieved on a countable target («не менее 2 публикаций», «90 %»).

    1. Validate: a number, not negative, at most 100 for a percentage, at most 10 digits
       before the comma and 2 after (empty clears it); the evidence file.
    2. Conditional update of the measure's version (a stale form -> MeasureConflict).
    3. A history entry with old -> new value, comment and evidence.
    """
    comment = (comment or "").strip()
    evidence_link = (evidence_link or "").strip()
    measure = target.measure
    errors: dict[str, list[str]] = {}
    value: Decimal | None = None
    if achieved not in (None, ""):
        try:  # the one grammar of a number (`1 234,5`; never `1 5`, `1e3` or `١٢`)
            value = parse_decimal(achieved, percent_sign=target.unit.strip() == "%")
        except NumberTextError as exc:
            errors["achieved"] = [
                _("Достигнутое значение должно быть числом: %(reason)s.") % {"reason": exc}
            ]
        else:
            if value < 0:
                errors["achieved"] = [_("Достигнутое значение не может быть отрицательным.")]
            elif target.unit.strip() == "%" and value > 100:
                errors["achieved"] = [_("Доля не может быть больше 100 %.")]
            elif value != value.quantize(Decimal("0.01")) or abs(value) >= Decimal(10) ** 10:
                errors["achieved"] = [
                    _("Не более 10 цифр до запятой и 2 после: «%(value)s».") % {"value": achieved}
                ]
    try:
        _check_evidence(evidence, evidence_link)
    except ValidationError as error:
        errors.update(error.message_dict)
    old = target.achieved
    changed = value != old
    if not changed and not comment and evidence is None and not evidence_link and not errors:
        errors["achieved"] = [_("Нет изменений: введите новое значение или добавьте комментарий.")]
    if errors:
        raise ValidationError(errors)
    try:
        version = _bump_version(measure, expected_version)
    except MeasureConflict:
        done = _resubmitted(
            measure,
            expected_version,
            actor=actor,
            kind=ChangeKind.TARGET,
            status="",
            comment=comment,
            evidence=evidence,
            evidence_link=evidence_link,
            changes=lambda changes: changes.get("target") == str(target.description)[:200]
            and (changes.get("achieved") or [None, None])[1] == _number(value),
        )
        if done is None:
            raise
        return done
    now = timezone.now()
    MeasureTarget.objects.filter(pk=target.pk).update(achieved=value, achieved_at=now)
    target.achieved, target.achieved_at = value, now
    change = MeasureChange(
        measure=measure,
        kind=ChangeKind.TARGET,
        actor=actor,
        changes={
            "target": str(target.description)[:200],
            "quantity": _number(target.quantity),
            "unit": target.unit,
            "achieved": [_number(old), _number(value)],
        },
        comment=comment,
        evidence_link=evidence_link,
        version=version,
    )
    if evidence is not None:
        change.evidence = evidence
    change.full_clean(exclude=["evidence"])
    change.save()
    transaction.on_commit(partial(signals.announce_measure_changed, measure.pk))
    return change


def _federal_label(item: Measure | None) -> str | None:
    return f"{item.number}. {item.title[:150]}" if item is not None else None


@transaction.atomic
def measure_federal_link(
    *,
    measure: Measure,
    federal_item: Measure | None,
    actor: User,
    expected_version: int,
) -> MeasureChange:
    """Links a regional measure to an item of the federal plan (None unlinks it).

    Only a measure of a region links, only to a measure in force of the federal plan; a
    history entry keeps old -> new and notes a regional deadline later than the federal one.
    """
    errors: dict[str, list[str]] = {}
    if measure.roadmap.region_id is None:
        errors["federal_item"] = [_("С федеральным планом связывают мероприятия субъекта.")]
    elif federal_item is not None and (
        federal_item.roadmap.region_id is not None or federal_item.archived_at is not None
    ):
        errors["federal_item"] = [_("Выберите пункт федерального плана.")]
    elif federal_item == measure.federal_item:
        errors["federal_item"] = [_("Нет изменений: выбран тот же пункт.")]
    if errors:
        raise ValidationError(errors)
    old = measure.federal_item
    version = _bump_version(measure, expected_version, federal_item=federal_item)
    changes: dict[str, object] = {
        "federal_item": [_federal_label(old), _federal_label(federal_item)]
    }
    comment = ""
    if measure.is_later_than_federal and federal_item is not None:
        comment = _(
            "Срок мероприятия (%(regional)s) позже срока федерального плана (%(federal)s)."
        ) % {
            "regional": f"{measure.due_date:%d.%m.%Y}",
            "federal": f"{federal_item.due_date:%d.%m.%Y}",
        }
    change = MeasureChange.objects.create(
        measure=measure,
        kind=ChangeKind.FEDERAL,
        actor=actor,
        changes=changes,
        comment=comment,
        version=version,
    )
    return change
