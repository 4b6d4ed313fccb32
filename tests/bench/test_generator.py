"""The benchmark data generator: deterministic, valid for the import, idempotent in the DB."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import tracemalloc
from collections import defaultdict

import pytest
from django.core.management import call_command

from agencies.models import Municipality, Organisation, User
from bench.generate import main as generate_main
from reports.demo import generator as g
from roadmaps.deadlines import parse_deadline
from roadmaps.models import Cascade, CascadeTarget, Measure, MeasureChange, Roadmap

SCALE = 0.002
SEED = 42
TODAY = dt.date(2026, 1, 20)

# docs/domain.md «Monitoring data»: the canonical columns in the export's order.
DOMAIN_HEADER = [
    "Начало недели",
    "Код региона",
    "Муниципальное образование",
    "Код организации",
    "Наименование организации",
    "Тип организации",
    "Работников всего",
    "Работников, писавших за неделю",
    "Обучающихся всего",
    "Обучающихся и родителей, активных за неделю",
    "Пользователей Сферума всего",
    "Пользователей только в MAX",
    "Пользователей с профилем в VK Мессенджере",
    "из них с профилем в MAX",
]
ORG_TYPES = {"ОО", "СПО", "ДО", "ДОО", "РОИВ", "ОМСУ", "ПО"}
CRITERIA = {
    "mfc_bot",
    "mfc_notify",
    "health_tmk",
    "health_booking",
    "housing_uk_chats",
    "exclusive_services",
    "digital_id_acts",
    "digital_id_age",
    "digital_id_benefits",
    "digital_id_student",
    "media_reach",
    "offline_qr",
}


@pytest.fixture(scope="module")
def regions():
    return g.regions_from_fixture()


@pytest.fixture(scope="module")
def world(regions):
    return g.world_build(regions, seed=SEED, scale=SCALE)


def read_csv(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    return rows[0], rows[1:]


def assert_valid_row(row, region_codes):
    """The import's rules (docs/domain.md), checked here independently."""
    (week, region, muni, code, name, org_type, staff, writers, students, learners) = row[:10]
    sferum, max_only, vkm, vkm_max = (int(v) for v in row[10:])
    week_date = dt.datetime.strptime(week, "%d.%m.%Y").date()
    assert week_date.weekday() == 0
    assert region in region_codes and code.startswith(region) and len(code) == 8
    assert muni and name and org_type in ORG_TYPES
    staff, writers, students, learners = int(staff), int(writers), int(students), int(learners)
    for value in (staff, writers, students, learners, sferum, max_only, vkm, vkm_max):
        assert value >= 0
    assert writers <= staff
    assert learners <= 2 * students
    assert max_only <= sferum
    assert vkm_max <= vkm
    if org_type in {"РОИВ", "ОМСУ", "ПО"}:
        assert students == 0 and learners == 0 and staff > 0


def test_world_is_deterministic_and_realistic(regions, world):
    again = g.world_build(regions, seed=SEED, scale=SCALE)
    codes = [(o.code, o.name, o.org_type) for r in world.regions for o in r.organisations]
    assert codes == [(o.code, o.name, o.org_type) for r in again.regions for o in r.organisations]
    other = g.world_build(regions, seed=SEED + 1, scale=SCALE)
    assert codes != [(o.code, o.name, o.org_type) for r in other.regions for o in r.organisations]

    assert len(world.regions) == 89
    assert len({c for c, _n, _t in codes}) == len(codes)
    for region in world.regions:
        assert len(region.municipalities) >= 2
        assert len({m.name for m in region.municipalities}) == len(region.municipalities)
        types = [o.org_type for o in region.organisations]
        assert types.count("roiv") == 1
        assert types.count("omsu") == len(region.municipalities)
        assert "school" in types
    kh = next(r for r in world.regions if r.region.code == "27")
    assert "Николаевский муниципальный район" in {m.name for m in kh.municipalities}
    so = next(r for r in world.regions if r.region.code == "66")
    assert so.organisations[0].name == "Министерство образования Свердловской области" or (
        so.organisations[0].name == "Министерство образования и науки Свердловской области"
    )


def test_scale_one_matches_the_national_figures(regions):
    world = g.world_build(regions, seed=SEED, scale=1)
    assert 84_000 <= world.organisation_count <= 86_500
    assert 2_400 <= world.municipality_count <= 2_700


