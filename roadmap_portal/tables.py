"""Reading tabular uploads (CSV or XLSX) as a stream of numbered rows.

Shared by every import (monitoring exports, index inputs, cascade progress):

1. the format is told by the content (an XLSX is a zip), not by the file name;
2. CSV: the encoding (UTF-8, UTF-8 with BOM, Windows-1251) is detected on a sample, the
   header is the first of the top rows that names the required columns, and the separator
   is the one that parses that header into known names;
3. XLSX: refused before reading when it would unpack past the limit or holds an XML
   entity declaration; read with openpyxl in read-only mode (streaming, defusedxml), the
   header found among the top rows (title rows above it are skipped);
4. rows are yielded one at a time with their row number as a spreadsheet shows it; empty
   rows are skipped, so empty trailing rows cost nothing. `Table.width` is the header's
   width, so a reader can refuse rows with fewer or more cells;
5. on request (`mark_formulas=True`) an XLSX cell holding a formula that was never computed
   (no cached value: the book was written by a program, not saved by Excel) reads as
   `FORMULA_WITHOUT_VALUE` instead of looking empty.

Errors are `TableError` with a Russian message.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

HEADER_SEARCH_ROWS = 10
SAMPLE_BYTES = 256 * 1024
MAX_ZIP_RATIO = 1000  # XLSX XML compresses ~10-100x; a thousandfold member is a bomb
csv.field_size_limit(1024 * 1024)


def cell_text(value: Any) -> str:
    """A cell as text, the way every import reads a code or a name: empty for no value, a
    whole number a spreadsheet stored as 7.0 as «7», surrounding spaces stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class TableError(Exception):
    """The file cannot be read as a table; the message is for the user (Russian)."""


class _FormulaWithoutValue:
    """An XLSX formula cell without a cached value (see `open_table(mark_formulas=True)`)."""

    def __repr__(self) -> str:
        return "FORMULA_WITHOUT_VALUE"

    def __str__(self) -> str:
        return "="


FORMULA_WITHOUT_VALUE = _FormulaWithoutValue()


def normalize_header(value: Any) -> str:
    """Header cells compare case-, space- and «ё»-insensitively."""
    text = str(value or "").replace("\ufeff", "").replace("\xa0", " ").strip().lower()
    text = text.replace("ё", "е")
    text = re.sub(r"\s+", " ", text)
    return text.strip(" :;.")


