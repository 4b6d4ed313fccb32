"""Monitoring import: the real-world file shapes accepted, each broken one refused."""

from __future__ import annotations

import datetime as dt

import pytest

from agencies.models import Municipality, Organisation
from indicators.models import MonitoringRollup, MonitoringRow, MonitoringUpload
from tests.indicators.conftest import HEADER, csv_bytes, row, xlsx_bytes

W1 = dt.date(2025, 10, 6)


def stored(code="ORG1", week=W1):
    return MonitoringRow.objects.get(organisation__code=code, week_start=week)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_csv_encodings_and_separators(import_file, encoding, delimiter):
    data = csv_bytes(
        [row("ORG1", name=f"Школа № 1{delimiter} «Гимназия»"), row("ORG2")],
        delimiter=delimiter,
        encoding=encoding,
    )
    upload = import_file(data)
    assert upload.status == "done", upload.errors
    assert (upload.rows_read, upload.rows_created) == (2, 2)
    assert Organisation.objects.get(code="ORG1").name == f"Школа № 1{delimiter} «Гимназия»"
    assert stored().staff_writers == 50


def test_decimal_commas_spaces_and_english_headers(import_file):
    header = [
        "week_start",
        "REGION_CODE",
        " Municipality ",
        "org_code",
        "org_name",
        "org_type",
        "staff_total",
        "staff_writers",
        "students_total",
        "learners_active",
        "sferum_users",
        "max_only_users",
        "vkm_users",
        "vkm_and_max_users",
    ]
    counts = ["12,0", "5,0", "1 200", "1\u00a0000", "40", "10", "30", "20"]
    data = csv_bytes([row(counts=counts, week="2025-10-06")], header=header)
    upload = import_file(data)
    assert upload.status == "done", upload.errors
    r = stored()
    assert (r.staff_total, r.staff_writers, r.students_total, r.learners_active) == (
        12,
        5,
        1200,
        1000,
    )


def test_xlsx_title_rows_dates_as_dates_and_text_trailing_empty_rows(import_file):
    rows = [
        row("ORG1", week=dt.datetime(2025, 10, 6)),
        row("ORG2", week="06.10.2025", counts=(10.0, 5, 20, 10, 30, 10, 20, 10)),
        row("ORG3", week="2025-10-13"),
        row(12345, week=dt.date(2025, 10, 13), org_type="school"),
    ]
    upload = import_file(xlsx_bytes(rows), name="export.xlsx")
    assert upload.status == "done", upload.errors
    assert upload.rows_read == 4
    assert upload.weeks == ["2025-10-06", "2025-10-13"]
    assert stored("ORG2").staff_total == 10
    assert stored("12345", dt.date(2025, 10, 13)).org_type == "school"


def test_totals_row_is_skipped(import_file):
    totals = ["", "", "", "", "Итого", "", *range(8)]
    upload = import_file(csv_bytes([row("ORG1"), totals]))
    assert upload.status == "done", upload.errors
    assert (upload.rows_read, upload.rows_skipped) == (1, 1)


def test_org_types_by_abbreviation_or_key_case_insensitive(import_file):
    types = ["ОО", "спо", "ДО", "ДОО", "РОИВ", "омсу", "ПО", "College"]
    rows = [row(f"T{i}", org_type=t) for i, t in enumerate(types)]
    upload = import_file(csv_bytes(rows))
    assert upload.status == "done", upload.errors
    got = dict(Organisation.objects.filter(code__startswith="T").values_list("code", "org_type"))
    assert got == {
        "T0": "school",
        "T1": "college",
        "T2": "additional",
        "T3": "preschool",
        "T4": "roiv",
        "T5": "omsu",
        "T6": "subordinate",
        "T7": "college",
    }


def test_missing_required_column_refused_before_rows(import_file):
    header = [h for h in HEADER if h != "Работников всего"]
    data = csv_bytes([row()[:6] + list(row()[7:])], header=header)
    upload = import_file(data)
    assert upload.status == "refused"
    assert upload.rows_read == 0
    assert "«Работников всего»" in upload.errors[0]["message"]
    assert not MonitoringRow.objects.exists()


COUNTS = (100, 50, 400, 300, 500, 200, 450, 300)


def _with(index, value):
    counts = list(COUNTS)
    counts[index] = value
    return counts