def test_a_region_is_the_same_whatever_else_is_generated(regions, world, tmp_path):
    subset = g.world_build([r for r in regions if r.code in ("66", "27")], seed=SEED, scale=SCALE)
    full = {r.region.code: r for r in world.regions}
    for region in subset.regions:
        assert [o.code for o in region.organisations] == [
            o.code for o in full[region.region.code].organisations
        ]
        assert list(g.monitoring_rows(subset, region, 5)) == list(
            g.monitoring_rows(world, full[region.region.code], 5)
        )


def test_monitoring_files_are_byte_for_byte_reproducible(world, regions, tmp_path):
    first = g.monitoring_write(world, tmp_path / "a", weeks=3)
    second = g.monitoring_write(
        g.world_build(regions, seed=SEED, scale=SCALE), tmp_path / "b", weeks=3
    )
    assert [p.name for p in first.files] == [
        "monitoring_2025-09-01.csv",
        "monitoring_2025-09-08.csv",
        "monitoring_2025-09-15.csv",
    ]
    for a, b in zip(first.files, second.files, strict=True):
        assert a.read_bytes() == b.read_bytes()
    assert first.rows == second.rows > 0


def test_per_region_files_hold_the_same_rows(world, tmp_path):
    national = g.monitoring_write(world, tmp_path / "n", weeks=2)
    per_region = g.monitoring_write(world, tmp_path / "r", weeks=2, per_region=True)
    assert len(per_region.files) == 2 * 89
    assert per_region.rows == national.rows
    rows = sorted(r for path in per_region.files for r in read_csv(path)[1])
    assert rows == sorted(r for path in national.files for r in read_csv(path)[1])
    assert (tmp_path / "r" / "monitoring_66_2025-09-08.csv").exists()
    single = g.monitoring_write_single(world, tmp_path / "s" / "all.csv", weeks=2)
    assert single.rows == national.rows
    assert read_csv(single.files[0])[1] == [r for p in national.files for r in read_csv(p)[1]]


def test_every_monitoring_row_passes_the_import_rules(world, tmp_path):
    written = g.monitoring_write(world, tmp_path, weeks=8)
    codes = {r.region.code for r in world.regions}
    orgs = {o.code for r in world.regions for o in r.organisations}
    seen_types = set()
    total = 0
    for path in written.files:
        header, rows = read_csv(path)
        assert header == DOMAIN_HEADER
        keys = set()
        for row in rows:
            assert len(row) == len(DOMAIN_HEADER)
            assert_valid_row(row, codes)
            assert row[3] in orgs
            key = (row[0], row[3])
            assert key not in keys, "one row per organisation per week"
            keys.add(key)
            seen_types.add(row[5])
        total += len(rows)
    assert total == written.rows
    assert seen_types == ORG_TYPES
    # a few organisations miss some weeks, most report every week
    assert 0.95 * 8 * world.organisation_count <= total < 8 * world.organisation_count


def _shares(world, week):
    """Per region: M = Σ vkm_and_max / Σ vkm (docs/domain.md), and I1 over ОО/СПО/ДО."""
    sums = defaultdict(lambda: [0, 0, 0, 0])
    for region in world.regions:
        for row in g.monitoring_rows(world, region, week):
            s = sums[row[1]]
            s[0] += row[13]
            s[1] += row[12]
            if row[5] in ("ОО", "СПО", "ДО"):
                s[2] += row[7]
                s[3] += row[6]
    return {code: (s[0] / s[1], s[2] / s[3] if s[3] else None) for code, s in sums.items()}


def test_adoption_grows_toward_different_plateaus(world):
    start, end = _shares(world, 0), _shares(world, 35)
    grown = [code for code in start if end[code][0] > start[code][0] + 0.1]
    assert len(grown) >= 80
    finals = sorted(m for m, _i1 in end.values())
    assert finals[0] < 0.5 < 0.8 < finals[-1], "some regions lag, others near done"
    assert all(i1 is None or 0 < i1 <= 1 for _m, i1 in end.values())
    # the autumn-holiday week writes less than the week before it
    before, holiday = _shares(world, 7), _shares(world, 8)
    assert sum(v[1] for v in holiday.values()) < sum(v[1] for v in before.values())


def test_writing_is_memory_flat(world, tmp_path):
    def peak(weeks):
        tracemalloc.start()
        g.monitoring_write(world, tmp_path / str(weeks), weeks=weeks)
        _current, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    assert peak(12) < peak(2) * 1.5 + 200_000


