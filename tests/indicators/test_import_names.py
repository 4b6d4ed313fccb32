"""One organisation, one municipality: the same thing spelled two ways never becomes two.

- a municipality name differing only in white space (runs of spaces, no-break spaces, spaces
  at the edges) is the same name: stored once, with single spaces, on both paths;
- a municipality name differing only in letter case or «ё»/«е» from a known one of the
  region, or from another of the file, is refused naming the other spelling;
- a new organisation code differing from a known code of the region, or from another code
  of the file, only in letter case or by a Latin letter written as its Cyrillic look-alike
  (the leading-zero twin rule extended) is refused, naming the other code;
- a code a spreadsheet saved as a decimal text («1000123.0», «1000123,0») is refused;
the monitoring import and the roster alike.
"""

from __future__ import annotations

import io
import logging

import pytest
from django.db import connection

from agencies.models import Municipality, Organisation, Region
from indicators.models import MonitoringRollup, MonitoringRow
from tests.indicators.conftest import csv_bytes, row, xlsx_bytes
from tests.indicators.test_import_refusals import _both_paths, _snapshot

W2 = "13.10.2025"
COLUMN = {"csv": "Муниципальное образование", "xlsx": "Муниципальное образование, C"}
CODE_COLUMN = {"csv": "Код организации", "xlsx": "Код организации, D"}


def _file(fmt, rows):
    return (csv_bytes(rows), "export.csv") if fmt == "csv" else (xlsx_bytes(rows), "export.xlsx")


def _row_no(fmt, index):
    """The file's own number of the `index`-th data row (0-based)."""
    return index + (2 if fmt == "csv" else 4)


def _municipalities(region="66"):
    return sorted(
        Municipality.objects.filter(region__code=region, organisations__isnull=False)
        .distinct()
        .values_list("name", flat=True)
    )


def _refused_alike_by_either_path(import_file, monkeypatch, data, name):
    """The upload of `data`, refused; on PostgreSQL the set-based path tried first and the
    row-by-row reader alone give the same errors."""
    from indicators.services import staging, uploads

    first = import_file(data, name=name)
    assert first.status == "refused", first.errors
    if connection.vendor == "postgresql" and name.endswith(".csv"):

        def refuse(*args, **kwargs):
            raise staging.NotForTheFastPath

        with monkeypatch.context() as patch:
            patch.setattr(uploads, "copy_csv", refuse)
            second = import_file(data + b"\r\n", name=name)
        assert second.errors == first.errors
    return first


