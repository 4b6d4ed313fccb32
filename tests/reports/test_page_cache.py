"""The page cache (agencies.dataversion): the region dashboard, the country overview and the
index ranking are cached under data versions, and every write that changes them shows on the
page at once. Each write runs as in production: its transaction commits and its commit
callbacks (the version bumps, the eager tasks) run (`django_capture_on_commit_callbacks`).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agencies import dataversion
from agencies.models import Agency, DataVersion, Region
from alerts.services import alert_acknowledge, alerts_sync
from indicators.index.selectors import index_ranking, national_date
from indicators.index.services import index_fact_create
from indicators.models import Indicator, RegionBaseline
from indicators.services.baselines import region_baseline_set
from indicators.services.methodology import methodology_load
from indicators.services.uploads import monitoring_import, monitoring_upload_create
from reports.dashboards.country import country_overview
from reports.dashboards.region import region_dashboard
from roadmaps.models import Measure, MeasurePart
from roadmaps.services.measures import measure_part_set_status, measure_set_status
from tests.factories import make_user
from tests.indicators.conftest import csv_bytes, row

from .dashboard_data import FIRST_WEEK, build_baselines, build_index_history, build_monitoring

pytestmark = pytest.mark.django_db

W2 = dt.date(2025, 10, 13)
WEEKS = 8
TODAY = FIRST_WEEK + dt.timedelta(weeks=WEEKS, days=1)


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 900
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`committed(fn, **kw)`: the write with its commit callbacks run, as in production."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def import_csv(data: bytes, region="66", dry_run=False):
    upload = monitoring_upload_create(
        file=SimpleUploadedFile("export.csv", data),
        user=None,
        region=Region.objects.get(code=region),
        dry_run=dry_run,
    )
    return monitoring_import(upload=upload)


def full_week(counts=None):
    extra = {"counts": counts} if counts else {}
    return [
        row(f"ORG{i}", municipality="Екатеринбург" if i < 118 else "Нижний Тагил", **extra)
        for i in range(218)
    ]


def five_rows():
    return [
        row(f"ORG{i}", week="13.10.2025", counts=(100, 100, 400, 800, 500, 500, 450, 450))
        for i in range(5)
    ]


def versions() -> dict[str, str]:
    return dict(DataVersion.objects.values_list("scope", "token"))


@pytest.fixture
def sverdlovsk(seeded):
    region = Region.objects.get(code="66")
    build_monitoring(region, municipalities=4, weeks=WEEKS)
    build_baselines(region)
    build_index_history([region.pk, Region.objects.get(code="50").pk], weeks=WEEKS)
    return region


# --------------------------------------------------------------------------- monitoring


def test_an_import_shows_at_once_on_the_dashboard_and_the_overview(
    seeded, persona_client, committed
):
    assert committed(import_csv, csv_bytes(full_week())).status == "done"
    client = persona_client("analyst")
    page = client.get("/dashboard/66/?date=2025-10-15")
    i1 = next(c for c in page.context["d"].indicators if c.code == "i1")
    assert i1.latest == 50 and 'data-testid="partial-week"' not in page.content.decode()
    overview = client.get("/dashboard/?date=2025-10-15").context["o"]
    assert next(r for r in overview.rows if r.region.code == "66").partial is None
    # the second view is a cache hit: the same figures, a few queries
    with CaptureQueriesContext(connection) as hit:
        again = client.get("/dashboard/66/?date=2025-10-15")
    assert again.context["d"].indicators[0].latest == 50
    assert len(hit) <= 8  # session, user, region, its version, the ranking's version

    # a week with 5 of 218 organisations: «неполная неделя», at once on both pages
    assert committed(import_csv, csv_bytes(five_rows())).status == "done"
    page = client.get("/dashboard/66/?date=2025-10-15")
    text = page.content.decode()
    assert 'data-testid="partial-week"' in text and "отчитались 5 из 218 организаций" in text
    overview = client.get("/dashboard/?date=2025-10-15").context["o"]
    partial = next(r for r in overview.rows if r.region.code == "66").partial
    assert partial is not None and partial.week_start == W2


def test_a_corrected_week_replaces_the_figure(seeded, persona_client, committed):
    committed(import_csv, csv_bytes(full_week()))
    client = persona_client("coordinator")
    before = client.get("/dashboard/66/?date=2025-10-15").context["d"].indicators[0].latest
    # the same week again, every organisation now at 100 % for I1
    committed(import_csv, csv_bytes(full_week(counts=(100, 100, 400, 800, 500, 500, 450, 450))))
    after = client.get("/dashboard/66/?date=2025-10-15").context["d"].indicators[0].latest
    assert before == 50 and after == 100


def test_the_api_count_of_indicator_values_moves_with_every_import(seeded, personas, committed):
    """`GET /api/v1/indicator-values/` keeps its page count under the data version
    (roadmap_portal.api.pagination): a repeat costs no count, an import shows at once, and
    each scope counts its own rows."""
    from rest_framework.test import APIClient

    def client_of(persona):
        client = APIClient()
        client.force_authenticate(getattr(personas, persona))
        return client

    def count(client, query=""):
        with CaptureQueriesContext(connection) as queries:
            body = client.get(f"/api/v1/indicator-values/{query}").json()
        counted = [q for q in queries.captured_queries if "COUNT(*)" in q["sql"]]
        return body["count"], len(counted)

    analyst = client_of("analyst")
    assert committed(import_csv, csv_bytes(full_week())).status == "done"
    first, counted = count(analyst)
    assert first > 0 and counted == 1
    assert count(analyst) == (first, 0)  # the repeat: no count query
    # another region's week: at once
    other = [row("M1", region="50", municipality="Химки")]
    assert committed(import_csv, csv_bytes(other), region="50").status == "done"
    after, counted = count(analyst)
    assert after > first and counted == 1
    # another scope, another filter: their own counts
    assert count(client_of("coordinator"))[0] < after
    assert count(analyst, "?region=50")[0] == after - first
    # a dry run changes nothing, and the count stays
    assert committed(import_csv, csv_bytes(five_rows()), dry_run=True).dry_run
    assert count(analyst) == (after, 0)


def test_a_dry_run_changes_no_version(seeded, committed):
    committed(import_csv, csv_bytes(full_week()))
    before = versions()
    upload = committed(import_csv, csv_bytes(five_rows()), dry_run=True)
    assert upload.dry_run and versions() == before


# --------------------------------------------------------------------------- measures


def test_a_status_change_shows_at_once(sverdlovsk, personas, committed):
    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.1")
    d = region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    o = country_overview(user=personas.analyst, on_date=TODAY)
    done, overdue = d.measures_done, next(r for r in o.rows if r.region.code == "66").overdue
    committed(
        measure_set_status,
        measure=measure,
        status="done",
        actor=personas.admin,
        comment="Приказ подписан",
        completed_on=dt.date(2025, 10, 1),
        expected_version=measure.version,
        today=dt.date(2025, 10, 1),
    )
    measure.refresh_from_db()
    assert measure.status == "done"
    d = region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    assert d.measures_done == done + 1
    assert any(c.measure_id == measure.pk for c in d.status_changes)
    o = country_overview(user=personas.analyst, on_date=TODAY)
    assert next(r for r in o.rows if r.region.code == "66").overdue == overdue - 1


def test_a_part_status_shows_at_once(sverdlovsk, personas, committed):
    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="1.1")
    minobr = Agency.objects.get(code="so-minobr")
    d = region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    line = next(line for line in d.overdue if line.measure.pk == measure.pk)
    assert minobr.display_name in line.pending
    part = MeasurePart.objects.get(measure=measure, agency=minobr)
    part.measure = measure
    committed(
        measure_part_set_status,
        part=part,
        status="done",
        actor=personas.admin,
        comment="Сделано",
        expected_version=part.version,
    )
    d = region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    line = next((line for line in d.overdue if line.measure.pk == measure.pk), None)
    assert line is None or minobr.display_name not in line.pending


# --------------------------------------------------------------------------- index


def fact(region, value, as_of=dt.date(2025, 9, 1), *, actor):
    return index_fact_create(
        region=region,
        criterion_code="offline_qr",
        value=value,
        as_of=as_of,
        evidence_text="акт",
        entered_by=actor,
    )


def test_an_index_fact_shows_at_once_in_the_ranking_and_on_the_dashboard(
    seeded, personas, committed
):
    vladimir, moscow_oblast = Region.objects.get(code="33"), Region.objects.get(code="50")
    for region, value in ((Region.objects.get(code="66"), 4), (vladimir, 1), (moscow_oblast, 0)):
        committed(fact, region, value, actor=personas.analyst)
    d = region_dashboard(user=personas.coordinator, region=vladimir)
    assert (d.index.rank, d.index.ranked) == (2, 3)
    _v, rows = index_ranking(on_date=national_date())
    assert [r.region.code for r in rows[:3]] == ["66", "33", "50"]
    # Moscow oblast enters 5 QR points: it leads the ranking at once, and Vladimir's cached
    # dashboard (its own data unchanged) shows its new place from the one ranking
    committed(fact, moscow_oblast, 5, dt.date(2025, 9, 2), actor=personas.analyst)
    _v, rows = index_ranking(on_date=national_date())
    assert rows[0].region.code == "50"
    d = region_dashboard(user=personas.coordinator, region=vladimir)
    assert (d.index.rank, d.index.ranked) == (3, 3)
    # the region that entered the fact: its stored score, recomputed at commit, and place
    d50 = region_dashboard(user=personas.outsider, region=moscow_oblast)
    assert d50.index.score is not None and d50.index.score.total == rows[0].total
    assert d50.index.rank == 1


def text_of(page, name: str) -> str:
    """The text of the element with data-testid=`name` on the page."""
    html = page.content.decode()
    start = html.index(f'data-testid="{name}"')
    return html[html.index(">", start) + 1 : html.index("<", start)]


def test_the_rendered_dashboard_moves_with_its_region_and_its_place(
    seeded, personas, persona_client, committed, django_assert_max_num_queries
):
    """The dashboard's body is rendered once per data version (reports.views_dashboard):
    a write in the region and another region's move in the ranking both show at once."""
    vladimir, moscow_oblast = Region.objects.get(code="33"), Region.objects.get(code="50")
    for region, value in ((Region.objects.get(code="66"), 4), (vladimir, 1), (moscow_oblast, 0)):
        committed(fact, region, value, actor=personas.analyst)
    client = persona_client("analyst")
    first = client.get("/dashboard/33/")
    assert text_of(first, "index-rank") == "2"
    with django_assert_max_num_queries(8):
        again = client.get("/dashboard/33/")  # data and body from the cache
    assert text_of(again, "index-rank") == "2" and text_of(again, "index-total") == text_of(
        first, "index-total"
    )
    # another region overtakes: Vladimir's data are unchanged, its place is not
    committed(fact, moscow_oblast, 5, dt.date(2025, 9, 2), actor=personas.analyst)
    assert text_of(client.get("/dashboard/33/"), "index-rank") == "3"
    # Vladimir's own write
    committed(fact, vladimir, 5, dt.date(2025, 9, 3), actor=personas.analyst)
    moved = client.get("/dashboard/33/")
    _v, rows = index_ranking(on_date=national_date())
    place = next(r.place for r in rows if r.region.code == "33")
    assert text_of(moved, "index-rank") == str(place) != "3"
    assert text_of(moved, "index-total") != text_of(first, "index-total")


