from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from agencies.models import Region
from indicators.choices import FactSource
from indicators.index.selectors import index_evaluate
from indicators.index.services import (
    index_compute,
    index_fact_create,
    index_fact_verify,
    index_recompute,
)
from indicators.models import Criterion, IndexFact, IndexScore, MeasureCriterion, MethodologyVersion
from indicators.services.methodology import methodology_load
from tests.indicators.index_helpers import fact, rollup

pytestmark = pytest.mark.django_db

OCT1 = dt.date(2025, 10, 1)


@pytest.fixture
def region(seeded):
    return Region.objects.get(code="33")


def test_stage1_fixture_loaded(seeded):
    version = MethodologyVersion.objects.get(code="stage1")
    assert version.max_points == 100
    assert Criterion.objects.filter(component__version=version).count() == 13
    link = MeasureCriterion.objects.get(
        criterion_code="mfc_notify", measure__roadmap__code="vladimir-2025"
    )
    assert link.measure.number == "9"


def test_methodology_load_is_idempotent(seeded):
    before = Criterion.objects.count(), MeasureCriterion.objects.count()
    counts = methodology_load()
    assert counts == {
        "MethodologyVersion": 0,
        "Component": 0,
        "Criterion": 0,
        "MeasureCriterion": 0,
    }
    assert (Criterion.objects.count(), MeasureCriterion.objects.count()) == before


def test_score_uses_inputs_valid_on_the_date(region):
    rollup(region, dt.date(2025, 9, 22), 1000, 570)  # M = 0.57
    rollup(region, dt.date(2025, 10, 6), 1000, 1000)  # after the date
    fact(region, "housing_uk_chats", 100, dt.date(2025, 9, 1), input="uk_total")
    fact(region, "housing_uk_chats", 34, dt.date(2025, 9, 1), input="uk_with_chat")
    fact(region, "housing_uk_chats", 80, dt.date(2025, 10, 2), input="uk_with_chat")  # later
    fact(region, "media_reach", 2, dt.date(2025, 9, 10), input="publications")
    fact(region, "media_reach", D("34"), dt.date(2025, 9, 10), input="reach_percent")
    score = index_compute(region=region, on_date=OCT1)
    assert score.criteria["sferum_migration"]["points"] == "7.50"
    assert score.criteria["sferum_migration"]["inputs"]["week_start"] == "2025-09-22"
    assert score.criteria["housing_uk_chats"]["points"] == "3.00"
    assert score.criteria["media_reach"]["points"] == "7.00"
    assert score.criteria["media_reach"]["rule_text"] == "7 из 10: 34\u00a0% ≥ 25\u00a0%"
    assert score.total == D("17.5")
    assert score.components["services"] == {"points": "10.50", "max": "50.00", "claimed": "10.50"}
    later = index_compute(region=region, on_date=dt.date(2025, 10, 6))
    assert later.criteria["sferum_migration"]["points"] == "15.00"
    assert later.criteria["housing_uk_chats"]["points"] == "5.00"
    # the past date is reproducible: recomputing it now gives the same row
    again = index_compute(region=region, on_date=OCT1)
    assert again.pk == score.pk and again.total == score.total and again.criteria == score.criteria
    assert IndexScore.objects.filter(region=region).count() == 2


def test_same_date_later_entry_wins(region):
    fact(region, "offline_qr", 2, OCT1)
    fact(region, "offline_qr", 4, OCT1)
    _v, results = index_evaluate(region_ids=[region.pk], on_date=OCT1)
    assert results[region.pk].total == 4


def test_verification_claimed_vs_verified(region, personas):
    coordinator = personas.coordinator
    coordinator.region = region
    coordinator.save()
    new = index_fact_create(
        region=region, criterion_code="mfc_bot", value="1", as_of=OCT1, entered_by=coordinator
    )
    assert not new.is_verified
    score = index_compute(region=region, on_date=OCT1)
    assert (score.total, score.claimed_total) == (D("0"), D("5"))
    assert (
        score.criteria["mfc_bot"]["claimed"] == "5.00"
        and score.criteria["mfc_bot"]["points"] == "0.00"
    )
    index_fact_verify(fact=new, actor=personas.analyst)
    score = index_compute(region=region, on_date=OCT1)
    assert (score.total, score.claimed_total) == (D("5"), D("5"))


def test_facts_of_analysts_and_command_line_are_verified(region, personas):
    by_analyst = index_fact_create(
        region=region, criterion_code="mfc_notify", value=1, as_of=OCT1, entered_by=personas.analyst
    )
    by_command = index_fact_create(
        region=region, criterion_code="mfc_bot", value=1, as_of=OCT1, source=FactSource.COMMAND
    )
    assert by_analyst.is_verified and by_command.is_verified


def test_verify_refused_to_coordinator(region, personas):
    item = fact(region, "mfc_bot", 1, OCT1, verified=False)
    with pytest.raises(ValidationError):
        index_fact_verify(fact=item, actor=personas.coordinator)


@pytest.mark.parametrize(
    ("code", "input", "value"),
    [
        ("mfc_bot", "", "2"),
        ("mfc_bot", "", "abc"),
        ("housing_uk_chats", "", "5"),
        ("housing_uk_chats", "uk_total", "-1"),
        ("media_reach", "reach_percent", "101"),
        ("exclusive_services", "", "1.5"),
        ("offline_qr", "", "6"),
        ("sferum_migration", "", "50"),
        ("unknown", "", "1"),
    ],
)
def test_fact_validation(region, code, input, value):
    with pytest.raises(ValidationError):
        index_fact_create(region=region, criterion_code=code, input=input, value=value, as_of=OCT1)
    assert not IndexFact.objects.exists()


