"""Coverage of monitoring weeks: reported / expected, the threshold, rosters, previews."""

from __future__ import annotations

import datetime as dt

import pytest

from indicators.models import MonitoringRollup
from tests.indicators.conftest import csv_bytes, row

W1 = dt.date(2025, 10, 6)
W2 = dt.date(2025, 10, 13)


def _week(orgs, week="06.10.2025", municipality=lambda i: "Екатеринбург"):
    return [row(f"ORG{i}", week=week, municipality=municipality(i)) for i in orgs]


def _region_rollup(week):
    return MonitoringRollup.objects.get(
        region__code="66", municipality__isnull=True, week_start=week
    )


@pytest.mark.django_db
def test_first_week_has_no_base_and_counts_as_complete(import_file):
    assert import_file(csv_bytes(_week(range(218)))).status == "done"
    rollup = _region_rollup(W1)
    assert (rollup.coverage_reported, rollup.coverage_expected) == (218, 218)
    assert rollup.coverage_basis == "none" and rollup.complete


@pytest.mark.django_db
def test_five_rows_of_218_is_an_incomplete_week(import_file):
    import_file(csv_bytes(_week(range(218))))
    import_file(csv_bytes(_week(range(5), week="13.10.2025")))
    rollup = _region_rollup(W2)
    assert (rollup.coverage_reported, rollup.coverage_expected) == (5, 218)
    assert rollup.coverage_basis == "weeks" and not rollup.complete
    complete = MonitoringRollup.objects.filter(municipality__isnull=True).complete()
    assert list(complete.values_list("week_start", flat=True)) == [W1]


def _sferum(region_code, on_date):
    from agencies.models import Region
    from indicators.index.selectors import index_evaluate

    region = Region.objects.get(code=region_code)
    _version, results = index_evaluate(region_ids=[region.pk], on_date=on_date)
    result = results[region.pk]
    sferum = next(c for c in result.criteria if c.code == "sferum_migration")
    return result.total, sferum


@pytest.mark.django_db
def test_an_incomplete_week_leaves_the_index_unchanged(import_file):
    # 218 organisations, 40 % migrated; then 5 of them report 100 % for a new week
    import_file(csv_bytes(_week(range(218))))
    on = dt.date(2025, 10, 20)
    total_before, sferum_before = _sferum("66", on)
    assert sferum_before.inputs["week_start"] == "2025-10-06"
    high = [
        row(f"ORG{i}", week="13.10.2025", counts=(100, 50, 400, 300, 500, 200, 450, 450))
        for i in range(5)
    ]
    import_file(csv_bytes(high))
    total_after, sferum_after = _sferum("66", on)
    assert (total_after, sferum_after) == (total_before, sferum_before)


@pytest.mark.django_db
def test_index_reads_the_exact_share_of_the_rollup(seeded):
    from agencies.models import Region
    from tests.indicators.index_helpers import rollup

    rollup(Region.objects.get(code="66"), dt.date(2025, 10, 6), 100_000, 59_996)
    _total, sferum = _sferum("66", dt.date(2025, 10, 20))
    assert sferum.points == 7.5
    assert sferum.rule["percent"] == "59.99" and sferum.rule["steps"] == "5"


# --- rosters ---------------------------------------------------------------------------


def _roster_csv(codes, header="Код организации"):
    return ("\r\n".join([header, *codes]) + "\r\n").encode("utf-8")


@pytest.mark.django_db
def test_roster_defines_expected_including_organisations_never_seen(import_file, personas):
    import io

    from agencies.models import Region
    from indicators.services.rosters import monitoring_roster_upload

    import_file(csv_bytes(_week(range(10))))
    region = Region.objects.get(code="66")
    codes = [f"ORG{i}" for i in range(10)] + ["NEW1", "NEW2"]
    result = monitoring_roster_upload(
        region=region, user=personas.coordinator, file=io.BytesIO(_roster_csv(codes))
    )
    assert result.roster.organisations == 12 and result.unknown == 2
    rollup = _region_rollup(W1)  # recomputed on upload
    assert (rollup.coverage_reported, rollup.coverage_expected) == (10, 12)
    assert rollup.coverage_basis == "roster" and not rollup.complete  # 83.3 % < 90 %


