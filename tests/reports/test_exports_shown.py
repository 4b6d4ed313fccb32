"""What the PDF and the ODS show is what the pages and the workbook show.

The PDF's cells are text and the ODS's cells carry a text beside their value: both are the
pages' formats (`base.shown`, through `roadmap_portal.ru_formats`). The ODS number styles
are the workbook's number formats (`NUM_FORMATS`): LibreOffice shows both files alike.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reports.exports import ods as ods_module
from reports.exports.base import Column, Kind, TitleBlock, XlsxBook, shown
from reports.exports.ods import OdsBook
from reports.exports.pdf import PdfBook, pdf_value
from roadmap_portal import ru_formats
from tests.reports.conftest import open_xlsx, table
from tests.reports.office import PDFTOTEXT, needs_libreoffice, shown_by_libreoffice

NNBSP, NBSP, MINUS = "\u202f", "\u00a0", "\u2212"
TITLE = TitleBlock(
    report="Проверка форматов",
    region="Свердловская область",
    period="по состоянию на 06.10.2025",
    generated_at=dt.datetime(2025, 10, 10, 12, 0, tzinfo=ZoneInfo("Europe/Moscow")),
    generated_by="Иванов И. И. (аналитик)",
)
COLUMNS = [
    Column("Количество", Kind.INT),
    Column("Сумма", Kind.NUMBER),
    Column("Доля", Kind.PERCENT),
    Column("Отклонение", Kind.POINTS),
    Column("Неделя", Kind.DATE),
    Column("Когда", Kind.DATETIME),
]
ROWS = [
    [67581, Decimal("-12345.5"), 1 / 16, Decimal("-2.5"), dt.date(2025, 10, 6), None],
    [1234567, 0.125, Decimal("0.753"), 2.5, None, dt.datetime(2025, 1, 31, 9, 5)],
    [0, 0, 0, 0, None, None],
]
# the first two rows as the pages write them
SHOWN = [
    [
        f"67{NNBSP}581",
        f"{MINUS}12{NNBSP}345,50",
        f"6,3{NBSP}%",
        f"{MINUS}2,5{NBSP}п.п.",
        "06.10.2025",
        "",
    ],
    [
        f"1{NNBSP}234{NNBSP}567",
        "0,13",
        f"75,3{NBSP}%",
        f"+2,5{NBSP}п.п.",
        "",
        "31.01.2025 09:05",
    ],
    ["0", "0,00", f"0,0{NBSP}%", f"0,0{NBSP}п.п.", "", ""],
]


def write(book_class, path: Path) -> Path:
    book = book_class(path=str(path), title=TITLE)
    sheet = book.table("Форматы", COLUMNS, primary=True)
    for row in ROWS:
        sheet.row(row)
    book.close()
    return path


# --- the text of a cell: the pages' formats ------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (67581, Kind.INT, ru_formats.ru_number(67581)),
        (Decimal("-12345.5"), Kind.NUMBER, ru_formats.ru_number(Decimal("-12345.5"), 2)),
        # half-up on the decimal value, as the pages round: not «6,2 %» of float formatting
        (1 / 16, Kind.PERCENT, ru_formats.ru_share(Decimal(1) / Decimal(16))),
        (0.753, Kind.PERCENT, ru_formats.ru_share(0.753)),
        # percentage points keep their decimal and sign (not «-2» of int())
        (Decimal("-2.5"), Kind.POINTS, ru_formats.ru_pp(Decimal("-2.5"))),
        (2.5, Kind.POINTS, ru_formats.ru_pp(2.5)),
        (dt.date(2025, 10, 6), Kind.DATE, ru_formats.ru_date(dt.date(2025, 10, 6))),
        (
            dt.datetime(2025, 10, 6, 14, 30),
            Kind.DATETIME,
            ru_formats.ru_datetime(dt.datetime(2025, 10, 6, 14, 30)),
        ),
        (dt.datetime(2025, 10, 6, 14, 30), Kind.DATE, "06.10.2025"),
        ("Школа № 1", Kind.TEXT, "Школа № 1"),
        (None, Kind.POINTS, ""),
        ("", Kind.INT, ""),
    ],
)
def test_pdf_and_ods_cells_read_as_the_pages(value, kind, expected):
    assert pdf_value(value, kind) == shown(value, kind) == expected


def test_the_rows_as_the_pages_write_them():
    for row, expected in zip(ROWS, SHOWN, strict=True):
        got = [shown(v, c.kind) for v, c in zip(row, COLUMNS, strict=True)]
        assert got == expected


def test_percent_rounds_half_up_as_the_pages():
    """Every share done/total below 60: the PDF and ODS text is the page's."""
    for done in range(1, 60):
        for total in range(done, 60):
            page = ru_formats.ru_share(Decimal(done) / Decimal(total))
            assert shown(done / total, Kind.PERCENT) == page, (done, total)


# --- PDF -------------------------------------------------------------------------------


