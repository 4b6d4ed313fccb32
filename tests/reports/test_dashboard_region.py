import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from agencies.models import Region
from indicators.formulas import FORMULAS
from indicators.index.selectors import region_place
from indicators.models import IndexScore, MonitoringRollup
from reports.dashboards import trend
from reports.dashboards.region import region_dashboard
from roadmap_portal import ru_formats
from roadmaps.models import Measure
from tests.factories import make_measure, make_roadmap

from .dashboard_data import FIRST_WEEK, build_baselines, build_index_history, build_monitoring

pytestmark = pytest.mark.django_db
WEEKS = 8
TODAY = FIRST_WEEK + dt.timedelta(weeks=WEEKS, days=1)


@pytest.fixture
def sverdlovsk(seeded):
    region = Region.objects.get(code="66")
    build_monitoring(region, municipalities=4, weeks=WEEKS)
    build_baselines(region)
    build_index_history([region.pk, Region.objects.get(code="50").pk], weeks=WEEKS)
    return region


def test_dashboard_blocks_match_the_rollups_and_scores(sverdlovsk, personas):
    d = region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    latest = MonitoringRollup.objects.get(
        region=sverdlovsk, municipality=None, week_start=FIRST_WEEK + dt.timedelta(weeks=WEEKS - 1)
    )
    assert [c.latest for c in d.indicators] == [latest.i1, latest.i2, latest.i3, latest.i4]
    assert d.freshness.latest_week == latest.week_start and not d.freshness.stale
    # I1 stage 1 (01.10.2025) is the region's baseline; passed on TODAY, so stage 2 is current
    i1 = d.indicators[0]
    assert [s.value for s in i1.stages] == [Decimal("45"), Decimal("75")]
    assert i1.current.stage == 2 and i1.gap == latest.i1 - Decimal("75")
    assert i1.rag in {trend.GREEN, trend.AMBER, trend.RED}
    assert i1.trend is not None and i1.trend.slope > 0
    assert i1.chart_projection[0] == (i1.latest_week, float(i1.latest))
    # municipalities: laggards first, each with four cells
    assert len(d.municipalities) == 4
    assert d.municipalities[0].municipality.name == "Тестовый округ 04"
    assert all(len(row.cells) == 4 for row in d.municipalities)
    assert d.indicator_moves and all(m.change for m in d.indicator_moves)
    # index: the stored score, its history, the place of the one ranking (the ranking page's)
    score = IndexScore.objects.filter(region=sverdlovsk).order_by("-on_date").first()
    assert d.index.score == score
    assert len(d.index.history) == WEEKS
    place = region_place(region_id=sverdlovsk.pk, on_date=TODAY)
    assert (d.index.rank, d.index.ranked) == (place.place, place.ranked) == (1, 1)
    assert sum(c.points for c in d.index.components) == score.total
    assert d.index.change == score.total - d.index.previous.total
    # roadmap blocks
    overdue = Measure.objects.filter(roadmap__region=sverdlovsk).overdue_on(TODAY).count()
    assert d.overdue_total == overdue


def test_municipality_sorting(sverdlovsk, personas):
    d = region_dashboard(
        user=personas.coordinator, region=sverdlovsk, today=TODAY, municipality_sort="-i1"
    )
    values = [row.value("i1") for row in d.municipalities]
    assert values == sorted(values, reverse=True)
    d = region_dashboard(
        user=personas.coordinator, region=sverdlovsk, today=TODAY, municipality_sort="name"
    )
    assert [r.municipality.name for r in d.municipalities][0] == "Тестовый округ 01"


