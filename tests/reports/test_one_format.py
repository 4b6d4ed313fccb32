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
import os
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
from tests.reports.office import PDFTOTEXT, SOFFICE, needs_libreoffice

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
]
# (case, share as a fraction of 1, gap in points, count) and what the pages show for them
TRICKY = [
    ("ноль", 0, 0, 0, f"0,0{NBSP}%", f"0,0{NBSP}п.п.", "0"),
    ("ниже на 0,04 п.п.", 0.7496, -0.04, 1, f"75,0{NBSP}%", f"0,0{NBSP}п.п.", "1"),
    ("выше на 0,04 п.п.", 0.7504, 0.04, 2, f"75,0{NBSP}%", f"0,0{NBSP}п.п.", "2"),
    ("ниже на 0,05 п.п.", 0.7495, -0.05, 3, f"75,0{NBSP}%", f"{MINUS}0,1{NBSP}п.п.", "3"),
    ("выше на 0,05 п.п.", 0.7505, 0.05, 4, f"75,1{NBSP}%", f"+0,1{NBSP}п.п.", "4"),
    ("74,949 %", 0.74949, -0.051, 5, f"74,9{NBSP}%", f"{MINUS}0,1{NBSP}п.п.", "5"),
    ("74,996 %", 0.74996, -0.004, 6, f"75,0{NBSP}%", f"0,0{NBSP}п.п.", "6"),
    ("на цели", 0.75, 0, 7, f"75,0{NBSP}%", f"0,0{NBSP}п.п.", "7"),
    ("100 %", 1, 25, 100, f"100,0{NBSP}%", f"+25,0{NBSP}п.п.", "100"),
    ("нет данных", None, None, None, "", "", ""),
    (
        "много",
        0.063,
        -68.7,
        1234567,
        f"6,3{NBSP}%",
        f"{MINUS}68,7{NBSP}п.п.",
        f"1{NNBSP}234{NNBSP}567",
    ),
    ("большое отставание", 0.005, -74.5, 12, f"0,5{NBSP}%", f"{MINUS}74,5{NBSP}п.п.", "12"),
    # exact ties of the shown digit whose float lies below the tie: LibreOffice showed
    # 23/80 as «28,7 %»
    ("23 из 80", 23 / 80, Decimal("-46.25"), 80, f"28,8{NBSP}%", f"{MINUS}46,3{NBSP}п.п.", "80"),
    ("41 из 80", 41 / 80, Decimal("-23.75"), 80, f"51,3{NBSP}%", f"{MINUS}23,8{NBSP}п.п.", "80"),
    ("51 из 80", Decimal(51) / 80, 0.15, 80, f"63,8{NBSP}%", f"+0,2{NBSP}п.п.", "80"),
    ("46 из 160", 46 / 160, -0.15, 160, f"28,8{NBSP}%", f"{MINUS}0,2{NBSP}п.п.", "160"),
]
ROWS = [list(case[:4]) for case in TRICKY]
PAGES = [list(case[4:]) for case in TRICKY]


def write(book_class, path: Path, rows=ROWS) -> Path:
    book = book_class(path=str(path), title=TITLE)
    sheet = book.table("Форматы", COLUMNS, primary=True)
    for row in rows:
        sheet.row(row)
    book.close()
    return path


def test_the_pages_formats_of_the_tricky_values():
    """The expectations above are the pages' own formats (the template filters call
    these): `ru_share` for a share, `ru_pp` for a gap, `ru_number` for a count."""
    for (_case, share, gap, count, *_), page in zip(TRICKY, PAGES, strict=True):
        if share is None:
            assert ru_formats.ru_share(share) == ru_formats.ru_pp(gap) == "нет данных"
            continue
        assert [ru_formats.ru_share(share), ru_formats.ru_pp(gap), ru_formats.ru_number(count)] == (
            page
        )


def test_pdf_and_ods_text_is_the_pages():
    """The PDF's cells and the text of the ODS cells: the pages' formats, empty for none."""
    for row, page in zip(ROWS, PAGES, strict=True):
        assert [shown(v, c.kind) for v, c in zip(row[1:], COLUMNS[1:], strict=True)] == page


def test_csv_keeps_numbers_with_a_decimal_comma():
    """The CSV is for machines: the numbers themselves, a decimal comma, no «%» or unit."""
    cells = [[csv_value(v, c.kind) for v, c in zip(r, COLUMNS, strict=True)] for r in ROWS]
    assert cells[0] == ["ноль", "0", "0", "0"]
    assert cells[1] == ["ниже на 0,04 п.п.", "0,7496", "-0,04", "1"]
    assert cells[6] == ["74,996 %", "0,74996", "-0,004", "6"]
    assert cells[9] == ["нет данных", "", "", ""]
    assert cells[10][1:] == ["0,063", "-68,7", "1234567"]
    assert cells[12][1:] == ["0,2875", "-46,25", "80"]


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
    """Each file's rows of `cases` (first cell) as LibreOffice shows them in `locale` (CSV
    of the formatted text, with the thousands separator and decimal comma of that locale)."""
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{outdir / 'lo-profile'}",
            "--headless",
            "--norestore",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,true",
            "--outdir",
            str(outdir),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=300,
        env={**os.environ, "LC_ALL": locale, "LANG": locale},
    )
    seen = {}
    for f in files:
        lines = (outdir / (f.stem + ".csv")).read_text(encoding="utf-8").splitlines()
        seen[f] = [line.split(";") for line in lines if line.split(";")[0] in cases]
    return seen


def same_spaces(text: str) -> str:
    """The thousands separator of the reader's locale (LibreOffice ru-RU: a no-break space)
    for the pages' narrow one, and in an ODS data style LibreOffice ru-RU reads the no-break
    space as a plain one: all the same width on screen and paper."""
    return re.sub(f"[ {NBSP}{NNBSP}]", " ", text)


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
    assert xlsx["много"] == [f"6,3{NBSP}%", f"{MINUS}68,7{NBSP}п.п.", f"1{NBSP}234{NBSP}567"]
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
    assert lines[1] == "ноль;0;0;0"
    assert lines[7] == "74,996 %;0,74996;-0,004;6"