def test_corrected_copy_changes_about_one_percent_validly(world, tmp_path):
    written = g.monitoring_write(world, tmp_path, weeks=1)
    source = written.files[0]
    target = tmp_path / "corrected.csv"
    changed = g.monitoring_write_corrected(source, target, seed=SEED, share=0.05)
    header, old_rows = read_csv(source)
    new_header, new_rows = read_csv(target)
    assert new_header == header == DOMAIN_HEADER
    assert [r[:6] for r in old_rows] == [r[:6] for r in new_rows]
    differing = sum(a != b for a, b in zip(old_rows, new_rows, strict=True))
    assert differing == changed > 0
    assert 0.02 * len(old_rows) < changed < 0.09 * len(old_rows)
    for row in new_rows:
        assert_valid_row(row, {r.region.code for r in world.regions})
    again = tmp_path / "again.csv"
    g.monitoring_write_corrected(source, again, seed=SEED, share=0.05)
    assert again.read_bytes() == target.read_bytes()


def test_index_facts_cover_every_region(regions, tmp_path):
    path = tmp_path / "facts.csv"
    count = g.index_facts_write(regions, path, seed=SEED, today=TODAY)
    header, rows = read_csv(path)
    assert header == ["region_code", "criterion", "input", "value", "as_of", "evidence"]
    assert len(rows) == count
    by_region = defaultdict(lambda: defaultdict(list))
    for region_code, criterion, input_name, value, as_of, evidence in rows:
        assert criterion in CRITERIA
        assert dt.datetime.strptime(as_of, "%d.%m.%Y").date() <= TODAY
        assert evidence
        by_region[region_code][(criterion, input_name)].append(value)
    assert set(by_region) == {r.code for r in regions}
    bots = 0
    for facts in by_region.values():
        uk_total = int(facts[("housing_uk_chats", "uk_total")][0])
        assert all(int(v) <= uk_total for v in facts[("housing_uk_chats", "uk_with_chat")])
        assert facts[("media_reach", "publications")] and facts[("media_reach", "reach_percent")]
        reach = float(facts[("media_reach", "reach_percent")][0].replace(",", "."))
        assert 0 <= reach <= 100
        assert 0 <= int(facts[("offline_qr", "")][0]) <= 5
        assert int(facts[("exclusive_services", "")][0]) >= 0
        bots += facts.get(("mfc_bot", ""), ["0"])[0] == "1"
    assert 20 < bots < 80, "a realistic mix: some regions have the MFC bot"
    again = tmp_path / "again.csv"
    g.index_facts_write(regions, again, seed=SEED, today=TODAY)
    assert again.read_bytes() == path.read_bytes()


@pytest.mark.django_db
def test_world_save_is_idempotent(seeded, regions):
    world = g.world_build(
        [r for r in regions if r.code in ("01", "27", "66")], seed=SEED, scale=SCALE
    )
    first = g.world_save(world)
    assert first.organisations == world.organisation_count
    orgs = Organisation.objects.count()
    munis = Municipality.objects.count()
    second = g.world_save(world)
    assert (second.organisations, second.municipalities) == (0, 0)
    assert (Organisation.objects.count(), Municipality.objects.count()) == (orgs, munis)
    school = Organisation.objects.filter(code__startswith="66", org_type="school").first()
    assert school.municipality.region.code == "66"
    # the Khabarovsk municipality of the seeds is reused, not duplicated
    assert Municipality.objects.filter(name="Николаевский муниципальный район").count() == 1


