"""Streaming workbook writers shared by every report (XLSX for people, CSV for machines;
ODS in `ods.py` and PDF in `pdf.py` implement the same `Book`/`Table` interface, and
`formats.py` is the registry of all four).

A report writes *tables* into a *book*: `book.table(name, columns)` gives a `Table` whose
`row(values)` appends one row. Rows go straight to disk:

* `XlsxBook` uses XlsxWriter in `constant_memory` mode: each worksheet keeps only its
  current row in memory and flushes it when the next row starts, so rows of one sheet must
  be written in order (several sheets may be filled in turn, each in its own order).
  Everything that needs the final row count (autofilter, conditional fills) is applied when
  the table is closed.
* `CsvBook` writes only the table marked `primary=True` (the report's main rows), UTF-8
  with BOM, `;`-separated, CRLF lines (`roadmap_portal.cells.PortalCsvDialect`, which the
  admin's CSV follows too), the same values as the workbook: dates as ДД.ММ.ГГГГ
  (`06.10.2025`), numbers with a decimal comma (`csv_number`: Russian Excel opens «12.5» as
  a date), percentages as the same fractions the workbook holds (0,753 for 75.3 %). Other
  tables are ignored.

Formula neutralisation (CSV/DDE injection): every piece of *text* (titles, comments,
organisation names, user names — anything typed by a person or read from an import) loses
the control characters XML forbids and, when it starts a formula (`=`, `+`, `-`, `@`, a tab
or a carriage return; or `=`, `+`, `-`, `@` or their full-width forms after leading white
space), is prefixed with a single quote `'` (the OWASP recommendation;
`roadmap_portal.cells.neutralise`, the one rule, shared with the admin). In
the workbook the text is also written with `write_string` and the workbook is opened with
`strings_to_formulas=False`, `strings_to_numbers=False` and `strings_to_urls=False`, so
XlsxWriter never turns a string into a formula, number or link; the quote keeps the text
inert when the cell is copied, re-typed or the CSV is opened in a spreadsheet. The quote is
visible: the reader sees that the text was not meant as a formula. Numbers are written as
numbers (`write_number`), so a negative gap stays a negative number.

The title block (report, region, period, generated at, by whom) fills the first rows of
each sheet; the header row comes after a blank line, the frozen pane and the autofilter
sit below the title block, and the header row repeats on every printed page (print
titles, in every format that prints).

Row heights: Excel re-fits wrapped rows when it opens a file, LibreOffice, Р7-Офис and
МойОфис do not (text of one row is then drawn over the next). So every writer sets the
height of each row itself from `row_height(columns, values)`: the wrapped line count of
its tallest cell, estimated from the column width and the words of the text (see
`wrapped_lines`), capped at MAX_ROW_HEIGHT. The estimate is taken while the row streams,
so it works in constant-memory mode too.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

import xlsxwriter

from roadmap_portal import ru_formats as formats

# the one neutralisation rule, shared with the admin's exports (re-exported for the reports)
from roadmap_portal.cells import (  # noqa: F401
    CSV_ENCODING,
    FORMULA_TRIGGERS,
    MAX_TEXT,
    XML_FORBIDDEN,
    PortalCsvDialect,
    neutralise,
    starts_formula,
)

CSV_DATE = "%d.%m.%Y"  # ДД.ММ.ГГГГ, as Russian readers and spreadsheets expect
CSV_DECIMAL = ","  # and the decimal separator they expect (`csv_number`)
CSV_DATETIME = "%d.%m.%Y %H:%M"
SHEET_NAME_FORBIDDEN = set("[]:*?/\\")

# Row heights (points). The default font is Calibri 11 (Carlito, its metric twin, on
# Linux): one line is 15 pt; a column of width W (in widths of the digit "0") holds about
# 1.15 W characters of Russian text; we count W (one character per digit width) so that a
# wider substitute font still fits, and bold headers a tenth fewer.
LINE_HEIGHT = 15.0
CHARS_PER_WIDTH = 1.0
BOLD_CHARS_PER_WIDTH = 0.9
MAX_ROW_HEIGHT = 409.0  # Excel's maximum; longer text is cut on paper, kept in the cell
TITLE_SIZE = 13


class ExportRefused(Exception):
    """The request cannot be served (no region where the report needs one, a format the
    report does not offer, more rows than the format allows …); the text is for the user,
    `field` names the form field it is about ("" when none)."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.field = field