@dataclass
class Table:
    """An opened table: `columns` maps a key to its column index; `rows()` streams."""

    format: str
    columns: dict[str, int]
    header_row: int
    headers: list[str]
    encoding: str = ""
    delimiter: str = ""
    # non-empty rows above the header (a document's title block), as read
    preamble: list[list[Any]] = field(default_factory=list)
    # XLSX merged cells when asked for: (min_row, min_col, max_row, max_col), 1-based
    merged_ranges: list[tuple[int, int, int, int]] = field(default_factory=list)
    width: int = 0
    _rows: Iterator[tuple[int, list[Any]]] | None = field(default=None, repr=False)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(row number, cells) for every non-empty row below the header."""
        assert self._rows is not None
        for number, cells in self._rows:
            first = cells[0] if cells else None
            # most rows start with a filled text cell: no generator needed to see it
            if (type(first) is str and first and not first.isspace()) or any(
                cell not in (None, "") and str(cell).strip() for cell in cells
            ):
                yield number, cells

    def column_letter(self, key: str) -> str:
        """The column as a user names it: a spreadsheet letter, or the header for CSV."""
        index = self.columns[key]
        if self.format == "xlsx":
            return _column_letter(index)
        return self.headers[index]


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def open_table(
    stream: IO[bytes],
    *,
    aliases: dict[str, str],
    required: Iterable[str],
    titles: dict[str, str] | None = None,
    merged: bool = False,
    mark_formulas: bool = False,
) -> Table:
    """Opens `stream` (binary, seekable) as a table.

    `aliases` maps normalised header texts (Russian headers and English keys) to keys;
    `required` are the keys a file must have, or it is refused before any row is read;
    `titles` names each key in messages (the Russian header); `merged` also reads the
    merged cells of an XLSX (one more pass over the sheet: for small documents only);
    `mark_formulas`: XLSX formulas without a cached value read as `FORMULA_WITHOUT_VALUE`.
    """
    required = list(required)
    names = titles or _names(aliases)
    head = stream.read(4)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(
            stream,
            aliases=aliases,
            required=required,
            names=names,
            merged=merged,
            mark_formulas=mark_formulas,
        )
    return _open_csv(stream, aliases=aliases, required=required, names=names)


def _match(cells: list[Any], aliases: dict[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = aliases.get(normalize_header(cell))
        if key and key not in found:
            found[key] = index
    return found


def _missing_message(required: list[str], found: dict[str, int], names: dict[str, str]) -> str:
    missing = [names.get(key, key) for key in required if key not in found]
    return _("В файле нет обязательных столбцов: %(columns)s.") % {
        "columns": ", ".join(f"«{name}»" for name in missing)
    }


def _detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        # a multi-byte character may be cut at the end of the sample
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1251"


def _decoded_lines(stream: IO[bytes], encoding: str, counter: list[int]) -> Iterator[str]:
    """Text lines decoded one by one, so an encoding error names its own line."""
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    for raw in stream:
        counter[0] += 1
        if counter[0] == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            yield raw.decode(codec)
        except UnicodeDecodeError as exc:
            raise TableError(
                _("Строка %(row)s: символы не в кодировке %(enc)s.")
                % {"row": counter[0], "enc": "Windows-1251" if codec == "cp1251" else "UTF-8"}
            ) from exc


def _open_csv(stream: IO[bytes], *, aliases, required, names) -> Table:
    sample = stream.read(SAMPLE_BYTES)
    stream.seek(0)
    encoding = _detect_encoding(sample)
    top_lines = []
    for line in _decoded_lines(stream, encoding, [0]):
        top_lines.append(line)
        if len(top_lines) >= HEADER_SEARCH_ROWS:
            break

    best: tuple[int, int, str, dict[str, int], list[str]] | None = None
    for line_no, line in enumerate(top_lines):
        for delimiter in (";", ",", "\t"):
            try:
                cells = next(csv.reader([line], delimiter=delimiter), [])
            except csv.Error:  # not a header; the row itself is reported when read
                continue
            found = _match(cells, aliases)
            score = (len(found), -line_no)
            if best is None or score > (best[0], -best[1]):
                best = (len(found), line_no, delimiter, found, cells)
    if best is None or best[0] == 0:
        raise TableError(
            _("Не найдена строка заголовков: %(msg)s")
            % {"msg": _missing_message(required, {}, names)}
        )
    _count, header_index, delimiter, found, header_cells = best
    if any(key not in found for key in required):
        raise TableError(_missing_message(required, found, names))

    # decoded by the C text layer (one Python step per record, not per line); the record's
    # last line number is `reader.line_num`; a decoding error is located afterwards
    def rows() -> Iterator[tuple[int, list[Any]]]:
        # made when reading starts: an unread wrapper would close the stream when collected
        stream.seek(0)
        text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        reader = csv.reader(text, delimiter=delimiter)
        try:
            for index, cells in enumerate(reader):
                if index > header_index:
                    yield reader.line_num, cells
        except UnicodeDecodeError:
            stream.seek(0)
            for _line in _decoded_lines(stream, encoding, [0]):
                pass
            raise TableError(_("Файл содержит символы не в кодировке UTF-8.")) from None
        except csv.Error as exc:
            logger.info("CSV not readable at line %s: %s", reader.line_num, exc)
            raise TableError(
                _(
                    "Строка %(row)s: строка не читается как CSV (незакрытые кавычки или "
                    "слишком длинная ячейка)."
                )
                % {"row": reader.line_num}
            ) from exc
        finally:
            if not text.closed:
                text.detach()  # the caller owns the binary stream

    parsed_top = [
        next(csv.reader([line], delimiter=delimiter), []) for line in top_lines[:header_index]
    ]
    preamble = [cells for cells in parsed_top[:header_index] if any(c.strip() for c in cells)]
    return Table(
        format="csv",
        columns=found,
        header_row=header_index + 1,
        headers=[str(c).strip() for c in header_cells],
        encoding=encoding,
        delimiter=delimiter,
        preamble=preamble,
        width=len(header_cells),
        _rows=rows(),
    )


def check_xlsx_safe(stream: IO[bytes]) -> None:
    """Refuses zip bombs and XML entity declarations before any XML is parsed."""
    check_zip_safe(stream, label="XLSX")


def check_zip_safe(stream: IO[bytes], *, label: str) -> None:
    """The checks of `check_xlsx_safe` for any Office Open XML file (XLSX, DOCX)."""
    limit = settings.XLSX_MAX_UNCOMPRESSED_BYTES
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile as exc:
        if label == "XLSX":
            raise TableError(_("Файл XLSX повреждён или не является книгой Excel.")) from exc
        raise TableError(
            _("Файл %(label)s повреждён или не является документом.") % {"label": label}
        ) from exc
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > limit or (info.file_size > 10 * 1024 * 1024 and ratio > MAX_ZIP_RATIO):
            raise TableError(
                _("Файл %(label)s слишком велик после распаковки (более %(mb)s МБ): отклонён.")
                % {"label": label, "mb": limit // (1024 * 1024)}
            )
        if info.filename.endswith((".xml", ".rels")):
            with archive.open(info) as member:
                prologue = member.read(2048)
            if b"<!DOCTYPE" in prologue or b"<!ENTITY" in prologue:
                raise TableError(
                    _(
                        "Файл %(label)s содержит объявления XML-сущностей и отклонён "
                        "как небезопасный."
                    )
                    % {"label": label}
                )
    stream.seek(0)


def _xlsx_merged_ranges(sheet) -> list[tuple[int, int, int, int]]:
    """Merged ranges of a read-only sheet, which openpyxl does not load in that mode.

    Reads the sheet's XML part (openpyxl's `_archive` / `_worksheet_path`, stable in the
    pinned version) with defusedxml, streaming.
    """
    from defusedxml.ElementTree import iterparse
    from openpyxl.utils.cell import range_boundaries

    ranges = []
    with sheet.parent._archive.open(sheet._worksheet_path) as member:
        for _event, element in iterparse(member):
            if element.tag.endswith("}mergeCell") and element.get("ref"):
                min_col, min_row, max_col, max_row = range_boundaries(element.get("ref"))
                ranges.append((min_row, min_col, max_row, max_col))
            element.clear()
    return ranges


def _sheet_rows(workbook, sheet, *, mark_formulas: bool) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) of a read-only sheet, streamed; missing rows are not yielded."""
    if not mark_formulas:
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(cells)
        return
    # openpyxl's own row parser, with one change: a formula cell without a cached value is
    # marked instead of read as empty (openpyxl 3.1 in read-only, data-only mode)
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["value"] = FORMULA_WITHOUT_VALUE
            return cell

    with sheet._get_source() as source:
        parser = Parser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, cells in parser.parse():
            if not cells:
                continue
            width = max(cell["column"] for cell in cells)
            values: list[Any] = [None] * width
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            yield number, values