@pytest.mark.django_db
def test_roadmaps_for_regions_without_one(seeded, regions):
    chosen = [r for r in regions if r.code in ("01", "02", "66")]
    result = g.roadmaps_generate(chosen, seed=SEED, today=TODAY)
    assert result.roadmaps == 2 and result.skipped == ["66"]  # Sverdlovsk has its seed roadmap
    assert result.overdue > 0
    for code in ("01", "02"):
        roadmap = Roadmap.objects.get(code=f"gen-{code}")
        measures = list(roadmap.measures.prefetch_related("responsibilities"))
        assert 40 <= len(measures) <= 60
        assert roadmap.sections.count() >= 5
        statuses = {m.status for m in measures}
        assert {"done", "in_progress", "not_started"} <= statuses
        for m in measures:
            parsed = parse_deadline(m.deadline_text, default_year=2025)
            assert (m.due_date, m.deadline_kind) == (parsed.due_date, parsed.kind)
            assert m.responsibilities.all()
            assert m.changes.count() == m.version - 1
            if m.status == "done":
                assert m.completed_on <= TODAY
        assert any(m.is_overdue(TODAY) for m in measures)
    done_late = Measure.objects.filter(roadmap__code__startswith="gen-", status="done")
    assert any(m.is_done_late for m in done_late)
    history = MeasureChange.objects.filter(measure__roadmap__code="gen-01")
    assert history.exists() and all(c.created_at.date() <= TODAY for c in history)
    counts = (Roadmap.objects.count(), Measure.objects.count(), MeasureChange.objects.count())
    again = g.roadmaps_generate(chosen, seed=SEED, today=TODAY)
    assert again.roadmaps == again.measures == again.changes == 0
    assert counts == (
        Roadmap.objects.count(),
        Measure.objects.count(),
        MeasureChange.objects.count(),
    )


@pytest.mark.django_db
def test_cli_writes_files_and_summary(seeded, tmp_path):
    out = tmp_path / "data"
    argv = ["--scale", str(SCALE), "--seed", "7", "--out", str(out), "--weeks", "2"]
    assert generate_main([*argv, "--corrected", "--today", "2026-01-20"]) == 0
    summary = json.loads((out / "generate.json").read_text())
    assert summary["monitoring"]["files"] == 2
    assert summary["monitoring"]["rows"] > 0
    assert (out / "index_facts.csv").exists()
    assert (out / "monitoring_2025-09-01_corrected.csv").exists()
    assert "db" not in summary
    assert generate_main([*argv, "--single-file", "--out", str(tmp_path / "one")]) == 0
    header, rows = read_csv(tmp_path / "one" / "monitoring_all.csv")
    assert header == DOMAIN_HEADER and len(rows) == summary["monitoring"]["rows"]


@pytest.mark.django_db
def test_load_demo_data_twice_adds_nothing(seeded, tmp_path):
    """Twice adds nothing, and measures users have changed are left alone (Vladimir's, here,
    as if a user had edited each of them: one demo load instead of two for this)."""
    edited = Measure.objects.filter(roadmap__code="vladimir-2025")
    edited.update(version=2)

    def counts():
        return (
            Organisation.objects.count(),
            Municipality.objects.count(),
            CascadeTarget.objects.count(),
            MeasureChange.objects.count(),
            list(Measure.objects.order_by("pk").values_list("status", "version")),
        )

    out = io.StringIO()
    call_command("load_demo_data", "--out", str(tmp_path), "--today", "2026-01-20", stdout=out)
    text = out.getvalue()
    first = counts()
    assert Organisation.objects.filter(region__code="66").exists()
    assert not Organisation.objects.filter(region__code="77").exists()
    # the district's letter to its schools (the ministry's letter is the level above)
    cascade = Cascade.objects.get(
        measure__roadmap__code="khabarovsk-2025", document_number="01-15-1250"
    )
    assert cascade.targets.count() >= 3
    demo = MeasureChange.objects.filter(comment__startswith="[демо]")
    assert demo.exists()
    assert {c.measure.roadmap.region.code for c in demo} <= {"27", "33", "50", "63", "66"}
    files = sorted(tmp_path.glob("demo_monitoring_*.csv"))
    # the season is placed relative to today: from 03.11.2025, 11 weeks by 20.01.2026,
    # one file per region and week
    assert len(files) == 11 * 5
    assert files[0].name == "demo_monitoring_27_2025-11-03.csv"
    _header, facts = read_csv(tmp_path / "demo_index_facts.csv")
    assert {f[0] for f in facts} == {"27", "33", "50", "63", "66"}
    assert all(f[5].startswith("[демо] ") for f in facts)
    from indicators.models import IndexFact, MonitoringRollup

    region_weeks = MonitoringRollup.objects.filter(region__code="66", municipality__isnull=True)
    assert region_weeks.count() == 11  # every demo week went through the real import
    assert IndexFact.objects.filter(region__code="66").exists()
    assert "Прочитано строк" in text
    assert not MeasureChange.objects.filter(measure__roadmap__code="vladimir-2025").exists()
    assert set(edited.values_list("version", flat=True)) == {2}
    before = [p.read_bytes() for p in files]

    out = io.StringIO()
    call_command("load_demo_data", "--out", str(tmp_path), "--today", "2026-01-20", stdout=out)
    assert counts() == first
    assert [p.read_bytes() for p in files] == before
    assert "ничего не изменено" in out.getvalue()


