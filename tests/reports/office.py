"""Helpers of the office-suite tests: reading ODS back (odfpy), converting with LibreOffice
headless, reading PDF text boxes (poppler's pdftotext -bbox) and saving page images."""

from __future__ import annotations

import csv
import datetime as dt
import html
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
PDFTOPPM = shutil.which("pdftoppm")

needs_libreoffice = pytest.mark.skipif(
    not (SOFFICE and PDFTOTEXT),
    reason="LibreOffice (soffice) or poppler's pdftotext is not installed: "
    "apt-get install libreoffice-calc-nogui poppler-utils (.ci/run installs them)",
)
needs_poppler = pytest.mark.skipif(
    not (PDFTOTEXT and PDFTOPPM),
    reason="poppler-utils (pdftotext, pdftoppm) is not installed (.ci/run installs it)",
)


# --- ODS and XLSX as plain values --------------------------------------------------------


def ods_values(path) -> dict[str, list[list]]:
    """{sheet: rows of values} of an ODS file, read with odfpy: numbers as float, dates
    as datetime, text with its spaces, tabs and line breaks; trailing empties dropped."""
    from odf import teletype
    from odf.opendocument import load
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = load(str(path))
    sheets = {}
    for table in doc.spreadsheet.getElementsByType(Table):
        rows = []
        for tr in table.getElementsByType(TableRow):
            cells = []
            for tc in tr.getElementsByType(TableCell):
                repeat = int(tc.getAttribute("numbercolumnsrepeated") or 1)
                kind = tc.getAttribute("valuetype")
                if kind in ("float", "percentage"):
                    value = float(tc.getAttribute("value"))
                elif kind == "date":
                    value = dt.datetime.fromisoformat(tc.getAttribute("datevalue"))
                elif kind == "string":
                    value = "\n".join(teletype.extractText(p) for p in tc.getElementsByType(P))
                else:
                    value = None
                cells += [value] * repeat
            rows += [trim(cells)] * int(tr.getAttribute("numberrowsrepeated") or 1)
        sheets[table.getAttribute("name")] = trim_rows(rows)
    return sheets


def xlsx_values(path) -> dict[str, list[list]]:
    import openpyxl

    book = openpyxl.load_workbook(str(path))
    sheets = {}
    for ws in book:
        rows = []
        for row in ws.iter_rows(values_only=True):
            values = [
                v.replace("\r\n", "\n").replace("\r", "\n") if isinstance(v, str) else v
                for v in row
            ]
            rows.append(trim(values))
        sheets[ws.title] = trim_rows(rows)
    return sheets


def trim(cells: list) -> list:
    while cells and cells[-1] is None:
        cells.pop()
    return cells


def trim_rows(rows: list[list]) -> list[list]:
    while rows and not rows[-1]:
        rows.pop()
    return rows


# --- LibreOffice and poppler -------------------------------------------------------------


# a sheet saved as CSV of the text LibreOffice shows («as shown»): ";", '"', UTF-8
SHOWN_AS_CSV = "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,true"


def libreoffice_convert(
    files: list[Path],
    outdir: Path,
    profile: Path,
    target: str,
    *,
    locale: str | None = None,
    infilter: str | None = None,
) -> None:
    """One LibreOffice headless run converts every file to `target` in `outdir`; `locale`
    fixes the reader's locale (its separators), `infilter` how a text file is read."""
    outdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "LC_ALL": locale, "LANG": locale} if locale else None
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            *([f"--infilter={infilter}"] if infilter else []),
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=300,
        env=env,
    )


def convert_to_pdf(files: list[Path], outdir: Path, profile: Path) -> dict[Path, Path]:
    """One LibreOffice run converts every file (as a user would print it)."""
    libreoffice_convert(files, outdir, profile, "pdf")
    result = {}
    for f in files:
        pdf = outdir / (f.stem + ".pdf")
        assert pdf.exists(), f"LibreOffice did not convert {f.name}"
        result[f] = pdf
    return result


def shown_by_libreoffice(
    files: list[Path], outdir: Path, profile: Path, locale: str
) -> dict[Path, list[list[str]]]:
    """The rows of each file's first sheet as LibreOffice in `locale` shows them (the
    formatted text, with that locale's thousands separator and decimal mark)."""
    libreoffice_convert(files, outdir, profile, SHOWN_AS_CSV, locale=locale)
    return {
        f: list(
            csv.reader(
                (outdir / (f.stem + ".csv")).read_text(encoding="utf-8").splitlines(), delimiter=";"
            )
        )
        for f in files
    }


def same_spaces(text: str) -> str:
    """Every space a number may be shown with as a plain one: the thousands separator of
    the reader's locale (LibreOffice ru-RU: a no-break space) for the pages' narrow one, and
    the no-break space an ODS data style gives, which LibreOffice ru-RU shows as a plain
    one: all the same width on screen and paper."""
    return re.sub("[ \u00a0\u202f]", " ", text)


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


_PAGE = re.compile(r"<page [^>]*>(.*?)</page>", re.S)
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


def pdf_pages(pdf: Path) -> list[list[Word]]:
    """The words of each page with their boxes (pdftotext -bbox)."""
    out = subprocess.run(
        [PDFTOTEXT, "-bbox", str(pdf), "-"], check=True, capture_output=True, timeout=120
    ).stdout.decode()
    pages = []
    for page in _PAGE.findall(out):
        pages.append(
            [
                Word(html.unescape(m[4]), float(m[0]), float(m[1]), float(m[2]), float(m[3]))
                for m in _WORD.findall(page)
            ]
        )
    return pages


def page_text(words: list[Word]) -> str:
    return " ".join(w.text for w in words)


def overlaps(words: list[Word], *, tolerance: float = 0.3) -> list[tuple[Word, Word]]:
    """Pairs of words whose boxes overlap by more than `tolerance` of the lower one's
    height and by more than a point across: text drawn over other text."""
    found = []
    ordered = sorted(words, key=lambda w: w.y0)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.y0 >= a.y1:
                break
            dy = min(a.y1, b.y1) - max(a.y0, b.y0)
            dx = min(a.x1, b.x1) - max(a.x0, b.x0)
            if dx > 1 and dy > tolerance * min(a.y1 - a.y0, b.y1 - b.y0):
                found.append((a, b))
    return found


def save_first_page_png(pdf: Path, name: str) -> Path:
    """Page 1 as a PNG under var/test-artifacts/ (kept for people to look at)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / name
    subprocess.run(
        [PDFTOPPM, "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(target)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    png = Path(str(target) + ".png")
    assert png.exists() and os.path.getsize(png) > 1000
    return png