def _open_xlsx(
    stream: IO[bytes], *, aliases, required, names, merged: bool = False, mark_formulas=False
) -> Table:
    import openpyxl  # read-only mode streams rows; with defusedxml installed it parses safely

    check_xlsx_safe(stream)
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken book
        logger.info("XLSX not readable: %r", exc)
        raise TableError(
            _("Не удалось прочитать файл XLSX: файл повреждён или это не книга Excel.")
        ) from exc
    sheet = workbook.worksheets[0]
    merged_ranges = _xlsx_merged_ranges(sheet) if merged else []
    row_iter = _sheet_rows(workbook, sheet, mark_formulas=mark_formulas)
    top: list[tuple[int, list[Any]]] = []
    for _i in range(HEADER_SEARCH_ROWS):
        try:
            top.append(next(row_iter))
        except StopIteration:
            break
    best_index, best_found = -1, dict[str, int]()
    for index, (_number, cells) in enumerate(top):
        found = _match(cells, aliases)
        if len(found) > len(best_found):
            best_index, best_found = index, found
    if best_index < 0:
        raise TableError(
            _("Не найдена строка заголовков: %(msg)s")
            % {"msg": _missing_message(required, {}, names)}
        )
    if any(key not in best_found for key in required):
        raise TableError(_missing_message(required, best_found, names))
    header_number, header_cells = top[best_index]
    width = 0
    for index, cell in enumerate(header_cells):
        if cell not in (None, "") and str(cell).strip():
            width = index + 1

    def rows() -> Iterator[tuple[int, list[Any]]]:
        yield from top[best_index + 1 :]
        yield from row_iter
        workbook.close()

    return Table(
        format="xlsx",
        columns=best_found,
        header_row=header_number,
        headers=[str(c or "").strip() for c in header_cells],
        preamble=[
            cells
            for _number, cells in top[:best_index]
            if any(cell not in (None, "") and str(cell).strip() for cell in cells)
        ],
        merged_ranges=merged_ranges,
        width=width,
        _rows=rows(),
    )


def _names(aliases: dict[str, str]) -> dict[str, str]:
    """The first alias given for each key: the Russian header shown in messages."""
    names: dict[str, str] = {}
    for alias, key in aliases.items():
        names.setdefault(key, alias)
    return names