def test_the_rendered_dashboard_keeps_each_query_string_and_each_user_own_links(
    sverdlovsk, personas, persona_client
):
    def body(client, path):
        html = client.get(path).content.decode()
        return html[html.index('<section class="kpis"') : html.index("</main>")]

    def crumbs(client, path):
        html = client.get(path).content.decode()
        return html[html.index('<p class="crumbs">') : html.index("<h1>")]

    analyst = persona_client("analyst")
    by_name = body(analyst, "/dashboard/66/?msort=name")
    assert by_name != body(analyst, "/dashboard/66/")  # the sort links keep the query string
    assert body(analyst, "/dashboard/66/?msort=name") == by_name  # a hit: the same body
    assert "Все субъекты" in crumbs(analyst, "/dashboard/66/?msort=name")
    coordinator = persona_client("coordinator")  # the same client, logged in again
    # the figures are the region's, the same for both; the way to the country is not
    assert body(coordinator, "/dashboard/66/?msort=name") == by_name
    assert "Все субъекты" not in crumbs(coordinator, "/dashboard/66/?msort=name")


def test_only_the_pages_people_open_are_kept_rendered(sverdlovsk, persona_client):
    """A query string with a parameter the page does not read, or a free-text search, is
    rendered each time: a client cannot fill the cache with bodies of made-up URLs."""

    def rendered() -> set[str]:
        return {k for k in cache._cache if ":pages:" in k and ":html" in k}  # LocMemCache

    client = persona_client("analyst")
    for path in ("/dashboard/66/?junk=1", "/dashboard/?x=y", "/dashboard/?q=Свердл"):
        assert client.get(path).status_code == 200
    assert not rendered()
    client.get("/dashboard/66/?msort=name")
    client.get("/dashboard/?sort=total&lagging=1")
    assert len(rendered()) == 2


