from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal as D

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from agencies.models import Region
from indicators.choices import FactSource, UploadStatus
from indicators.index.inputs import index_inputs_read
from indicators.index.uploads import index_upload_apply, index_upload_create
from indicators.models import IndexFact, IndexScore, IndexUpload
from tests.indicators.index_helpers import fact

pytestmark = pytest.mark.django_db

HEADER = "Код региона;Критерий;Вход;Значение;Дата;Подтверждение\n"


def _csv(rows: list[str], encoding="utf-8") -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode(encoding)


def test_reads_valid_rows_with_decimal_commas(seeded):
    data = _csv(
        [
            "66;media_reach;reach_percent;34,5;01.10.2025;https://example.org/report",
            "66;media_reach;publications;3;2025-10-01;медиаплан",
            "5;offline_qr;;4;01.10.2025;",  # a code without its leading zero
        ],
        "cp1251",
    )
    result = index_inputs_read(io.BytesIO(data))
    assert result.errors == []
    assert [(r.region_code, r.criterion_code, r.input, r.value) for r in result.rows] == [
        ("66", "media_reach", "reach_percent", D("34.5")),
        ("66", "media_reach", "publications", D("3")),
        ("05", "offline_qr", "", D("4")),
    ]
    assert result.rows[0].evidence_url and result.rows[1].evidence_text == "медиаплан"


def test_row_and_column_errors_in_russian(seeded):
    data = _csv(
        [
            "99x;mfc_bot;;1;01.10.2025;x",
            "66;nope;;1;01.10.2025;x",
            "66;mfc_bot;;2;01.10.2025;x",
            "66;housing_uk_chats;uk_all;5;01.10.2025;x",
            "66;mfc_bot;;1;32.10.2025;x",
            "66;offline_qr;;3;01.10.2025;x",
            "66;offline_qr;;4;01.10.2025;x",
        ]
    )
    errors = index_inputs_read(io.BytesIO(data)).errors
    assert errors == [
        "Строка 2, столбец «Код региона»: неизвестный код субъекта «99x».",
        "Строка 3, столбец «Критерий»: неизвестный критерий «nope».",
        "Строка 4, столбец «Значение»: Значение не может быть больше 1.",
        "Строка 5, столбец «Вход»: У критерия «housing_uk_chats» нет входа «uk_all» "
        "(ожидается: «uk_total», «uk_with_chat»).",
        "Строка 6, столбец «Дата»: дата должна быть в виде ДД.ММ.ГГГГ или ГГГГ-ММ-ДД.",
        "Строка 8, столбец «Критерий»: повтор строки 7 (тот же субъект, критерий, вход и дата).",
    ]


def test_missing_column_refused(seeded):
    result = index_inputs_read(io.BytesIO("Код региона;Критерий;Значение\n66;mfc_bot;1\n".encode()))
    assert result.errors == ["В файле нет обязательных столбцов: «Дата»."]


def test_user_scope_limits_regions(seeded, personas):
    data = _csv(["50;mfc_bot;;1;01.10.2025;x"])
    errors = index_inputs_read(io.BytesIO(data), user=personas.coordinator).errors
    assert errors == ["Строка 2, столбец «Код региона»: нет доступа к субъекту 50."]


def test_xlsx_with_title_row(seeded):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Сведения для индекса внедрения"])
    sheet.append(["region_code", "criterion", "input", "value", "as_of", "evidence"])
    sheet.append([66, "exclusive_services", None, 3, dt.datetime(2025, 10, 1), "ИЭП, Госключ, OTP"])
    sheet.append(["66", "mfc_bot", None, 5, dt.datetime(2025, 10, 1), None])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    result = index_inputs_read(buffer)
    assert result.errors == ["Строка 4, столбец «D»: Значение не может быть больше 1."]
    assert result.rows[0].value == 3 and result.rows[0].as_of == dt.date(2025, 10, 1)


