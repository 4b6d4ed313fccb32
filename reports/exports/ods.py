"""OpenDocument spreadsheets (ODS, ГОСТ Р ИСО/МЭК 26300) written as a stream.

The same interface as the XLSX writer (`book.table(...)`, `table.row(...)`) and the same
sheet layout: the title block, a blank line, the header row (a `table-header-rows` block,
so LibreOffice, Р7-Офис and МойОфис repeat it on every printed page), the rows with the
number and date formats of `NUM_FORMATS` (`DATA_STYLES`; each number or date cell holds the
value, and as its text the value as the pages show it, `base.shown`), the text passed
through `neutralise`, and the
height of every row from `row_height` (office suites do not re-fit rows on opening).

Streaming: each table writes its rows to its own temporary file as they come (reports fill
several sheets in turn), and `close()` assembles `content.xml` inside the zip from those
files, so memory stays flat whatever the row count. A sheet holds at most ODS_MAX_ROWS
data rows: past it the export is refused with a message pointing to XLSX or CSV (opening
larger ODS files in LibreOffice takes minutes). The traffic-light (RAG) fills that the
workbook applies as conditional formats are applied here as cell fills from the values.

Text rules of the format: runs of spaces, tabs and line breaks are markup in ODS
(`text:s`, `text:tab`, one `text:p` per line); a carriage return becomes a line break;
characters XML forbids (control codes) are dropped, by `neutralise` itself (before it
judges whether the text starts a formula: see `roadmap_portal.cells`) and again here for any
text that reaches the markup.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from xlsxwriter.utility import xl_col_to_name

from roadmap_portal.ru_formats import (
    MINUS,
    NBSP,
    NUMBER_DIGITS,
    PERCENTAGE_POINTS,
    POINTS_DIGITS,
    ru_number,
    signed_step,
)

from .base import (
    LINE_HEIGHT,
    TITLE_SIZE,
    XML_FORBIDDEN,
    Book,
    Column,
    ExportRefused,
    Fill,
    Kind,
    Rag,
    Table,
    TitleBlock,
    cell_number,
    header_height,
    neutralise,
    row_height,
    sheet_name,
    shown,
)

ODS_MAX_ROWS = 250_000  # data rows of one sheet
MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
TITLE_HEIGHT = 18.0
BORDER = "0.74pt solid #c8cdd6"
_SPACES = re.compile("  +")

NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'office:version="1.3"'
)

# the number formats of base.NUM_FORMATS (roadmap_portal.ru_formats.XLSX_*), as ODF data
# styles: thousands grouped, two decimals, one decimal of a percent with «%» after a
# no-break space, dates. A signed kind (a number, a change, a gap in percentage points) is a
# style with two sub-styles picked by conditions on the rounding step, as the conditional
# sections of `ru_formats.xlsx_signed`: the true minus, «+» where the pages write one, no
# sign on a number shown as zero. As in the workbook, the office suite shows the separators
# of the reader's locale (LibreOffice in a locale whose thousands separator is a no-break
# space, ru-RU among them, reads the no-break space of a data style as a plain one: «6,3 %»,
# the same on screen).
_TWO_DECIMALS = (
    '<number:number number:decimal-places="2" number:min-decimal-places="2" '
    'number:min-integer-digits="1" number:grouping="true"/>'
)
_ONE_DECIMAL = (
    '<number:number number:decimal-places="1" number:min-decimal-places="1" '
    'number:min-integer-digits="1"/>'
)


def signed_style(name: str, number: str, digits: int, *, plus: bool, unit: str = "") -> str:
    """The ODF data style `name` of `ru_formats.xlsx_signed(…, digits, plus=…, unit=…)`."""
    step = signed_step(digits)
    tail = f"<number:text>{NBSP}{unit}</number:text>" if unit else ""
    sign = "<number:text>+</number:text>" if plus else ""
    return (
        f'<number:number-style style:name="{name}_P0" style:volatile="true">'
        f"{sign}{number}{tail}</number:number-style>"
        f'<number:number-style style:name="{name}_P1" style:volatile="true">'
        f"<number:text>{MINUS}</number:text>{number}{tail}</number:number-style>"
        f'<number:number-style style:name="{name}">{number}{tail}'
        f'<style:map style:condition="value()&gt;={step if plus else 0}" '
        f'style:apply-style-name="{name}_P0"/>'
        f'<style:map style:condition="value()&lt;=-{step}" style:apply-style-name="{name}_P1"/>'
        "</number:number-style>"
    )


DATA_STYLES = {
    Kind.INT: '<number:number-style style:name="N_INT">'
    '<number:number number:decimal-places="0" number:min-integer-digits="1" '
    'number:grouping="true"/></number:number-style>',
    Kind.NUMBER: signed_style("N_NUMBER", _TWO_DECIMALS, NUMBER_DIGITS, plus=False),
    Kind.PERCENT: '<number:percentage-style style:name="N_PERCENT">'
    '<number:number number:decimal-places="1" number:min-decimal-places="1" '
    'number:min-integer-digits="1" number:grouping="true"/>'
    f"<number:text>{NBSP}%</number:text></number:percentage-style>",
    Kind.DATE: '<number:date-style style:name="N_DATE">'
    '<number:day number:style="long"/><number:text>.</number:text>'
    '<number:month number:style="long"/><number:text>.</number:text>'
    '<number:year number:style="long"/></number:date-style>',
    Kind.DATETIME: '<number:date-style style:name="N_DATETIME">'
    '<number:day number:style="long"/><number:text>.</number:text>'
    '<number:month number:style="long"/><number:text>.</number:text>'
    '<number:year number:style="long"/><number:text> </number:text>'
    '<number:hours number:style="long"/><number:text>:</number:text>'
    '<number:minutes number:style="long"/></number:date-style>',
    Kind.POINTS: signed_style(
        "N_POINTS", _ONE_DECIMAL, POINTS_DIGITS, plus=True, unit=PERCENTAGE_POINTS
    ),
    Kind.DELTA: signed_style("N_DELTA", _TWO_DECIMALS, NUMBER_DIGITS, plus=True),
}


def column_width_cm(width: float) -> float:
    """The width LibreOffice gives the same column of the XLSX (XlsxWriter stores W + 5/7
    characters; LibreOffice lays a character out at 0.1958 cm), so both files print alike."""
    return round((width + 5 / 7) * 0.1958, 3)


def text_paragraphs(text: str) -> str:
    """`text` as ODF paragraphs: spaces, tabs and line breaks kept (see the docstring)."""
    text = XML_FORBIDDEN.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for line in text.split("\n"):
        parts = []
        for i, chunk in enumerate(line.split("\t")):
            if i:
                parts.append("<text:tab/>")
            chunk = escape(chunk)
            chunk = _SPACES.sub(lambda m: f' <text:s text:c="{len(m.group()) - 1}"/>', chunk)
            if chunk.startswith(" "):
                chunk = "<text:s/>" + chunk[1:]
            parts.append(chunk)
        out.append("<text:p>" + "".join(parts) + "</text:p>")
    return "".join(out)


def rag_fill(rule: Rag, value: Any) -> Fill | None:
    """The fill the workbook's conditional format gives a numeric value (base.Rag)."""
    if value is None or isinstance(value, str | bool | dt.date):
        return None
    number = float(value)
    if number >= rule.green_from:
        return Fill.GREEN
    if number >= rule.amber_from:
        return Fill.AMBER
    return Fill.RED