def test_digital_id_counts_from_launch(region):
    fact(region, "digital_id_age", 1, dt.date(2025, 9, 1))
    criterion = Criterion.objects.get(code="digital_id_age")
    criterion.counts_from = dt.date(2025, 11, 1)
    criterion.save()
    _v, before = index_evaluate(region_ids=[region.pk], on_date=OCT1)
    _v, after = index_evaluate(region_ids=[region.pk], on_date=dt.date(2025, 11, 1))
    assert before[region.pk].total == 0 and after[region.pk].total == 10


def test_version_in_use_is_locked(region):
    index_compute(region=region, on_date=OCT1)
    version = MethodologyVersion.objects.get(code="stage1")
    assert version.is_locked
    criterion = Criterion.objects.get(code="mfc_bot")
    criterion.max_points = D("7")
    with pytest.raises(ValidationError):
        criterion.save()
    with pytest.raises(ValidationError):
        criterion.delete()
    version.name = "другое"
    with pytest.raises(ValidationError):
        version.save()
    # superseding is allowed: the old version gets an end date, a new one starts
    version.refresh_from_db()
    version.valid_to = dt.date(2025, 12, 31)
    version.save()
    # the launch date of a functionality can still be set
    criterion.refresh_from_db()
    criterion.counts_from = dt.date(2025, 11, 1)
    criterion.save()
    new = MethodologyVersion.objects.create(
        code="stage2", name="2 этап", valid_from=dt.date(2026, 1, 1)
    )
    assert MethodologyVersion.objects.valid_on(dt.date(2026, 1, 5)).first() == new
    assert MethodologyVersion.objects.valid_on(OCT1).first() == version


def test_recompute_all_regions_constant_queries(seeded, django_assert_max_num_queries):
    regions = list(Region.objects.all())
    assert len(regions) == 89
    for r in regions:
        rollup(r, dt.date(2025, 9, 22), 1000, 400)
        fact(r, "mfc_bot", 1, dt.date(2025, 9, 1))
        fact(r, "housing_uk_chats", 50, dt.date(2025, 9, 1), input="uk_total")
        fact(r, "housing_uk_chats", 20, dt.date(2025, 9, 1), input="uk_with_chat")
    with django_assert_max_num_queries(12):
        scores = index_recompute(on_date=OCT1)
    assert len(scores) == 89
    with django_assert_max_num_queries(12):
        index_recompute(on_date=OCT1)
    assert IndexScore.objects.count() == 89
    assert {s.total for s in IndexScore.objects.all()} == {D("6") + 5 + 3}


def test_recompute_default_date_is_local_today(region):
    fact(region, "offline_qr", 2, OCT1)
    scores = index_recompute(region_ids=[region.pk])
    assert [s.on_date for s in scores] == [region.local_today()]


def test_the_potential_counts_each_short_criterion_once_with_its_open_measures():
    from decimal import Decimal

    from indicators.index.selectors import index_potential

    missing = {"a": Decimal("5"), "b": Decimal("0"), "c": Decimal("2.5")}
    links = [("a", 1), ("a", 2), ("b", 3), ("c", 2), ("d", 4)]
    assert index_potential(missing, links) == (Decimal("7.5"), {1, 2})
    assert index_potential(missing, []) == (Decimal("0"), set())


def test_a_region_without_data_has_no_stored_score(region, client):
    """Neither a fact nor a monitoring week: the ranking says «нет данных», and so does
    every reader of the stored scores (the API, the history), by having none. A stored
    0 points read as a real total there. A score stored while the region had a fact goes
    when the fact is withdrawn."""
    from agencies.choices import Role
    from tests.factories import make_user

    assert index_compute(region=region, on_date=OCT1) is None
    assert not IndexScore.objects.filter(region=region).exists()
    qr = fact(region, "offline_qr", 2, OCT1)
    assert index_compute(region=region, on_date=OCT1).total == D("2")
    IndexFact.objects.filter(pk=qr.pk).delete()
    assert index_compute(region=region, on_date=OCT1) is None
    assert not IndexScore.objects.filter(region=region).exists()
    client.force_login(make_user(Role.ANALYST))
    rows = client.get("/api/v1/index/", {"region": "33"}).json()
    assert rows.get("results", rows) == []


def test_the_migration_removes_only_the_scores_stored_without_data(region):
    """indicators/0008 removes the 0-point scores earlier recomputes stored for regions
    without data, judged from the stored breakdown alone; a score with any input stays."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("indicators.migrations.0008_index_scores_without_data")
    other = Region.objects.get(code="66")
    fact(other, "offline_qr", 2, OCT1)
    kept = index_compute(region=other, on_date=OCT1)
    monitored = Region.objects.get(code="50")
    rollup(monitored, dt.date(2025, 9, 22), 1000, 0)  # M = 0: a real 0 points
    zero = index_compute(region=monitored, on_date=OCT1)
    assert zero.total == 0
    # what the recompute stored before for a region without data: a 0 like any other
    version, results = index_evaluate(region_ids=[region.pk], on_date=OCT1)
    assert not results[region.pk].has_data
    from indicators.index.selectors import breakdown, version_spec

    components, criteria = breakdown(results[region.pk], version_spec(version))
    stale = IndexScore.objects.create(
        region=region,
        on_date=OCT1,
        version=version,
        total=0,
        claimed_total=0,
        max_points=100,
        components=components,
        criteria=criteria,
    )
    assert migration.had_no_data(stale.criteria)
    migration.drop_scores_without_data(apps, None)
    assert set(IndexScore.objects.values_list("pk", flat=True)) == {kept.pk, zero.pk}