# --- municipalities: white space ---------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_municipality_spelled_with_other_spaces_is_one_municipality(import_file, fmt):
    rows = [
        row("ORG1", municipality="Каменск-Уральский городской округ"),
        row("ORG2", municipality="Каменск-Уральский  городской округ"),
        row("ORG3", municipality=" Каменск-Уральский городской\u00a0округ "),
        row("ORG4", municipality="Каменск-Уральский\u202f\u00a0городской   округ\t"),
    ]
    data, name = _file(fmt, rows)
    upload = import_file(data, name=name)
    assert upload.status == "done", upload.errors
    assert upload.preview["municipalities_created"] == 1
    assert _municipalities() == ["Каменск-Уральский городской округ"]
    rollups = MonitoringRollup.objects.filter(municipality__isnull=False)
    assert [(r.municipality.name, r.organisations) for r in rollups] == [
        ("Каменск-Уральский городской округ", 4)
    ]

    # a later file spelling it with a double space finds the stored municipality
    data, name = _file(
        fmt, [row("ORG5", week=W2, municipality="Каменск-Уральский  городской округ")]
    )
    upload = import_file(data, name=name)
    assert upload.status == "done", upload.errors
    assert upload.preview["municipalities_created"] == 0
    assert _municipalities() == ["Каменск-Уральский городской округ"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based path is PostgreSQL's")
def test_both_paths_store_municipality_spaces_alike(import_file, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="indicators.services.uploads")
    first = [
        row("ORG1", municipality="Верхняя  Пышма"),
        row("ORG2", municipality="  Верхняя Пышма   "),
        row("ORG3", municipality="Верхняя   Пышма"),
        row("ORG3", week=W2, municipality="Верхняя Пышма"),
    ]
    second = [row("ORG4", week=W2, municipality="Верхняя    Пышма")]
    (fast, fast_previews), (slow, slow_previews) = _both_paths(
        import_file, monkeypatch, caplog, [csv_bytes(first), csv_bytes(second)]
    )
    assert all(preview[0] == "done" for preview in fast_previews), fast_previews
    assert {muni for *_rest, muni in fast[0]} == {"Верхняя Пышма"}
    assert fast_previews[0][4]["municipalities_created"] == 1
    assert fast_previews[1][4]["municipalities_created"] == 0
    assert slow == fast
    assert slow_previews == fast_previews


def test_a_stored_name_with_odd_spaces_is_found_not_split(import_file):
    """A municipality stored before names were single-spaced (or entered in the admin with
    a double space) is the one a file names with single spaces: no second municipality."""
    region = Region.objects.get(code="66")
    # bulk_create skips `Municipality.save`, which single-spaces: a name stored before
    (stored,) = Municipality.objects.bulk_create(
        [Municipality(region=region, name="Невьянский  городской округ")]
    )
    upload = import_file(csv_bytes([row("ORG1", municipality="Невьянский городской округ")]))
    assert upload.status == "done", upload.errors
    assert upload.preview["municipalities_created"] == 0
    assert Organisation.objects.get(code="ORG1").municipality_id == stored.pk


# --- municipalities: letter case and «ё» --------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_municipality_differing_only_in_case_or_yo_from_a_known_one_is_refused(
    import_file, monkeypatch, fmt
):
    assert import_file(csv_bytes([row("ORG1", municipality="Берёзовский")])).status == "done"
    before = _snapshot()
    rows = [
        row("ORG1", week=W2, municipality="Берёзовский"),
        row("ORG2", week=W2, municipality="Березовский"),
        row("ORG3", week=W2, municipality="БЕРЁЗОВСКИЙ"),
    ]
    data, name = _file(fmt, rows)
    upload = _refused_alike_by_either_path(import_file, monkeypatch, data, name)
    column = COLUMN[fmt]
    assert [(e["row"], e["column"]) for e in upload.errors] == [
        (_row_no(fmt, 1), column),
        (_row_no(fmt, 2), column),
    ], upload.errors
    message = upload.errors[0]["message"]
    assert message.startswith(f"Строка {_row_no(fmt, 1)}, столбец «{column}»:"), message
    assert "«Березовский»" in message and "«Берёзовский»" in message, message
    assert "«БЕРЁЗОВСКИЙ»" in upload.errors[1]["message"], upload.errors
    assert _snapshot() == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_municipality_spelled_two_ways_in_one_file_is_refused(import_file, monkeypatch, fmt):
    rows = [
        row("ORG1", municipality="Ирбит"),
        row("ORG2", municipality="Ирбит"),
        row("ORG3", municipality="ирбит"),
    ]
    data, name = _file(fmt, rows)
    upload = _refused_alike_by_either_path(import_file, monkeypatch, data, name)
    column = COLUMN[fmt]
    assert [(e["row"], e["column"]) for e in upload.errors] == [
        (_row_no(fmt, 0), column),
        (_row_no(fmt, 2), column),
    ], upload.errors
    assert f"«ирбит» (строка {_row_no(fmt, 2)})" in upload.errors[0]["message"], upload.errors
    assert f"«Ирбит» (строка {_row_no(fmt, 0)})" in upload.errors[1]["message"], upload.errors
    assert not Municipality.objects.filter(name__in=["Ирбит", "ирбит"]).exists()
    assert not MonitoringRow.objects.exists()


def test_same_spelling_in_other_regions_and_known_twins_are_left_alone(import_file):
    """The rule is per region; two spellings the portal already holds both stay valid (a
    re-upload naming either is not refused)."""
    region = Region.objects.get(code="66")
    Municipality.objects.create(region=region, name="Асбест")
    Municipality.objects.create(region=region, name="АСБЕСТ")
    rows = [
        row("ORG1", municipality="Асбест"),
        row("ORG2", municipality="АСБЕСТ"),
        row("ORG3", region="50", municipality="асбест"),
    ]
    upload = import_file(csv_bytes(rows), region=None)
    assert upload.status == "done", upload.errors