def wrapped_lines(text: str, width: float, *, bold: bool = False) -> int:
    """Lines a wrapped cell of `width` (Excel character units) needs for `text`: words are
    laid greedily, a word longer than a line is broken, explicit line breaks are kept."""
    per_line = max(int(width * (BOLD_CHARS_PER_WIDTH if bold else CHARS_PER_WIDTH)), 1)
    if len(text) <= per_line and "\n" not in text:
        return 1
    lines = 0
    for paragraph in text.split("\n"):
        used = 0
        lines += 1
        for word in paragraph.split():
            size = len(word)
            if used and used + 1 + size <= per_line:
                used += 1 + size
                continue
            if used:
                lines += 1
            lines += (size - 1) // per_line
            used = size - per_line * ((size - 1) // per_line)
    return lines


def row_height(
    columns: Sequence[Column], values: Sequence[Any], *, bold: bool = False
) -> float | None:
    """The height (points) of a row: the line count of its tallest wrapped text cell times
    LINE_HEIGHT, capped at MAX_ROW_HEIGHT; None for a one-line row (the default height)."""
    lines = 1
    for column, value in zip(columns, values, strict=False):
        if not column.wrap or value is None or value == "":
            continue
        if column.kind is Kind.TEXT or isinstance(value, str):
            lines = max(lines, wrapped_lines(str(value), column.width, bold=bold))
    if lines == 1:
        return None
    return min(lines * LINE_HEIGHT, MAX_ROW_HEIGHT)


def header_height(columns: Sequence[Column]) -> float:
    """The header row wraps every heading (bold): the tallest heading sets the height."""
    lines = max((wrapped_lines(c.header, c.width, bold=True) for c in columns), default=1)
    return min(lines * LINE_HEIGHT, MAX_ROW_HEIGHT)


class Kind(enum.Enum):
    """How a column's values are written and formatted."""

    TEXT = "text"
    INT = "int"
    NUMBER = "number"  # decimals, two places shown
    PERCENT = "percent"  # a fraction (0.753), shown as 75,3 %
    DATE = "date"
    DATETIME = "datetime"
    POINTS = "points"  # a difference of percentages in percentage points (−2.5), «−2,5 п.п.»
    DELTA = "delta"  # a signed change, two places shown: «+1,50», «−0,25»


# numeric cells stay numbers; their Excel formats come from roadmap_portal.formats (thousands
# grouped as on the pages, decimal comma and minus of the reader's Excel)
NUM_FORMATS = {
    Kind.TEXT: None,
    Kind.INT: formats.XLSX_INT,
    Kind.NUMBER: formats.XLSX_NUMBER,
    Kind.PERCENT: formats.XLSX_PERCENT,
    Kind.DATE: formats.XLSX_DATE,
    Kind.DATETIME: formats.XLSX_DATETIME,
    Kind.POINTS: formats.XLSX_POINTS,
    Kind.DELTA: formats.XLSX_DELTA,
}


def shown(value: Any, kind: Kind) -> str:
    """A cell as a person reads it where the file holds text, not a number and its format
    (the PDF's tables, the text an ODS cell shows before the office suite formats it): the
    pages' formats, the rules NUM_FORMATS give a spreadsheet («67 581», «−12 345,50»,
    «+1,50», «6,3 %», «−2,5 п.п.», «06.10.2025»). Empty for a missing value, as the
    workbook's cell."""
    if value is None or value == "":
        return ""
    if isinstance(value, str) or kind is Kind.TEXT:
        return str(value)
    if isinstance(value, dt.datetime) and kind is Kind.DATETIME:
        return formats.ru_datetime(value)
    if isinstance(value, dt.date):
        return formats.ru_date(value)
    if kind is Kind.PERCENT:
        return formats.ru_share(value, 1)
    if kind is Kind.POINTS:
        return formats.ru_pp(value, 1)
    if kind is Kind.NUMBER:
        return formats.ru_number(value, formats.NUMBER_DIGITS)
    if kind is Kind.DELTA:
        return formats.ru_delta(value, formats.NUMBER_DIGITS)
    return formats.ru_number(value, 0)


class Fill(enum.Enum):
    """Fills of the traffic-light (RAG) scheme; colours match static/css/portal.css."""

    RED = "#F8D7DA"
    AMBER = "#FFF0C2"
    GREEN = "#D4EDDA"
    GREY = "#E9ECEF"


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    width: float = 14
    wrap: bool = False


@dataclass(frozen=True)
class Rag:
    """Conditional fill of a numeric column: green at or above `green_from`, amber at or
    above `amber_from`, red below; empty cells stay unfilled."""

    column: int
    green_from: float
    amber_from: float


@dataclass(frozen=True)
class TitleBlock:
    report: str
    region: str
    period: str
    generated_at: dt.datetime
    generated_by: str

    def lines(self) -> list[str]:
        offset = self.generated_at.utcoffset() or dt.timedelta(0)
        hours = int(offset.total_seconds() // 3600)
        stamp = f"{formats.ru_datetime(self.generated_at)} (UTC{hours:+d})"
        return [
            self.report,
            f"Субъект РФ: {self.region}",
            f"Период: {self.period}",
            f"Сформирован: {stamp}",
            f"Сформировал: {self.generated_by}",
        ]


def cell_number(value: Any, kind: Kind) -> float | int:
    """The number a workbook cell (XLSX or ODS) of `kind` holds: the value itself, a share
    as `ru_formats.xlsx_share` writes it (so that every office suite rounds it as the pages
    do), a Decimal as a float."""
    if kind is Kind.PERCENT:
        share = formats.xlsx_share(value)
        assert share is not None  # blanks are written as blanks
        return share
    return float(value) if isinstance(value, Decimal) else value


class Table:
    """The interface a report writes to; see XlsxTable and CsvTable."""

    rows_written = 0

    def row(self, values: Sequence[Any], *, fill: Fill | None = None) -> None:
        raise NotImplementedError

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        for values in rows:
            self.row(values)

    def close(self) -> None:
        pass


class _NullTable(Table):
    def row(self, values: Sequence[Any], *, fill: Fill | None = None) -> None:
        self.rows_written += 1


class XlsxTable(Table):
    def __init__(
        self,
        book: XlsxBook,
        sheet,
        columns: Sequence[Column],
        title: TitleBlock | None,
        rag: Sequence[Rag],
        note: str = "",
    ):
        self.book = book
        self.sheet = sheet
        self.columns = list(columns)
        self.rag = list(rag)
        self.rows_written = 0
        self._row = 0
        self._formats: dict[Fill | None, list] = {}
        self._sized_rows: deque[int] = deque()  # data rows given a height, not yet forgotten
        last_col = len(self.columns) - 1
        if title is not None:
            bold = book.fmt(bold=True, size=TITLE_SIZE)
            for i, line in enumerate(title.lines()):
                sheet.write_string(self._row, 0, neutralise(line), bold if i == 0 else None)
                self._row += 1
            if note:
                sheet.write_string(self._row, 0, neutralise(note), book.fmt(italic=True))
                self._row += 1
            self._row += 1  # a blank line before the header
        self.header_row = self._row
        header = book.fmt(bold=True, wrap=True, fill=Fill.GREY, border=True)
        for col, column in enumerate(self.columns):
            sheet.write_string(self.header_row, col, neutralise(column.header), header)
            sheet.set_column(col, col, column.width)
        sheet.set_row(self.header_row, header_height(self.columns))
        self._row += 1
        self.first_data_row = self._row
        sheet.freeze_panes(self.first_data_row, 0)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)  # one page wide, as many as needed tall
        sheet.repeat_rows(self.header_row)
        sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
        sheet.set_footer("&CСтр. &P из &N")
        self._last_col = last_col

    def _row_formats(self, fill: Fill | None) -> list:
        formats = self._formats.get(fill)
        if formats is None:
            formats = self._formats[fill] = [
                self.book.fmt(kind=c.kind, fill=fill, wrap=c.wrap, border=True)
                for c in self.columns
            ]
        return formats

    def row(self, values: Sequence[Any], *, fill: Fill | None = None) -> None:
        sheet = self.sheet
        r = self._row
        formats = self._row_formats(fill)
        height = row_height(self.columns, values)
        self._forget_written_heights(before=r - 1)
        if height is not None:
            sheet.set_row(r, height)  # before the row's cells: constant_memory flushes it
            self._sized_rows.append(r)
        for col, column in enumerate(self.columns):
            value = values[col] if col < len(values) else None
            fmt = formats[col]
            if value is None or value == "":
                sheet.write_blank(r, col, None, fmt)
            elif column.kind is Kind.TEXT or isinstance(value, str):
                sheet.write_string(r, col, neutralise(value), fmt)
            elif column.kind in (Kind.DATE, Kind.DATETIME):
                sheet.write_datetime(r, col, value, fmt)
            else:
                sheet.write_number(r, col, cell_number(value, column.kind), fmt)
        self._row += 1
        self.rows_written += 1

    def _forget_written_heights(self, *, before: int) -> None:
        """Drops XlsxWriter's record of the heights of rows already on disk.

        `set_row` keeps every row's height to the end (`row_info`, `row_sizes`) so as to place
        images, charts and comments, which these sheets never have. In `constant_memory` mode
        a row is written out as soon as the next one starts, so for a written row that record
        is only memory: ~230 bytes a wrapped row, which made the peak memory of an export grow
        with its length (30 MB more for 140,000 organisation rows). Rows before `before`
        (the row before the current one) have been written. Attributes of XlsxWriter, pinned
        in pyproject.toml; tests/reports/test_export_memory.py checks both the bound and the
        heights in the file."""
        sized = self._sized_rows
        info, sizes = self.sheet.row_info, self.sheet.row_sizes
        while sized and sized[0] < before:
            row = sized.popleft()
            info.pop(row, None)
            sizes.pop(row, None)

    def close(self) -> None:
        last_row = max(self._row - 1, self.header_row)
        self.sheet.autofilter(self.header_row, 0, last_row, self._last_col)
        if self._row == self.first_data_row:
            return
        for rule in self.rag:
            cell = xlsxwriter.utility.xl_rowcol_to_cell(self.first_data_row, rule.column)
            rng = (self.first_data_row, rule.column, last_row, rule.column)
            for criteria, fill in (
                (f"=AND(ISNUMBER({cell}),{cell}>={rule.green_from})", Fill.GREEN),
                (
                    f"=AND(ISNUMBER({cell}),{cell}<{rule.green_from},{cell}>={rule.amber_from})",
                    Fill.AMBER,
                ),
                (f"=AND(ISNUMBER({cell}),{cell}<{rule.amber_from})", Fill.RED),
            ):
                self.sheet.conditional_format(
                    *rng,
                    {"type": "formula", "criteria": criteria, "format": self.book.dxf(fill)},
                )


class Book:
    """A workbook (or CSV file) being written; use as a context manager."""

    extension = ""
    content_type = ""

    def table(
        self,
        name: str,
        columns: Sequence[Column],
        *,
        primary: bool = False,
        rag: Sequence[Rag] = (),
        note: str = "",
    ) -> Table:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        """The report failed half-way: release what the writer holds (the caller deletes
        the file); writers that assemble the file at the end skip that work."""
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique worksheet name: 31 characters at most, none of []:*?/\\ nor a
    character XML forbids, neither first nor last character an apostrophe (cut first, then
    stripped: a cut can leave an apostrophe at the end), not the name Excel reserves."""
    text = XML_FORBIDDEN.sub("", name)
    clean = "".join("_" if ch in SHEET_NAME_FORBIDDEN else ch for ch in text)[:31].strip("'")
    if not clean.strip() or clean.lower() == "history":
        clean = "Лист"
    candidate, n = clean, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        # the stem's cut is stripped again: no apostrophe next to the suffix, no empty stem
        candidate = (clean[: 31 - len(suffix)].strip("'") or "Лист") + suffix
        n += 1
    taken.add(candidate.lower())
    return candidate


@dataclass
class XlsxBook(Book):
    path: str
    title: TitleBlock
    extension: str = "xlsx"
    content_type: str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    _formats: dict = field(default_factory=dict)
    _tables: list = field(default_factory=list)
    _names: set = field(default_factory=set)

    def __post_init__(self):
        self.workbook = xlsxwriter.Workbook(
            self.path,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "default_date_format": "dd.mm.yyyy",
            },
        )
        self.workbook.set_properties(
            {
                "title": self.title.report,
                "author": self.title.generated_by,
                "company": "Портал дорожных карт MAX",
            }
        )

    def fmt(
        self,
        *,
        kind: Kind = Kind.TEXT,
        fill: Fill | None = None,
        bold: bool = False,
        italic: bool = False,
        wrap: bool = False,
        border: bool = False,
        size: int | None = None,
    ):
        key = (kind, fill, bold, italic, wrap, border, size)
        if key not in self._formats:
            props: dict[str, Any] = {"valign": "top"}
            if NUM_FORMATS[kind]:
                props["num_format"] = NUM_FORMATS[kind]
            if fill:
                props["bg_color"] = fill.value
            if bold:
                props["bold"] = True
            if italic:
                props["italic"] = True
            if wrap:
                props["text_wrap"] = True
            if border:
                props["border"] = 1
                props["border_color"] = "#C8CDD6"
            if size:
                props["font_size"] = size
            self._formats[key] = self.workbook.add_format(props)
        return self._formats[key]

    def dxf(self, fill: Fill):
        key = ("dxf", fill)
        if key not in self._formats:
            self._formats[key] = self.workbook.add_format({"bg_color": fill.value})
        return self._formats[key]

    def table(self, name, columns, *, primary=False, rag=(), note=""):
        sheet = self.workbook.add_worksheet(sheet_name(name, self._names))
        table = XlsxTable(self, sheet, columns, self.title, rag, note)
        self._tables.append(table)
        return table

    def close(self) -> None:
        for table in self._tables:
            table.close()
        self._tables = []
        self.workbook.close()


class CsvTable(Table):
    def __init__(self, writer, columns: Sequence[Column]):
        self.writer = writer
        self.columns = list(columns)
        self.rows_written = 0
        writer.writerow([neutralise(c.header) for c in self.columns])

    def row(self, values: Sequence[Any], *, fill: Fill | None = None) -> None:
        out = []
        for col, column in enumerate(self.columns):
            value = values[col] if col < len(values) else None
            out.append(csv_value(value, column.kind))
        self.writer.writerow(out)
        self.rows_written += 1


def csv_value(value: Any, kind: Kind) -> str:
    if value is None:
        return ""
    if isinstance(value, str) or kind is Kind.TEXT:
        return neutralise(value)
    if isinstance(value, dt.datetime):
        return value.strftime(CSV_DATETIME)
    if isinstance(value, dt.date):
        return value.strftime(CSV_DATE)
    if kind is Kind.INT:
        return str(int(value))
    if isinstance(value, float | Decimal):
        return csv_number(value)
    return str(value)


def csv_number(value: float | Decimal) -> str:
    """A number as a Russian spreadsheet reads it: a decimal comma, never an exponent, at
    most six places (0.753 → «0,753», −12.5 → «-12,5»). With a point, Russian Excel opens
    «12.5» as the date 12 May and «0.753» as text: a figure silently wrong."""
    if isinstance(value, float):
        text = f"{round(value, 6):.6f}".rstrip("0").rstrip(".")
    else:
        text = format(value, "f")
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")  # no «-0»
    return text.replace(".", CSV_DECIMAL)


@dataclass
class CsvBook(Book):
    path: str
    title: TitleBlock
    extension: str = "csv"
    content_type: str = "text/csv; charset=utf-8"
    _primary: CsvTable | None = None

    def __post_init__(self):
        self._fh: IO[str] = open(self.path, "w", encoding=CSV_ENCODING, newline="")  # noqa: SIM115
        self._writer = csv.writer(self._fh, dialect=PortalCsvDialect)

    def table(self, name, columns, *, primary=False, rag=(), note=""):
        if not primary:
            return _NullTable()
        if self._primary is not None:
            raise ValueError("A CSV file holds one table.")
        self._primary = CsvTable(self._writer, columns)
        return self._primary

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()
