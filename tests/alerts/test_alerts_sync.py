"""alerts_sync on the seed roadmaps and on hand-made data, kind by kind."""

import calendar
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Region
from alerts.choices import AlertKind, Severity
from alerts.models import Alert
from alerts.services import alerts_sync, alerts_sync_all, alerts_sync_many, overdue_severity
from indicators.choices import UploadStatus
from indicators.models import (
    Indicator,
    IndicatorStage,
    MonitoringRollup,
    MonitoringRow,
    MonitoringUpload,
    RegionBaseline,
    RegionTarget,
)
from roadmaps.models import Cascade, CascadeProgress, CascadeTarget, Measure, MeasureReport
from tests.factories import (
    make_measure,
    make_municipality,
    make_organisation,
    make_region,
    make_roadmap,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 11, 1)
MONTHS = {
    "январь": 1, "февраль": 2, "март": 3, "апрель": 4, "май": 5, "июнь": 6, "июль": 7,
    "август": 8, "сентябрь": 9, "октябрь": 10, "ноябрь": 11, "декабрь": 12,
}  # fmt: skip
# «15 сентября»: a day with the month in the genitive
MONTHS.update({
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7,
    "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
})  # fmt: skip


def _due_from_printed(text: str) -> dt.date | None:
    """Independent reading of the seed deadlines (not roadmaps.deadlines): the last date
    printed, else the last day of the last month named."""
    dates = re.findall(r"(\d{2})\.(\d{2})\.(\d{4})", text)
    if dates:
        day, month, year = dates[-1]
        return dt.date(int(year), int(month), int(day))
    words = re.findall(r"[а-я]+", text.lower())
    months = [MONTHS[w] for w in words if w in MONTHS]
    years = re.findall(r"\d{4}", text)
    if not months:
        return None
    # Samara's milestones print no year: the roadmap was signed on 14.07.2025
    year, month = (int(years[-1]) if years else 2025), months[-1]
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _expected_overdue(today: dt.date) -> set[tuple[str, str]]:
    data = json.loads(
        Path(settings.BASE_DIR, "fixtures/seeds/roadmaps.json").read_text(encoding="utf-8")
    )
    expected = set()
    for roadmap in data["roadmaps"]:
        if roadmap["region"] is None:
            continue  # the federal plan belongs to no region: its milestones raise no alert
        for section in roadmap["sections"]:
            for measure in section["measures"]:
                due = _due_from_printed(measure["deadline"])
                if due is not None and due < today:
                    expected.add((roadmap["key"], measure["number"]))
    return expected


def _open_overdue() -> set[tuple[str, str]]:
    return set(
        Alert.objects.open()
        .filter(kind=AlertKind.MEASURE_OVERDUE)
        .values_list("measure__roadmap__code", "measure__number")
    )


def _snapshot():
    return sorted(
        Alert.objects.values_list(
            "id", "kind", "cause_key", "severity", "message", "opened_at", "resolved_at",
            "updated_at",
        )
    )  # fmt: skip


def test_seed_overdue_alerts_match_printed_deadlines():
    expected = _expected_overdue(TODAY)
    # by hand from the printed deadlines (docs/domain.md, seeds README): Sverdlovsk 31.07 (1),
    # 31.08 (8), 01.09 (1), 30.09 (5), 31.10 (8); Moscow oblast July-October months and
    # spans (11); Vladimir all 10; Samara all 3; Khabarovsk has no date
    per_roadmap = {}
    for key, _number in expected:
        per_roadmap[key] = per_roadmap.get(key, 0) + 1
    assert per_roadmap == {
        "sverdlovsk-2025": 23,
        "moscow-oblast-2025": 11,
        "vladimir-2025": 10,
        "samara-2025": 3,
    }
    call_command("check_alerts", "--today", TODAY.isoformat(), "--no-notify", verbosity=0)
    assert _open_overdue() == expected
    # days overdue and severity grow from the due date
    alert = Alert.objects.get(
        kind=AlertKind.MEASURE_OVERDUE,
        measure__roadmap__code="vladimir-2025",
        measure__number="6",
    )  # due 29.08.2025
    assert alert.days_overdue(TODAY) == 64
    assert alert.severity == Severity.HIGH
    assert "просрочено (срок 29.08.2025)" in alert.message
    assert alert.region.code == "33"