def test_a_corrected_file_heals_a_split_municipality(import_file):
    """Figures split before this rule by two spellings come together again when the
    corrected file is imported: each row and record moves to the spelling the file gives,
    and the week's municipality rollups are rebuilt from them."""
    region = Region.objects.get(code="66")
    upper = Municipality.objects.create(region=region, name="Ирбит")
    lower = Municipality.objects.create(region=region, name="ирбит")
    assert (
        import_file(
            csv_bytes([row("ORG1", municipality="Ирбит"), row("ORG2", municipality="ирбит")])
        ).status
        == "done"
    )
    assert MonitoringRollup.objects.filter(municipality=lower).exists()
    upload = import_file(
        csv_bytes([row("ORG1", municipality="Ирбит"), row("ORG2", municipality="Ирбит")])
    )
    assert upload.status == "done", upload.errors
    assert set(MonitoringRow.objects.values_list("municipality_id", flat=True)) == {upper.pk}
    assert not MonitoringRollup.objects.filter(municipality=lower).exists()
    assert MonitoringRollup.objects.get(municipality=upper).organisations == 2


# --- organisation codes -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("new", "how"),
    [
        ("org9", "регистром"),
        ("ОRG9", "латинск"),  # a Cyrillic «О»
        ("0org9", "регистром"),
    ],
)
def test_code_differing_from_a_known_one_in_case_or_look_alike_letters_is_refused(
    import_file, monkeypatch, fmt, new, how
):
    assert import_file(csv_bytes([row("ORG9"), row("ORG1")])).status == "done"
    before = _snapshot()
    data, name = _file(fmt, [row("ORG1", week=W2), row(new, week=W2)])
    upload = _refused_alike_by_either_path(import_file, monkeypatch, data, name)
    column = CODE_COLUMN[fmt]
    assert [(e["row"], e["column"]) for e in upload.errors] == [(_row_no(fmt, 1), column)]
    message = upload.errors[0]["message"]
    assert message.startswith(f"Строка {_row_no(fmt, 1)}, столбец «{column}»: код «{new}»")
    assert "«ORG9»" in message and how in message, message
    assert _snapshot() == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_code_spelled_two_ways_in_one_file_is_refused(import_file, monkeypatch, fmt):
    data, name = _file(fmt, [row("ORGab1"), row("ORG2"), row("ORGAB1")])
    upload = _refused_alike_by_either_path(import_file, monkeypatch, data, name)
    column = CODE_COLUMN[fmt]
    assert [(e["row"], e["column"]) for e in upload.errors] == [
        (_row_no(fmt, 0), column),
        (_row_no(fmt, 2), column),
    ]
    assert f"«ORGAB1» (строка {_row_no(fmt, 2)})" in upload.errors[0]["message"]
    assert f"«ORGab1» (строка {_row_no(fmt, 0)})" in upload.errors[1]["message"]
    assert not Organisation.objects.filter(code__iexact="orgab1").exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("code", ["1000123.0", "1000123,0", "1000123,00"])
def test_code_saved_as_a_decimal_text_is_refused(import_file, monkeypatch, fmt, code):
    data, name = _file(fmt, [row("ORG1"), row(code)])
    upload = _refused_alike_by_either_path(import_file, monkeypatch, data, name)
    column = CODE_COLUMN[fmt]
    assert [(e["row"], e["column"]) for e in upload.errors] == [(_row_no(fmt, 1), column)]
    message = upload.errors[0]["message"]
    assert f"код «{code}»" in message and "дробн" in message, message
    assert not MonitoringRow.objects.exists()


def test_codes_that_only_look_decimal_are_codes(import_file):
    upload = import_file(csv_bytes([row("1000123.5"), row("12.01"), row("ORG.0")]))
    assert upload.status == "done", upload.errors


# --- the roster: the same rules -----------------------------------------------------------


def _roster(codes):
    from indicators.services.rosters import monitoring_roster_upload

    data = ("Код организации\r\n" + "\r\n".join(codes) + "\r\n").encode()
    return monitoring_roster_upload(
        region=Region.objects.get(code="66"), user=None, file=io.BytesIO(data)
    )


