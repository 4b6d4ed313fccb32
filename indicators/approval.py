"""The approval rule of monitoring weeks and index facts (read side; writes are
`indicators.services.approval`).

A region's week is known by its Monday (`week_of`). The week's index facts are the facts
of the region whose `as_of` falls in that week. An approved week is locked: no import may
write its rows, no fact of it may be entered, changed or verified, until the approver
reopens it. A week without a `WeekApproval` row is a draft («подготовлено»).

Deadlines: a week is due for submission `APPROVAL_SUBMIT_DAYS` days after its Monday (in
the region's local date); a submission waits too long after `ALERT_APPROVAL_WAIT_DAYS` days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roadmap_portal.ru_formats import ru_date

from .choices import ApprovalState
from .models import WeekApproval

Pair = tuple[int, dt.date]  # (region id, week start)

# the labels of the exchange codes, for pages and exports («подготовлено» …)
STATE_LABELS: dict[str, object] = {
    ApprovalState.DRAFT: gettext_lazy("подготовлено"),
    ApprovalState.SUBMITTED: gettext_lazy("направлено"),
    ApprovalState.APPROVED: gettext_lazy("утверждено"),
}


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


def figure_label(state: str) -> str:
    """How a figure is marked where it is shown: approved, or preliminary."""
    if state == ApprovalState.APPROVED:
        return _("утверждено")
    return _("предварительные данные")


def week_of(day: dt.date) -> dt.date:
    """The Monday of the day's week."""
    return day - dt.timedelta(days=day.weekday())


def submit_days() -> int:
    return int(settings.APPROVAL_SUBMIT_DAYS)


def wait_days() -> int:
    return int(settings.ALERT_APPROVAL_WAIT_DAYS)


def submission_due(week_start: dt.date) -> dt.date:
    """The last day a week may be submitted on time (region's local date)."""
    return week_start + dt.timedelta(days=submit_days())


def states_of(pairs: Iterable[Pair]) -> dict[Pair, str]:
    """The state of each (region, week): one query; a week without a row is a draft."""
    wanted = set(pairs)
    if not wanted:
        return {}
    region_ids = {region for region, _week in wanted}
    weeks = {week for _region, week in wanted}
    rows = WeekApproval.objects.filter(region_id__in=region_ids, week_start__in=weeks).values_list(
        "region_id", "week_start", "state"
    )
    found = {(region, week): state for region, week, state in rows}
    return {pair: found.get(pair, ApprovalState.DRAFT) for pair in wanted}


def state_of(region_id: int, week_start: dt.date) -> str:
    return states_of([(region_id, week_start)])[(region_id, week_start)]


def approved_weeks(region_ids: Iterable[int] | None = None) -> set[Pair]:
    """Every approved (region, week), for the approved-only index: one query."""
    rows = WeekApproval.objects.filter(state=ApprovalState.APPROVED)
    if region_ids is not None:
        rows = rows.filter(region_id__in=list(region_ids))
    return set(rows.values_list("region_id", "week_start"))


def locked_weeks(pairs: Iterable[Pair]) -> dict[Pair, WeekApproval]:
    """The approved weeks among `pairs` (one query)."""
    wanted = set(pairs)
    if not wanted:
        return {}
    rows = WeekApproval.objects.filter(
        state=ApprovalState.APPROVED,
        region_id__in={region for region, _week in wanted},
        week_start__in={week for _region, week in wanted},
    ).select_related("region", "approved_by")
    return {
        (row.region_id, row.week_start): row
        for row in rows
        if (row.region_id, row.week_start) in wanted
    }


def lock_problem(approval: WeekApproval) -> str:
    """Why a locked week refuses a change (Russian, without the row: callers add it)."""
    return _(
        "неделя с %(week)s субъекта «%(region)s» утверждена %(day)s и закрыта для изменений; "
        "исправить её можно только после того, как утвердивший откроет её для исправления"
    ) % {
        "week": ru_date(approval.week_start),
        "region": approval.region.name,
        "day": ru_date(approval.approved_at.date()) if approval.approved_at else "—",
    }


def fact_lock_problem(region_id: int, as_of: dt.date) -> str | None:
    """The refusal of a fact entered, changed or verified in a locked week, else None."""
    week = week_of(as_of)
    locked = locked_weeks([(region_id, week)])
    if not locked:
        return None
    return _("Сведения на %(day)s: %(problem)s") % {
        "day": ru_date(as_of),
        "problem": lock_problem(locked[(region_id, week)]),
    }


def check_fact_unlocked(region_id: int, as_of: dt.date) -> None:
    """Raises a ValidationError (field `as_of`) when the fact's week is approved."""
    problem = fact_lock_problem(region_id, as_of)
    if problem is not None:
        raise ValidationError({"as_of": [problem]})


@dataclass
class WeekRow:
    """One monitoring week of a region on its approval page."""

    week_start: dt.date
    state: str
    approval: WeekApproval | None
    due: dt.date
    organisations: int
    late: bool  # a draft past its submission deadline (region's local date)

    @property
    def state_label(self) -> str:
        return state_label(self.state)


def region_weeks(*, region_id: int, today: dt.date, limit: int = 52) -> list[WeekRow]:
    """The region's weeks with monitoring data (newest first) and their approval: two
    queries whatever the number of weeks."""
    from .models import MonitoringRollup

    rollups = list(
        MonitoringRollup.objects.filter(region_id=region_id, municipality__isnull=True)
        .order_by("-week_start")
        .values_list("week_start", "organisations")[:limit]
    )
    weeks = [week for week, _orgs in rollups]
    approvals = {
        a.week_start: a
        for a in WeekApproval.objects.filter(
            region_id=region_id, week_start__in=weeks
        ).select_related("submitted_by", "approved_by")
    }
    rows = []
    for week, organisations in rollups:
        state = approvals[week].state if week in approvals else ApprovalState.DRAFT
        due = submission_due(week)
        late = state == ApprovalState.DRAFT and due < today
        rows.append(WeekRow(week, state, approvals.get(week), due, organisations, late))
    return rows


def week_history(approval: WeekApproval | None) -> list:
    """The week's events, oldest first, with their actors (one query)."""
    if approval is None:
        return []
    return list(approval.events.select_related("actor").order_by("at", "id"))
