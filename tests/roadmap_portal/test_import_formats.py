"""The admin's export formats: neutralised, typed XLSX that prints its header on every page,
and CSV with the reports' conventions."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import tablib

from reports.exports.base import Column, CsvBook, TitleBlock
from roadmap_portal.cells import starts_formula
from roadmap_portal.import_formats import EXPORT_FORMATS, NeutralisedCSV, NeutralisedXLSX

HOSTILE = ["\x01=1+2", "\x00@SUM(1)", " =1", "\xa0＋7", "Школа\x0b№ 5"]
EXPECTED = ["'=1+2", "'@SUM(1)", "' =1", "'\xa0＋7", "Школа№ 5"]


def _xlsx(dataset: tablib.Dataset):
    return openpyxl.load_workbook(io.BytesIO(NeutralisedXLSX().export_data(dataset))).active


def test_admin_xlsx_export_prints_the_header_on_every_page():
    assert NeutralisedXLSX in EXPORT_FORMATS
    dataset = tablib.Dataset(headers=["Код", "Наименование"])
    for n in range(200):
        dataset.append([n, f"Организация № {n}"])
    sheet = _xlsx(dataset)
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.max_row == 201 and sheet["B2"].value == "Организация № 0"


def test_admin_xlsx_drops_control_characters_before_judging():
    """tablib used to meet the control character after neutralisation: a formula behind it
    survived, and openpyxl refused the file (IllegalCharacterError)."""
    dataset = tablib.Dataset(headers=["\x01=name"])
    for text in HOSTILE:
        dataset.append([text])
    sheet = _xlsx(dataset)
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c for c in cells if c.data_type == "f" or starts_formula(str(c.value))]
    assert [c.value for c in cells] == ["'=name", *EXPECTED]


def test_admin_xlsx_cells_are_typed():
    dataset = tablib.Dataset(headers=["date", "when", "int", "decimal", "flag", "text", "empty"])
    dataset.append(
        [
            dt.date(2025, 8, 31),
            dt.datetime(2025, 8, 31, 9, 30),
            1,
            Decimal("-2.5"),
            True,
            "-1",
            None,
        ]
    )
    row = list(_xlsx(dataset).iter_rows(min_row=2))[0]
    assert [c.value for c in row] == [
        dt.datetime(2025, 8, 31),
        dt.datetime(2025, 8, 31, 9, 30),
        1,
        -2.5,
        True,
        "'-1",
        None,
    ]
    assert [c.data_type for c in row[:5]] == ["d", "d", "n", "n", "b"]
    assert (row[0].number_format, row[1].number_format) == ("dd.mm.yyyy", "dd.mm.yyyy hh:mm")


def _read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_admin_csv_is_neutralised_without_control_characters():
    dataset = tablib.Dataset(headers=["name", "date", "flag", "number"])
    for text in HOSTILE:
        dataset.append([text, dt.date(2025, 8, 31), False, Decimal("-1.5")])
    data = NeutralisedCSV().export_data(dataset)
    assert b"\x00" not in data and b"\x01" not in data and b"\x0b" not in data
    rows = _read_csv(data)
    assert [r[0] for r in rows[1:]] == EXPECTED
    # numbers stay numbers (a negative one unquoted), dates as the import reads them
    assert rows[1][1:] == ["2025-08-31", "0", "-1.5"]


def test_admin_csv_follows_the_reports_conventions(tmp_path):
    """UTF-8 with BOM, «;», CRLF: the very bytes the reports' CSV writer starts with."""
    headers = ["Наименование", "Код"]
    dataset = tablib.Dataset(headers=headers)
    dataset.append(["Школа № 1; корпус 2", "ORG1"])
    admin = NeutralisedCSV().export_data(dataset)
    assert NeutralisedCSV().is_binary()

    title = TitleBlock("R", "Reg", "p", dt.datetime(2025, 10, 10, tzinfo=ZoneInfo("UTC")), "u")
    with CsvBook(path=str(tmp_path / "r.csv"), title=title) as book:
        book.table("x", [Column(h) for h in headers], primary=True).row(
            ["Школа № 1; корпус 2", "ORG1"]
        )
    report = (tmp_path / "r.csv").read_bytes()
    assert admin == report
    assert admin.startswith(b"\xef\xbb\xbf" + "Наименование;Код\r\n".encode())