def test_xlsx_boolean_value_and_long_region_are_refused_not_failed(seeded):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["region_code", "criterion", "input", "value", "as_of", "evidence"])
    sheet.append(["66", "mfc_bot", None, True, dt.datetime(2025, 10, 1), None])
    sheet.append(["6" * 5000, "mfc_bot", None, 1, dt.datetime(2025, 10, 1), None])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    errors = index_inputs_read(buffer).errors
    assert errors[0] == "Строка 2, столбец «D»: логическое значение вместо числа."
    assert errors[1].startswith("Строка 3, столбец «A»: неизвестный код субъекта «66666")
    assert len(errors) == 2 and len(errors[1]) < 200


def test_all_or_nothing_and_idempotent(seeded, personas):
    bad = _csv(["66;mfc_bot;;1;01.10.2025;x", "66;mfc_bot;;7;02.10.2025;x"])
    upload = index_upload_create(file=ContentFile(bad, name="bad.csv"), user=personas.analyst)
    assert upload.status == UploadStatus.REFUSED
    upload = index_upload_apply(upload=upload, user=personas.analyst)
    assert upload.status == UploadStatus.REFUSED and not IndexFact.objects.exists()

    good = _csv(["66;mfc_bot;;1;01.10.2025;x", "66;offline_qr;;3;01.10.2025;x"])
    first = index_upload_create(file=ContentFile(good, name="good.csv"), user=personas.analyst)
    first = index_upload_apply(upload=first, user=personas.analyst)
    assert (first.status, first.rows_created) == (UploadStatus.DONE, 2)
    assert index_upload_apply(upload=first, user=personas.analyst).rows_created == 2  # no-op
    # the same file again: a repeat, nothing added
    again = index_upload_create(file=ContentFile(good, name="again.csv"), user=personas.analyst)
    assert again.status == UploadStatus.REPEAT
    assert index_upload_apply(upload=again).status == UploadStatus.REPEAT
    # another file with one row already there and one corrected: natural key upsert
    third = _csv(["66;mfc_bot;;1;01.10.2025;x", "66;offline_qr;;4;01.10.2025;исправлено"])
    upload = index_upload_create(file=ContentFile(third, name="third.csv"), user=personas.analyst)
    upload = index_upload_apply(upload=upload, user=personas.analyst)
    assert (upload.rows_created, upload.rows_unchanged) == (1, 1)
    assert IndexFact.objects.count() == 3  # history kept: the correction is a new entry


def test_reupload_of_an_earlier_file_restores_its_values(seeded, personas):
    def upload(data, name):
        created = index_upload_create(file=ContentFile(data, name=name), user=personas.analyst)
        return created, index_upload_apply(upload=created, user=personas.analyst)

    a = _csv(["66;offline_qr;;3;01.10.2025;x", "66;mfc_bot;;1;01.10.2025;x"])
    assert upload(a, "a.csv")[1].status == UploadStatus.DONE
    assert upload(_csv(["66;offline_qr;;4;01.10.2025;x"]), "b.csv")[1].rows_created == 1
    checked, again = upload(a, "a-again.csv")
    # a value changed since: not a repeat, the changed row alone is entered again
    assert checked.status == UploadStatus.PENDING
    assert (again.status, again.rows_created, again.rows_unchanged) == (UploadStatus.DONE, 1, 1)
    in_force = IndexFact.objects.filter(criterion_code="offline_qr").order_by("id").last()
    assert in_force.value == 3
    # nothing changed since: a repeat, nothing added
    checked, third = upload(a, "a-third.csv")
    assert checked.status == third.status == UploadStatus.REPEAT
    assert IndexFact.objects.count() == 4


def test_coordinator_import_is_unverified(seeded, personas):
    data = _csv(["66;mfc_bot;;1;01.10.2025;x"])
    upload = index_upload_create(file=ContentFile(data, name="c.csv"), user=personas.coordinator)
    index_upload_apply(upload=upload, user=personas.coordinator)
    assert not IndexFact.objects.get().is_verified