def test_the_rendered_overview_is_each_scope_own_and_moves_with_every_write(
    seeded, personas, client, committed
):
    """The overview's body is rendered once per national version, date, set of visible
    regions and query string: a user with two regions never gets the analyst's rendering."""

    def tiles(user, path="/dashboard/?date=2025-10-15", *, queries=None):
        client.force_login(user)
        with CaptureQueriesContext(connection) as done:
            html = client.get(path).content.decode()
        if queries is not None:
            queries.extend(done.captured_queries)
        return set(re.findall(r'href="/dashboard/(\d\d)/"', html))

    everything = tiles(personas.analyst)
    assert len(everything) == Region.objects.count()
    hit: list = []
    assert tiles(personas.analyst, queries=hit) == everything  # a hit
    assert len(hit) <= 6  # session, user, the visible regions, the version, the alert badge
    two = make_user("coordinator", region=Region.objects.get(code="66"))
    two.extra_regions.add(Region.objects.get(code="50"))
    assert tiles(two) == {"66", "50"}  # the same query string, another scope
    assert tiles(two) == {"66", "50"}
    # a write moves the national version: the next view is rendered again
    client.force_login(personas.analyst)
    before = client.get("/dashboard/?date=2025-10-15&q=33").content.decode()
    committed(fact, Region.objects.get(code="33"), 5, actor=personas.analyst)
    after = client.get("/dashboard/?date=2025-10-15&q=33").content.decode()
    assert before != after