@pytest.mark.skipif(not PDFTOTEXT, reason="poppler's pdftotext is not installed")
def test_pdf_prints_the_pages_formats(tmp_path):
    pdf = write(PdfBook, tmp_path / "formats.pdf")
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=60
    ).stdout.decode()
    # pdftotext reads the no-break spaces back as plain spaces; the true minus stays
    lines = [re.sub(r" {2,}", "|", line.strip()) for line in text.splitlines()]
    for expected in SHOWN[:2]:
        wanted = "|".join(v for v in expected if v).replace(NNBSP, " ").replace(NBSP, " ")
        assert wanted in lines, (wanted, lines)
    assert f"{MINUS}2,5 п.п." in text and "-" not in text  # the true minus, not a hyphen


def test_pdf_dashboard_template_writes_dates_with_ru_date():
    template = Path(__file__).resolve().parents[2] / "templates/reports/pdf/region_dashboard.html"
    source = template.read_text(encoding="utf-8")
    assert "|date:" not in source
    assert source.count("|ru_date") >= 8


# --- ODS -------------------------------------------------------------------------------


def ods_cells(path: Path) -> list[tuple[str, str, str, str]]:
    """(value type, value, style, shown text) of each number and date cell, in order."""
    with zipfile.ZipFile(path) as zf:
        content = zf.read("content.xml").decode()
    return re.findall(
        r'<table:table-cell table:style-name="(\w+)" office:value-type="(\w+)" '
        r'office:(?:date-)?value="([^"]+)"><text:p>(.*?)</text:p>',
        content,
    )


def test_ods_cells_hold_the_number_and_show_the_pages_text(tmp_path):
    path = write(OdsBook, tmp_path / "formats.ods")
    cells = ods_cells(path)
    expected = [
        (v, text)
        for row, texts in zip(ROWS, SHOWN, strict=True)
        for v, text in zip(row, texts, strict=True)
        if v is not None
    ]
    assert len(cells) == len(expected)
    for (_style, kind, value, text), (raw, wanted) in zip(cells, expected, strict=True):
        assert text == wanted
        if kind in ("float", "percentage"):
            assert float(value) == pytest.approx(float(raw))
    with zipfile.ZipFile(path) as zf:
        content = zf.read("content.xml").decode()
    # the gap column's cells take the points style, which the file defines
    points_style = cells[3][0]
    assert f'style:name="{points_style}"' in content
    assert re.search(rf'style:name="{points_style}"[^>]*style:data-style-name="N_POINTS"', content)
    assert '<number:number-style style:name="N_POINTS">' in content


def test_ods_number_styles_are_the_workbook_formats():
    styles = ods_module.DATA_STYLES
    assert set(styles) == {k for k in Kind if k is not Kind.TEXT}
    # #,##0 and #,##0.00: thousands grouped
    assert 'number:grouping="true"' in styles[Kind.INT]
    assert 'number:decimal-places="0"' in styles[Kind.INT]
    assert 'number:grouping="true"' in styles[Kind.NUMBER]
    assert 'number:min-decimal-places="2"' in styles[Kind.NUMBER]
    # #,##0.0" "%: one decimal, grouped, «%» after a no-break space
    assert 'number:min-decimal-places="1"' in styles[Kind.PERCENT]
    assert 'number:grouping="true"' in styles[Kind.PERCENT]
    assert f"<number:text>{NBSP}%</number:text>" in styles[Kind.PERCENT]
    # [>=0.05]"+"0.0" п.п.";[<=-0.05]"−"0.0" п.п.";0.0" п.п.": the sign from the rounding
    # step on, the true minus, the unit of ru_pp
    points = styles[Kind.POINTS]
    unit = f"<number:text>{NBSP}п.п.</number:text>"
    assert points.count(unit) == 3
    assert "<number:text>+</number:text>" in points
    assert f"<number:text>{MINUS}</number:text>" in points
    assert 'style:condition="value()&gt;=0.05"' in points
    assert 'style:condition="value()&lt;=-0.05"' in points


@needs_libreoffice
def test_libreoffice_shows_the_ods_as_the_xlsx(tmp_path):
    xlsx = write(XlsxBook, tmp_path / "formats_xlsx.xlsx")
    ods = write(OdsBook, tmp_path / "formats_ods.ods")
    _, rows = table(open_xlsx(str(xlsx)).active)
    assert rows[0][3].number_format == ru_formats.XLSX_POINTS
    # a fixed locale: both files show the separators of the reader's locale
    seen = shown_by_libreoffice(
        [xlsx, ods], tmp_path / "csv", tmp_path / "lo-profile", "en_US.UTF-8"
    )
    seen = {f: rows[-len(ROWS) :] for f, rows in seen.items()}
    assert seen[ods] == seen[xlsx]
    first, second, zero = seen[ods]
    # the true minus of the pages, not the spreadsheet's hyphen
    assert first[:4] == ["67,581", f"{MINUS}12,345.50", f"6.3{NBSP}%", f"{MINUS}2.5{NBSP}п.п."]
    assert second[:4] == ["1,234,567", "0.13", f"75.3{NBSP}%", f"+2.5{NBSP}п.п."]
    assert zero[:4] == ["0", "0.00", f"0.0{NBSP}%", f"0.0{NBSP}п.п."]
