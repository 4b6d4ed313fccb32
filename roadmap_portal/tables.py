"""Reading tabular uploads (CSV or XLSX) as a stream of numbered rows.

Shared by every import (monitoring exports, index inputs, cascade progress):

1. the format is told by the content (an XLSX is a zip; an old OLE2 .xls is refused with
   its own message), not by the file name;
2. CSV: the encoding (UTF-8, UTF-8 with BOM, Windows-1251) is detected on a sample (a UTF-16
   file, Excel's «Текст в Юникоде», is refused by its BOM with what to save instead), the
   header is the first of the top rows that names the required columns, and the separator
   is the one that parses that header into known names. Rows are CSV records: a quoted
   cell may hold line breaks, and the row number is the record's (as a spreadsheet that
   opens the file numbers it), never the text line;
3. XLSX: refused before reading when it would unpack past the limit or holds an XML
   entity declaration; read with openpyxl in read-only mode (streaming, defusedxml) from
   the first VISIBLE sheet (a book with another visible sheet that also carries the
   header is refused: its rows would be ignored silently), the header found among the top
   rows (title rows above it are skipped). A cell or a sheet that cannot be read (broken
   XML or compression, a number cell holding text …) is a `TableError` naming the cell;
4. a header naming one column twice (the same title, or two aliases of one key) is
   refused, naming both columns: no column silently wins;
5. rows are yielded one at a time with their row number as a spreadsheet shows it; empty
   rows are skipped, so empty trailing rows cost nothing. `Table.width` is the header's
   width, so a reader can refuse rows with fewer or more cells;
6. on request (`mark_formulas=True`) an XLSX cell holding a formula that was never computed
   (no cached value: the book was written by a program, not saved by Excel) reads as
   `FORMULA_WITHOUT_VALUE` instead of looking empty.

Errors are `TableError` with a Russian message; a cell's text shown in a message goes
through `shown` (control characters escaped, long text cut).
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import zipfile
import zlib
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

HEADER_SEARCH_ROWS = 10
# text lines read while looking for the header (a quoted title may span several)
HEADER_SEARCH_LINES = 200
# how many other visible sheets are looked at for a second header
OTHER_SHEETS_CHECKED = 20
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
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


# Excel keeps 15 significant digits of a number
EXACT_NUMBER_DIGITS = 15


# a number in scientific notation, as a spreadsheet writes a long one into a CSV («6,6E+19»:
# Excel and LibreOffice always write the exponent's sign, so a code such as «12E34» is left
# alone); the monitoring import's fast path matches codes against the same pattern
SCIENTIFIC_NUMBER = "[0-9]+(?:[.,][0-9]+)?[eE][+-][0-9]+"
_SCIENTIFIC = re.compile(SCIENTIFIC_NUMBER)
# a whole number a spreadsheet saved with a decimal part of zeros («1000123.0», «1000123,0»):
# the code typed was «1000123», or lost its leading zeros on the way; a code that merely
# holds a point («12.01», «1000123.5») is left alone
ZERO_DECIMAL_NUMBER = "[0-9]+[.,]0+"
_ZERO_DECIMAL = re.compile(ZERO_DECIMAL_NUMBER)
# a code text `lossy_code_problem` refuses; the monitoring import's fast path matches codes
# against it
LOSSY_CODE_TEXT = f"{SCIENTIFIC_NUMBER}|{ZERO_DECIMAL_NUMBER}"


def may_be_lossy_code(text: str) -> bool:
    """A cheap test of a code's text: False when `lossy_code_problem` certainly has nothing
    to say of it (no exponent, no decimal separator)."""
    return "E" in text or "e" in text or "." in text or "," in text


def lossy_code_problem(value: Any) -> str | None:
    """Why a code cell cannot be the code it was typed as (the Russian problem), else None:
    a spreadsheet number with a fraction («66,5» in a number cell reads 66.5, never the code)
    or more than 15 digits (Excel stores 66000000000000012345 as 6.6E+19, which reads
    66000000000000008192), or a text in scientific notation (Excel saved such a number into
    a CSV as «6,6E+19»), or a text of a whole number with a decimal part of zeros
    («1000123.0», «1000123,0»: a number cell saved as text). Refused by the imports that read
    codes, never turned into a code."""
    if type(value) is str:
        text = value.strip()
        if ("E" in text or "e" in text) and _SCIENTIFIC.fullmatch(text):
            return _(
                "код «%(value)s» записан в экспоненциальной форме: так Excel сохраняет "
                "длинное число, и цифры кода потеряны. Отформатируйте столбец как текст и "
                "введите коды заново"
            ) % {"value": shown(text)}
        if ("." in text or "," in text) and _ZERO_DECIMAL.fullmatch(text):
            return _(
                "код «%(value)s» записан как дробное число (с нулями после запятой): так "
                "таблица сохраняет код, введённый числом, и ведущие нули кода могли "
                "пропасть. Отформатируйте столбец как текст и введите коды полностью, без "
                "дробной части"
            ) % {"value": shown(text)}
        return None
    if type(value) is not float:
        return None
    if value.is_integer() and abs(value) < 10**EXACT_NUMBER_DIGITS:
        return None
    return _(
        "код «%(value)s» записан в ячейке числом, дробным или длиннее 15 цифр (Excel хранит "
        "только 15 значащих цифр): код так не прочитать без потерь. Отформатируйте столбец "
        "как текст и введите коды заново"
    ) % {"value": f"{value:.{EXACT_NUMBER_DIGITS}g}"}


# THE twin rule of organisation codes: two codes a person reads as one — they differ only by
# leading zeros (a spreadsheet drops them from a code typed as a number: «01000123» →
# 1000123), by letter case («org9», «ORG9») or by a Cyrillic letter written for the Latin one
# it looks like («ОRG9» with a Cyrillic «О») — have one key. A NEW code of a file whose key is
# that of another code (a known one of its region, or another of the file) is refused by the
# imports that read codes (monitoring: `indicators.services.staging.Staging.twin_conflicts`,
# rosters: `indicators.services.rosters`); codes already known are left alone.
# Cyrillic capitals drawn like a Latin capital, folded into it
_CYRILLIC_LOOK_ALIKES = {
    "А": "A",
    "В": "B",
    "Е": "E",
    "Ё": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "У": "Y",
    "Х": "X",
}


def _code_fold() -> dict[str, str]:
    fold = {chr(c): chr(c).upper() for c in range(ord("a"), ord("z") + 1)}
    for c in [*range(0x0410, 0x0450), 0x0401, 0x0451]:  # А-я, Ё, ё
        upper = chr(c).upper()
        folded = _CYRILLIC_LOOK_ALIKES.get(upper, upper)
        if folded != chr(c):
            fold[chr(c)] = folded
    return fold


# character -> its folded form (one character each): Python's `str.translate` and the SQL
# `translate()` of the fast path are built from it (PostgreSQL's upper() of Cyrillic depends
# on the database's locale; translate() does not)
CODE_FOLD: dict[str, str] = _code_fold()
_CODE_FOLD_TABLE = str.maketrans(CODE_FOLD)


def code_twin_key(code: str) -> str:
    """The key of `code` under the twin rule: letters folded (`CODE_FOLD`), leading zeros
    dropped."""
    return code.translate(_CODE_FOLD_TABLE).lstrip("0")


def code_twin_problem(code: str, other: str, *, other_row: int | None = None) -> str:
    """The Russian problem of a new `code` that is a twin of `other` (a known code of the
    region when `other_row` is None, else another code of the file, first on that row)."""
    bare, other_bare = code.lstrip("0"), other.lstrip("0")
    differences = []
    zeros = len(code) - len(bare) != len(other) - len(other_bare)
    if zeros:
        differences.append(_("ведущими нулями"))
    if bare != other_bare:
        if bare.upper() == other_bare.upper():
            differences.append(_("регистром букв (строчные и прописные)"))
        else:
            differences.append(
                _("написанием букв (латинская буква вместо русской того же вида или наоборот)")
            )
    how = _(" и ").join(differences)
    if other_row is None:
        problem = _(
            "код «%(code)s» отличается от кода уже известной организации субъекта "
            "«%(other)s» только %(how)s"
        ) % {"code": shown(code), "other": shown(other), "how": how}
    else:
        problem = _(
            "код «%(code)s» отличается от кода «%(other)s» (строка %(row)s) только %(how)s"
        ) % {"code": shown(code), "other": shown(other), "row": other_row, "how": how}
    hints = []
    if zeros:
        hints.append(
            _(
                "Excel убирает ведущие нули у кода, записанного числом; задайте столбцу "
                "текстовый формат и введите коды полностью"
            )
        )
    if bare != other_bare:
        hints.append(
            _("Пишите код одной организации всегда одинаково: теми же буквами, в том же регистре")
        )
    return problem + _(": это одна организация или две? ") + "; ".join(hints)


# THE rule of a name that is a key (a municipality): white space is not part of it — every run
# of white space (spaces, no-break and other Unicode spaces) is one plain space, none at the
# edges, on every import path and in what is stored; letter case and «ё»/«е» are part of the
# spelling, but two names differing only by them are twins (`name_twin_key`), refused by the
# monitoring import rather than taken as two municipalities or silently merged
_SPACE_RUN = re.compile(r"\s+")
# the same, as SQL over a text the set-based path reads (where the only white space left is
# the plain space: `indicators.services.staging._PlainText` sends every other to the reader)
SPACE_RUN_SQL = "  +"


def single_spaced(text: str) -> str:
    """A name as its one spelling: runs of white space one plain space, none at the edges."""
    return _SPACE_RUN.sub(" ", text).strip()


def name_twin_key(name: str) -> str:
    """One key for names that differ only by white space, letter case or «ё»/«е»."""
    return single_spaced(name).casefold().replace("ё", "е")


# Unicode format characters (category Cf: the soft hyphen, zero-width spaces and joiners,
# direction marks, the byte order mark, tags …): invisible, yet «ORG\u200b1» is not «ORG1»
# and «\ufeffИрбит» is not «Ирбит». Python's set written out as ranges (a test compares
# them with `unicodedata`), so that the byte-level checks can be built from them too.
INVISIBLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
_INVISIBLE_CLASS = "".join(
    f"\\U{low:08x}-\\U{high:08x}" if low != high else f"\\U{low:08x}"
    for low, high in INVISIBLE_RANGES
)
INVISIBLE = re.compile(f"[{_INVISIBLE_CLASS}]")
# C0 and C1 control characters and DEL
_CONTROL_CLASS = "\\x00-\\x1f\\x7f-\\x9f"
# what a text cell of a file (a code, a name) never holds: C0 and C1 control characters,
# DEL and the invisible format characters; `not_in_text_problem` says which
NOT_IN_TEXT = re.compile(f"[{_CONTROL_CLASS}{_INVISIBLE_CLASS}]")


def not_in_text_problem(char: str) -> str:
    """The Russian problem of a character `NOT_IN_TEXT` found in a text cell."""
    code = f"U+{ord(char):04X}"
    if INVISIBLE.match(char):
        return _(
            "невидимый символ (код %(code)s) в тексте: с ним код или название не совпадает "
            "с тем же, набранным без него; удалите его"
        ) % {"code": code}
    return _("недопустимый управляющий символ (код %(code)s) в тексте") % {"code": code}


def code_problem(value: Any) -> str | None:
    """Why a code cell (an organisation's code, as a file or the admin gives it) cannot be
    a code, in Russian, else None: a number that lost digits or a decimal/scientific text
    (`lossy_code_problem`), or a control or invisible character (`not_in_text_problem`).
    The roster and the admin's organisation import ask this; the monitoring import checks
    the same two rules on both of its paths."""
    if lossy := lossy_code_problem(value):
        return lossy
    found = NOT_IN_TEXT.search(cell_text(value))
    return not_in_text_problem(found.group()) if found else None


# what no free-text cell (a measure's title, its sub-steps …) may hold: the control
# characters of `NOT_IN_TEXT` except tabs and line breaks (a cell of several lines)
_FORBIDDEN_IN_TEXT = re.compile(f"(?![\\t\\n\\r])[{_CONTROL_CLASS}]")


def forbidden_char(text: str) -> str | None:
    """The code («U+0000») of the first control character a text cell may not hold (a
    NUL, an escape …; line breaks and tabs are allowed), or None."""
    found = _FORBIDDEN_IN_TEXT.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def shown(value: Any, limit: int = 50) -> str:
    """A cell's text as a message may quote it: control and invisible characters (NUL, line
    breaks, a zero-width space …) written as escapes (`\\x00`, `\\n`, `\\u200b`), never
    echoed raw; cut after `limit` characters."""
    text = str(value)
    cut = len(text) > limit
    if cut:
        text = text[:limit]
    if NOT_IN_TEXT.search(text):
        text = NOT_IN_TEXT.sub(lambda m: repr(m.group())[1:-1], text)
    return text + "…" if cut else text


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
    head = stream.read(len(OLE2_SIGNATURE))
    stream.seek(0)
    if head == OLE2_SIGNATURE:
        raise TableError(
            _(
                "Файл в старом формате Excel (.xls) не поддерживается: откройте его в Excel "
                "и сохраните как «Книга Excel (.xlsx)» или как CSV."
            )
        )
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


def _match(
    cells: list[Any], aliases: dict[str, str]
) -> tuple[dict[str, int], list[tuple[int, int]]]:
    """The keys a row names, each at its first column, and (first, repeated) column
    indexes of every key named again."""
    found: dict[str, int] = {}
    repeated: list[tuple[int, int]] = []
    for index, cell in enumerate(cells):
        key = aliases.get(normalize_header(cell))
        if key:
            if key in found:
                repeated.append((found[key], index))
            else:
                found[key] = index
    return found, repeated


def _check_repeated(
    repeated: list[tuple[int, int]],
    cells: list[Any],
    *,
    row: int,
    is_xlsx: bool,
) -> None:
    """Refuses a header naming one column twice (which of the two holds the data?)."""
    if not repeated:
        return

    def where(index: int) -> str:
        name = shown(str(cells[index] or "").strip())
        place = _column_letter(index) if is_xlsx else f"№ {index + 1}"
        return _("«%(name)s» (столбец %(place)s)") % {"name": name, "place": place}

    pairs = "; ".join(f"{where(first)} и {where(second)}" for first, second in repeated)
    raise TableError(
        _(
            "Строка %(row)s (заголовок): один и тот же столбец указан дважды: %(pairs)s. "
            "Оставьте один из них (или переименуйте лишний), чтобы было ясно, откуда брать "
            "данные."
        )
        % {"row": row, "pairs": pairs}
    )


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
    """Text lines decoded one by one; `_LineNotDecoded` names the first line that is not
    in `encoding` (counted in `counter`)."""
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    for raw in stream:
        counter[0] += 1
        if counter[0] == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            yield raw.decode(codec)
        except UnicodeDecodeError as exc:
            raise _LineNotDecoded(counter[0]) from exc


class _LineNotDecoded(Exception):
    """A text line that is not in the file's encoding (args[0]: its line number)."""