def test_the_ranking_page_shows_a_new_fact_at_once(personas, persona_client, committed):
    client = persona_client("analyst")
    rows = client.get("/index/ranking/").context["rows"]
    assert not any(r.place for r in rows)
    committed(fact, Region.objects.get(code="33"), 3, actor=personas.analyst)
    rows = client.get("/index/ranking/").context["rows"]
    assert rows[0].region.code == "33" and rows[0].place == 1


def test_methodology_and_admin_edits_change_every_version(sverdlovsk, personas, committed):
    region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    before = versions()
    assert set(before) >= {"all", f"r{sverdlovsk.pk}"}
    committed(methodology_load)
    after = versions()
    assert all(after[scope] != token for scope, token in before.items())
    # an edit in the admin writes a LogEntry: every version moves again
    committed(
        LogEntry.objects.log_actions,
        user_id=personas.admin.pk,
        queryset=[Indicator.objects.get(code="i1")],
        action_flag=CHANGE,
        single_object=True,
    )
    again = versions()
    assert all(again[scope] != token for scope, token in after.items())


def site_admin(personas):
    user = personas.admin
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


def test_a_bulk_delete_in_the_admin_shows_at_once(sverdlovsk, personas, client, committed):
    """The admin's «Удалить выбранные» logs its deletions with one bulk insert (no `post_save`
    of a `LogEntry`) and before it deletes: the pages must still move, after the delete."""
    d = region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    assert d.indicators[0].stages[0].value == Decimal("45")
    before = versions()
    baselines = list(RegionBaseline.objects.filter(region=sverdlovsk).values_list("pk", flat=True))
    assert len(baselines) >= 2
    client.force_login(site_admin(personas))
    response = committed(
        client.post,
        "/admin/indicators/regionbaseline/",
        {"action": "delete_selected", "_selected_action": baselines, "post": "yes"},
    )
    assert response.status_code == 302
    assert not RegionBaseline.objects.filter(region=sverdlovsk).exists()
    assert LogEntry.objects.filter(object_id__in=[str(pk) for pk in baselines]).count() == len(
        baselines
    )
    after = versions()
    assert all(after[scope] != token for scope, token in before.items())
    d = region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    assert d.indicators[0].stages[0].value != Decimal("45")


def test_the_admin_delete_confirmation_page_moves_nothing(sverdlovsk, personas, client, committed):
    region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    before = versions()
    baselines = list(RegionBaseline.objects.filter(region=sverdlovsk).values_list("pk", flat=True))
    client.force_login(site_admin(personas))
    response = committed(
        client.post,
        "/admin/indicators/regionbaseline/",
        {"action": "delete_selected", "_selected_action": baselines},
    )
    assert response.status_code == 200  # «Вы уверены?»
    changelist = client.get("/admin/indicators/regionbaseline/").content.decode()
    assert "Удалить выбранные" in changelist  # the action keeps Django's translated name
    assert RegionBaseline.objects.filter(pk__in=baselines).count() == len(baselines)
    assert versions() == before


# --------------------------------------------------------------------------- targets, alerts


def test_a_baseline_shows_at_once(sverdlovsk, personas, committed):
    d = region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    assert d.indicators[0].stages[0].value == Decimal("45")
    committed(
        region_baseline_set,
        region=sverdlovsk,
        indicator=Indicator.objects.get(code="i1"),
        value=Decimal("30"),
        source="Приказ",
        actor=personas.admin,
    )
    d = region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    assert d.indicators[0].stages[0].value == Decimal("30")


