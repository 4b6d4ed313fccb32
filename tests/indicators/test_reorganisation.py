"""An organisation reorganised within one file: each week keeps its own type and
municipality (rows, rollups, indicators); the organisation record takes the latest week's."""

from __future__ import annotations

import datetime as dt

from agencies.models import Municipality, Organisation
from indicators.models import MonitoringRollup, MonitoringRow
from tests.indicators.conftest import csv_bytes, row, xlsx_bytes

W1 = dt.date(2025, 10, 6)
W2 = dt.date(2025, 10, 13)
W3 = dt.date(2025, 10, 20)


def _rows():
    return dict(
        (week, (org_type, municipality))
        for week, org_type, municipality in MonitoringRow.objects.filter(
            organisation__code="ORG1"
        ).values_list("week_start", "org_type", "municipality__name")
    )


def _region_rollup(week):
    return MonitoringRollup.objects.get(municipality__isnull=True, week_start=week)


def test_each_week_keeps_its_own_type(import_file):
    # a kindergarten joined to a school from 13.10: the file lists the later week first
    upload = import_file(
        csv_bytes([row("ORG1", week="13.10.2025", org_type="ОО"), row("ORG1", org_type="ДОО")])
    )
    assert upload.status == "done", upload.errors
    assert {week: kind for week, (kind, _m) in _rows().items()} == {
        W1: "preschool",
        W2: "school",
    }
    assert Organisation.objects.get(code="ORG1").org_type == "school"  # the latest week's
    # I1/I3 of 06.10 leave the preschool out; 13.10 counts the school
    assert (_region_rollup(W1).edu_staff_total, _region_rollup(W1).np_sferum_users) == (0, 0)
    assert (_region_rollup(W2).edu_staff_total, _region_rollup(W2).np_sferum_users) == (100, 500)


def test_each_week_keeps_its_own_municipality(import_file):
    rows = [
        row("ORG1", municipality="Асбест"),
        row("ORG1", week="13.10.2025", municipality="Берёзовский"),
        row("ORG1", week="20.10.2025", municipality=""),  # not said: the organisation's
        row("ORG2", municipality="Асбест"),
    ]
    upload = import_file(xlsx_bytes(rows), name="export.xlsx")
    assert upload.status == "done", upload.errors
    assert upload.preview["municipalities_created"] == 2
    assert {week: muni for week, (_t, muni) in _rows().items()} == {
        W1: "Асбест",
        W2: "Берёзовский",
        W3: "Берёзовский",
    }
    assert Organisation.objects.get(code="ORG1").municipality.name == "Берёзовский"
    asbest = Municipality.objects.get(name="Асбест")
    beryozovsky = Municipality.objects.get(name="Берёзовский")
    by_muni = dict(
        ((m, w), n)
        for m, w, n in MonitoringRollup.objects.filter(municipality__isnull=False).values_list(
            "municipality_id", "week_start", "organisations"
        )
    )
    assert by_muni == {(asbest.pk, W1): 2, (beryozovsky.pk, W2): 1, (beryozovsky.pk, W3): 1}


def test_the_same_rows_again_are_unchanged_and_a_type_correction_updates(import_file):
    rows = [
        row("ORG1", org_type="ДОО", municipality="Асбест"),
        row("ORG1", week="13.10.2025", municipality="Берёзовский"),
    ]
    import_file(csv_bytes(rows))
    same = import_file(csv_bytes(rows, delimiter=","))
    assert (same.status, same.rows_updated, same.rows_unchanged) == ("done", 0, 2)
    # a later weekly file of the school alone leaves 06.10 a preschool week
    later = import_file(csv_bytes([row("ORG1", week="20.10.2025", municipality="Берёзовский")]))
    assert later.rows_created == 1
    assert _rows()[W1] == ("preschool", "Асбест")
    # a correction of 06.10's type alone is an update of that row
    fixed = import_file(csv_bytes([row("ORG1", municipality="Асбест")]))
    assert (fixed.rows_updated, fixed.rows_unchanged) == (1, 0)
    assert _rows()[W1] == ("school", "Асбест")
