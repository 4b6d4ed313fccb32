"""The shared table reader: real-world CSV/XLSX shapes, and hostile files refused."""

import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from roadmap_portal.tables import TableError, open_table

ALIASES = {
    "начало недели": "week_start",
    "week_start": "week_start",
    "код организации": "org_code",
    "org_code": "org_code",
    "наименование организации": "org_name",
    "org_name": "org_name",
}
TITLES = {"week_start": "Начало недели", "org_code": "Код организации", "org_name": "Наименование"}
REQUIRED = ["week_start", "org_code"]


def read(data: bytes):
    table = open_table(io.BytesIO(data), aliases=ALIASES, required=REQUIRED, titles=TITLES)
    return table, list(table.rows())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_csv_encodings_and_separators(encoding, delimiter):
    text = (
        f"Начало недели{delimiter}Код организации{delimiter}Наименование организации\r\n"
        f'06.10.2025{delimiter}A1{delimiter}"Школа № 1{delimiter} г. Екатеринбург"\r\n'
    )
    table, rows = read(text.encode(encoding))
    assert table.delimiter == delimiter
    assert table.columns == {"week_start": 0, "org_code": 1, "org_name": 2}
    assert rows == [(2, ["06.10.2025", "A1", f"Школа № 1{delimiter} г. Екатеринбург"])]


def test_csv_header_case_and_spacing_tolerant_with_english_keys():
    table, rows = read(b"  WEEK_START ;org_code\n2025-10-06;A1\n;\n\n")
    assert table.columns == {"week_start": 0, "org_code": 1}
    assert rows == [(2, ["2025-10-06", "A1"])]


def test_csv_missing_required_column_is_refused_before_rows():
    with pytest.raises(TableError, match="«Код организации»"):
        read("Начало недели;Что-то\n06.10.2025;1\n".encode())


def test_csv_bad_bytes_after_the_sample_name_their_row():
    good = "Начало недели;Код организации\n" + "06.10.2025;Школа\n" * 30000
    table = open_table(
        io.BytesIO(good.encode() + b"06.10.2025;\xff\xfe\n"), aliases=ALIASES, required=REQUIRED
    )
    assert table.encoding == "utf-8"
    with pytest.raises(TableError, match="Строка 30002"):
        list(table.rows())


def _xlsx(rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_title_rows_dates_and_trailing_empty_rows():
    data = _xlsx(
        [
            ["Выгрузка мониторинга Сферума"],
            [],
            ["Начало недели", "Код организации"],
            [dt.datetime(2025, 10, 6), "A1"],
            ["06.10.2025", 42],
            [None, None],
            [None, None],
        ]
    )
    table, rows = read(data)
    assert table.header_row == 3
    assert table.column_letter("org_code") == "B"
    assert rows == [(4, [dt.datetime(2025, 10, 6), "A1"]), (5, ["06.10.2025", 42])]


def test_xlsx_with_entities_is_refused():
    data = _xlsx([["Начало недели", "Код организации"], ["06.10.2025", "A1"]])
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            content = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + content
            dst.writestr(item, content)
    with pytest.raises(TableError, match="XML-сущност"):
        read(out.getvalue())


def test_xlsx_zip_bomb_is_refused(settings):
    settings.XLSX_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        dst.writestr("[Content_Types].xml", b"<Types/>")
        dst.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * (5 * 1024 * 1024) + b"</a>")
    with pytest.raises(TableError, match="слишком велик"):
        read(out.getvalue())


def test_not_a_workbook():
    with pytest.raises(TableError):
        read(b"PK\x03\x04garbage")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("", ""),
        ("  95000786 ", "95000786"),
        (95000786, "95000786"),
        (95000786.0, "95000786"),  # a code a spreadsheet stored as a number
        (0.5, "0.5"),
        ("ОО", "ОО"),
    ],
)
def test_cell_text_is_how_every_import_reads_a_code_or_a_name(value, text):
    from roadmap_portal.tables import cell_text

    assert cell_text(value) == text