@pytest.mark.django_db
def test_roster_refuses_foreign_organisations_and_bad_codes_changing_nothing(import_file, personas):
    import io

    from agencies.models import Region
    from indicators.models import MonitoringRoster
    from indicators.services.rosters import monitoring_roster_upload

    import_file(csv_bytes([row("MOS1", region="50")]), region="50")
    region = Region.objects.get(code="66")
    result = monitoring_roster_upload(
        region=region, user=personas.coordinator, file=io.BytesIO(_roster_csv(["A1", "MOS1"]))
    )
    assert result.roster is None
    assert result.errors[0]["row"] == 3
    assert "«MOS1» числится в субъекте 50" in result.errors[0]["message"]
    result = monitoring_roster_upload(
        region=region,
        user=personas.coordinator,
        file=io.BytesIO(_roster_csv(["A1", "", "B\x00", "X" * 65])),
    )
    messages = [e["message"] for e in result.errors]
    assert result.roster is None and len(messages) == 2  # an empty line is no row
    where = "Строка 4, столбец «Код организации»: "
    assert where + "недопустимый управляющий символ (код U+0000)" in messages[0]
    assert "длиннее 64 символов" in messages[1]
    assert not MonitoringRoster.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coordinator", 200),
        ("admin", 200),
        ("analyst", 403),
        ("ministry_user", 403),
        ("outsider", 404),
    ],
)
def test_roster_page_permissions(persona_client, persona, status):
    client = persona_client(persona)
    assert client.get("/indicators/regions/66/roster/").status_code == status


