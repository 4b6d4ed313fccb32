"""What should be alarming in the regions on a date: the causes of alerts (read only).

Each function reads one family of data for a whole set of regions at once, with a fixed
number of queries whatever the number of regions, and returns their `Cause` rows by region
id; `alerts.services.alerts_sync_many` turns them into open and closed alerts. An
hourly check of 89 regions is thus a few dozen queries, not a dozen per region.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from agencies.models import Region
from indicators import approval, staleness
from indicators.choices import ApprovalState, UploadStatus
from indicators.formulas import INDICATOR_CODES, share_percent
from indicators.models import (
    IndicatorStage,
    MonitoringRollup,
    MonitoringRow,
    MonitoringUpload,
    WeekApproval,
)
from indicators.models.indicators import indicator_label
from indicators.selectors import newest_region_rollups, stage_targets_by_region, trend_weeks
from indicators.stages import current_stage, last_passed_stage
from indicators.trends import project, recent_points
from roadmap_portal.ru_formats import (
    round_half_up,
    ru_date,
    ru_number,
    ru_percent,
    ru_percent_vs,
)
from roadmaps.choices import CLOSED_STATUSES, MeasureStatus, Recurrence
from roadmaps.models import Cascade, Measure, MeasureReport
from roadmaps.selectors import duty_monthly_dates, duty_period, report_missing, with_done_counts

from .choices import AlertKind, Severity

__all__ = ["Cause", "alert_causes", "alert_causes_by_region", "overdue_severity"]


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


ByRegion = dict[int, list["Cause"]]


def _ids(regions: Sequence[Region]) -> list[int]:
    return [region.pk for region in regions]


@dataclass(frozen=True)
class Cause:
    """Why an alert should be open; `key` identifies the cause across runs."""

    kind: str
    key: str
    severity: int
    message: str
    details: dict = field(default_factory=dict)
    measure_id: int | None = None
    indicator_id: int | None = None
    municipality_id: int | None = None
    upload_id: int | None = None


def overdue_severity(days: int) -> int:
    """1 day overdue → low, 7 → medium, 30 → high."""
    if days >= 30:
        return Severity.HIGH
    if days >= 7:
        return Severity.MEDIUM
    return Severity.LOW


def _pct(value: float | Decimal) -> str:
    return ru_percent(value, 1)


def _published(value: float | Decimal, places: int) -> float:
    """A figure of `details` (the API's `Alert.details`), rounded as the pages and the API's
    shares round it (half up on the decimal value, `ru_formats.round_half_up`), not by
    `round`, which takes 28.125 to 28.12."""
    rounded = round_half_up(value, places)
    assert rounded is not None
    return float(rounded)


def _d(day: dt.date) -> str:
    return ru_date(day)


# --- Measures ------------------------------------------------------------------------------


def _measure_causes(regions: Sequence[Region], on_date: dt.date) -> ByRegion:
    """Overdue, due soon and missing monthly reports: two queries for all the regions."""
    soon_days = _setting("ALERT_DUE_SOON_DAYS", 7)
    soon_limit = on_date + dt.timedelta(days=soon_days)
    ids = _ids(regions)
    measures = list(
        Measure.objects.filter(roadmap__region_id__in=ids, due_date__isnull=False)
        .exclude(status__in=CLOSED_STATUSES)
        .filter(Q(due_date__lte=soon_limit) | Q(recurrence=Recurrence.MONTHLY))
        .values(
            "id",
            "number",
            "title",
            "status",
            "due_date",
            "start_date",
            "recurrence",
            "roadmap__approved_on",
            "roadmap__region_id",
        )
        .order_by("id")
    )
    reported = set(
        MeasureReport.objects.filter(
            measure__roadmap__region_id__in=ids,
            measure__recurrence=Recurrence.MONTHLY,
            status=MeasureStatus.DONE,
        ).values_list("measure_id", "period")
    )
    by_region: ByRegion = defaultdict(list)
    for m in measures:
        causes = by_region[m["roadmap__region_id"]]
        label = f"{m['number']}. {Truncator(m['title']).chars(150)}"
        due = m["due_date"]
        if due < on_date:
            days = (on_date - due).days
            causes.append(
                Cause(
                    kind=AlertKind.MEASURE_OVERDUE,
                    key=f"measure:{m['id']}",
                    severity=overdue_severity(days),
                    # no day count in the text: it would rewrite every alert every day;
                    # Alert.days_overdue() counts on display
                    message=_("Мероприятие %(label)s просрочено (срок %(due)s)")
                    % {"label": label, "due": _d(due)},
                    details={"due_date": due.isoformat()},
                    measure_id=m["id"],
                )
            )
        elif due <= soon_limit:
            causes.append(
                Cause(
                    kind=AlertKind.MEASURE_DUE_SOON,
                    key=f"measure:{m['id']}",
                    severity=Severity.LOW,
                    message=_("Срок мероприятия %(label)s наступает %(due)s")
                    % {"label": label, "due": _d(due)},
                    details={"due_date": due.isoformat()},
                    measure_id=m["id"],
                )
            )
        if m["recurrence"] == Recurrence.MONTHLY:
            causes.extend(_missing_reports(m, label, on_date, reported))
    return by_region


def _missing_reports(m: dict, label: str, on_date: dt.date, reported: set) -> list[Cause]:
    # the measure page's months, the timeline's ticks and these alerts: one period rule
    start, due = duty_period(
        start_date=m["start_date"],
        approved_on=m["roadmap__approved_on"],
        due_date=m["due_date"],
        monthly=True,
    )
    causes = []
    for report_due in duty_monthly_dates(start=start, due=due):
        period = report_due.replace(day=1)
        # the measure page's «нет отчёта» (the measures read here are open: `closed` False)
        if not report_missing(
            report_due=report_due,
            reported=(m["id"], period) in reported,
            closed=m["status"] in CLOSED_STATUSES,
            on_date=on_date,
        ):
            continue
        days = (on_date - report_due).days
        causes.append(
            Cause(
                kind=AlertKind.REPORT_MISSING,
                key=f"report:{m['id']}:{period.isoformat()}",
                severity=overdue_severity(days),
                message=_("Нет отчёта за %(month)s по мероприятию %(label)s (срок %(due)s)")
                % {"month": period.strftime("%m.%Y"), "label": label, "due": _d(report_due)},
                details={"period": period.isoformat(), "due_date": report_due.isoformat()},
                measure_id=m["id"],
            )
        )
    return causes


# --- Cascades ------------------------------------------------------------------------------


def _cascade_causes(regions: Sequence[Region], on_date: dt.date) -> ByRegion:
    """Share of organisations done (`roadmaps.selectors.cascade_done_counts`) against a
    linear schedule; one query for all the regions."""
    tolerance = _setting("ALERT_CASCADE_TOLERANCE", 5)
    ids = _ids(regions)
    tz_of = {region.pk: region.tz for region in regions}
    in_force = Cascade.objects.filter(measure__roadmap__region_id__in=ids).exclude(
        measure__status=MeasureStatus.CANCELLED
    )
    cascades = list(
        with_done_counts(in_force)
        .values(
            "id",
            "measure_id",
            "measure__number",
            "subject",
            "due_date",
            "measure__due_date",
            "document_date",
            "created_at",
            "measure__roadmap__region_id",
            "n_targets",
            "n_done",
        )
        .order_by("id")
    )
    by_region: ByRegion = defaultdict(list)
    for c in cascades:
        due = c["due_date"] or c["measure__due_date"]
        # the organisations done, as the cascade's page and the region dashboard count them
        n_done, n_targets = c["n_done"], c["n_targets"]
        if not due or not n_targets:
            continue
        region_id = c["measure__roadmap__region_id"]
        start = c["document_date"] or timezone.localtime(c["created_at"], tz_of[region_id]).date()
        if on_date <= start:
            continue
        span = (due - start).days
        # exact shares in percent (`share_percent`), as the cascade's page shows them: the
        # float done / total × 100 showed 23 of 80 as «28,7 %», the page «28,8 %»
        actual = share_percent(n_done, n_targets)
        assert actual is not None  # n_targets > 0
        elapsed = share_percent((on_date - start).days, span) if span > 0 else None
        expected = Decimal(100) if elapsed is None else min(max(elapsed, Decimal(0)), Decimal(100))
        if actual >= expected - tolerance:
            continue
        by_region[region_id].append(
            Cause(
                kind=AlertKind.CASCADE_LAGGING,
                key=f"cascade:{c['id']}",
                severity=Severity.HIGH if on_date > due else Severity.MEDIUM,
                message=_(
                    "Каскад мероприятия %(number)s отстаёт: выполнили %(done)s из %(total)s "
                    "организаций (%(actual)s) при ожидаемых %(expected)s на %(date)s"
                )
                % {
                    "number": c["measure__number"],
                    "done": ru_number(n_done),
                    "total": ru_number(n_targets),
                    "actual": _pct(actual),
                    "expected": _pct(expected),
                    "date": _d(on_date),
                },
                details={
                    "done": n_done,
                    "total": n_targets,
                    "expected_share": _published(expected, 1),
                },
                measure_id=c["measure_id"],
            )
        )
    return by_region


# --- Indicators ----------------------------------------------------------------------------


def _indicator_causes(
    regions: Sequence[Region],
    on_date: dt.date,
    stages: list[IndicatorStage],
    series: dict[int, list[MonitoringRollup]],
) -> ByRegion:
    """Below the last passed stage's target, at risk of missing the current one, judged on
    the complete weeks of `series`; the targets of all the regions in two queries."""
    targets_by_region = stage_targets_by_region(region_ids=_ids(regions), stages=stages)
    indicators = {stage.indicator_id: stage.indicator for stage in stages}
    return {
        region.pk: _region_indicator_causes(
            region, on_date, targets_by_region[region.pk], indicators, series.get(region.pk, [])
        )
        for region in regions
    }


def _region_indicator_causes(
    region: Region,
    on_date: dt.date,
    targets: dict,
    indicators: dict,
    series: list[MonitoringRollup],
) -> list[Cause]:
    causes = []
    for indicator_id, indicator_targets in targets.items():
        indicator = indicators[indicator_id]
        code = indicator.code
        if code not in INDICATOR_CODES:
            continue
        # the judged weeks (complete, newest first): the newest is the week every page
        # shows and judges (a week without data for the indicator is judged by nobody);
        # the trend's points are `recent_points` of them, as on the dashboards
        newest = series[0] if series else None
        value = getattr(newest, code) if newest is not None else None
        points = recent_points(
            [(r.week_start, getattr(r, code)) for r in reversed(series)], trend_weeks()
        )
        # indicators.stages: below the last passed stage's target, at risk of missing the
        # current one; only a target that counts on the date raises anything
        stage = last_passed_stage(indicator_targets, on_date)
        if stage is not None and newest is not None and value is not None:
            target = stage.value_on(on_date)
            week = newest.week_start
            if target is not None and value < target:
                causes.append(
                    Cause(
                        kind=AlertKind.INDICATOR_BELOW,
                        key=f"indicator:{region.pk}:{code}:{stage.stage}",
                        severity=Severity.HIGH,
                        message=_(
                            "Показатель %(label)s: %(value)s за неделю с %(week)s ниже цели "
                            "%(target)s этапа %(stage)s (срок %(date)s)"
                        )
                        % {
                            "label": indicator.label,
                            # never «75,0 % below the target 75 %»
                            "value": ru_percent_vs(value, target),
                            "week": _d(week),
                            "target": _pct(target),
                            "stage": stage.stage,
                            "date": _d(stage.target_date),
                        },
                        details={
                            "value": _published(value, 2),
                            "target": float(target),
                            "week": week.isoformat(),
                            "stage": stage.stage,
                        },
                        indicator_id=indicator.pk,
                    )
                )
        stage = current_stage(indicator_targets, on_date)
        if stage is not None and not stage.passed_on(on_date) and value is not None:
            target = stage.value_on(on_date)
            if target is None:
                continue
            projection = project(points, target=float(target), stage_date=stage.target_date)
            if projection is None or projection.on_track:
                continue
            if projection.reach_date:
                when = _("цель будет достигнута ориентировочно %(date)s") % {
                    "date": _d(projection.reach_date)
                }
            else:
                when = _("при текущей динамике цель не будет достигнута")
            causes.append(
                Cause(
                    kind=AlertKind.INDICATOR_AT_RISK,
                    key=f"indicator:{region.pk}:{code}:{stage.stage}",
                    severity=Severity.MEDIUM,
                    message=_(
                        "Показатель %(label)s под угрозой: по тренду за %(weeks)s нед. к "
                        "%(date)s ожидается %(projected)s при цели %(target)s; %(when)s"
                    )
                    % {
                        "label": indicator.label,
                        "weeks": len(points),
                        "date": _d(stage.target_date),
                        "projected": _pct(projection.value_at_stage),
                        "target": _pct(target),
                        "when": when,
                    },
                    details={
                        "projected_value": _published(projection.value_at_stage, 2),
                        "reach_date": projection.reach_date.isoformat()
                        if projection.reach_date
                        else None,
                        "target": float(target),
                        "stage": stage.stage,
                    },
                    indicator_id=indicator.pk,
                )
            )
    return causes


# --- Monitoring data -----------------------------------------------------------------------


def _day_bounds(region: Region, first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(first, dt.time.min, tzinfo=region.tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=region.tz)
    return start, end


def _monitoring_causes(
    regions: Sequence[Region], on_date: dt.date, series: dict[int, list[MonitoringRollup]]
) -> ByRegion:
    """Stale data, week-over-week drops, organisations gone, refused uploads: four queries
    for all the regions (one more for each further pair of newest weeks among them)."""
    window = _setting("ALERT_UPLOAD_WINDOW_DAYS", 30)
    bounds = {
        region.pk: _day_bounds(region, on_date - dt.timedelta(days=window), on_date)
        for region in regions
    }
    # the uploads of each region's window (its own time zone): one term per time zone
    by_zone: dict[tuple[dt.datetime, dt.datetime], list[int]] = defaultdict(list)
    for region_id, (start, end) in bounds.items():
        by_zone[(start, end)].append(region_id)
    in_window = Q()
    for (start, end), ids in by_zone.items():
        in_window |= Q(region_id__in=ids, uploaded_at__lt=end) & (
            Q(uploaded_at__gte=start) | Q(status=UploadStatus.DONE)
        )
    uploads: dict[int, list[dict]] = defaultdict(list)
    for upload in (
        # a dry run writes nothing: neither its success nor its refusal is the region's data
        MonitoringUpload.objects.filter(in_window, dry_run=False)
        .annotate(
            _newest=Window(
                RowNumber(),
                partition_by=[F("region_id")],
                order_by=[F("uploaded_at").desc(), F("id").desc()],
            )
        )
        .filter(_newest__lte=200)
        .order_by("region_id", "-uploaded_at", "-id")
        .values("id", "region_id", "status", "uploaded_at", "original_name", "errors")
    ):
        uploads[upload["region_id"]].append(upload)

    # the two newest consecutive weeks of each region: its municipalities' rollups, and
    # the organisations of the earlier week missing from the later one
    pairs: dict[int, tuple[dt.date, dt.date]] = {}
    for region in regions:
        newest = series.get(region.pk, [])
        if len(newest) > 1 and newest[1].week_start == newest[0].week_start - dt.timedelta(7):
            pairs[region.pk] = (newest[1].week_start, newest[0].week_start)
    muni_rows: dict[int, list[MonitoringRollup]] = defaultdict(list)
    missing: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if pairs:
        weeks = {week for pair in pairs.values() for week in pair}
        for row in MonitoringRollup.objects.filter(
            region_id__in=list(pairs), municipality__isnull=False, week_start__in=weeks
        ).select_related("municipality"):
            if row.week_start in pairs[row.region_id]:
                muni_rows[row.region_id].append(row)
        by_pair: dict[tuple[dt.date, dt.date], list[int]] = defaultdict(list)
        for region_id, pair in pairs.items():
            by_pair[pair].append(region_id)
        for (previous, latest), ids in by_pair.items():
            still_there = MonitoringRow.objects.filter(
                region_id=OuterRef("region_id"),
                organisation_id=OuterRef("organisation_id"),
                week_start=latest,
            )
            for region_id, code, name in (
                MonitoringRow.objects.filter(region_id__in=ids, week_start=previous)
                .exclude(Exists(still_there))
                .order_by("region_id", "organisation__code")
                .values_list("region_id", "organisation__code", "organisation__name")
            ):
                missing[region_id].append((code, name))
    return {
        region.pk: _region_monitoring_causes(
            region,
            on_date,
            series.get(region.pk, []),
            pair=pairs.get(region.pk),
            uploads=uploads[region.pk],
            start=bounds[region.pk][0],
            muni_rows=muni_rows[region.pk],
            missing=missing[region.pk],
        )
        for region in regions
    }


def _region_monitoring_causes(
    region: Region,
    on_date: dt.date,
    series: list[MonitoringRollup],
    *,
    pair: tuple[dt.date, dt.date] | None,
    uploads: list[dict],
    start: dt.datetime,
    muni_rows: list[MonitoringRollup],
    missing: list[tuple[str, str]],
) -> list[Cause]:
    causes = []
    stale_days = staleness.stale_days()

    # 1. stale: the newest week is too old, or the region has never reported a week and
    # the season started too long ago (indicators.staleness: the dashboards' rule). An
    # accepted upload is not a week: the days count from weeks only, as on the dashboards.
    last_week = series[0].week_start if series else None
    if staleness.is_stale(last_week, on_date, days=stale_days):
        since = staleness.counted_from(last_week)
        days = staleness.days_since(last_week, on_date)
        if last_week is None:
            message = _(
                "Нет данных мониторинга: ни одной недели с начала сезона мониторинга %(start)s"
            ) % {"start": _d(since)}
        else:
            message = _("Нет новых данных мониторинга: последняя неделя с %(week)s") % {
                "week": _d(last_week)
            }
        causes.append(
            Cause(
                kind=AlertKind.DATA_STALE,
                key=f"stale:{region.pk}",
                severity=Severity.MEDIUM if days < 2 * stale_days else Severity.HIGH,
                message=message,
                # `due_date`: the day the days count from (Alert.days_overdue), the newest
                # week's start or, before any week, the season's start
                details={
                    "last_week": last_week.isoformat() if last_week else None,
                    "season_start": staleness.season_start().isoformat(),
                    "due_date": since.isoformat(),
                },
            )
        )

    # 2. regressions between the two newest consecutive weeks (`pair`: none when the two
    # newest weeks are not consecutive, and then nothing is compared)
    if pair is not None:
        causes += _regression_causes(region, pair, muni_rows, missing)
    # 3. refused or failed uploads, until an accepted upload follows them
    return causes + _failed_upload_causes(region, uploads, start)


def _regression_causes(
    region: Region,
    pair: tuple[dt.date, dt.date],
    muni_rows: list[MonitoringRollup],
    missing: list[tuple[str, str]],
) -> list[Cause]:
    causes = []
    drop_points = _setting("ALERT_DROP_POINTS", 10)
    previous, latest = pair
    by_muni: dict[int, dict[dt.date, MonitoringRollup]] = defaultdict(dict)
    for row in muni_rows:
        if row.municipality_id is not None:  # always: municipality__isnull=False
            by_muni[row.municipality_id][row.week_start] = row
    for muni_id, weeks in sorted(by_muni.items()):
        if previous not in weeks or latest not in weeks:
            continue
        if not (weeks[previous].complete and weeks[latest].complete):
            continue  # a «неполная неделя» is never judged
        municipality = weeks[latest].municipality
        assert municipality is not None  # municipality__isnull=False
        for number, code in enumerate(INDICATOR_CODES, start=1):
            before, now_value = getattr(weeks[previous], code), getattr(weeks[latest], code)
            if before is None or now_value is None or before - now_value < drop_points:
                continue
            causes.append(
                Cause(
                    kind=AlertKind.INDICATOR_DROP,
                    key=f"drop:{muni_id}:{code}:{latest.isoformat()}",
                    severity=Severity.MEDIUM,
                    message=_(
                        "%(muni)s: показатель %(label)s упал с %(before)s до %(after)s "
                        "за неделю с %(week)s"
                    )
                    % {
                        "muni": municipality.name,
                        "label": indicator_label(number),
                        "before": _pct(before),
                        "after": _pct(now_value),
                        "week": _d(latest),
                    },
                    details={
                        "indicator": code,
                        "before": float(before),
                        "after": float(now_value),
                        "week": latest.isoformat(),
                    },
                    municipality_id=muni_id,
                )
            )
    if missing:
        sample = ", ".join(f"{code} {name}" for code, name in missing[:5])
        causes.append(
            Cause(
                kind=AlertKind.ORGS_MISSING,
                key=f"orgs_missing:{region.pk}:{latest.isoformat()}",
                severity=Severity.MEDIUM,
                message=_(
                    "В выгрузке за неделю с %(week)s нет %(count)s организаций, "
                    "бывших неделей раньше: %(sample)s"
                )
                % {"week": _d(latest), "count": ru_number(len(missing)), "sample": sample},
                details={"count": len(missing), "codes": [c for c, _n in missing[:50]]},
            )
        )
    return causes


def _failed_upload_causes(region: Region, uploads: list[dict], start: dt.datetime) -> list[Cause]:
    causes = []
    for upload in uploads:
        if upload["status"] == UploadStatus.DONE:
            break  # newer accepted data supersede older failures
        if upload["status"] not in (UploadStatus.REFUSED, UploadStatus.FAILED):
            continue
        if upload["uploaded_at"] < start:
            continue
        first_error = ""
        if upload["errors"]:
            err = upload["errors"][0]
            first_error = err.get("message", str(err)) if isinstance(err, dict) else str(err)
        causes.append(
            Cause(
                kind=AlertKind.UPLOAD_FAILED,
                key=f"upload:{upload['id']}",
                severity=Severity.MEDIUM,
                message=_("Загрузка «%(name)s» от %(date)s: %(status)s. %(error)s")
                % {
                    "name": upload["original_name"],
                    "date": _d(timezone.localtime(upload["uploaded_at"], region.tz).date()),
                    "status": UploadStatus(upload["status"]).label,
                    "error": first_error[:300],
                },
                details={"status": upload["status"]},
                upload_id=upload["id"],
            )
        )
    return causes


# --- Approval of monitoring weeks ------------------------------------------------------------


def _approval_causes(regions: Sequence[Region], on_date: dt.date) -> ByRegion:
    """Weeks with data not submitted by their deadline (one alert for each region, naming
    them), submissions waiting for approval too long (one alert each): one query for all
    the regions.

    A week is due `APPROVAL_SUBMIT_DAYS` after its Monday (indicators.approval); the alerts
    close when the week is submitted, approved or returned."""
    last_due_week = on_date - dt.timedelta(days=approval.submit_days() + 1)
    submitted_at = WeekApproval.objects.filter(
        region_id=OuterRef("region_id"), week_start=OuterRef("week_start")
    ).values("submitted_at")[:1]
    # one query: the weeks past their deadline and the submitted ones (a submitted week has
    # data: submitting needs it), with their approval
    rows: dict[int, dict[dt.date, dict]] = defaultdict(dict)
    for row in (
        MonitoringRollup.objects.filter(region_id__in=_ids(regions), municipality__isnull=True)
        .with_approval()
        .annotate(submitted_at=Subquery(submitted_at))
        .filter(Q(week_start__lte=last_due_week) | Q(approval_state=ApprovalState.SUBMITTED))
        .order_by("region_id", "week_start")
        .values("region_id", "week_start", "approval_state", "submitted_at")
    ):
        rows[row["region_id"]][row["week_start"]] = row
    return {
        region.pk: _region_approval_causes(region, on_date, last_due_week, rows[region.pk])
        for region in regions
    }


def _region_approval_causes(
    region: Region, on_date: dt.date, last_due_week: dt.date, rows: dict[dt.date, dict]
) -> list[Cause]:
    causes = []
    late = [
        week
        for week, row in rows.items()
        if week <= last_due_week and row["approval_state"] == ApprovalState.DRAFT
    ]
    if late:
        due = approval.submission_due(late[0])
        causes.append(
            Cause(
                kind=AlertKind.WEEK_NOT_SUBMITTED,
                key=f"not_submitted:{region.pk}",
                severity=overdue_severity((on_date - due).days),
                message=_(
                    "Не направлены на утверждение в срок недели мониторинга: %(weeks)s "
                    "(первая — срок %(due)s)"
                )
                % {
                    "weeks": ", ".join(_("с %(week)s") % {"week": _d(w)} for w in late[:5])
                    + (_(" и ещё %(n)s") % {"n": len(late) - 5} if len(late) > 5 else ""),
                    "due": _d(due),
                },
                details={
                    "weeks": [w.isoformat() for w in late],
                    "due_date": due.isoformat(),
                },
            )
        )
    wait = approval.wait_days()
    for week, row in sorted(rows.items()):
        if row["approval_state"] != ApprovalState.SUBMITTED or row["submitted_at"] is None:
            continue
        submitted_on = timezone.localtime(row["submitted_at"], region.tz).date()
        if (on_date - submitted_on).days <= wait:
            continue
        causes.append(
            Cause(
                kind=AlertKind.APPROVAL_WAITING,
                key=f"approval_wait:{region.pk}:{week.isoformat()}",
                severity=Severity.MEDIUM,
                message=_(
                    "Неделя мониторинга с %(week)s направлена на утверждение %(day)s "
                    "и ещё не утверждена"
                )
                % {"week": _d(week), "day": _d(submitted_on)},
                details={"week": week.isoformat(), "submitted_on": submitted_on.isoformat()},
            )
        )
    return causes


# --- All causes ----------------------------------------------------------------------------


def _region_series(
    regions: Sequence[Region], on_date: dt.date, *, complete_only: bool = False
) -> dict[int, list[MonitoringRollup]]:
    """Each region's newest weekly rollups up to `on_date`, newest first (one query;
    `indicators.selectors.newest_region_rollups`)."""
    return newest_region_rollups(
        days={region.pk: on_date for region in regions},
        weeks=trend_weeks(),
        complete_only=complete_only,
    )


_MEASURE_KINDS = {AlertKind.MEASURE_OVERDUE, AlertKind.MEASURE_DUE_SOON, AlertKind.REPORT_MISSING}
_INDICATOR_KINDS = {AlertKind.INDICATOR_BELOW, AlertKind.INDICATOR_AT_RISK}
_MONITORING_KINDS = {
    AlertKind.DATA_STALE,
    AlertKind.INDICATOR_DROP,
    AlertKind.ORGS_MISSING,
    AlertKind.UPLOAD_FAILED,
}
_APPROVAL_KINDS = {AlertKind.WEEK_NOT_SUBMITTED, AlertKind.APPROVAL_WAITING}


def alert_causes_by_region(
    *,
    regions: Sequence[Region],
    on_date: dt.date | None = None,
    stages: list[IndicatorStage] | None = None,
    kinds: Collection[str] | None = None,
) -> ByRegion:
    """Every cause of an alert in each region (read only), by region id: on `on_date`, or
    else on each region's own local date; `kinds`: only the causes of these kinds (the
    families that cannot produce them are not read at all).

    The regions are read together, one set of queries per distinct date (at most two
    without `on_date`: Russia's time zones span less than a day)."""
    wanted = set(AlertKind.values if kinds is None else kinds)
    by_date: dict[dt.date, list[Region]] = defaultdict(list)
    for region in regions:
        by_date[on_date or region.local_today()].append(region)
    if wanted & _INDICATOR_KINDS and stages is None:
        stages = list(IndicatorStage.objects.select_related("indicator"))
    result: ByRegion = {region.pk: [] for region in regions}
    for day, group in by_date.items():
        families: list[ByRegion] = []
        if wanted & _MEASURE_KINDS:
            families.append(_measure_causes(group, day))
        if AlertKind.CASCADE_LAGGING in wanted:
            families.append(_cascade_causes(group, day))
        if wanted & _INDICATOR_KINDS:
            assert stages is not None  # read above
            judged = _region_series(group, day, complete_only=True)
            families.append(_indicator_causes(group, day, stages, judged))
        if wanted & _MONITORING_KINDS:
            families.append(_monitoring_causes(group, day, _region_series(group, day)))
        if wanted & _APPROVAL_KINDS:
            families.append(_approval_causes(group, day))
        for family in families:
            for region_id, causes in family.items():
                result[region_id] += [cause for cause in causes if cause.kind in wanted]
    return result


def alert_causes(
    *,
    region: Region,
    on_date: dt.date,
    stages: list[IndicatorStage] | None = None,
    kinds: Collection[str] | None = None,
) -> list[Cause]:
    """Every cause of an alert in the region on the date (`alert_causes_by_region`)."""
    return alert_causes_by_region(regions=[region], on_date=on_date, stages=stages, kinds=kinds)[
        region.pk
    ]