def test_import_command_dry_run_then_import(seeded, tmp_path, capsys):
    path = tmp_path / "inputs.csv"
    rows = []
    for region in Region.objects.order_by("code"):
        rows += [
            f"{region.code};housing_uk_chats;uk_total;200;01.09.2025;реестр",
            f"{region.code};housing_uk_chats;uk_with_chat;120;01.09.2025;реестр",
            f"{region.code};mfc_bot;;1;01.09.2025;https://example.org/{region.code}",
        ]
    path.write_bytes(_csv(rows))
    call_command("import_index_inputs", str(path), "--dry-run")
    assert "Ничего не загружено" in capsys.readouterr().out
    assert not IndexFact.objects.exists()
    call_command("import_index_inputs", str(path))
    assert IndexFact.objects.count() == 89 * 3
    assert IndexFact.objects.filter(verified_at__isnull=True).count() == 0  # command line
    assert set(IndexFact.objects.values_list("source", flat=True)) == {FactSource.COMMAND}
    call_command("import_index_inputs", str(path))
    assert "уже загружен" in capsys.readouterr().out
    assert IndexFact.objects.count() == 89 * 3

    call_command("recompute_index", "--date", "2025-10-01")
    assert "Пересчитано субъектов: 89" in capsys.readouterr().out
    call_command("recompute_index", "--date", "2025-10-01")
    capsys.readouterr()
    assert IndexScore.objects.count() == 89
    assert {s.total for s in IndexScore.objects.all()} == {D("9")}  # 5 bot + 4 for 60 %

    call_command("index_report", "--region", "33", "--date", "2025-10-01", "--format", "json")
    report = json.loads(capsys.readouterr().out)
    assert report[0]["region_code"] == "33" and report[0]["methodology"] == "stage1"
    assert report[0]["total"] == 9.0
    assert report[0]["components"]["services"] == {"points": 9.0, "max": 50.0}
    housing = report[0]["criteria"]["housing_uk_chats"]
    assert housing["points"] == 4.0 and housing["max"] == 5.0
    assert housing["inputs"]["uk_with_chat"]["value"] == "120"
    assert report[0]["criteria"]["mfc_bot"]["inputs"]["value"]["value"] == "1"


def test_import_command_refuses_bad_file(seeded, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(_csv(["66;mfc_bot;;abc;01.10.2025;x"]))
    with pytest.raises(CommandError, match="Ничего не загружено"):
        call_command("import_index_inputs", str(path))
    assert not IndexFact.objects.exists()
    assert IndexUpload.objects.get().status == UploadStatus.REFUSED


def test_tasks_recompute(seeded):
    from indicators.tasks import index_recompute_all, index_recompute_region

    region = Region.objects.get(code="66")
    # a region with neither a fact nor a monitoring week has no score to store
    assert index_recompute_region(region.pk, "2025-10-01") == 0
    fact(region, "offline_qr", 2, dt.date(2025, 9, 1))
    assert index_recompute_region(region.pk, "2025-10-01") == 1
    assert index_recompute_region(999999) == 0
    assert index_recompute_all() == 1
    assert IndexScore.objects.filter(region=region, on_date=dt.date(2025, 10, 1)).exists()


@pytest.mark.parametrize("as_of", [45931, "2025-10-01 00:00:00", "01.10.25"])
def test_as_of_reads_every_date_shape_of_the_shared_parser(seeded, as_of):
    """The monitoring import always took Excel serials and ISO date-times; index inputs
    (and cascade progress) now read dates with the same parser."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["region_code", "criterion", "input", "value", "as_of", "evidence"])
    sheet.append(["66", "mfc_bot", None, 1, as_of, None])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    result = index_inputs_read(buffer)
    assert result.errors == []
    assert result.rows[0].as_of == dt.date(2025, 10, 1)


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("1 5", "пробел"),  # was read as 15
        ("1e1", "не число"),  # was read as 10
        ("1_0", "не число"),
        ("\u0661", "цифры 0-9"),
    ],
)
def test_a_value_is_read_by_the_one_grammar_of_a_number(seeded, written, reason):
    data = _csv([f"66;offline_qr;;{written};01.10.2025;x"])
    result = index_inputs_read(io.BytesIO(data))
    assert result.rows == []
    assert len(result.errors) == 1 and "Строка 2, столбец «Значение»" in result.errors[0]
    assert reason in result.errors[0]