@pytest.mark.django_db
def test_roster_page_upload_and_delete(import_file, persona_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from indicators.models import MonitoringRoster

    import_file(csv_bytes(_week(range(3))))
    client = persona_client("coordinator")
    page = client.post(
        "/indicators/regions/66/roster/",
        {"file": SimpleUploadedFile("roster.csv", _roster_csv(["ORG0", "ORG1", "ORG2", "ORG3"]))},
        follow=True,
    )
    assert "Перечень загружен: 4 организаций" in page.content.decode()
    assert _region_rollup(W1).coverage_expected == 4
    client.post("/indicators/regions/66/roster/", {"action": "delete"})
    assert not MonitoringRoster.objects.exists()
    assert _region_rollup(W1).coverage_basis == "none"


# --- the window of expected organisations, and the preview agreeing with the rollups --------


def _import_weeks(import_file, plan):
    """plan: {week: [org numbers]}; organisations 5–9 in Нижний Тагил, the others in
    Екатеринбург."""
    for week, orgs in plan.items():
        rows = [
            row(
                f"ORG{i}",
                week=week.strftime("%d.%m.%Y"),
                municipality="Нижний Тагил" if 5 <= i <= 9 else "Екатеринбург",
            )
            for i in orgs
        ]
        assert import_file(csv_bytes(rows)).status == "done"


def _weeks(n):
    return [W1 + dt.timedelta(weeks=k) for k in range(n)]


@pytest.mark.django_db
def test_an_organisation_is_expected_for_four_weeks_after_its_last_report(import_file):
    weeks = _weeks(7)
    # ORG9 reports in week 0 only; the others every week
    plan = {weeks[0]: list(range(10)), **{w: list(range(9)) for w in weeks[1:]}}
    _import_weeks(import_file, plan)
    expected = [_region_rollup(w).coverage_expected for w in weeks]
    assert expected == [10, 10, 10, 10, 10, 9, 9]  # weeks 1–4 still expect ORG9
    assert [_region_rollup(w).coverage_reported for w in weeks] == [10] + [9] * 6


@pytest.mark.django_db
def test_reimporting_an_old_week_updates_the_weeks_after_it(import_file):
    weeks = _weeks(3)
    _import_weeks(import_file, {weeks[0]: range(5), weeks[1]: range(5), weeks[2]: range(5)})
    assert _region_rollup(weeks[2]).coverage_expected == 5
    _import_weeks(import_file, {weeks[0]: range(10)})  # a corrected first week
    assert _region_rollup(weeks[1]).coverage_expected == 10
    assert _region_rollup(weeks[2]).coverage_expected == 10


@pytest.mark.django_db
def test_municipality_coverage_and_preview_agree_with_the_rollups(import_file):
    from agencies.models import Region
    from indicators.services.coverage import coverage_counts

    weeks = _weeks(3)
    # week 2: Нижний Тагил (5–9) sends nothing, ORG0 is missing, ORG10 is new
    _import_weeks(
        import_file, {weeks[0]: range(10), weeks[1]: range(10), weeks[2]: [1, 2, 3, 4, 10]}
    )
    region = Region.objects.get(code="66")
    counts = coverage_counts(region_ids=[region.pk], weeks=weeks)
    stored = {
        (r.region_id, r.week_start, r.municipality_id): r.coverage
        for r in MonitoringRollup.objects.filter(region=region)
    }
    for key, coverage in stored.items():
        assert counts[key] == coverage, key
    by_name = {
        m.name: counts[(region.pk, weeks[2], m.pk)]
        for m in region.municipalities.all()
        if (region.pk, weeks[2], m.pk) in counts
    }
    assert (by_name["Екатеринбург"].reported, by_name["Екатеринбург"].expected) == (5, 6)
    # nobody reported: no rollup, but the preview shows 0 of 5
    assert (by_name["Нижний Тагил"].reported, by_name["Нижний Тагил"].expected) == (0, 5)
    region_week = counts[(region.pk, weeks[2], None)]
    assert (region_week.reported, region_week.expected) == (5, 11)


@pytest.mark.django_db
def test_the_preview_reuses_the_missing_counts_of_the_rollups_and_agrees_with_a_scan(
    import_file,
):
    """An import's preview takes the missing organisations the rollups' coverage counted
    (no second scan of the window); the figures are those a fresh scan gives, for the
    file's weeks and for weeks the rollups did not count (then it scans)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from agencies.models import Region
    from indicators.services.coverage import MissingCounts, coverage_counts
    from indicators.services.rollups import rollups_rebuild

    weeks = _weeks(6)
    _import_weeks(
        import_file,
        {
            weeks[0]: range(12),
            weeks[1]: range(10),
            weeks[2]: [1, 2, 3, 4, 10],  # Нижний Тагил silent, ORG0 missing
            weeks[3]: [0, 1, 2, 5, 6],
            weeks[5]: [2, 3],  # week 4 missing entirely
        },
    )
    region = Region.objects.get(code="66")
    with transaction.atomic():
        missing = MissingCounts()
        rollups_rebuild(pairs=[(region.pk, w) for w in weeks[2:4]], missing_out=missing)
        assert missing.covers([region.pk], weeks[2:4])
        assert not missing.covers([region.pk], weeks[4:])
        scanned = coverage_counts(region_ids=[region.pk], weeks=weeks[2:4])
        with CaptureQueriesContext(connection) as queries:
            reused = coverage_counts(region_ids=[region.pk], weeks=weeks[2:4], missing=missing)
        assert not [q for q in queries.captured_queries if "LEAD(" in q["sql"]]  # no scan
        assert reused == scanned
        assert reused[(region.pk, weeks[2], None)].expected == 12
        # weeks it did not count: scanned as before
        later = coverage_counts(region_ids=[region.pk], weeks=weeks[3:], missing=missing)
        assert later == coverage_counts(region_ids=[region.pk], weeks=weeks[3:])
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_roster_refuses_a_code_typed_as_a_number_that_lost_digits(personas):
    """The monitoring import's rule (`tables.lossy_code_number`): a roster XLSX whose code
    cell is a number with a fraction or more than 15 digits names it; nothing is kept."""
    import io

    import openpyxl

    from agencies.models import Region
    from indicators.models import MonitoringRoster
    from indicators.services.rosters import monitoring_roster_upload

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Код организации"])
    for code in ["A1", 6.6000000000000012e19, 66.5, 66123, "6,6E+19"]:
        sheet.append([code])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    result = monitoring_roster_upload(
        region=Region.objects.get(code="66"), user=personas.coordinator, file=buffer
    )
    messages = [e["message"] for e in result.errors]
    assert result.roster is None and len(messages) == 3, messages
    assert messages[0].startswith("Строка 3, столбец «A»: код «6.6e+19» записан в ячейке числом")
    assert messages[1].startswith("Строка 4, столбец «A»: код «66.5» записан в ячейке числом")
    assert messages[2].startswith("Строка 6, столбец «A»: код «6,6E+19» записан в экспоненциальной")
    assert not MonitoringRoster.objects.exists()
