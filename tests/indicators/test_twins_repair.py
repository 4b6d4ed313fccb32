"""Twins stored before the imports refused them are merged (`indicators.services.twins`,
`manage.py repair_twins`): one organisation under two codes, one municipality under two
names, whose rows were counted twice."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from agencies.models import Municipality, Organisation, Region, User
from indicators.imports.columns import COUNT_KEYS
from indicators.models import (
    MonitoringRollup,
    MonitoringRoster,
    MonitoringRosterEntry,
    MonitoringRow,
)
from indicators.services.rollups import rollups_rebuild
from indicators.services.twins import twins_find, twins_repair
from roadmaps.choices import CascadeScope
from roadmaps.models import Cascade, CascadeProgress, CascadeTarget, MeasureStep
from tests.factories import make_measure, make_roadmap
from tests.indicators.conftest import csv_bytes, row

W1, W2, W3 = "06.10.2025", "13.10.2025", "20.10.2025"
D1, D2, D3 = dt.date(2025, 10, 6), dt.date(2025, 10, 13), dt.date(2025, 10, 20)
COUNTS = (100, 50, 400, 300, 500, 200, 450, 300)
OTHER = (80, 60, 300, 250, 400, 100, 300, 200)


def _store_twin(code, *, like, upload, weeks, counts=COUNTS, municipality=None):
    """A twin as stored before the rules: its record and rows written straight (the import
    and `Organisation.clean` now refuse it)."""
    original = Organisation.objects.get(code=like)
    twin = Organisation.objects.create(
        code=code,
        name=original.name,
        org_type=original.org_type,
        region=original.region,
        municipality=municipality or original.municipality,
    )
    for week in weeks:
        MonitoringRow.objects.create(
            organisation=twin,
            week_start=week,
            region=twin.region,
            municipality=twin.municipality,
            org_type=twin.org_type,
            upload=upload,
            **dict(zip(COUNT_KEYS, counts, strict=True)),
        )
    rollups_rebuild(region_ids=[twin.region_id], weeks=weeks)
    return twin


def _rollup(week, municipality=None):
    return MonitoringRollup.objects.get(
        region__code="66", week_start=week, municipality=municipality
    )


def _done(upload):
    assert upload.status == "done", upload.errors
    return upload


@pytest.fixture
def twins(import_file):
    """org9 reported W1 and W2 (uploads A, B); its twin ORG9 — stored before the rules —
    reported W2 with other figures by a newer upload C and W3: W2 counted twice."""
    _done(import_file(csv_bytes([row("ORG1", week=W1), row("org9", week=W1)])))
    _done(import_file(csv_bytes([row("ORG1", week=W2), row("org9", week=W2)])))
    newer = _done(import_file(csv_bytes([row("ORG2", week=W3)])))
    twin = _store_twin("ORG9", like="org9", upload=newer, weeks=[D2, D3], counts=OTHER)
    return twin


def test_twins_double_count_before_and_are_counted_once_after(twins):
    before = _rollup(D2)
    assert before.organisations == 3  # ORG1, org9 and ORG9: one school twice
    assert before.edu_staff_total == 100 + 100 + 80

    result = twins_repair(region=Region.objects.get(code="66"), apply=True)

    assert result.applied and len(result.merged) == 1 and not result.left
    assert list(
        Organisation.objects.filter(code__in=["org9", "ORG9"]).values_list("code", flat=True)
    ) == ["ORG9"]
    survivor = Organisation.objects.get(code="ORG9")
    rows = MonitoringRow.objects.filter(organisation=survivor).order_by("week_start")
    assert [r.week_start for r in rows] == [D1, D2, D3]  # W1 moved from org9
    # the shared week: the row of the newer upload (ORG9's) won
    assert rows.get(week_start=D2).staff_total == 80
    after = _rollup(D2)
    assert after.organisations == 2
    assert after.edu_staff_total == 100 + 80
    assert _rollup(D1).organisations == 2
    assert D2 in result.weeks


def test_dry_run_lists_the_group_and_changes_nothing(twins):
    out = io.StringIO()
    call_command("repair_twins", "--region", "66", stdout=out)
    text = out.getvalue()
    assert "«org9» (строк мониторинга: 2)" in text and "«ORG9» (строк мониторинга: 2)" in text
    assert "13.10.2025 → «ORG9»" in text
    assert "остаётся «ORG9»" in text
    assert "Пробный запуск" in text
    assert Organisation.objects.filter(code__in=["org9", "ORG9"]).count() == 2
    assert _rollup(D2).organisations == 3


def test_second_run_is_a_no_op(twins):
    out = io.StringIO()
    call_command("repair_twins", "--region", "66", "--apply", stdout=out)
    assert "Объединено групп: 1" in out.getvalue()
    rows = list(MonitoringRow.objects.order_by("pk").values_list("pk", "organisation_id"))
    again = io.StringIO()
    call_command("repair_twins", "--apply", stdout=again)
    assert "Двойников не найдено." in again.getvalue()
    assert list(MonitoringRow.objects.order_by("pk").values_list("pk", "organisation_id")) == rows
    assert twins_find(region=Region.objects.get(code="66")) == []


def test_a_shared_week_without_a_known_upload_is_left_for_a_person(import_file):
    _done(import_file(csv_bytes([row("ORG1", week=W1), row("0012", week=W1)])))
    _store_twin("12", like="0012", upload=None, weeks=[D1], counts=OTHER)
    region = Region.objects.get(code="66")

    result = twins_repair(region=region, apply=True)

    assert not result.merged and len(result.left) == 1
    group = result.left[0]
    assert "06.10.2025" in group.problem and "ведущими" not in group.problem
    assert "НЕ объединено" in group.describe()
    assert Organisation.objects.filter(code__in=["0012", "12"]).count() == 2
    assert _rollup(D1).organisations == 3  # untouched: a person decides


def test_the_same_report_twice_is_a_plain_duplicate(import_file):
    _done(import_file(csv_bytes([row("ORG1", week=W1), row("0012", week=W1)])))
    _store_twin("12", like="0012", upload=None, weeks=[D1])  # the same figures
    result = twins_repair(region=Region.objects.get(code="66"), apply=True)
    assert len(result.merged) == 1
    assert Organisation.objects.filter(code__in=["0012", "12"]).count() == 1
    assert _rollup(D1).organisations == 2
    assert _rollup(D1).edu_staff_total == 200


def test_cascade_progress_targets_users_and_roster_move_to_the_survivor(twins, seeded):
    region = Region.objects.get(code="66")
    dropped = Organisation.objects.get(code="org9")
    survivor = Organisation.objects.get(code="ORG9")
    measure = make_measure(make_roadmap(region))
    step = MeasureStep.objects.create(measure=measure, position=1, title="Установка")
    other_step = MeasureStep.objects.create(measure=measure, position=2, title="Профиль")
    cascade = Cascade.objects.create(measure=measure, scope=CascadeScope.CHOSEN)
    CascadeTarget.objects.create(cascade=cascade, organisation=dropped)
    CascadeTarget.objects.create(cascade=cascade, organisation=survivor)
    # both recorded step 1 (the earlier date stays); only the dropped twin recorded step 2
    CascadeProgress.objects.create(
        cascade=cascade, organisation=dropped, step=step, done_on=dt.date(2025, 10, 1)
    )
    CascadeProgress.objects.create(
        cascade=cascade, organisation=survivor, step=step, done_on=dt.date(2025, 10, 5)
    )
    CascadeProgress.objects.create(
        cascade=cascade, organisation=dropped, step=other_step, done_on=dt.date(2025, 10, 7)
    )
    user = User.objects.create(username="school9", organisation=dropped)
    roster = MonitoringRoster.objects.create(region=region, organisations=3)
    for code in ("ORG1", "org9", "ORG9"):
        MonitoringRosterEntry.objects.create(roster=roster, region=region, org_code=code)

    twins_repair(region=region, apply=True)

    assert list(
        CascadeTarget.objects.filter(cascade=cascade).values_list("organisation_id", flat=True)
    ) == [survivor.pk]
    progress = {p.step_id: p.done_on for p in CascadeProgress.objects.filter(cascade=cascade)}
    assert progress == {step.pk: dt.date(2025, 10, 1), other_step.pk: dt.date(2025, 10, 7)}
    assert set(CascadeProgress.objects.values_list("organisation_id", flat=True)) == {survivor.pk}
    user.refresh_from_db()
    assert user.organisation_id == survivor.pk
    assert sorted(MonitoringRosterEntry.objects.values_list("org_code", flat=True)) == [
        "ORG1",
        "ORG9",
    ]
    roster.refresh_from_db()
    assert roster.organisations == 2


def test_municipality_twins_merge_and_an_empty_one_goes(import_file):
    region = Region.objects.get(code="66")
    _done(import_file(csv_bytes([row("ORG1", week=W1, municipality="Ирбит")])))
    # stored before the rules: another case and a double space (bulk_create skips `save`)
    lower, spaced, empty = Municipality.objects.bulk_create(
        [
            Municipality(region=region, name="ирбит"),
            Municipality(region=region, name="Новая  Ляля"),
            Municipality(region=region, name="Новая Ляля"),
        ]
    )
    newer = _done(import_file(csv_bytes([row("ORG3", week=W2, municipality="Березовский")])))
    _store_twin("ORG2", like="ORG1", upload=newer, weeks=[D1], municipality=lower)
    org = Organisation.objects.get(code="ORG3")
    Organisation.objects.filter(pk=org.pk).update(municipality=spaced)
    MonitoringRow.objects.filter(organisation=org).update(municipality=spaced)
    rollups_rebuild(region_ids=[region.pk], weeks=[D1, D2])
    irbit = Municipality.objects.get(region=region, name="Ирбит")
    assert MonitoringRollup.objects.filter(week_start=D1, municipality__isnull=False).count() == 2

    result = twins_repair(region=region, apply=True)

    assert len(result.merged) == 2, [g.describe() for g in result.groups]
    # «ирбит» was named by the newest upload (ORG2's row); «Новая  Ляля» by ORG3's rows
    # (the empty «Новая Ляля» has none): each survives, single-spaced
    names = sorted(
        Municipality.objects.filter(
            region=region, name__in=["Ирбит", "ирбит", "Новая  Ляля", "Новая Ляля"]
        ).values_list("pk", "name")
    )
    assert names == sorted([(lower.pk, "ирбит"), (spaced.pk, "Новая Ляля")])
    assert not Municipality.objects.filter(pk__in=[irbit.pk, empty.pk]).exists()
    assert set(
        Organisation.objects.filter(code__in=["ORG1", "ORG2"]).values_list(
            "municipality", flat=True
        )
    ) == {lower.pk}
    assert set(
        MonitoringRow.objects.filter(week_start=D1).values_list("municipality", flat=True)
    ) == {lower.pk}
    assert _rollup(D1, municipality=lower).organisations == 2
    assert _rollup(D2, municipality=spaced).organisations == 1
    assert twins_find(region=region) == []


def test_admin_action_calls_the_same_repair(twins, client, personas):
    from django.urls import reverse

    admin = personas.admin
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    rollup = _rollup(D2)
    response = client.post(
        reverse("admin:indicators_monitoringrollup_changelist"),
        {"action": "repair_twins", "_selected_action": [rollup.pk]},
        follow=True,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "остаётся «ORG9»" in body
    assert not Organisation.objects.filter(code="org9").exists()
    assert _rollup(D2).organisations == 2


def test_a_lone_name_with_odd_spaces_takes_its_single_spaced_spelling(seeded):
    region = Region.objects.get(code="66")
    (odd,) = Municipality.objects.bulk_create([Municipality(region=region, name=" Тавда  ")])
    result = twins_repair(region=region, apply=True)
    assert len(result.merged) == 1
    odd.refresh_from_db()
    assert odd.name == "Тавда"
    assert twins_find(region=region) == []


def test_the_repair_announces_its_weeks_like_an_import(twins):
    """The index and the alerts follow (`signals.monitoring_imported`, as an import)."""
    from indicators.signals import monitoring_imported

    heard = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    monitoring_imported.connect(receiver, dispatch_uid="test-twins")
    try:
        twins_repair(region=Region.objects.get(code="66"), apply=True)
    finally:
        monitoring_imported.disconnect(dispatch_uid="test-twins")
    region = Region.objects.get(code="66")
    assert heard == [
        {
            "signal": monitoring_imported,
            "region_ids": [region.pk],
            "weeks": [D1.isoformat(), D2.isoformat(), D3.isoformat()],
        }
    ]


def test_a_shared_week_that_is_approved_is_left_for_a_person(twins):
    from django.utils import timezone

    from indicators.models import WeekApproval

    region = Region.objects.get(code="66")
    WeekApproval.objects.create(
        region=region, week_start=D2, state="approved", approved_at=timezone.now()
    )
    result = twins_repair(region=region, apply=True)
    assert not result.merged and len(result.left) == 1
    assert "13.10.2025" in result.left[0].problem and "утверждены" in result.left[0].problem
    assert Organisation.objects.filter(code__in=["org9", "ORG9"]).count() == 2
