"""Approval of a region's monitoring week: submit, approve, return, reopen (the write side
of `indicators.approval`). The pages, the API and the commands `submit_week`,
`approve_week`, `return_week`, `reopen_week` call these and nothing else.

Each transition is one conditional UPDATE from the expected state (two people acting at
once: one wins, the other gets a Russian refusal), one history event, and the signal
`week_approval_changed` (alerts resync on commit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import access, dataversion
from agencies.models import Region, User
from roadmap_portal.ru_formats import ru_date

from .. import signals
from ..approval import Pair, lock_problem, locked_weeks, state_label
from ..choices import ApprovalAction, ApprovalState
from ..imports.monitoring import ErrorCollector, format_error
from ..models import MonitoringRollup, WeekApproval, WeekApprovalEvent

REASON_MAX = 2000


def _week_checked(week_start: dt.date) -> dt.date:
    if week_start.weekday() != 0:
        raise ValidationError(
            _("Неделя обозначается своим понедельником: %(day)s — не понедельник.")
            % {"day": ru_date(week_start)}
        )
    return week_start


def _approval(region: Region, week_start: dt.date) -> WeekApproval:
    approval, _created = WeekApproval.objects.get_or_create(region=region, week_start=week_start)
    return approval


def _move(
    *,
    region: Region,
    week_start: dt.date,
    actor: User,
    action: str,
    from_states: Iterable[str],
    to_state: str,
    comment: str,
    fields: dict[str, Any],
) -> WeekApproval:
    approval = _approval(region, week_start)
    before = approval.state
    allowed = list(from_states)
    changed = WeekApproval.objects.filter(pk=approval.pk, state__in=allowed).update(
        state=to_state, updated_at=timezone.now(), **fields
    )
    if not changed:
        approval.refresh_from_db()
        raise ValidationError(
            _(
                "Неделя с %(week)s субъекта «%(region)s» сейчас в состоянии «%(state)s»: "
                "действие «%(action)s» к ней неприменимо."
            )
            % {
                "week": ru_date(week_start),
                "region": region.name,
                "state": state_label(approval.state),
                "action": ApprovalAction(action).label,
            }
        )
    WeekApprovalEvent.objects.create(
        approval=approval,
        action=action,
        from_state=before,
        to_state=to_state,
        actor=actor,
        comment=comment,
    )
    approval.refresh_from_db()
    # what the cached pages show as preliminary or approved, and the approved-only ranking
    dataversion.bump(region_ids=[region.pk])
    signals.announce_week_approval_changed(region_id=region.pk, week_start=week_start)
    return approval


def _text(value: str, *, required: bool, what: str) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(_("Укажите %(what)s.") % {"what": what})
    if len(text) > REASON_MAX:
        raise ValidationError(
            _("Текст длиннее %(n)s знаков.") % {"n": REASON_MAX},
        )
    return text


@transaction.atomic
def week_submit(
    *, region: Region, week_start: dt.date, actor: User, comment: str = ""
) -> WeekApproval:
    """«Подготовлено» → «направлено», by the region's coordinator (or an administrator);
    the week must have monitoring data."""
    if not access.can_submit_week(actor, region.pk):
        raise PermissionDenied(
            _("Направлять недели субъекта на утверждение может его координатор.")
        )
    _week_checked(week_start)
    comment = _text(comment, required=False, what=_("комментарий"))
    if not MonitoringRollup.objects.filter(
        region=region, municipality__isnull=True, week_start=week_start
    ).exists():
        raise ValidationError(
            _("За неделю с %(week)s нет данных мониторинга субъекта: направлять нечего.")
            % {"week": ru_date(week_start)}
        )
    return _move(
        region=region,
        week_start=week_start,
        actor=actor,
        action=ApprovalAction.SUBMIT,
        from_states=[ApprovalState.DRAFT],
        to_state=ApprovalState.SUBMITTED,
        comment=comment,
        fields={"submitted_by": actor, "submitted_at": timezone.now()},
    )


def _require_right(actor: User, region: Region) -> None:
    if not access.can_approve_week(actor, region.pk):
        raise PermissionDenied(
            _(
                "Утверждать, возвращать и открывать недели могут сотрудники министерства "
                "с правом «Может утверждать недели мониторинга»."
            )
        )


@transaction.atomic
def week_approve(
    *, region: Region, week_start: dt.date, actor: User, comment: str = ""
) -> WeekApproval:
    """«Направлено» → «утверждено» (locked), by staff with the right."""
    _require_right(actor, region)
    _week_checked(week_start)
    comment = _text(comment, required=False, what=_("комментарий"))
    return _move(
        region=region,
        week_start=week_start,
        actor=actor,
        action=ApprovalAction.APPROVE,
        from_states=[ApprovalState.SUBMITTED],
        to_state=ApprovalState.APPROVED,
        comment=comment,
        fields={"approved_by": actor, "approved_at": timezone.now()},
    )


@transaction.atomic
def week_return(*, region: Region, week_start: dt.date, actor: User, reason: str) -> WeekApproval:
    """«Направлено» → «подготовлено» with a reason, by staff with the right."""
    _require_right(actor, region)
    _week_checked(week_start)
    reason = _text(reason, required=True, what=_("причину возврата"))
    return _move(
        region=region,
        week_start=week_start,
        actor=actor,
        action=ApprovalAction.RETURN,
        from_states=[ApprovalState.SUBMITTED],
        to_state=ApprovalState.DRAFT,
        comment=reason,
        fields={"submitted_by": None, "submitted_at": None},
    )


@transaction.atomic
def week_reopen(*, region: Region, week_start: dt.date, actor: User, reason: str) -> WeekApproval:
    """«Утверждено» → «подготовлено» with a reason, by staff with the right: the week is
    unlocked for a correction, then submitted and approved again."""
    _require_right(actor, region)
    _week_checked(week_start)
    reason = _text(reason, required=True, what=_("причину открытия для исправления"))
    return _move(
        region=region,
        week_start=week_start,
        actor=actor,
        action=ApprovalAction.REOPEN,
        from_states=[ApprovalState.APPROVED],
        to_state=ApprovalState.DRAFT,
        comment=reason,
        fields={
            "submitted_by": None,
            "submitted_at": None,
            "approved_by": None,
            "approved_at": None,
            "reopened_at": timezone.now(),
        },
    )


def approval_corrections_record(*, pairs: Iterable[Pair], actor: User | None, note: str) -> int:
    """A history event «исправление данных недели» for every week among `pairs` that a write
    has just changed (an import, a fact) and that was reopened or is waiting for approval
    (the approver sees that the data changed after submission); returns how many."""
    wanted = set(pairs)
    if not wanted:
        return 0
    rows = [
        row
        for row in WeekApproval.objects.filter(
            region_id__in={region for region, _week in wanted},
            week_start__in={week for _region, week in wanted},
        )
        .filter(Q(reopened_at__isnull=False) | Q(state=ApprovalState.SUBMITTED))
        .exclude(state=ApprovalState.APPROVED)
        if (row.region_id, row.week_start) in wanted
    ]
    WeekApprovalEvent.objects.bulk_create(
        WeekApprovalEvent(
            approval=row,
            action=ApprovalAction.CORRECT,
            from_state=row.state,
            to_state=row.state,
            actor=actor if actor is not None and actor.is_authenticated else None,
            comment=note,
        )
        for row in rows
    )
    return len(rows)


def locked_week_errors(*, pairs: Iterable[Pair], errors: ErrorCollector, column: str) -> bool:
    """THE lock check of every monitoring write (page, API and `import_monitoring` all run
    `indicators.services.uploads.monitoring_import`, which calls this after staging and
    before writing): every staged row of an approved week gets a row-exact Russian error
    in `errors`; returns True when any was found (the caller refuses the whole file)."""
    from .staging import STAGE_ROWS

    locked = locked_weeks(pairs)
    if not locked:
        return False
    found = False
    with connection.cursor() as cursor:
        for (region_id, week), approval in sorted(locked.items(), key=lambda item: item[0]):
            problem = lock_problem(approval)
            cursor.execute(
                f"SELECT row_no FROM {STAGE_ROWS} WHERE region_id = %s AND week_start = %s "
                f"ORDER BY row_no LIMIT %s",
                [region_id, week, errors.limit],
            )
            rows = cursor.fetchall()
            for (row_no,) in rows:
                errors.add(row_no, column, format_error(row_no, column, problem))
                found = True
            cursor.execute(
                f"SELECT COUNT(*) FROM {STAGE_ROWS} WHERE region_id = %s AND week_start = %s",
                [region_id, week],
            )
            (count,) = cursor.fetchone()
            errors.total += max(0, count - len(rows))  # the rest are counted, not listed
    return found