def test_an_alert_sync_and_acknowledgement_show_at_once(sverdlovsk, personas, committed):
    d = region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    assert d.alerts.total == 0
    result = committed(alerts_sync, region=sverdlovsk)
    assert result.open_total > 0
    d = region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    assert d.alerts.total == result.open_total
    token = dataversion.region_token(sverdlovsk.pk)
    alert = d.alerts.top[0]
    committed(alert_acknowledge, alert=alert, actor=personas.coordinator, comment="Видим")
    assert dataversion.region_token(sverdlovsk.pk) != token


# --------------------------------------------------------------------------- scope, cost


def test_cached_data_are_scoped_after_the_cache(sverdlovsk, personas):
    analyst = country_overview(user=personas.analyst, on_date=TODAY)
    assert analyst.regions_total == Region.objects.count()
    two = make_user("coordinator", region=sverdlovsk)
    two.extra_regions.add(Region.objects.get(code="50"))
    mine = country_overview(user=two, on_date=TODAY)
    assert {r.region.code for r in mine.rows} == {"66", "50"} and mine.regions_total == 2
    # their regions keep their places in the one national ranking, as on the ranking page
    national = {r.region.pk: r.place for r in analyst.rows}
    assert {r.region.pk: r.place for r in mine.rows} == {
        r.region.pk: national[r.region.pk] for r in mine.rows
    }
    # the analyst's next view is not narrowed by the coordinator's
    assert country_overview(user=personas.analyst, on_date=TODAY).regions_total == 89
    # the ranking marks each user's own regions, never another user's
    _v, rows = index_ranking(on_date=TODAY, highlight=frozenset({sverdlovsk.pk}))
    assert [r.region.code for r in rows if r.highlighted] == ["66"]
    _v, rows = index_ranking(on_date=TODAY)
    assert not any(r.highlighted for r in rows)


def test_a_hit_costs_two_queries_and_a_miss_two_more_than_no_cache(sverdlovsk, personas, settings):
    settings.PAGE_CACHE_SECONDS = 0
    with CaptureQueriesContext(connection) as plain:
        region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    settings.PAGE_CACHE_SECONDS = 900
    dataversion.tokens(["all", f"r{sverdlovsk.pk}"])  # the first read creates the rows
    with CaptureQueriesContext(connection) as miss:
        region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    assert len(miss) <= len(plain) + 2  # the region's version and the national one
    with CaptureQueriesContext(connection) as hit:
        d = region_dashboard(
            user=personas.coordinator, region=sverdlovsk, today=TODAY, municipality_sort="name"
        )
    assert len(hit) == 2
    assert d.municipalities[0].municipality.name == "Тестовый округ 01"  # sorted after


def test_one_update_a_transaction_and_none_when_rolled_back(
    sverdlovsk, django_capture_on_commit_callbacks
):
    dataversion.tokens(["all", f"r{sverdlovsk.pk}"])
    before = versions()
    with (
        CaptureQueriesContext(connection) as writes,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        dataversion.bump(region_ids=[sverdlovsk.pk])
        dataversion.bump(region_ids=[sverdlovsk.pk, None])
    updates = [q for q in writes if q["sql"].startswith("UPDATE") and "dataversion" in q["sql"]]
    assert len(updates) == 1
    after = versions()
    assert after["all"] != before["all"]
    assert after[f"r{sverdlovsk.pk}"] != before[f"r{sverdlovsk.pk}"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                dataversion.bump(region_ids=[sverdlovsk.pk])
                raise RuntimeError
        except RuntimeError:
            pass
    assert callbacks == []  # dropped with the rolled-back savepoint
    assert versions() == after


def test_a_deployment_moves_every_version(sverdlovsk, personas):
    """Each deployment runs `migrate`; a release may compute the cached figures otherwise,
    so the data cached by the previous one are never read again."""
    from django.core.management import call_command

    region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    before = versions()
    assert set(before) >= {"all", f"r{sverdlovsk.pk}"}
    call_command("migrate", verbosity=0)  # nothing to apply: the signal still comes
    after = versions()
    assert all(after[scope] != token for scope, token in before.items())


def test_a_migrate_that_unapplied_the_versions_moves_nothing():
    """A run back to before the data versions existed has no table to move."""
    from django.apps import apps as global_apps
    from django.db.migrations.state import ProjectState

    from agencies.dataversion import bump_after_migrate

    before = ProjectState().apps  # no model at all: as after `migrate agencies zero`
    bump_after_migrate(sender=global_apps.get_app_config("agencies"), apps=before)
