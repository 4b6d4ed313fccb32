"""Write side of measures: status, sub-steps, monthly reports (STYLE R3).

Concurrency (STYLE R10a): every write to a measure moves `Measure.version` on with a
conditional ``UPDATE … WHERE version = <the version the form carried>``; when no row
changes, somebody saved in between and `MeasureConflict` lists their changes. Nothing is
overwritten.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User

from .. import signals
from ..choices import CLOSED_STATUSES, ChangeKind, MeasureStatus
from ..models import Measure, MeasureChange, MeasureReport, MeasureStep
from .evidence import evidence_validate

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
        since = list(
            MeasureChange.objects.filter(measure=measure, version__gt=expected_version)
            .select_related("actor")
            .order_by("-version", "-id")
        )
        raise MeasureConflict(measure, expected_version, since)
    for name, value in fields.items():
        setattr(measure, name, value)
    measure.version = expected_version + 1
    measure.updated_at = now
    return measure.version


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _check_evidence(evidence: UploadedFile | None, evidence_link: str) -> None:
    if evidence is not None:
        try:
            evidence_validate(evidence)
        except ValidationError as error:
            raise ValidationError({"evidence": error.messages}) from error


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
    """
    comment = (comment or "").strip()
    evidence_link = (evidence_link or "").strip()
    errors: dict[str, list[str]] = {}
    if status not in MeasureStatus.values:
        raise ValidationError({"status": [_("Неизвестный статус.")]})
    old_status = measure.status
    today = today or measure.local_today()
    needs_comment = (status != old_status and status in CLOSED_STATUSES) or is_moving_back(
        old_status, status
    )
    if needs_comment and not comment:
        errors["comment"] = [
            _("Укажите комментарий: он обязателен при выполнении, отмене и возврате статуса.")
        ]
    if status == MeasureStatus.DONE:
        completed_on = completed_on or measure.completed_on or today
        if completed_on > today:
            errors["completed_on"] = [_("Дата выполнения не может быть в будущем.")]
        open_steps = [step for step in measure.steps.all() if not step.is_done]
        if open_steps and not confirm_open_steps and old_status != MeasureStatus.DONE:
            errors["confirm_open_steps"] = [
                _(
                    "Не отмечено подэтапов: %(count)s. Подтвердите, что мероприятие выполнено "
                    "целиком."
                )
                % {"count": len(open_steps)}
            ]
    else:
        completed_on = None
    try:
        _check_evidence(evidence, evidence_link)
    except ValidationError as error:
        errors.update(error.message_dict)
    changes: dict[str, list[object]] = {}
    if status != old_status:
        changes["status"] = [old_status, status]
    if completed_on != measure.completed_on:
        changes["completed_on"] = [_iso(measure.completed_on), _iso(completed_on)]
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
) -> MeasureReport:
    """Records one month's report of a recurring measure (its own status and evidence).

    `allowed_periods` maps the first day of each reporting month to its due date
    (selectors.measure_report_months); any other month is refused.
    """
    comment = (comment or "").strip()
    evidence_link = (evidence_link or "").strip()
    errors: dict[str, list[str]] = {}
    if period not in allowed_periods:
        errors["period"] = [_("Этот месяц не входит в отчётные периоды мероприятия.")]
    if status not in MeasureStatus.values:
        errors["status"] = [_("Неизвестный статус.")]
    report = MeasureReport.objects.filter(measure=measure, period=period).first()
    old_status = report.status if report else MeasureStatus.NOT_STARTED
    if status in CLOSED_STATUSES and not comment:
        errors["comment"] = [_("Укажите комментарий к отчёту.")]
    try:
        _check_evidence(evidence, evidence_link)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
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
        version=measure.version,
    )
    if evidence is not None:
        change.evidence = report.evidence.name
    change.save()
    transaction.on_commit(partial(signals.announce_measure_changed, measure.pk))
    return report