@pytest.mark.parametrize(
    ("bad", "column", "fragment"),
    [
        (row("ORG2", region="99"), "Код региона", "неизвестный код региона «99»"),
        (row("ORG2", region="50"), "Код региона", "вне области загрузки"),
        (row("ORG2", counts=_with(0, "сто")), "Работников всего", "не число"),
        (row("ORG2", counts=_with(2, "-5")), "Обучающихся всего", "отрицательное"),
        (row("ORG2", counts=_with(1, 101)), "Работников, писавших за неделю", "больше"),
        (
            row("ORG2", counts=_with(3, 801)),
            "Обучающихся и родителей, активных за неделю",
            "удвоенное",
        ),
        (row("ORG2", counts=_with(5, 501)), "Пользователей только в MAX", "больше"),
        (row("ORG2", counts=_with(7, 451)), "из них с профилем в MAX", "больше"),
        (row("ORG1"), "Код организации", "уже встречалась в файле за неделю 06.10.2025"),
        (row("ORG2", week="31.02.2025"), "Начало недели", "не дата"),
        (row("ORG2", org_type="ВУЗ"), "Тип организации", "неизвестный тип"),
    ],
)
def test_each_refusal_names_row_and_column_and_writes_nothing(import_file, bad, column, fragment):
    data = csv_bytes([row("ORG1"), row("ORG3"), bad])
    upload = import_file(data)
    assert upload.status == "refused"
    assert len(upload.errors) == 1, upload.errors
    error = upload.errors[0]
    assert error["row"] == 4
    assert error["column"] == column
    assert error["message"].startswith(f"Строка 4, столбец «{column}»:")
    assert fragment in error["message"]
    assert not MonitoringRow.objects.exists()
    assert not Organisation.objects.filter(code__in=["ORG1", "ORG2", "ORG3"]).exists()
    assert not Municipality.objects.filter(name="Екатеринбург").exists()
    assert not MonitoringRollup.objects.exists()


def test_every_error_is_listed_xlsx_columns_by_letter(import_file):
    rows = [row("A", counts=_with(0, "x")), row("B", region="00"), row("C", counts=_with(1, 500))]
    upload = import_file(xlsx_bytes(rows), region=None, name="bad.xlsx")
    assert upload.status == "refused"
    messages = [e["message"] for e in upload.errors]
    # two title rows, the header on row 3, data from row 4
    assert messages[0].startswith("Строка 4, столбец «Работников всего, G»")
    assert messages[1].startswith("Строка 5, столбец «Код региона, B»")
    assert "«00»" in messages[1]
    assert messages[2].startswith("Строка 6, столбец «Работников, писавших за неделю, H»")
    assert len(messages) == 3
    assert not MonitoringRow.objects.exists()


def test_error_list_is_capped_with_a_count(import_file):
    rows = [row(f"O{i}", counts=_with(0, "x")) for i in range(1100)]
    upload = import_file(csv_bytes(rows))
    assert upload.status == "refused"
    assert len(upload.errors) == 1000
    assert upload.preview["errors_total"] == 1100


def test_organisation_known_in_another_region_is_refused(import_file, seeded):
    from agencies.models import Region
    from tests.factories import make_organisation

    make_organisation(Region.objects.get(code="50"), code="MOS1")
    upload = import_file(csv_bytes([row("ORG1"), row("MOS1")]))
    assert upload.status == "refused"
    assert upload.errors[0]["row"] == 3
    assert "числится в субъекте 50" in upload.errors[0]["message"]
    assert not MonitoringRow.objects.exists()


def test_same_org_in_two_regions_in_one_file(import_file):
    upload = import_file(
        csv_bytes([row("ORG1"), row("ORG1", region="50", week="13.10.2025")]), region=None
    )
    assert upload.status == "refused"
    assert "указана в другом субъекте" in upload.errors[0]["message"]


def test_empty_file_is_refused(import_file):
    upload = import_file(csv_bytes([]))
    assert upload.status == "refused"
    assert "нет строк" in upload.errors[0]["message"]
    assert MonitoringUpload.objects.get().status == "refused"


@pytest.mark.parametrize("week", ["06.10.25", "2025-10-06 00:00:00", "6.10.2025"])
def test_week_start_shapes_of_the_shared_date_parser(import_file, week):
    """Two-digit years were read by the index and cascade imports but refused here."""
    upload = import_file(csv_bytes([row(week=week)]))
    assert upload.status == "done", upload.errors
    assert stored().week_start == W1


def test_week_start_with_garbage_after_the_date_is_refused(import_file):
    """«2025-10-06…» with anything after the date was read as 06.10.2025; now refused."""
    upload = import_file(csv_bytes([row(week="2025-10-06 и далее")]))
    assert upload.status != "done"
    assert "не дата" in str(upload.errors)