class OdsTable(Table):
    def __init__(
        self,
        book: OdsBook,
        name: str,
        columns: Sequence[Column],
        title: TitleBlock | None,
        rag: Sequence[Rag],
        note: str = "",
    ):
        self.book = book
        self.name = name
        self.columns = list(columns)
        self.rag = {rule.column: rule for rule in rag}
        self.rows_written = 0
        # styles are named now: content.xml lists them before the tables
        self.column_styles = [book.column_style(c.width) for c in self.columns]
        self.body: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        width = len(self.columns)
        self.header_row = 0  # 0-based, for the frozen pane and the filter
        if title is not None:
            for i, line in enumerate(title.lines()):
                style = book.cell_style(bold=True, size=TITLE_SIZE) if i == 0 else None
                height = TITLE_HEIGHT if i == 0 else LINE_HEIGHT
                self._text_row(neutralise(line), style, height, width)
            if note:
                self._text_row(neutralise(note), book.cell_style(italic=True), LINE_HEIGHT, width)
            self._text_row("", None, LINE_HEIGHT, width)
        header = book.cell_style(bold=True, wrap=True, fill=Fill.GREY, border=True)
        self.body.write("<table:table-header-rows>")
        self.body.write(
            f'<table:table-row table:style-name="{book.row_style(header_height(columns))}">'
        )
        for column in self.columns:
            self.body.write(self._string_cell(header, neutralise(column.header)))
        self.body.write("</table:table-row></table:table-header-rows>")
        self._formats: dict[Fill | None, list[str]] = {}

    def _text_row(self, text: str, style: str | None, height: float, width: int) -> None:
        row = f'<table:table-row table:style-name="{self.book.row_style(height)}">'
        self.header_row += 1
        cell = self._string_cell(style, text) if text else "<table:table-cell/>"
        rest = (
            f'<table:table-cell table:number-columns-repeated="{width - 1}"/>' if width > 1 else ""
        )
        self.body.write(row + cell + rest + "</table:table-row>")

    @staticmethod
    def _string_cell(style: str | None, text: str) -> str:
        attr = f' table:style-name="{style}"' if style else ""
        return (
            f'<table:table-cell{attr} office:value-type="string">'
            f"{text_paragraphs(text)}</table:table-cell>"
        )

    def _styles(self, fill: Fill | None) -> list[str]:
        styles = self._formats.get(fill)
        if styles is None:
            styles = self._formats[fill] = [
                self.book.cell_style(kind=c.kind, fill=fill, wrap=c.wrap, border=True)
                for c in self.columns
            ]
        return styles

    def row(self, values: Sequence[Any], *, fill: Fill | None = None) -> None:
        if self.rows_written >= ODS_MAX_ROWS:
            raise ExportRefused(
                f"Лист «{self.name}» длиннее {ru_number(ODS_MAX_ROWS)} строк — предела формата "
                "ODS в портале. Выберите XLSX или CSV."
            )
        book = self.book
        height = row_height(self.columns, values) or LINE_HEIGHT
        parts = [f'<table:table-row table:style-name="{book.row_style(height)}">']
        styles = self._styles(fill)
        for col, column in enumerate(self.columns):
            value = values[col] if col < len(values) else None
            style = styles[col]
            rule = self.rag.get(col)
            if rule is not None:
                cell_fill = rag_fill(rule, value)
                if cell_fill is not None:
                    style = book.cell_style(
                        kind=column.kind, fill=cell_fill, wrap=column.wrap, border=True
                    )
            parts.append(self._cell(style, value, column.kind))
        parts.append("</table:table-row>")
        self.body.write("".join(parts))
        self.rows_written += 1

    def _cell(self, style: str, value: Any, kind: Kind) -> str:
        if value is None or value == "":
            return f'<table:table-cell table:style-name="{style}"/>'
        if kind is Kind.TEXT or isinstance(value, str):
            return self._string_cell(style, neutralise(value))
        if kind in (Kind.DATE, Kind.DATETIME):
            if isinstance(value, dt.datetime):
                stamp = value.replace(tzinfo=None).isoformat()
            else:
                stamp = value.isoformat()
            return (
                f'<table:table-cell table:style-name="{style}" office:value-type="date" '
                f'office:date-value="{stamp}"><text:p>{shown(value, kind)}</text:p>'
                "</table:table-cell>"
            )
        number = cell_number(value, kind)
        value_type = "percentage" if kind is Kind.PERCENT else "float"
        return (
            f'<table:table-cell table:style-name="{style}" office:value-type="{value_type}" '
            f'office:value="{number!r}"><text:p>{shown(value, kind)}</text:p>'
            "</table:table-cell>"
        )

    def write_to(self, out: IO[bytes]) -> None:
        out.write(
            f'<table:table table:name={quoteattr(self.name)} table:style-name="ta1">'.encode()
        )
        for style in self.column_styles:
            out.write(f'<table:table-column table:style-name="{style}"/>'.encode())
        self.body.seek(0)
        while chunk := self.body.read(1 << 16):
            out.write(chunk.encode())
        out.write(b"</table:table>")

    def close(self) -> None:
        self.body.close()

    def filter_range(self, index: int) -> str:
        """The sheet's autofilter (header and rows), as the workbook has it."""
        sheet = "'" + self.name.replace("'", "''") + "'"
        last_col = xl_col_to_name(len(self.columns) - 1)
        first, last = self.header_row + 1, self.header_row + 1 + self.rows_written
        return (
            f'<table:database-range table:name="__Anonymous_Sheet_DB__{index}" '
            f"table:target-range-address={quoteattr(f'{sheet}.A{first}:{sheet}.{last_col}{last}')} "
            'table:display-filter-buttons="true"/>'
        )

    def view_settings(self) -> str:
        """The frozen pane below the header row (LibreOffice's view settings)."""
        split = self.header_row + 1
        items = {
            "HorizontalSplitMode": ("short", 0),
            "VerticalSplitMode": ("short", 2),
            "HorizontalSplitPosition": ("int", 0),
            "VerticalSplitPosition": ("int", split),
            "ActiveSplitRange": ("short", 2),
            "PositionLeft": ("int", 0),
            "PositionRight": ("int", 0),
            "PositionTop": ("int", 0),
            "PositionBottom": ("int", split),
        }
        return (
            f"<config:config-item-map-entry config:name={quoteattr(self.name)}>"
            + "".join(
                f'<config:config-item config:name="{name}" config:type="{kind}">{value}'
                "</config:config-item>"
                for name, (kind, value) in items.items()
            )
            + "</config:config-item-map-entry>"
        )


