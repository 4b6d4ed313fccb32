"""One number format everywhere, checked as a person sees it.

The values that went wrong before, each written by every output: the pages' formats
(`ru_formats`, through the template filters), the text of the PDF and the ODS cells
(`base.shown`), the CSV (`csv_value`), and the XLSX and the ODS as LibreOffice shows them
(converted to CSV of the displayed text, in the ru-RU locale of the portal's readers). The
workbook cells stay typed numbers; only their formats decide what is shown.

Found and fixed here: «6,3%» without the space before «%»; «−0,0 п.п.» and «+0,0 п.п.» for a
gap that rounds to zero; «28,7 %» for the share 23/80 = 28,75 % (LibreOffice multiplied the
float below the tie by 100; `ru_formats.xlsx_share`).
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

from reports.exports.base import Column, CsvBook, Kind, TitleBlock, XlsxBook, csv_value, shown
from reports.exports.ods import OdsBook
from reports.exports.pdf import PdfBook
from roadmap_portal import ru_formats
from tests.reports.conftest import open_xlsx, table
from tests.reports.office import PDFTOTEXT, needs_libreoffice, same_spaces, shown_by_libreoffice

NNBSP, NBSP, MINUS = "\u202f", "\u00a0", "\u2212"
TITLE = TitleBlock(
    report="Проверка форматов",
    region="Свердловская область",
    period="по состоянию на 29.12.2025",
    generated_at=dt.datetime(2026, 1, 5, 12, 0, tzinfo=ZoneInfo("Europe/Moscow")),
    generated_by="Иванов И. И. (аналитик)",
)
COLUMNS = [
    Column("Случай", width=24),
    Column("Значение", Kind.PERCENT),
    Column("Отклонение", Kind.POINTS),
    Column("Количество", Kind.INT),
    Column("Баллы", Kind.NUMBER),
    Column("Изменение", Kind.DELTA),
]
# case: share (a fraction of 1), gap (points), count, number, change; and as the pages show
# them: `ru_share`, `ru_pp`, `ru_number`, `ru_number` to two places, `ru_delta` to two places
N, P, G = NNBSP, NBSP, MINUS
TRICKY = [
    ("ноль", (0, 0, 0, 0, 0), (f"0,0{P}%", f"0,0{P}п.п.", "0", "0,00", "0,00")),
    (
        "ниже на 0,04 п.п.",
        (0.7496, -0.04, 1, -0.004, -0.004),
        (f"75,0{P}%", f"0,0{P}п.п.", "1", "0,00", "0,00"),  # no «−0,0»
    ),
    (
        "выше на 0,04 п.п.",
        (0.7504, 0.04, 2, 0.004, 0.004),
        (f"75,0{P}%", f"0,0{P}п.п.", "2", "0,00", "0,00"),  # no «+0,0»
    ),
    (
        "ниже на 0,05 п.п.",
        (0.7495, -0.05, 3, -0.005, -0.005),
        (f"75,0{P}%", f"{G}0,1{P}п.п.", "3", f"{G}0,01", f"{G}0,01"),
    ),
    (
        "выше на 0,05 п.п.",
        (0.7505, 0.05, 4, 0.005, 0.005),
        (f"75,1{P}%", f"+0,1{P}п.п.", "4", "0,01", "+0,01"),
    ),
    (
        "74,949 %",
        (0.74949, -0.051, 5, 56.5, 1.5),
        (f"74,9{P}%", f"{G}0,1{P}п.п.", "5", "56,50", "+1,50"),
    ),
    (
        "74,996 %",
        (0.74996, -0.004, 6, Decimal("-12345.5"), -0.25),
        (f"75,0{P}%", f"0,0{P}п.п.", "6", f"{G}12{N}345,50", f"{G}0,25"),
    ),
    ("на цели", (0.75, 0, 7, 40, 0), (f"75,0{P}%", f"0,0{P}п.п.", "7", "40,00", "0,00")),
    ("100 %", (1, 25, 100, 100, 25), (f"100,0{P}%", f"+25,0{P}п.п.", "100", "100,00", "+25,00")),
    ("нет данных", (None, None, None, None, None), ("", "", "", "", "")),
    (
        "много",
        (0.063, -68.7, 1234567, Decimal("1234567.891"), Decimal("-1234567.891")),
        (
            f"6,3{P}%",
            f"{G}68,7{P}п.п.",
            f"1{N}234{N}567",
            f"1{N}234{N}567,89",
            f"{G}1{N}234{N}567,89",
        ),
    ),
    (
        "большое отставание",
        (0.005, -74.5, 12, 0.125, -0.125),
        (f"0,5{P}%", f"{G}74,5{P}п.п.", "12", "0,13", f"{G}0,13"),
    ),
    # exact ties of the shown digit whose float lies below the tie: LibreOffice showed
    # 23/80 as «28,7 %»; 2.675 and 8.345 are such floats with two places
    (
        "23 из 80",
        (23 / 80, Decimal("-46.25"), 80, 2.675, 1.005),
        (f"28,8{P}%", f"{G}46,3{P}п.п.", "80", "2,68", "+1,01"),
    ),
    (
        "41 из 80",
        (41 / 80, Decimal("-23.75"), 80, 8.345, -8.345),
        (f"51,3{P}%", f"{G}23,8{P}п.п.", "80", "8,35", f"{G}8,35"),
    ),
    (
        "51 из 80",
        (Decimal(51) / 80, 0.15, 80, None, None),
        (f"63,8{P}%", f"+0,2{P}п.п.", "80", "", ""),
    ),
    (
        "46 из 160",
        (46 / 160, -0.15, 160, 0, 0),
        (f"28,8{P}%", f"{G}0,2{P}п.п.", "160", "0,00", "0,00"),
    ),
]
ROWS = [[case, *values] for case, values, _page in TRICKY]
PAGES = [list(page) for _case, _values, page in TRICKY]


def write(book_class, path: Path, rows=ROWS) -> Path:
    book = book_class(path=str(path), title=TITLE)
    sheet = book.table("Форматы", COLUMNS, primary=True)
    for row in rows:
        sheet.row(row)
    book.close()
    return path


def test_the_pages_formats_of_the_tricky_values():
    """The expectations above are the pages' own formats (the template filters call
    these), with two places where a workbook column keeps two."""
    for _case, (share, gap, count, number, change), page in TRICKY:
        if share is None:
            assert ru_formats.ru_share(share) == ru_formats.ru_pp(gap) == "нет данных"
            continue
        formatted = [
            ru_formats.ru_share(share),
            ru_formats.ru_pp(gap),
            ru_formats.ru_number(count),
            ru_formats.ru_number(number, 2) if number is not None else "",
            ru_formats.ru_delta(change, 2) if change is not None else "",
        ]
        assert formatted == list(page)


def test_pdf_and_ods_text_is_the_pages():
    """The PDF's cells and the text of the ODS cells: the pages' formats, empty for none."""
    for row, page in zip(ROWS, PAGES, strict=True):
        assert [shown(v, c.kind) for v, c in zip(row[1:], COLUMNS[1:], strict=True)] == page


def test_csv_keeps_numbers_with_a_decimal_comma():
    """The CSV is for machines: the numbers themselves, a decimal comma, no «%» or unit."""
    cells = [[csv_value(v, c.kind) for v, c in zip(r, COLUMNS, strict=True)] for r in ROWS]
    assert cells[0] == ["ноль", "0", "0", "0", "0", "0"]
    assert cells[1] == ["ниже на 0,04 п.п.", "0,7496", "-0,04", "1", "-0,004", "-0,004"]
    assert cells[6] == ["74,996 %", "0,74996", "-0,004", "6", "-12345,5", "-0,25"]
    assert cells[9] == ["нет данных", "", "", "", "", ""]
    assert cells[10][1:] == ["0,063", "-68,7", "1234567", "1234567,891", "-1234567,891"]
    assert cells[12][1:] == ["0,2875", "-46,25", "80", "2,675", "1,005"]


def test_a_tie_of_the_shown_digit_is_written_on_its_own_side():
    share = ru_formats.xlsx_share
    assert share(23 / 80) == 0.2875000000000001 and f"{share(23 / 80):.16G}" == "0.2875000000000001"
    assert share(Decimal("0.2875")) == share(0.2875)  # a value equal to its target stays so
    assert share(0.7495) == 0.7495  # its float is above the tie already
    assert share(0.74996) == 0.74996 and share(0.75) == 0.75 and share(1) == 1.0
    assert share(0) == 0.0 and share(None) is None
    assert share(-0.2875) == -0.2875000000000001  # away from zero, as ru_share rounds
    for done in range(1, 400):
        for total in range(done, 400):
            exact = Decimal(done) / Decimal(total)
            cell = share(done / total)
            assert abs(Decimal(cell) - exact) < Decimal("1e-15"), (done, total)


def test_workbook_cells_are_typed_numbers(tmp_path):
    xlsx = write(XlsxBook, tmp_path / "t.xlsx")
    _, rows = table(open_xlsx(str(xlsx)).active)
    for row, values in zip(rows, ROWS, strict=True):
        for cell, value in zip(row[1:], values[1:], strict=True):
            if value is None:
                assert cell.value is None
            else:
                assert cell.data_type == "n" and cell.value == pytest.approx(float(value))
    assert rows[0][1].number_format == ru_formats.XLSX_PERCENT
    assert rows[0][2].number_format == ru_formats.XLSX_POINTS
    ods = write(OdsBook, tmp_path / "t.ods")
    with zipfile.ZipFile(ods) as zf:
        content = zf.read("content.xml").decode()
    assert content.count('office:value-type="percentage"') == len(ROWS) - 1
    assert 'office:value="0.2875000000000001"' in content


# --- as LibreOffice shows them --------------------------------------------------------------


def libreoffice_shows(files: list[Path], outdir: Path, cases: set[str], locale: str) -> dict:
    """Each file's rows of `cases` (first cell) as LibreOffice shows them in `locale`."""
    seen = shown_by_libreoffice(files, outdir, outdir / "lo-profile", locale)
    return {f: [row for row in rows if row and row[0] in cases] for f, rows in seen.items()}