def _encoding_name(encoding: str) -> str:
    return "Windows-1251" if encoding == "cp1251" else "UTF-8"


def _undecodable_record(stream: IO[bytes], encoding: str, delimiter: str) -> int:
    """The number of the first record holding bytes not in `encoding` (read again from
    the start, line by line: the text layer reports a decoding error a chunk ahead)."""
    stream.seek(0)
    records = 0
    reader = csv.reader(_decoded_lines(stream, encoding, [0]), delimiter=delimiter)
    try:
        for records, _cells in enumerate(reader, start=1):  # noqa: B007
            pass
    except (_LineNotDecoded, csv.Error):
        pass
    return records + 1


def _top_records(lines: list[str], delimiter: str) -> list[list[str]]:
    """The first `HEADER_SEARCH_ROWS` CSV records of the top `lines` (a quoted cell may
    span lines); parsing stops at the first record the csv module refuses."""
    records: list[list[str]] = []
    reader = csv.reader(lines, delimiter=delimiter)
    while len(records) < HEADER_SEARCH_ROWS:
        try:
            records.append(next(reader))
        except (StopIteration, csv.Error):
            break
    return records


def _open_csv(stream: IO[bytes], *, aliases, required, names) -> Table:
    sample = stream.read(SAMPLE_BYTES)
    stream.seek(0)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's «Текст в Юникоде»: read as Windows-1251 it would only miss its header
        raise TableError(
            _(
                "Файл в кодировке UTF-16 («Текст в Юникоде»), она не поддерживается: "
                "сохраните его в Excel как «CSV UTF-8» или как книгу Excel (.xlsx)."
            )
        )
    encoding = _detect_encoding(sample)
    top_lines: list[str] = []
    try:
        for line in _decoded_lines(stream, encoding, [0]):
            top_lines.append(line)
            if len(top_lines) >= HEADER_SEARCH_LINES:
                break
    except _LineNotDecoded:
        pass  # the rows stop there too, and name the record

    # the header is a RECORD (a title above it may be a quoted cell with line breaks), so
    # its index is the number of records before it, as the rows below count them
    best: tuple[int, int, str, dict[str, int], list[tuple[int, int]], list[str]] | None = None
    top_records: dict[str, list[list[str]]] = {}
    for delimiter in (";", ",", "\t"):
        records = top_records[delimiter] = _top_records(top_lines, delimiter)
        for index, cells in enumerate(records):
            found, repeated = _match(cells, aliases)
            if best is None or (len(found), -index) > (best[0], -best[1]):
                best = (len(found), index, delimiter, found, repeated, cells)
    if best is None or best[0] == 0:
        raise TableError(
            _("Не найдена строка заголовков: %(msg)s")
            % {"msg": _missing_message(required, {}, names)}
        )
    _count, header_index, delimiter, found, repeated, header_cells = best
    if any(key not in found for key in required):
        raise TableError(_missing_message(required, found, names))
    _check_repeated(repeated, header_cells, row=header_index + 1, is_xlsx=False)

    # decoded by the C text layer (one Python step per record, not per line); a record's
    # number is its place among the records (the header is record `header_index + 1`); a
    # decoding error is located afterwards
    def rows() -> Iterator[tuple[int, list[Any]]]:
        # made when reading starts: an unread wrapper would close the stream when collected
        stream.seek(0)
        text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        reader = csv.reader(text, delimiter=delimiter)
        number = header_index + 1
        try:
            for _skipped in range(header_index + 1):
                next(reader, None)
            for number, cells in enumerate(reader, start=header_index + 2):
                yield number, cells
        except UnicodeDecodeError:
            row = _undecodable_record(stream, encoding, delimiter)
            raise TableError(
                _("Строка %(row)s: символы не в кодировке %(enc)s.")
                % {"row": row, "enc": _encoding_name(encoding)}
            ) from None
        except csv.Error as exc:
            logger.info("CSV not readable at record %s: %s", number + 1, exc)
            raise TableError(
                _(
                    "Строка %(row)s: строка не читается как CSV (незакрытые кавычки или "
                    "слишком длинная ячейка)."
                )
                % {"row": number + 1}
            ) from exc
        finally:
            if not text.closed:
                text.detach()  # the caller owns the binary stream

    preamble = [
        cells for cells in top_records[delimiter][:header_index] if any(c.strip() for c in cells)
    ]
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
    try:
        _check_zip_members(stream, label=label)
    except TableError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError) as exc:
        # not a zip, or a member whose compression is broken, encrypted or unknown
        logger.info("%s not readable as a zip: %r", label, exc)
        if label == "XLSX":
            raise TableError(_("Файл XLSX повреждён или не является книгой Excel.")) from exc
        raise TableError(
            _("Файл %(label)s повреждён или не является документом.") % {"label": label}
        ) from exc
    stream.seek(0)