def test_roster_refuses_decimal_codes_and_twins_of_known_or_listed_codes(import_file):
    assert import_file(csv_bytes([row("ORG9"), row("01000123")])).status == "done"
    result = _roster(["ORG9", "1000123,0", "ORG5"])
    assert result.roster is None
    assert [e["row"] for e in result.errors] == [3], result.errors
    assert "«1000123,0» записан как дробное число" in result.errors[0]["message"]

    result = _roster(["ORG9", "org9", "ORGab1", "ORGAB1", "1000123", "ОRG5", "ORG5"])
    assert result.roster is None
    rows = {e["row"]: e["message"] for e in result.errors}
    assert sorted(rows) == [3, 4, 5, 6, 7, 8], result.errors
    assert "«org9»" in rows[3] and "«ORG9»" in rows[3] and "регистром" in rows[3], rows[3]
    assert "«ORGAB1» (строка 5)" in rows[4], rows[4]
    assert "«ORGab1» (строка 4)" in rows[5], rows[5]
    assert "«01000123»" in rows[6] and "ведущими нулями" in rows[6], rows[6]
    assert "«ORG5» (строка 8)" in rows[7] and "латинская" in rows[7], rows[7]
    for row_no, message in rows.items():
        assert message.startswith(f"Строка {row_no}, столбец «Код организации»: код «"), message

    # the known codes themselves, and codes unlike any other, are a valid roster
    result = _roster(["ORG9", "01000123", "ORG5"])
    assert result.roster is not None, result.errors


@pytest.mark.django_db
def test_the_database_keys_codes_as_python_does():
    """The set-based twin check keys codes in SQL (`translate` on PostgreSQL, whatever the
    database's locale; the Python function on SQLite): the same key as
    `tables.code_twin_key` for every folded letter."""
    from indicators.services.staging import Staging
    from roadmap_portal.tables import CODE_FOLD, code_twin_key

    staging = Staging()
    staging.create()
    codes = ["00" + "".join(CODE_FOLD), "0ORG9", "шкОла1", "1000123"]
    with connection.cursor() as cursor:
        for code in codes:
            cursor.execute(f"SELECT {staging._code_key('%s')}", [code])
            assert cursor.fetchone()[0] == code_twin_key(code)
    staging.drop()


@pytest.mark.django_db
def test_stored_names_take_their_single_spaced_spelling_unless_it_is_taken():
    """The data migration agencies 0006: names stored with odd white space are
    single-spaced; a pair that would then be one name is left (one municipality split in
    two: for a person to merge)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("agencies.migrations.0006_municipality_single_spaced_names")
    region = Region.objects.get(code="66")
    # stored as they were before names were single-spaced (bulk_create skips `save`)
    odd, pair, _spaced = Municipality.objects.bulk_create(
        [
            Municipality(region=region, name=" Нижний\u00a0 Тагил "),
            Municipality(region=region, name="Новая  Ляля"),
            Municipality(region=region, name="Новая Ляля"),
        ]
    )
    migration.single_space_names(apps, None)
    odd.refresh_from_db()
    pair.refresh_from_db()
    assert (odd.name, pair.name) == ("Нижний Тагил", "Новая  Ляля")


@pytest.mark.django_db
def test_admin_import_of_organisations_reads_a_municipality_however_it_is_spaced(seeded):
    """The admin's organisation import names municipalities too: the same one spelling."""
    import tablib

    from agencies.resources import OrganisationResource

    data = tablib.Dataset(headers=["code", "name", "org_type", "region", "municipality"])
    data.append(["ADM1", "Школа 1", "ОО", "66", " Верхняя\u00a0 Салда "])
    data.append(["ADM2", "Школа 2", "ОО", "66", "Верхняя Салда"])
    result = OrganisationResource().import_data(data, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    names = Organisation.objects.filter(code__in=["ADM1", "ADM2"]).values_list(
        "municipality__name", flat=True
    )
    assert list(names) == ["Верхняя Салда", "Верхняя Салда"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code", ["1000123.0", "1000123,0", "6,6E+19", 1000123.5, "ORG\u200b7", "ORG\x017"]
)
def test_admin_import_of_organisations_refuses_codes_that_cannot_be_real(seeded, code):
    """The admin's organisation import reads codes too: the same rule as the monitoring
    import and the roster (`tables.code_problem`), each row refused, nothing written."""
    import tablib

    from agencies.resources import OrganisationResource

    data = tablib.Dataset(headers=["code", "name", "org_type", "region", "municipality"])
    data.append(["ADM9", "Школа 9", "ОО", "66", ""])
    data.append([code, "Школа 10", "ОО", "66", ""])
    result = OrganisationResource().import_data(data, dry_run=False, use_transactions=True)
    assert result.has_validation_errors() or result.has_errors()
    assert not Organisation.objects.filter(code__in=["ADM9", str(code)]).exists()
