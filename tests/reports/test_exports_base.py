"""The streaming writer: formats, layout, formula neutralisation, CSV variant."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from reports.exports.base import (
    Column,
    CsvBook,
    Fill,
    Kind,
    Rag,
    TitleBlock,
    XlsxBook,
    neutralise,
    sheet_name,
)
from roadmap_portal import ru_formats
from tests.reports.conftest import HOSTILE, assert_no_formulas, open_xlsx, table

TITLE = TitleBlock(
    report="Проверочный отчёт",
    region="Свердловская область",
    period="по состоянию на 21.11.2026",
    generated_at=dt.datetime(2026, 11, 21, 10, 5, tzinfo=ZoneInfo("Europe/Moscow")),
    generated_by="=cmd|' /C calc'!A0",
)
COLUMNS = [
    Column("Наименование", width=40),
    Column("Дата", Kind.DATE, width=12),
    Column("Доля", Kind.PERCENT),
    Column("Отклонение", Kind.POINTS),
    Column("Количество", Kind.INT),
    Column("Сумма", Kind.NUMBER),
    Column("Когда", Kind.DATETIME),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Школа № 1", "Школа № 1"),
        # office suites trim leading white space (a CSV opened, a cell re-typed): the first
        # character after it counts, NBSP and line breaks included
        (" =1", "' =1"),
        ("  +7 (343) 123-45-67", "'  +7 (343) 123-45-67"),
        ("\xa0=1+1", "'\xa0=1+1"),
        ("\n=1+2", "'\n=1+2"),
        ("\u200b=1", "'\u200b=1"),  # an invisible format character is skipped too
        # full-width operators, which some suites accept as formulas
        ("＝1+2", "'＝1+2"),
        ("＋7", "'＋7"),
        ("－5", "'－5"),
        ("＠SUM(1)", "'＠SUM(1)"),
        # the characters XML forbids are dropped before the text is judged
        ('\x01=HYPERLINK("http://evil/","x")', '\'=HYPERLINK("http://evil/","x")'),
        ("\x00@SUM(1)", "'@SUM(1)"),
        ("Школа\x0b№ 5\x1f\ufffe\uffff", "Школа№ 5"),
        ("\x0c \x08-1", "' -1"),
        ("", ""),
        (None, ""),
        ("a=1", "a=1"),
        ("  текст", "  текст"),
        ("\n", "\n"),
    ],
)
def test_neutralise(text, expected):
    assert neutralise(text) == expected


CONTROL_HOSTILE = ['\x01=HYPERLINK("http://evil/","x")', "\x00@SUM(1)", " =1+2", "\xa0＝1"]
CONTROL_EXPECTED = ['\'=HYPERLINK("http://evil/","x")', "'@SUM(1)", "' =1+2", "'\xa0＝1"]


def test_workbook_and_csv_drop_control_characters_before_judging(tmp_path):
    with XlsxBook(path=str(tmp_path / "x.xlsx"), title=TITLE) as book:
        book.table("Данные", [Column("Наименование")], primary=True).rows(
            [t] for t in CONTROL_HOSTILE
        )
    wb = open_xlsx(str(tmp_path / "x.xlsx"))
    assert_no_formulas(wb)
    _headers, rows = table(wb.active)
    assert [r[0].value for r in rows] == CONTROL_EXPECTED

    with CsvBook(path=str(tmp_path / "x.csv"), title=TITLE) as book:
        book.table("Данные", [Column("Наименование")], primary=True).rows(
            [t] for t in CONTROL_HOSTILE
        )
    raw = (tmp_path / "x.csv").read_bytes()
    assert b"\x00" not in raw and b"\x01" not in raw
    with open(tmp_path / "x.csv", encoding="utf-8-sig", newline="") as fh:
        assert [r[0] for r in csv.reader(fh, delimiter=";")][1:] == CONTROL_EXPECTED


def write_sample(path):
    with XlsxBook(path=str(path), title=TITLE) as book:
        main = book.table("Данные", COLUMNS, primary=True, rag=[Rag(3, 0, -0.05)], note="пояснение")
        for i, text in enumerate(HOSTILE):
            main.row(
                [
                    text,
                    dt.date(2025, 10, 1 + i),
                    Decimal("75.3") / 100,
                    -0.12 + i * 0.05,
                    -5,
                    Decimal("-1.25"),
                    dt.datetime(2025, 10, 1, 12, 30),
                ],
                fill=Fill.RED if i == 0 else None,
            )
        main.row([None, None, None, None, None, None, None])  # "no data" stays empty
        other = book.table("Данные", [Column("Второй лист")])
        other.row(["+значение"])


def test_workbook_layout_types_and_formats(tmp_path):
    path = tmp_path / "sample.xlsx"
    write_sample(path)
    wb = open_xlsx(str(path))
    assert wb.sheetnames == ["Данные", "Данные (2)"]
    ws = wb["Данные"]
    # title block: report, region, period, generated at, by whom (neutralised), note
    assert ws["A1"].value == "Проверочный отчёт"
    assert ws["A2"].value == "Субъект РФ: Свердловская область"
    assert ws["A3"].value == "Период: по состоянию на 21.11.2026"
    assert ws["A4"].value == "Сформирован: 21.11.2026 10:05 (UTC+3)"
    assert ws["A5"].value == "Сформировал: =cmd|' /C calc'!A0"
    assert ws["A6"].value == "пояснение"
    # the header sits below the title block; the pane and the filter start there
    assert [c.value for c in ws[8]] == [c.header for c in COLUMNS]
    assert ws.freeze_panes == "A9"
    assert ws.auto_filter.ref == "A8:G15"
    assert ws.print_title_rows == "$8:$8"
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # one page wide (1 is the default, omitted in the file), any number of pages tall
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert ws.column_dimensions["A"].width == pytest.approx(40, abs=1)

    headers, rows = table(ws)
    first = rows[0]
    assert first[0].value == "'" + HOSTILE[0] and first[0].data_type == "s"
    assert first[1].is_date and first[1].value == dt.datetime(2025, 10, 1)
    assert first[1].number_format == "dd.mm.yyyy"
    assert first[2].value == pytest.approx(0.753)
    assert first[2].number_format == ru_formats.XLSX_PERCENT == '#,##0.0"\u00a0"%'
    assert first[3].value == pytest.approx(-0.12) and first[3].data_type == "n"
    assert first[4].value == -5 and first[4].data_type == "n"
    assert first[5].value == pytest.approx(-1.25)
    assert first[5].number_format == ru_formats.XLSX_NUMBER  # «−1,25»: the true minus
    assert first[6].value == dt.datetime(2025, 10, 1, 12, 30)
    assert first[0].fill.fgColor.rgb.endswith("F8D7DA")  # the row fill
    # a carriage return is stored as the OOXML escape _x000D_ (Excel shows it as \r)
    texts = [r[0].value.replace("_x000D_", "\r") for r in rows[:6]]
    assert texts == ["'" + h for h in HOSTILE]
    assert len(rows) == 6 and ws.max_row == 15
    assert all(c.value is None for c in ws[15])  # "no data" is an empty cell, not 0
    # the RAG rules of the gap column: green, amber, red, skipping empty cells
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    ranges = [str(cf.sqref) for cf in ws.conditional_formatting]
    assert ranges == ["D9:D15"]
    formulas = [r.formula[0] for r in rules]
    assert formulas == [
        "AND(ISNUMBER(D9),D9>=0)",
        "AND(ISNUMBER(D9),D9<0,D9>=-0.05)",
        "AND(ISNUMBER(D9),D9<-0.05)",
    ]
    assert_no_formulas(wb)


def test_csv_variant(tmp_path):
    path = tmp_path / "sample.csv"
    with CsvBook(path=str(path), title=TITLE) as book:
        main = book.table("Данные", COLUMNS, primary=True)
        book.table("Второй", [Column("x")]).row(["не попадёт в CSV"])
        for text in HOSTILE:
            main.row([text, dt.date(2025, 10, 6), 0.753, -12.5, -5, Decimal("-1.25"), None])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0] == [c.header for c in COLUMNS]
    assert [r[0] for r in rows[1:]] == ["'" + h for h in HOSTILE]
    # a decimal comma: Russian Excel opens «12.5» as 12 May and «0.753» as text
    assert rows[1][1:] == ["06.10.2025", "0,753", "-12,5", "-5", "-1,25", ""]
    assert "не попадёт" not in raw.decode("utf-8-sig")


def test_sheet_names_are_valid_and_unique():
    taken: set[str] = set()
    assert sheet_name("Показатель 1: I1/I2?", taken) == "Показатель 1_ I1_I2_"
    assert sheet_name("x" * 40, taken) == "x" * 31
    assert sheet_name("x" * 40, taken) == "x" * 27 + " (2)"


def test_sheet_names_never_start_or_end_with_an_apostrophe(tmp_path):
    """Cut to 31 characters first, then stripped: a cut used to leave a final apostrophe,
    which XlsxWriter refuses (InvalidWorksheetName)."""
    taken: set[str] = set()
    names = [
        sheet_name("а" * 30 + "'б", taken),  # the cut ends with the apostrophe
        sheet_name("'Отчёт'", taken),
        sheet_name("б" * 26 + "'" + "в" * 10, taken),
        sheet_name("б" * 26 + "'" + "в" * 10, taken),  # the suffix's stem ends with it
        sheet_name("'" * 3, taken),
        sheet_name("'" * 3, taken),
        sheet_name("Лист\x01\x0b", taken),
        sheet_name("History", taken),
    ]
    assert names[0] == "а" * 30
    assert names[1] == "Отчёт"
    assert names[3] == "б" * 26 + " (2)"
    assert names[4:8] == ["Лист", "Лист (2)", "Лист (3)", "Лист (4)"]
    for name in names:
        assert not name.startswith("'") and not name.endswith("'") and len(name) <= 31
    # XlsxWriter accepts every one of them
    with XlsxBook(path=str(tmp_path / "names.xlsx"), title=TITLE) as book:
        for name in ["а" * 30 + "'б", "б" * 26 + "'" + "в" * 10, "б" * 26 + "'" + "в" * 10]:
            book.table(name, [Column("x")]).row(["1"])
    assert open_xlsx(str(tmp_path / "names.xlsx")).sheetnames == [
        "а" * 30,
        "б" * 26 + "'" + "в" * 4,
        "б" * 26 + " (2)",
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.753, "0,753"),
        (-12.5, "-12,5"),
        (1e-7, "0"),
        (-1e-7, "0"),
        (1e-5, "0,00001"),
        (123456789.123456789, "123456789,123457"),
        (Decimal("17.00"), "17,00"),
        (Decimal("-0.00"), "0,00"),
        (Decimal("1E+3"), "1000"),
    ],
)
def test_a_csv_number_is_written_as_a_russian_spreadsheet_reads_it(value, text):
    from reports.exports.base import csv_number

    assert csv_number(value) == text