def test_rerun_changes_nothing_and_done_closes():
    call_command("check_alerts", "--today", TODAY.isoformat(), "--no-notify", verbosity=0)
    before = _snapshot()
    call_command("check_alerts", "--today", TODAY.isoformat(), "--no-notify", verbosity=0)
    assert _snapshot() == before

    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="1.1")
    alert = Alert.objects.open().get(kind=AlertKind.MEASURE_OVERDUE, measure=measure)
    Measure.objects.filter(pk=measure.pk).update(status="done")
    result = alerts_sync(region=measure.roadmap.region, on_date=TODAY)
    assert result.closed == 1 and result.opened == []
    alert.refresh_from_db()
    assert alert.resolved_at is not None
    assert alert.opened_at < alert.resolved_at
    assert ("sverdlovsk-2025", "1.1") not in _open_overdue()
    # reopening the measure opens a new alert; the closed one keeps its history
    Measure.objects.filter(pk=measure.pk).update(status="in_progress")
    alerts_sync(region=measure.roadmap.region, on_date=TODAY)
    assert Alert.objects.filter(kind=AlertKind.MEASURE_OVERDUE, measure=measure).count() == 2


def test_one_open_alert_per_cause_is_a_database_constraint():
    region = Region.objects.get(code="66")
    now = timezone.now()
    Alert.objects.create(
        kind=AlertKind.DATA_STALE, cause_key="x", region=region, message="a", opened_at=now
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            kind=AlertKind.DATA_STALE, cause_key="x", region=region, message="b", opened_at=now
        )
    Alert.objects.filter(cause_key="x").update(resolved_at=now)
    Alert.objects.create(
        kind=AlertKind.DATA_STALE, cause_key="x", region=region, message="c", opened_at=now
    )


@pytest.mark.parametrize(
    ("days", "severity"),
    [(1, Severity.LOW), (6, Severity.LOW), (7, Severity.MEDIUM), (29, Severity.MEDIUM),
     (30, Severity.HIGH), (200, Severity.HIGH)],
)  # fmt: skip
def test_overdue_severity_steps(days, severity):
    assert overdue_severity(days) == severity


def test_severity_and_text_update_as_days_pass():
    region = make_region("97")
    roadmap = make_roadmap(region)
    measure = make_measure(roadmap, due_date=dt.date(2025, 10, 31))
    alerts_sync(region=region, on_date=dt.date(2025, 11, 1))
    alert = Alert.objects.get(measure=measure)
    assert alert.severity == Severity.LOW
    alerts_sync(region=region, on_date=dt.date(2025, 11, 7))
    alert.refresh_from_db()
    assert alert.severity == Severity.MEDIUM and alert.days_overdue(dt.date(2025, 11, 7)) == 7
    assert alert.resolved_at is None
    assert Alert.objects.filter(measure=measure).count() == 1


def test_due_soon_window_and_switch_to_overdue(settings):
    settings.ALERT_DUE_SOON_DAYS = 3
    region = make_region("96")
    roadmap = make_roadmap(region)
    soon = make_measure(roadmap, due_date=dt.date(2025, 11, 4))
    later = make_measure(roadmap, due_date=dt.date(2025, 11, 5))
    alerts_sync(region=region, on_date=TODAY)
    # (the region has never reported monitoring: its one «данные устарели» stays open)
    assert set(Alert.objects.open().values_list("kind", "measure")) == {
        (AlertKind.MEASURE_DUE_SOON, soon.pk),
        (AlertKind.DATA_STALE, None),
    }
    alerts_sync(region=region, on_date=dt.date(2025, 11, 5))
    assert set(Alert.objects.open().values_list("kind", "measure")) == {
        (AlertKind.MEASURE_OVERDUE, soon.pk),
        (AlertKind.MEASURE_DUE_SOON, later.pk),
        (AlertKind.DATA_STALE, None),
    }
    assert Alert.objects.closed().get().kind == AlertKind.MEASURE_DUE_SOON