@needs_libreoffice
def test_libreoffice_shows_the_workbooks_as_the_pages(tmp_path):
    files = [
        write(XlsxBook, tmp_path / "seen_xlsx.xlsx"),
        write(OdsBook, tmp_path / "seen_ods.ods"),
    ]
    seen = libreoffice_shows(files, tmp_path, {case[0] for case in TRICKY}, "ru_RU.UTF-8")
    for f in files:
        assert len(seen[f]) == len(TRICKY), f
        for (case, *shown_cells), page in zip(seen[f], PAGES, strict=True):
            assert [same_spaces(c) for c in shown_cells] == [same_spaces(c) for c in page], (
                f.suffix,
                case,
            )
    # the XLSX keeps the no-break spaces themselves
    xlsx = dict((row[0], row[1:]) for row in seen[files[0]])
    assert xlsx["много"][:3] == [f"6,3{NBSP}%", f"{MINUS}68,7{NBSP}п.п.", f"1{NBSP}234{NBSP}567"]
    assert xlsx["ниже на 0,04 п.п."][1] == f"0,0{NBSP}п.п."


@needs_libreoffice
def test_libreoffice_shows_every_tie_as_the_pages(tmp_path):
    """Every share d/t (t < 320) that is an exact tie of the shown digit (x,x5 %): 23/80
    was «28,7 %» in LibreOffice, «28,8 %» on the pages."""
    ties = [
        (f"{d}/{t}", d / t, None, None)
        for t in range(1, 320)
        for d in range(t + 1)
        if (Decimal(d) * 1000 / t) % 1 == Decimal("0.5")
    ]
    assert len(ties) > 100
    files = [
        write(XlsxBook, tmp_path / "ties_xlsx.xlsx", ties),
        write(OdsBook, tmp_path / "ties_ods.ods", ties),
    ]
    seen = libreoffice_shows(files, tmp_path, {case for case, *_ in ties}, "ru_RU.UTF-8")
    for f in files:
        wrong = [
            (case, cell)
            for (case, share, *_), (_c, cell, *_rest) in zip(ties, seen[f], strict=True)
            if same_spaces(cell) != same_spaces(ru_formats.ru_share(share))
        ]
        assert not wrong, (f.suffix, wrong[:5])


@pytest.mark.skipif(not PDFTOTEXT, reason="poppler's pdftotext is not installed")
def test_pdf_prints_the_pages(tmp_path):
    pdf = write(PdfBook, tmp_path / "t.pdf")
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=60
    ).stdout.decode()
    lines = [re.sub(r" {2,}", "|", line.strip()) for line in text.splitlines()]
    for (case, *_), page in zip(TRICKY, PAGES, strict=True):
        wanted = "|".join([case, *[v for v in page if v]])
        # pdftotext reads the no-break spaces back as plain spaces
        assert same_spaces(wanted) in [same_spaces(line) for line in lines], (wanted, lines)


def test_csv_file_of_the_tricky_values(tmp_path):
    path = write(CsvBook, tmp_path / "t.csv")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[1] == "ноль;0;0;0;0;0"
    assert lines[7] == "74,996 %;0,74996;-0,004;6;-12345,5;-0,25"