def test_query_count_does_not_grow_with_data(
    sverdlovsk, personas, django_assert_max_num_queries, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    assert len(first) <= 36  # the one ranking (its evaluation of every region) included
    # more municipalities, weeks, measures and scores
    build_monitoring(sverdlovsk, municipalities=12, weeks=WEEKS + 6, start=4)
    build_index_history([sverdlovsk.pk], weeks=WEEKS + 6)
    roadmap = make_roadmap(sverdlovsk)
    for i in range(15):
        make_measure(roadmap, due_date=TODAY - dt.timedelta(days=i + 1))
    later = TODAY + dt.timedelta(weeks=6)
    with django_assert_max_num_queries(len(first)):
        d = region_dashboard(user=personas.coordinator, region=sverdlovsk, today=later)
    assert len(d.municipalities) == 16


@pytest.mark.parametrize(
    "persona,status",
    [
        ("coordinator", 200),
        ("analyst", 200),
        ("admin", 200),
        ("ministry_user", 200),
        ("outsider", 404),
    ],
)
def test_region_dashboard_scope(persona_client, sverdlovsk, persona, status):
    response = persona_client(persona).get(reverse("reports:region-dashboard", args=["66"]))
    assert response.status_code == status


def test_anonymous_is_sent_to_login(client, sverdlovsk):
    response = client.get(reverse("reports:region-dashboard", args=["66"]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_region_page_shows_russian_figures(persona_client, sverdlovsk):
    response = persona_client("coordinator").get(
        reverse("reports:region-dashboard", args=["66"]) + f"?date={TODAY:%Y-%m-%d}"
    )
    html = response.content.decode()
    latest = MonitoringRollup.objects.get(
        region=sverdlovsk, municipality=None, week_start=FIRST_WEEK + dt.timedelta(weeks=WEEKS - 1)
    )
    shown = ru_formats.ru_percent(latest.i1)
    assert shown in html
    assert f"{latest.week_start:%d.%m.%Y}" in html
    assert 'data-testid="municipality-row"' in html
    muni = latest.region.municipalities.get(name="Тестовый округ 01")
    assert reverse("reports:municipality-dashboard", args=["66", muni.pk]) in html


def test_page_without_any_monitoring_or_index(persona_client, seeded):
    response = persona_client("coordinator").get(reverse("reports:region-dashboard", args=["66"]))
    assert response.status_code == 200
    assert "Данных мониторинга Сферума по субъекту пока нет" in response.content.decode()


def test_municipality_drilldown_scope(persona_client, sverdlovsk):
    muni = sverdlovsk.municipalities.get(name="Тестовый округ 02")
    url = reverse("reports:municipality-dashboard", args=["66", muni.pk])
    assert persona_client("coordinator").get(url).status_code == 200
    assert persona_client("outsider").get(url).status_code == 404
    wrong_region = reverse("reports:municipality-dashboard", args=["50", muni.pk])
    assert persona_client("analyst").get(wrong_region).status_code == 404


def test_open_alerts_block(sverdlovsk, personas):
    from django.utils import timezone

    from alerts.models import Alert

    now = timezone.now()
    for n, kind in enumerate(["data_stale", "measure_overdue", "measure_overdue"]):
        Alert.objects.create(
            kind=kind,
            cause_key=f"test:{n}",
            region=sverdlovsk,
            severity=1 + n,
            message=f"Оповещение {n}",
            opened_at=now,
        )
    Alert.objects.create(
        kind="data_stale",
        cause_key="closed",
        region=sverdlovsk,
        severity=3,
        message="Закрыто",
        opened_at=now,
        resolved_at=now,
    )
    d = region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    assert d.alerts.total == 3
    assert d.alerts.by_kind[0][0] == "measure_overdue" and d.alerts.by_kind[0][2] == 2
    assert [a.message for a in d.alerts.top] == ["Оповещение 2", "Оповещение 1", "Оповещение 0"]


def test_page_query_count_does_not_grow(persona_client, sverdlovsk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = persona_client("coordinator")
    url = reverse("reports:region-dashboard", args=["66"]) + f"?date={TODAY:%Y-%m-%d}"
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    # session, user, the dashboard's ~25, the ranking's 5, the approval of the weeks shown (2)
    assert len(first) <= 40
    build_monitoring(sverdlovsk, municipalities=20, weeks=WEEKS + 3, start=4)
    build_index_history([sverdlovsk.pk], weeks=WEEKS + 3)
    roadmap = make_roadmap(sverdlovsk)
    for i in range(20):
        make_measure(roadmap, due_date=TODAY + dt.timedelta(days=i - 10))
    later = (
        reverse("reports:region-dashboard", args=["66"])
        + "?date="
        + (TODAY + dt.timedelta(weeks=3)).strftime("%Y-%m-%d")
    )
    with CaptureQueriesContext(connection) as second:
        response = client.get(later)
    assert response.content.decode().count('data-testid="municipality-row"') == 24
    assert len(second) <= len(first)


def test_newest_week_without_a_value_draws_no_projection(persona_client, sverdlovsk, personas):
    """A newest week whose indicator has no value (no denominator) keeps the earlier weeks'
    trend but draws no projection from it (it used to take float(None): the page failed)."""
    newest = FIRST_WEEK + dt.timedelta(weeks=WEEKS - 1)
    i1_formula = FORMULAS["i1"]  # no staff in the week: I1 has no value
    MonitoringRollup.objects.filter(region=sverdlovsk, municipality=None, week_start=newest).update(
        **{i1_formula.rollup_numerator: 0, i1_formula.rollup_denominator: 0}
    )
    i1 = region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY).indicators[0]
    assert (i1.latest, i1.latest_week) == (None, newest)
    assert i1.trend is not None and i1.current is not None
    assert i1.chart_projection is None
    response = persona_client("coordinator").get(
        reverse("reports:region-dashboard", args=["66"]) + f"?date={TODAY:%Y-%m-%d}"
    )
    assert response.status_code == 200