def test_demo_season_is_placed_relative_to_today():
    from reports.management.commands.load_demo_data import demo_season_start, demo_shift

    for today in (dt.date(2026, 11, 26), dt.date(2027, 3, 1), dt.date(2025, 11, 20)):
        start = demo_season_start(demo_shift(today))
        assert start.weekday() == 0
        # today in the second half of the seed roadmaps' period (August - December)
        period_start, period_end = start - dt.timedelta(days=31), start + dt.timedelta(days=121)
        assert period_start + (period_end - period_start) / 2 <= today <= period_end


def test_demo_weeks_stop_before_the_current_week():
    from reports.management.commands.load_demo_data import demo_weeks

    assert demo_weeks(dt.date(2025, 9, 1)) == 0
    assert demo_weeks(dt.date(2025, 9, 8)) == 1  # the week of 01.09 has ended
    assert demo_weeks(dt.date(2025, 9, 14)) == 1
    assert demo_weeks(dt.date(2026, 11, 21)) == 20


@pytest.mark.django_db
def test_demo_first_run_tells_the_truth(seeded, tmp_path):
    """Right after load_demo_data: a mix of statuses, the dashboard's overdue count equals
    its open overdue alerts, no alert for a measure marked done, uploads of their region."""
    from agencies.models import Region
    from alerts.choices import AlertKind
    from alerts.models import Alert
    from indicators.models import MonitoringUpload
    from reports.dashboards.region import region_dashboard
    from roadmaps.choices import MeasureStatus

    today = dt.date(2026, 11, 26)
    call_command(
        "load_demo_data", "--out", str(tmp_path), "--today", today.isoformat(), stdout=io.StringIO()
    )
    measures = Measure.objects.filter(roadmap__code="sverdlovsk-2025")
    statuses = set(measures.values_list("status", flat=True))
    assert {MeasureStatus.DONE, MeasureStatus.IN_PROGRESS, MeasureStatus.NOT_STARTED} <= statuses
    assert measures.filter(due_date__gt=today).exists()  # some deadlines are still ahead
    assert measures.filter(due_date__lt=today, status=MeasureStatus.DONE).exists()
    from indicators.models import IndicatorStage

    # the indicators' stage targets belong to the same season: the last one is still ahead
    assert IndicatorStage.objects.filter(target_date__gt=today).exists()
    analyst = User.objects.create_superuser("demo-check", password="x")
    overdue_total = 0
    for code in ("27", "33", "50", "63", "66"):
        region = Region.objects.get(code=code)
        board = region_dashboard(user=analyst, region=region, today=today)
        alerts = Alert.objects.filter(region=region, kind=AlertKind.MEASURE_OVERDUE).open()
        assert board.overdue_total == alerts.count(), code
        overdue_total += board.overdue_total
        assert not Alert.objects.filter(region=region, measure__status="done").open().exists()
        uploads = MonitoringUpload.objects.filter(original_name__contains=f"_{code}_")
        assert uploads.exists() and set(uploads.values_list("region__code", flat=True)) == {code}
        assert board.freshness.latest_week >= today - dt.timedelta(days=14)
        # fresh on the dashboard, so no «данные устарели»
        assert not board.freshness.stale
        assert not Alert.objects.open().filter(region=region, kind=AlertKind.DATA_STALE).exists()
    assert overdue_total > 0
    # every other region has never sent a week: stale on its dashboard and alerted at once
    quiet = Region.objects.get(code="77")
    assert region_dashboard(user=analyst, region=quiet, today=today).freshness.stale
    stale = Alert.objects.open().get(region=quiet, kind=AlertKind.DATA_STALE)
    assert stale.details["last_week"] is None
    assert Alert.objects.open().filter(kind=AlertKind.DATA_STALE).count() == (
        Region.objects.count() - 5
    )
    # the demo's date move reads in Russian in a measure's history
    from roadmaps.selectors import history_entries

    moved = MeasureChange.objects.filter(comment__startswith="[демо] сроки перенесены").first()
    (entry,) = history_entries([moved])
    (field,) = entry.fields
    assert field.label == "Срок исполнения" and re.fullmatch(r"\d\d\.\d\d\.\d{4}", field.new)
