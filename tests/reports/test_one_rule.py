"""Where copies of a rule used to disagree, every page, export and alert now agrees."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from agencies.models import Region
from alerts.choices import AlertKind
from alerts.models import Alert
from alerts.services import alerts_sync
from indicators.models import Indicator, MonitoringRollup, RegionBaseline, RegionTarget
from indicators.selectors import indicator_status
from reports import selectors
from reports.dashboards import trend
from reports.dashboards.country import country_overview
from reports.dashboards.region import region_dashboard
from reports.exports.indicators import assess
from tests.factories import make_region

pytestmark = pytest.mark.django_db

WEEK = dt.date(2025, 10, 6)  # a Monday


def _rollup(region, week, *, i1=50, staff=1000):
    return MonitoringRollup.objects.create(
        region=region,
        week_start=week,
        organisations=1,
        edu_staff_total=staff,
        edu_staff_writers=int(staff * i1 / 100),
    )


def _alert_says_stale(region, day) -> bool:
    alerts_sync(region=region, on_date=day)
    return Alert.objects.open().filter(region=region, kind=AlertKind.DATA_STALE).exists()


# --- staleness: counted from the newest week's start, MONITORING_STALE_DAYS = 14 ---------


@pytest.mark.parametrize(
    ("days_after_start", "stale"),
    [(14, False), (15, True), (16, True), (18, True), (20, True), (21, True)],
)
def test_alert_and_both_dashboards_agree_on_stale_data(personas, days_after_start, stale):
    """Days 15-20 after a week's start used to raise «данные устарели» while both
    dashboards (counting from the week's end) still said the data were fresh."""
    region = make_region("91")
    _rollup(region, WEEK)
    day = WEEK + dt.timedelta(days=days_after_start)
    dashboard = region_dashboard(user=personas.admin, region=region, today=day)
    row = next(
        r for r in country_overview(user=personas.admin, on_date=day).rows if r.region == region
    )
    assert dashboard.freshness.stale is stale
    assert row.stale is stale
    assert _alert_says_stale(region, day) is stale


def test_stale_days_setting_moves_all_three(settings, personas):
    settings.MONITORING_STALE_DAYS = 7
    region = make_region("92")
    _rollup(region, WEEK)
    day = WEEK + dt.timedelta(days=8)
    assert region_dashboard(user=personas.admin, region=region, today=day).freshness.stale
    assert next(
        r for r in country_overview(user=personas.admin, on_date=day).rows if r.region == region
    ).stale
    assert _alert_says_stale(region, day)


# --- the current stage and the target that counts -------------------------------------


def _everywhere(personas, region, day):
    """(stage, target judged against) of I1 on each page, the export and the alerts."""
    i1 = Indicator.objects.get(code="i1")
    status = next(s for s in indicator_status(region=region, on_date=day) if s.indicator == i1)
    card = region_dashboard(user=personas.admin, region=region, today=day).indicators[0]
    row = next(
        r for r in country_overview(user=personas.admin, on_date=day).rows if r.region == region
    )
    targets = selectors.indicator_targets(region=region)[0]
    _value, export_target, _gap, export_stage, _note = assess(targets, day, 50, 100)
    return {
        "indicators page": (status.current.stage, status.current.counted),
        "region dashboard": (card.current.stage, card.current.counted),
        "country overview target": row.indicators[0].target,
        "export": (export_stage.stage, export_target),
        "card gap": card.gap,
        "card rag": card.rag,
    }


def test_conditional_target_not_in_force_is_judged_nowhere(personas, seeded):
    """Moscow oblast, stage 2 of I1 (75 %) is conditional and not in force. The region
    dashboard used to colour the card against 75 %; the country overview fell back to the
    passed stage 1; the indicators page and the export judged nothing."""
    moscow = Region.objects.get(code="50")
    i1 = Indicator.objects.get(code="i1")
    RegionBaseline.objects.update_or_create(
        region=moscow, indicator=i1, defaults={"value": Decimal("40"), "source": "t"}
    )
    assert RegionTarget.objects.get(region=moscow, indicator=i1, stage=2).in_force is False
    day = dt.date(2025, 11, 3)
    for week in range(4):
        _rollup(moscow, day - dt.timedelta(weeks=week, days=0), i1=60 - week)
    seen = _everywhere(personas, moscow, day)
    assert seen["indicators page"] == seen["region dashboard"] == (2, None)
    assert seen["export"][0] == 2 and seen["country overview target"] is None
    assert seen["card gap"] is None and seen["card rag"] == trend.NONE
    alerts_sync(region=moscow, on_date=day)
    assert not Alert.objects.open().filter(region=moscow, indicator=i1).exists()


def test_missing_baseline_is_the_current_stage_everywhere(personas, seeded):
    """Before 01.10.2025 without a baseline, stage 1 is current and has no target: the region
    dashboard and the country overview used to skip to stage 2 (75 %) and judge by it."""
    region = make_region("94")
    day = dt.date(2025, 9, 15)
    for week in range(3):
        _rollup(region, dt.date(2025, 9, 15) - dt.timedelta(weeks=week), i1=30)
    seen = _everywhere(personas, region, day)
    assert seen["indicators page"] == seen["region dashboard"] == (1, None)
    assert seen["export"] == (1, None) and seen["country overview target"] is None
    assert seen["card gap"] is None and seen["card rag"] == trend.NONE
    # once the baseline is entered, everyone judges by it
    RegionBaseline.objects.create(
        region=region, indicator=Indicator.objects.get(code="i1"), value=Decimal("40"), source="t"
    )
    seen = _everywhere(personas, region, day)
    assert seen["indicators page"] == seen["region dashboard"] == (1, Decimal("40"))
    assert seen["country overview target"] == Decimal("40")
    assert seen["card gap"] == Decimal("-10.00")


# --- formats: the parts of a share are grouped like every other number ----------------


def test_indicators_page_groups_the_parts_of_a_share(persona_client, seeded):
    sverdlovsk = Region.objects.get(code="66")
    _rollup(sverdlovsk, WEEK, staff=188872, i1=Decimal("67581") * 100 / 188872)
    client = persona_client("coordinator")
    html = client.get(
        reverse("indicators:region", args=["66"]) + "?date=2025-10-10"
    ).content.decode()
    assert "67\u202f581 / 188\u202f872" in html
    assert "67581 / 188872" not in html