def test_local_date_of_the_region_decides():
    region = Region.objects.get(code="27")  # Khabarovsk, UTC+10
    roadmap = make_roadmap(region)
    make_measure(roadmap, due_date=dt.date(2025, 10, 31))
    # 31.10 20:00 Moscow = 01.11 03:00 in Khabarovsk: already overdue there
    moment = dt.datetime(2025, 10, 31, 17, 0, tzinfo=dt.UTC)
    assert region.local_today(moment) == TODAY
    alerts_sync(region=region, on_date=region.local_today(moment))
    assert Alert.objects.open().get(measure__isnull=False).kind == AlertKind.MEASURE_OVERDUE


def test_one_sync_of_many_regions_judges_each_on_its_own_local_date(monkeypatch):
    khabarovsk = Region.objects.get(code="27")  # UTC+10
    kaliningrad = Region.objects.get(code="39")  # UTC+2
    due = dt.date(2025, 10, 31)
    late = make_measure(make_roadmap(khabarovsk), due_date=due)
    soon = make_measure(make_roadmap(kaliningrad), due_date=due)
    # 31.10 17:00 UTC: 01.11 03:00 in Khabarovsk (overdue), 31.10 19:00 in Kaliningrad
    moment = dt.datetime(2025, 10, 31, 17, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    results = alerts_sync_many(regions=[khabarovsk, kaliningrad])
    assert [r.region_code for r in results] == ["27", "39"]
    # (neither region has ever reported monitoring: each has its «данные устарели» too)
    assert set(Alert.objects.open().values_list("region__code", "kind", "measure")) == {
        ("27", AlertKind.MEASURE_OVERDUE, late.pk),
        ("39", AlertKind.MEASURE_DUE_SOON, soon.pk),
        ("27", AlertKind.DATA_STALE, None),
        ("39", AlertKind.DATA_STALE, None),
    }
    assert [len(r.opened) for r in results] == [2, 2]
    # each result counts its own region's alerts only
    assert [r.open_total for r in results] == [2, 2]


def test_one_sync_of_many_regions_keeps_each_region_its_own_alerts():
    """A region's causes are matched with its own open alerts only: syncing several regions
    together opens, updates and closes exactly what syncing them one by one does."""
    regions = list(Region.objects.filter(code__in=["66", "50", "33"]).order_by("code"))
    together = {
        r.region_code: len(r.opened) for r in alerts_sync_many(regions=regions, on_date=TODAY)
    }
    opened = {
        code: set(Alert.objects.open().filter(region__code=code).values_list("kind", "cause_key"))
        for code in together
    }
    Alert.objects.all().delete()
    for region in regions:
        result = alerts_sync(region=region, on_date=TODAY)
        assert len(result.opened) == together[region.code]
        assert (
            set(Alert.objects.open().filter(region=region).values_list("kind", "cause_key"))
            == opened[region.code]
        )
    # the measures of one region done: only its alerts close
    Measure.objects.filter(roadmap__region__code="33").update(status="done")
    results = {r.region_code: r for r in alerts_sync_many(regions=regions, on_date=TODAY)}
    assert results["33"].closed > 0
    assert results["50"].closed == results["66"].closed == 0
    assert results["50"].updated == results["66"].updated == 0


def test_query_count_does_not_grow_with_regions():
    """The hourly check of every region costs what the check of one region costs."""
    one = [Region.objects.get(code="33")]
    many = list(Region.objects.filter(code__in=["66", "50", "33", "63", "27"]))
    counts = {}
    for name, regions in (("one", one), ("many", many)):
        alerts_sync_many(regions=regions, on_date=TODAY)  # opens
        with CaptureQueriesContext(connection) as steady:
            results = alerts_sync_many(regions=regions, on_date=TODAY)
        assert not any(r.opened or r.closed or r.updated for r in results)
        counts[name] = len(steady.captured_queries)
    assert counts["one"] == counts["many"]
    assert counts["many"] <= 16


def test_monthly_reports_missing_in_seed_and_closing():
    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", recurrence="monthly")
    region = measure.roadmap.region
    alerts_sync(region=region, on_date=TODAY)
    # approved 22.08.2025, reports due on the 26th: 26.08, 26.09, 26.10 have passed
    periods = set(
        Alert.objects.open()
        .filter(kind=AlertKind.REPORT_MISSING, measure=measure)
        .values_list("details__period", flat=True)
    )
    assert periods == {"2025-08-01", "2025-09-01", "2025-10-01"}
    MeasureReport.objects.create(
        measure=measure, period=dt.date(2025, 9, 1), due_date=dt.date(2025, 9, 26), status="done"
    )
    alerts_sync(region=region, on_date=TODAY)
    assert set(
        Alert.objects.open()
        .filter(kind=AlertKind.REPORT_MISSING, measure=measure)
        .values_list("details__period", flat=True)
    ) == {"2025-08-01", "2025-10-01"}


@pytest.mark.parametrize(
    ("start_date", "approved_on", "due_date"),
    [
        (dt.date(2025, 10, 1), dt.date(2025, 8, 22), dt.date(2025, 12, 26)),  # starts later
        (None, dt.date(2025, 8, 22), dt.date(2025, 12, 26)),  # from the approval
        (None, None, dt.date(2025, 10, 26)),  # neither: one report, in the due month
        (dt.date(2025, 12, 1), None, dt.date(2025, 10, 26)),  # a start after the due date
    ],
)
def test_missing_reports_are_the_measure_pages_missing_months(start_date, approved_on, due_date):
    """One period rule (`roadmaps.selectors.duty_period`): the alerts once counted from the
    roadmap's approval before the measure's own start, and from 1 January without either."""
    from roadmaps.selectors import measure_report_months

    region = Region.objects.get(code="66")
    roadmap = make_roadmap(region)
    roadmap.approved_on = approved_on
    roadmap.save(update_fields=["approved_on"])
    measure = make_measure(roadmap, due_date=due_date, recurrence="monthly")
    Measure.objects.filter(pk=measure.pk).update(start_date=start_date)
    measure.refresh_from_db()
    on_date = dt.date(2025, 11, 30)
    alerts_sync(region=region, on_date=on_date)
    alerted = set(
        Alert.objects.open()
        .filter(kind=AlertKind.REPORT_MISSING, measure=measure)
        .values_list("details__period", flat=True)
    )
    missing = {
        month.period.isoformat()
        for month in measure_report_months(measure, today=on_date)
        if month.due_date < on_date and month.report is None
    }
    assert alerted == missing


def test_cascade_lagging():
    region = make_region("94")
    muni = make_municipality(region)
    roadmap = make_roadmap(region)
    measure = make_measure(roadmap, due_date=dt.date(2025, 12, 31))
    measure.steps.create(position=0, title="шаг 1")
    measure.steps.create(position=1, title="шаг 2")
    steps = list(measure.steps.all())
    cascade = Cascade.objects.create(
        measure=measure, scope="municipality", municipality=muni, document_date=dt.date(2025, 9, 1)
    )
    orgs = [make_organisation(region, muni) for _ in range(4)]
    for org in orgs:
        CascadeTarget.objects.create(cascade=cascade, organisation=org)
    # one organisation done with both steps, another with one step only
    for step in steps:
        CascadeProgress.objects.create(
            cascade=cascade, organisation=orgs[0], step=step, done_on=dt.date(2025, 10, 1)
        )
    CascadeProgress.objects.create(
        cascade=cascade, organisation=orgs[1], step=steps[0], done_on=dt.date(2025, 10, 1)
    )
    # 01.11: 61 of 121 days → expected 50,4 %, done 25 %
    alerts_sync(region=region, on_date=TODAY)
    alert = Alert.objects.open().get(kind=AlertKind.CASCADE_LAGGING)
    assert alert.details == {"done": 1, "total": 4, "expected_share": 50.4}
    assert "1 из 4" in alert.message
    for org in orgs[1:3]:
        for step in steps:
            CascadeProgress.objects.get_or_create(
                cascade=cascade, organisation=org, step=step, defaults={"done_on": TODAY}
            )
    alerts_sync(region=region, on_date=TODAY)
    assert not Alert.objects.open().filter(kind=AlertKind.CASCADE_LAGGING).exists()


def _rollup(region, week, *, i1=None, muni=None, i3=None):
    values = {}
    if i1 is not None:
        values.update(edu_staff_total=1000, edu_staff_writers=int(i1 * 10))
    if i3 is not None:
        values.update(np_sferum_users=1000, np_max_only_users=int(i3 * 10))
    return MonitoringRollup.objects.create(
        region=region, municipality=muni, week_start=week, **values
    )


def test_indicator_below_target_after_stage_and_baseline():
    region = make_region("93")
    i1 = Indicator.objects.get(code="i1")
    RegionBaseline.objects.create(region=region, indicator=i1, value=Decimal("40"), source="t")
    _rollup(region, dt.date(2025, 10, 20), i1=35)
    # stage 1 (01.10, baseline 40) has passed: 35 % < 40 %
    alerts_sync(region=region, on_date=TODAY)
    alert = Alert.objects.open().get(kind=AlertKind.INDICATOR_BELOW)
    assert alert.indicator == i1
    assert "35,0\u00a0%" in alert.message and "40,0\u00a0%" in alert.message
    _rollup(region, dt.date(2025, 10, 27), i1=41)
    alerts_sync(region=region, on_date=TODAY)
    assert not Alert.objects.open().filter(kind=AlertKind.INDICATOR_BELOW).exists()
    assert Alert.objects.closed().filter(kind=AlertKind.INDICATOR_BELOW).count() == 1


def test_indicator_at_risk_states_projection():
    region = make_region("92")
    weeks = [dt.date(2025, 10, 6) + dt.timedelta(weeks=n) for n in range(4)]
    for week, value in zip(weeks, [60, 61, 62, 63], strict=True):
        _rollup(region, week, i1=value)
    alerts_sync(region=region, on_date=TODAY)
    alert = Alert.objects.open().get(kind=AlertKind.INDICATOR_AT_RISK, indicator__code="i1")
    # +1 point a week: 72,1 % on 30.12.2025; 75 % reached on 19.01.2026
    assert "72,1\u00a0%" in alert.message and "30.12.2025" in alert.message
    assert "19.01.2026" in alert.message
    assert alert.details["reach_date"] == "2026-01-19"


def test_conditional_target_not_in_force_raises_nothing():
    region = make_region("91")
    i1 = Indicator.objects.get(code="i1")
    RegionTarget.objects.create(
        region=region, indicator=i1, stage=2, target_value=75, conditional=True, in_force=False
    )
    weeks = [dt.date(2025, 10, 6) + dt.timedelta(weeks=n) for n in range(4)]
    for week in weeks:
        _rollup(region, week, i1=50)
    alerts_sync(region=region, on_date=TODAY)
    assert not Alert.objects.filter(indicator=i1).exists()
    RegionTarget.objects.filter(region=region).update(in_force=True)
    alerts_sync(region=region, on_date=TODAY)
    assert Alert.objects.open().filter(indicator=i1, kind=AlertKind.INDICATOR_AT_RISK).exists()


def test_stale_data_and_recovery():
    region = make_region("90")
    _rollup(region, dt.date(2025, 10, 13), i3=50)
    alerts_sync(region=region, on_date=dt.date(2025, 10, 27))  # 14 days: not yet
    assert not Alert.objects.filter(kind=AlertKind.DATA_STALE).exists()
    alerts_sync(region=region, on_date=dt.date(2025, 10, 28))
    alert = Alert.objects.open().get(kind=AlertKind.DATA_STALE)
    assert "13.10.2025" in alert.message
    _rollup(region, dt.date(2025, 10, 20), i3=55)
    alerts_sync(region=region, on_date=dt.date(2025, 10, 28))
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_regression_drop_and_missing_organisations():
    region = make_region("89")
    muni = make_municipality(region, "Город N")
    previous, latest = dt.date(2025, 10, 20), dt.date(2025, 10, 27)
    _rollup(region, previous, i3=50)
    _rollup(region, latest, i3=50)
    _rollup(region, previous, i3=60, muni=muni)
    _rollup(region, latest, i3=49, muni=muni)  # −11 points
    kept, gone = make_organisation(region, muni), make_organisation(region, muni, name="Школа Х")
    for org, weeks in ((kept, [previous, latest]), (gone, [previous])):
        for week in weeks:
            MonitoringRow.objects.create(
                week_start=week, organisation=org, region=region, municipality=muni,
                org_type="school",
            )  # fmt: skip
    alerts_sync(region=region, on_date=TODAY)
    drop = Alert.objects.open().get(kind=AlertKind.INDICATOR_DROP)
    assert (
        drop.municipality == muni
        and "60,0\u00a0%" in drop.message
        and "49,0\u00a0%" in drop.message
    )
    missing = Alert.objects.open().get(kind=AlertKind.ORGS_MISSING)
    assert missing.details["codes"] == [gone.code] and "Школа Х" in missing.message


def test_refused_upload_until_an_accepted_one():
    region = make_region("88")
    upload = MonitoringUpload.objects.create(
        region=region, original_name="week.csv", sha256="a", status=UploadStatus.REFUSED,
        errors=[{"row": 2, "message": "нет столбца «Код организации»"}],
    )  # fmt: skip
    MonitoringUpload.objects.filter(pk=upload.pk).update(
        uploaded_at=dt.datetime(2025, 10, 30, 9, 0, tzinfo=dt.UTC)
    )
    alerts_sync(region=region, on_date=TODAY)
    alert = Alert.objects.open().get(kind=AlertKind.UPLOAD_FAILED)
    assert alert.upload_id == upload.pk and "нет столбца" in alert.message
    ok = MonitoringUpload.objects.create(
        region=region, original_name="week2.csv", sha256="b", status=UploadStatus.DONE
    )
    MonitoringUpload.objects.filter(pk=ok.pk).update(
        uploaded_at=dt.datetime(2025, 10, 31, 9, 0, tzinfo=dt.UTC)
    )
    alerts_sync(region=region, on_date=TODAY)
    assert not Alert.objects.open().filter(kind=AlertKind.UPLOAD_FAILED).exists()


def _sync_queries(region, on_date) -> int:
    with CaptureQueriesContext(connection) as ctx:
        alerts_sync(region=region, on_date=on_date)
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_measures():
    stages = IndicatorStage.objects.count()
    assert stages
    counts = {}
    # 40 alerts stay within one INSERT batch on SQLite (999 variables); PostgreSQL has no
    # such split at all, so the counts compare the algorithm, not the driver's batching.
    for code, n in (("87", 3), ("86", 40)):
        region = make_region(code)
        roadmap = make_roadmap(region)
        make_measure(roadmap, due_date=dt.date(2025, 11, 3), recurrence="monthly")
        for i in range(n):
            make_measure(roadmap, due_date=dt.date(2025, 9, 1) + dt.timedelta(days=i))
        first = _sync_queries(region, TODAY)  # creates
        again = _sync_queries(region, TODAY)  # no change
        Measure.objects.filter(roadmap=roadmap).update(status="done")
        closing = _sync_queries(region, TODAY)  # closes all
        counts[n] = (first, again, closing)
        measure_alerts = Alert.objects.filter(region=region, measure__isnull=False)
        assert measure_alerts.count() == measure_alerts.filter(resolved_at__isnull=False).count()
    assert counts[3] == counts[40]
    assert max(counts[40]) <= 16


def test_check_alerts_all_regions(capsys):
    call_command("check_alerts", "--today", TODAY.isoformat(), "--no-notify")
    out = capsys.readouterr().out
    # every region: each owes monitoring, and one that never sent a week goes stale
    assert f"Проверено субъектов: {Region.objects.count()};" in out
    results = alerts_sync_all(on_date=TODAY)
    codes = {r.region_code for r in results}
    assert codes == set(Region.objects.values_list("code", flat=True))
    assert all(r.opened == [] and r.closed == 0 and r.updated == 0 for r in results)
    # a region whose last measure is cancelled closes its measure alerts; its stale data
    # (no week ever) stay the one open alert
    Measure.objects.filter(roadmap__region__code="63").update(status="cancelled")
    results = {r.region_code: r for r in alerts_sync_all(on_date=TODAY)}
    assert results["63"].closed == 3
    assert list(Alert.objects.open().filter(region__code="63").values_list("kind", flat=True)) == [
        AlertKind.DATA_STALE
    ]


def test_check_alerts_one_region_and_bad_input():
    from django.core.management.base import CommandError

    call_command("check_alerts", "--region", "33", "--today", "2025-09-01", "--no-notify")
    assert set(Alert.objects.open().values_list("region__code", flat=True)) == {"33"}
    with pytest.raises(CommandError, match="не найден"):
        call_command("check_alerts", "--region", "XX")
    # a date as files write it, either way (agencies.commands.PortalCommand.date_option)
    call_command("check_alerts", "--region", "33", "--today", "01.09.2025", "--no-notify")
    with pytest.raises(CommandError, match="ДД.ММ.ГГГГ или ГГГГ-ММ-ДД"):
        call_command("check_alerts", "--today", "31.02.2025")


def test_task_is_thin_and_quiet_on_missing_region():
    from alerts.tasks import alerts_sync_all as all_task
    from alerts.tasks import alerts_sync_region

    assert alerts_sync_region.delay(10**9).get() is None
    region = Region.objects.get(code="33")
    assert "33:" in alerts_sync_region.delay(region.pk, "2025-11-01").get()
    assert Alert.objects.open().filter(region=region, kind=AlertKind.MEASURE_OVERDUE).count() == 10
    all_task.delay("2025-11-01").get()
    assert _open_overdue() == _expected_overdue(TODAY)


def test_at_risk_needs_four_weeks():
    region = make_region("85")
    weeks = [dt.date(2025, 10, 13) + dt.timedelta(weeks=n) for n in range(3)]
    for week, value in zip(weeks, [10, 11, 12], strict=True):
        _rollup(region, week, i1=value)
    alerts_sync(region=region, on_date=TODAY)
    assert not Alert.objects.filter(kind=AlertKind.INDICATOR_AT_RISK).exists()
    _rollup(region, dt.date(2025, 10, 6), i1=9)
    alerts_sync(region=region, on_date=TODAY)
    alert = Alert.objects.open().get(kind=AlertKind.INDICATOR_AT_RISK)
    assert "4 нед." in alert.message


def test_stale_when_no_week_yet_even_with_an_accepted_upload():
    region = make_region("84")
    upload = MonitoringUpload.objects.create(
        region=region, original_name="w.csv", sha256="c", status=UploadStatus.DONE
    )
    MonitoringUpload.objects.filter(pk=upload.pk).update(
        uploaded_at=dt.datetime(2025, 10, 1, 9, 0, tzinfo=dt.UTC)
    )
    alerts_sync(region=region, on_date=TODAY)
    assert Alert.objects.open().filter(kind=AlertKind.DATA_STALE).exists()


def test_regions_without_data_get_the_stale_alert_only_and_federal_plan_none():
    """A region with neither measures nor monitoring used to get no alert at all while
    the country overview showed its data stale: it is the laggard the alert is for."""
    call_command("check_alerts", "--today", TODAY.isoformat(), "--no-notify", verbosity=0)
    assert not Alert.objects.filter(
        measure__isnull=False, measure__roadmap__region__isnull=True
    ).exists()
    assert set(
        Alert.objects.exclude(kind=AlertKind.DATA_STALE).values_list("region__code", flat=True)
    ) == {"66", "50", "33", "63"}
    stale = Alert.objects.open().filter(kind=AlertKind.DATA_STALE)
    assert stale.count() == Region.objects.count()  # none has ever reported a week here
    assert {a.details["last_week"] for a in stale} == {None}