def _check_zip_members(stream: IO[bytes], *, label: str) -> None:
    limit = settings.XLSX_MAX_UNCOMPRESSED_BYTES
    archive = zipfile.ZipFile(stream)
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


class _CellNotRead(Exception):
    """An XLSX cell openpyxl cannot read (args: its reference, or row and column)."""


_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]+)")


def _sheet_rows(workbook, sheet, *, mark_formulas: bool) -> Generator[tuple[int, list[Any]]]:
    """(row number, values) of a read-only sheet, streamed.

    openpyxl's own row parser (openpyxl 3.1 in read-only, data-only mode) with two changes:
    a cell it cannot read (a number cell holding text or too many digits, a shared string
    that does not exist, a date cell that is no date …) and a sheet it cannot read (broken
    XML or compression) are a `TableError` naming the cell or the last row read, never a
    Python error; with `mark_formulas`, a formula cell without a cached value is marked
    instead of read as empty. Without `mark_formulas` the rows are as `iter_rows` gives
    them: every row from the first, padded to the sheet's declared width.
    """
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element):
            try:
                cell = super().parse_cell(element)
            except Exception as exc:  # openpyxl raises many kinds for a broken cell
                logger.info("XLSX cell %s not readable: %r", element.get("r"), exc)
                raise _CellNotRead(
                    element.get("r"), self.row_counter, self.col_counter + 1
                ) from exc
            if mark_formulas and cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["value"] = FORMULA_WITHOUT_VALUE
            return cell

    pad = 0 if mark_formulas else (sheet.max_column or 0)
    number = 0
    try:
        with sheet._get_source() as source:
            parser = Parser(
                source,
                sheet._shared_strings,
                data_only=True,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            for row_number, cells in parser.parse():
                if not cells and mark_formulas:
                    continue
                if pad:
                    for missing in range(number + 1, row_number):
                        yield missing, [None] * pad
                number = row_number
                width = max([pad, *(cell["column"] for cell in cells)])
                values: list[Any] = [None] * width
                for cell in cells:
                    values[cell["column"] - 1] = cell["value"]
                yield number, values
    except _CellNotRead as exc:
        reference, row, column = exc.args
        match = _CELL_REF.fullmatch(str(reference or ""))
        if match:
            letters, row = match.group(1), int(match.group(2))
        else:
            letters = _column_letter(max(int(column or 1), 1) - 1)
        raise TableError(
            _(
                "Строка %(row)s, столбец %(column)s: значение ячейки %(column)s%(row)s не "
                "читается — файл XLSX повреждён или записан с ошибкой. Откройте его в Excel "
                "и сохраните заново."
            )
            % {"row": row, "column": letters}
        ) from exc
    except TableError:
        raise
    except Exception as exc:  # broken XML or compression of the sheet's part
        logger.info("XLSX sheet %r not readable after row %s: %r", sheet.title, number, exc)
        raise TableError(
            _(
                "Лист «%(sheet)s» файла XLSX не читается после строки %(row)s: файл повреждён. "
                "Откройте его в Excel и сохраните заново."
            )
            % {"sheet": shown(sheet.title), "row": number}
        ) from exc


def _find_header(
    row_iter: Iterator[tuple[int, list[Any]]], aliases: dict[str, str]
) -> tuple[list[tuple[int, list[Any]]], int, dict[str, int], list[tuple[int, int]]]:
    """The top rows read, the index of the header among them, its keys and repeats."""
    top: list[tuple[int, list[Any]]] = []
    for _i in range(HEADER_SEARCH_ROWS):
        try:
            top.append(next(row_iter))
        except StopIteration:
            break
    best_index, best_found, best_repeated = -1, dict[str, int](), list[tuple[int, int]]()
    for index, (_number, cells) in enumerate(top):
        found, repeated = _match(cells, aliases)
        if len(found) > len(best_found):
            best_index, best_found, best_repeated = index, found, repeated
    return top, best_index, best_found, best_repeated


def _other_sheet_with_header(workbook, sheet, *, aliases, required) -> str | None:
    """The title of another visible sheet whose top rows hold a header with every
    required column, if any (its rows would be ignored without a word)."""
    others = [
        other
        for other in workbook.worksheets
        if other is not sheet and getattr(other, "sheet_state", "visible") == "visible"
    ]
    for other in others[:OTHER_SHEETS_CHECKED]:
        if not hasattr(other, "_get_source"):  # a chart sheet
            continue
        rows = _sheet_rows(workbook, other, mark_formulas=False)
        try:
            _top, index, found, _repeated = _find_header(rows, aliases)
        except TableError:
            continue  # not read: certainly not a second table
        finally:
            rows.close()
        if index >= 0 and all(key in found for key in required):
            return str(other.title)
    return None


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
    # the first sheet a user sees: a hidden sheet (an old copy, lookup lists) is never read
    visible = [
        sheet
        for sheet in workbook.worksheets
        if getattr(sheet, "sheet_state", "visible") == "visible" and hasattr(sheet, "_get_source")
    ]
    if not visible:
        raise TableError(_("В книге XLSX нет ни одного видимого листа с таблицей."))
    sheet = visible[0]
    try:
        merged_ranges = _xlsx_merged_ranges(sheet) if merged else []
    except Exception as exc:  # broken XML or compression of the sheet's part
        logger.info("XLSX merged cells not readable: %r", exc)
        raise TableError(
            _("Не удалось прочитать файл XLSX: файл повреждён или это не книга Excel.")
        ) from exc
    row_iter = _sheet_rows(workbook, sheet, mark_formulas=mark_formulas)
    top, best_index, best_found, repeated = _find_header(row_iter, aliases)
    if best_index < 0:
        raise TableError(
            _("Не найдена строка заголовков: %(msg)s")
            % {"msg": _missing_message(required, {}, names)}
        )
    if any(key not in best_found for key in required):
        raise TableError(_missing_message(required, best_found, names))
    header_number, header_cells = top[best_index]
    _check_repeated(repeated, header_cells, row=header_number, is_xlsx=True)
    other = _other_sheet_with_header(workbook, sheet, aliases=aliases, required=required)
    if other is not None:
        raise TableError(
            _(
                "В книге несколько видимых листов с таблицей: «%(first)s» и «%(other)s». "
                "Загружается только один лист: оставьте в книге один лист с данными (или "
                "скройте остальные)."
            )
            % {"first": shown(sheet.title), "other": shown(other)}
        )
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
