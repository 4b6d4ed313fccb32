"""The organisation record (name, type, municipality) follows the organisation's LATEST
stored week, whatever order the files arrive in.

A late correction of an old week (September uploaded in November) keeps its rows as the
file gives them (each row its own type and municipality) but leaves the record to the newer
weeks already stored. The consequences of getting it wrong are shown first: everything that
reads the record (roster coverage of municipalities, the municipality page, the API, the
cascades) would show the organisation as it was in September.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse

from agencies.models import Municipality, Organisation, Region
from indicators.models import MonitoringRollup, MonitoringRow
from tests.indicators.conftest import csv_bytes, row, xlsx_bytes

SEP = dt.date(2025, 9, 8)
NOV = dt.date(2025, 11, 3)
NOV2 = dt.date(2025, 11, 10)


def _ru(week: dt.date) -> str:
    return f"{week:%d.%m.%Y}"


def _newer():
    """November: ORG1 is «Школа № 1», a school in Берёзовский; ORG2 reports from Асбест, and
    alone in the second week."""
    return [
        row("ORG1", week=_ru(NOV), name="Школа № 1", municipality="Берёзовский", org_type="ОО"),
        row("ORG2", week=_ru(NOV), name="Школа № 2", municipality="Асбест"),
        row("ORG2", week=_ru(NOV2), name="Школа № 2", municipality="Асбест"),
    ]


def _older():
    """The late correction of September: ORG1 was then «Детский сад № 1» in Асбест."""
    return [
        row(
            "ORG1",
            week=_ru(SEP),
            name="Детский сад № 1",
            municipality="Асбест",
            org_type="ДОО",
            counts=(10, 5, 40, 30, 50, 20, 45, 30),
        )
    ]


LATEST = ("Школа № 1", "school", "Берёзовский")


def _record(code="ORG1"):
    org = Organisation.objects.select_related("municipality").get(code=code)
    return org.name, org.org_type, org.municipality.name if org.municipality else None


def _rows(code="ORG1"):
    return {
        week: (org_type, municipality)
        for week, org_type, municipality in MonitoringRow.objects.filter(
            organisation__code=code
        ).values_list("week_start", "org_type", "municipality__name")
    }


@pytest.fixture
def corrected(import_file):
    """The newer file, then the older correction."""
    assert import_file(csv_bytes(_newer())).status == "done"
    upload = import_file(csv_bytes(_older()))
    assert upload.status == "done", upload.errors
    return upload


# --- the consequences --------------------------------------------------------------------


@pytest.mark.django_db
def test_an_older_correction_keeps_the_record_and_its_own_rows(corrected):
    assert _record() == LATEST
    # the correction's row keeps what the file says of September
    assert _rows() == {SEP: ("preschool", "Асбест"), NOV: ("school", "Берёзовский")}
    # and counts in September's rollups as a preschool of Асбест
    asbest = Municipality.objects.get(name="Асбест")
    sep = MonitoringRollup.objects.get(municipality=asbest, week_start=SEP)
    assert (sep.organisations, sep.edu_staff_total) == (1, 0)


@pytest.mark.django_db
def test_roster_coverage_counts_a_missing_organisation_in_its_latest_municipality(
    corrected, personas
):
    """With a roster, an organisation that did not report is expected in the record's
    municipality: the September record made Асбест a partial week (1 of 2) although its
    only organisation reported."""
    from indicators.services.rosters import monitoring_roster_upload

    region = Region.objects.get(code="66")
    result = monitoring_roster_upload(
        region=region,
        user=personas.coordinator,
        file=io.BytesIO("Код организации\r\nORG1\r\nORG2\r\n".encode()),
    )
    assert result.roster is not None, result.errors
    asbest = MonitoringRollup.objects.get(municipality__name="Асбест", week_start=NOV2)
    assert (asbest.coverage_reported, asbest.coverage_expected) == (1, 1)
    assert asbest.complete
    region_week = MonitoringRollup.objects.get(
        region=region, municipality__isnull=True, week_start=NOV2
    )
    assert (region_week.coverage_reported, region_week.coverage_expected) == (1, 2)


@pytest.mark.django_db
def test_municipality_page_names_the_organisation_as_it_is_now(corrected, persona_client):
    muni = Municipality.objects.get(name="Берёзовский")
    url = reverse("reports:municipality-dashboard", args=["66", muni.pk])
    html = persona_client("coordinator").get(url).content.decode()
    assert "Школа № 1" in html
    assert "Детский сад № 1" not in html
    assert "<td>ДОО</td>" not in html


@pytest.mark.django_db
def test_api_lists_the_organisation_under_its_latest_type_and_municipality(corrected, personas):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(personas.coordinator)
    schools = client.get("/api/v1/organisations/", {"org_type": "school"}).json()
    assert "ORG1" in [item["code"] for item in schools["results"]]
    muni = Municipality.objects.get(name="Берёзовский")
    there = client.get("/api/v1/organisations/", {"municipality": muni.pk}).json()
    assert [item["code"] for item in there["results"]] == ["ORG1"]


@pytest.mark.django_db
def test_organisation_export_rows_carry_the_latest_name(corrected, personas):
    from reports.selectors import monitoring_org_rows

    region = Region.objects.get(code="66")
    names = {
        (week, code): name
        for week, _muni, code, name, *_rest in monitoring_org_rows(
            user=personas.coordinator, region=region
        )
    }
    assert names[(NOV, "ORG1")] == names[(SEP, "ORG1")] == "Школа № 1"


# --- whatever order the files come in ----------------------------------------------------

OCT = dt.date(2025, 10, 13)


def _spanning():
    """One file of September and November (the portal stores October in between)."""
    return [*_older(), _newer()[0]]


def _october():
    return [
        row("ORG1", week=_ru(OCT), name="Гимназия № 1", municipality="Ирбит", org_type="СПО"),
    ]


def _latest_week_again():
    """November again, corrected: the latest stored week corrects the record."""
    return [
        row(
            "ORG1",
            week=_ru(NOV),
            name="Школа № 1 им. А. С. Попова",
            municipality="Ирбит",
            org_type="СПО",
        )
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("files", "record", "weeks"),
    [
        pytest.param([_newer, _older], LATEST, {SEP: "preschool", NOV: "school"}, id="newer-older"),
        pytest.param([_older, _newer], LATEST, {SEP: "preschool", NOV: "school"}, id="older-newer"),
        pytest.param(
            [_newer, _latest_week_again],
            ("Школа № 1 им. А. С. Попова", "college", "Ирбит"),
            {NOV: "college"},
            id="latest-week-again",
        ),
        pytest.param(
            [_october, _spanning],
            LATEST,
            {SEP: "preschool", OCT: "college", NOV: "school"},
            id="spanning-older-and-newer",
        ),
        pytest.param(
            [_newer, _october],
            LATEST,
            {OCT: "college", NOV: "school"},
            id="a-middle-week-later",
        ),
        pytest.param(
            [_newer, _older, _older],
            LATEST,
            {SEP: "preschool", NOV: "school"},
            id="older-twice",
        ),
    ],
)
def test_record_follows_the_latest_stored_week(import_file, fmt, files, record, weeks):
    for make in files:
        rows = make()
        data = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
        upload = import_file(data, name=f"export.{fmt}")
        assert upload.status in ("done", "repeat"), upload.errors
    assert _record() == record
    assert {week: kind for week, (kind, _muni) in _rows().items()} == weeks


@pytest.mark.django_db
def test_newest_row_without_name_or_municipality_keeps_the_stored_ones(import_file):
    """The file's latest week is the newest, but names neither the organisation nor its
    municipality: its type is taken; the name and municipality the file gives for an older
    week than the one stored are not; the newest row takes the record's municipality."""
    assert import_file(csv_bytes(_october())).status == "done"
    newest = row("ORG1", week=_ru(NOV), name="", municipality="", org_type="ОО")
    newest[4] = ""  # no name at all (`row` puts a default one)
    upload = import_file(csv_bytes([*_older(), newest]))
    assert upload.status == "done", upload.errors
    assert _record() == ("Гимназия № 1", "school", "Ирбит")
    assert _rows() == {
        SEP: ("preschool", "Асбест"),
        OCT: ("college", "Ирбит"),
        NOV: ("school", "Ирбит"),
    }
    assert upload.preview["organisations_retyped"] == 1
    assert upload.preview["organisations_renamed"] == 0
    assert upload.preview["organisations_moved"] == 0
    assert upload.preview["organisations_kept"] == 1