@dataclass
class OdsBook(Book):
    path: str
    title: TitleBlock
    extension: str = "ods"
    content_type: str = MIMETYPE
    _cells: dict = field(default_factory=dict)
    _rows: dict = field(default_factory=dict)
    _columns: dict = field(default_factory=dict)
    _tables: list = field(default_factory=list)
    _names: set = field(default_factory=set)
    _closed: bool = False

    def cell_style(
        self,
        *,
        kind: Kind = Kind.TEXT,
        fill: Fill | None = None,
        bold: bool = False,
        italic: bool = False,
        wrap: bool = False,
        border: bool = False,
        size: int | None = None,
    ) -> str:
        key = (kind, fill, bold, italic, wrap, border, size)
        if key not in self._cells:
            self._cells[key] = f"ce{len(self._cells) + 1}"
        return self._cells[key]

    def row_style(self, height: float) -> str:
        if height not in self._rows:
            self._rows[height] = f"ro{len(self._rows) + 1}"
        return self._rows[height]

    def column_style(self, width: float) -> str:
        if width not in self._columns:
            self._columns[width] = f"co{len(self._columns) + 1}"
        return self._columns[width]

    def table(self, name, columns, *, primary=False, rag=(), note=""):
        table = OdsTable(self, sheet_name(name, self._names), columns, self.title, rag, note)
        self._tables.append(table)
        return table

    def _automatic_styles(self) -> str:
        out = [DATA_STYLES[kind] for kind in DATA_STYLES]
        for width, name in self._columns.items():
            out.append(
                f'<style:style style:name="{name}" style:family="table-column">'
                f'<style:table-column-properties style:column-width="{column_width_cm(width)}cm"/>'
                "</style:style>"
            )
        for height, name in self._rows.items():
            out.append(
                f'<style:style style:name="{name}" style:family="table-row">'
                f'<style:table-row-properties style:row-height="{height}pt" '
                'style:use-optimal-row-height="false"/></style:style>'
            )
        out.append(
            '<style:style style:name="ta1" style:family="table" style:master-page-name="Report">'
            '<style:table-properties table:display="true" style:writing-mode="lr-tb"/>'
            "</style:style>"
        )
        for (kind, fill, bold, italic, wrap, border, size), name in self._cells.items():
            data = f' style:data-style-name="N_{kind.name}"' if kind is not Kind.TEXT else ""
            cell = ['style:vertical-align="top"']
            if fill:
                cell.append(f'fo:background-color="{fill.value.lower()}"')
            if wrap:
                cell.append('fo:wrap-option="wrap"')
            if border:
                cell.append(f'fo:border="{BORDER}"')
            text = []
            if bold:
                text.append('fo:font-weight="bold"')
            if italic:
                text.append('fo:font-style="italic"')
            if size:
                text.append(f'fo:font-size="{size}pt"')
            out.append(
                f'<style:style style:name="{name}" style:family="table-cell" '
                f'style:parent-style-name="Default"{data}>'
                f"<style:table-cell-properties {' '.join(cell)}/>"
                + (f"<style:text-properties {' '.join(text)}/>" if text else "")
                + "</style:style>"
            )
        return "<office:automatic-styles>" + "".join(out) + "</office:automatic-styles>"

    def _styles_xml(self) -> str:
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {NS}>'
            "<office:font-face-decls>"
            '<style:font-face style:name="Calibri" svg:font-family="Calibri" '
            'style:font-family-generic="swiss"/></office:font-face-decls>'
            "<office:styles>"
            '<style:default-style style:family="table-cell">'
            '<style:text-properties style:font-name="Calibri" fo:font-size="11pt"/>'
            "</style:default-style>"
            '<style:style style:name="Default" style:family="table-cell">'
            '<style:text-properties style:font-name="Calibri" fo:font-size="11pt"/>'
            "</style:style></office:styles>"
            "<office:automatic-styles>"
            '<style:page-layout style:name="A4Landscape"><style:page-layout-properties '
            'fo:page-width="29.7cm" fo:page-height="21cm" style:print-orientation="landscape" '
            'fo:margin-top="1.27cm" fo:margin-bottom="0.6cm" fo:margin-left="1cm" '
            'fo:margin-right="1cm" style:print-page-order="ttb" style:scale-to-X="1" '
            'style:print="objects charts drawings zero-values"/>'
            '<style:footer-style><style:header-footer-properties fo:min-height="0.6cm" '
            'fo:margin-top="0.25cm"/></style:footer-style></style:page-layout>'
            "</office:automatic-styles>"
            '<office:master-styles><style:master-page style:name="Report" '
            'style:page-layout-name="A4Landscape"><style:header style:display="false"/>'
            "<style:footer><text:p>Стр. <text:page-number>1</text:page-number> из "
            "<text:page-count>1</text:page-count></text:p></style:footer>"
            "</style:master-page></office:master-styles></office:document-styles>"
        )

    def _settings_xml(self) -> str:
        tables = "".join(t.view_settings() for t in self._tables)
        return (
            '<?xml version="1.0" encoding="UTF-8"?><office:document-settings '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:config="urn:oasis:names:tc:opendocument:xmlns:config:1.0" '
            'office:version="1.3"><office:settings>'
            '<config:config-item-set config:name="ooo:view-settings">'
            '<config:config-item-map-indexed config:name="Views"><config:config-item-map-entry>'
            '<config:config-item config:name="ViewId" config:type="string">view1'
            "</config:config-item>"
            f'<config:config-item-map-named config:name="Tables">{tables}'
            "</config:config-item-map-named></config:config-item-map-entry>"
            "</config:config-item-map-indexed></config:config-item-set>"
            "</office:settings></office:document-settings>"
        )

    def _meta_xml(self) -> str:
        created = self.title.generated_at.replace(tzinfo=None).isoformat(timespec="seconds")
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {NS}><office:meta>'
            f"<dc:title>{escape(neutralise(self.title.report))}</dc:title>"
            f"<meta:initial-creator>{escape(neutralise(self.title.generated_by))}"
            f"</meta:initial-creator><meta:creation-date>{created}</meta:creation-date>"
            "<meta:generator>Портал дорожных карт MAX</meta:generator>"
            "</office:meta></office:document-meta>"
        )

    def abort(self) -> None:
        for table in self._tables:
            table.close()
        self._tables = []
        self._closed = True

    def close(self) -> None:
        if self._closed:
            return
        try:
            with zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED) as zf:
                # the mimetype comes first and uncompressed (ODF packaging)
                zf.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, zipfile.ZIP_STORED)
                with zf.open("content.xml", "w", force_zip64=True) as out:
                    out.write(
                        f'<?xml version="1.0" encoding="UTF-8"?>'
                        f"<office:document-content {NS}>".encode()
                    )
                    out.write(self._automatic_styles().encode())
                    out.write(b"<office:body><office:spreadsheet>")
                    for table in self._tables:
                        table.write_to(out)
                    ranges = "".join(t.filter_range(i) for i, t in enumerate(self._tables))
                    out.write(f"<table:database-ranges>{ranges}</table:database-ranges>".encode())
                    out.write(b"</office:spreadsheet></office:body></office:document-content>")
                zf.writestr("styles.xml", self._styles_xml())
                zf.writestr("meta.xml", self._meta_xml())
                zf.writestr("settings.xml", self._settings_xml())
                zf.writestr(
                    "META-INF/manifest.xml",
                    '<?xml version="1.0" encoding="UTF-8"?>'
                    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                    'manifest:1.0" manifest:version="1.3">'
                    f'<manifest:file-entry manifest:full-path="/" manifest:version="1.3" '
                    f'manifest:media-type="{MIMETYPE}"/>'
                    '<manifest:file-entry manifest:full-path="content.xml" '
                    'manifest:media-type="text/xml"/>'
                    '<manifest:file-entry manifest:full-path="styles.xml" '
                    'manifest:media-type="text/xml"/>'
                    '<manifest:file-entry manifest:full-path="meta.xml" '
                    'manifest:media-type="text/xml"/>'
                    '<manifest:file-entry manifest:full-path="settings.xml" '
                    'manifest:media-type="text/xml"/>'
                    "</manifest:manifest>",
                )
        finally:
            for table in self._tables:
                table.close()
            self._tables = []
            self._closed = True