# --- what the preview reports ------------------------------------------------------------


def _reference(upload):
    keys = ("created", "renamed", "retyped", "moved", "kept")
    return {key: upload.preview[f"organisations_{key}"] for key in keys}


@pytest.mark.django_db
def test_dry_run_of_an_older_correction_reports_what_the_import_then_does(import_file):
    assert import_file(csv_bytes(_newer())).status == "done"
    dry = import_file(csv_bytes(_older()), dry_run=True)
    assert dry.status == "done", dry.errors
    expected = {"created": 0, "renamed": 0, "retyped": 0, "moved": 0, "kept": 1}
    assert _reference(dry) == expected
    assert dry.preview["municipalities_created"] == 0
    assert _record() == LATEST
    real = import_file(csv_bytes(_older()) + b"\r\n")  # not a repeat of the dry run's file
    assert real.status == "done", real.errors
    assert _reference(real) == expected
    assert real.preview["rows"] == dry.preview["rows"]
    assert (real.rows_created, real.rows_updated) == (dry.rows_created, dry.rows_updated) == (1, 0)
    assert _record() == LATEST


@pytest.mark.django_db
def test_a_newer_file_reports_the_rename_retype_and_move_it_makes(import_file):
    assert import_file(csv_bytes(_older())).status == "done"
    dry = import_file(csv_bytes(_newer()), dry_run=True)
    expected = {"created": 1, "renamed": 1, "retyped": 1, "moved": 1, "kept": 0}
    assert _reference(dry) == expected
    assert dry.preview["municipalities_created"] == 1  # Берёзовский
    real = import_file(csv_bytes(_newer()))
    assert _reference(real) == expected
    assert _record() == LATEST


@pytest.mark.django_db
def test_upload_page_says_which_records_were_kept(corrected, persona_client):
    from django.urls import reverse

    html = persona_client("coordinator").get(
        reverse("indicators:upload-detail", args=[corrected.pk])
    )
    text = html.content.decode()
    assert 'data-testid="reference-kept"' in text
    assert "организаций: 1. В портале есть более поздние недели" in text
    assert 'data-testid="reference"' not in text  # nothing renamed, retyped, moved or new


@pytest.mark.django_db
def test_upload_page_counts_the_renamed_retyped_and_moved(import_file, persona_client):
    from django.urls import reverse

    assert import_file(csv_bytes(_older())).status == "done"
    newer = import_file(csv_bytes(_newer()), dry_run=True)
    page = persona_client("coordinator").get(reverse("indicators:upload-detail", args=[newer.pk]))
    text = page.content.decode()
    assert (
        "новых организаций: 1, переименовано: 1, сменили тип: 1, "
        "сменили муниципальное образование: 1, новых муниципалитетов: 1"
    ) in text
    assert 'data-testid="reference-kept"' not in text
