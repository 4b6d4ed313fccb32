"""Reading a region's roadmap document (DOCX, XLSX or CSV) into sections and measures.

No database access: the result is checked against the region's agencies and the existing
roadmap by `roadmaps.services.roadmap_import`.

1. DOCX: the first table whose top rows name the columns (№ п/п, Мероприятие, Срок,
   Ответственный, optionally Ожидаемый результат); following tables without a header and
   with as many columns continue it (a table broken at a page). XLSX/CSV: the project's
   shared table reader (`roadmap_portal.tables`: encodings, title rows, zip-bomb checks).
2. Rows: a repeated header row (Word repeats it at page breaks; a PDF conversion prints it
   again) and a row of column numbers («1 2 3 4») are skipped; a row with one text across
   the table (merged cells) is a section («1. Общие мероприятия»); any other row is a
   measure: its sub-steps are the lines of the «Мероприятие» cell that start with a dash.
3. Deadlines go through `roadmaps.deadlines.parse_deadline`; a spreadsheet date cell is
   printed dd.mm.yyyy first. The year of deadlines without one («Август») is the year of
   the approval date, else the year in the title.
4. Every problem is kept with its row («Строка 12, столбец «Срок»: …»); nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from roadmap_portal.numbers import plain_digits
from roadmap_portal.tables import (
    TableError,
    check_zip_safe,
    forbidden_char,
    normalize_header,
    open_table,
)

from ..deadlines import DeadlineParseError, ImplausibleDeadline, ParsedDeadline, parse_deadline
from .columns import ALIASES, REQUIRED, TITLES

HEADER_SEARCH_ROWS = 6
_DASHES = ("–", "—", "-", "•", "·", "‒", "−")
_MEASURE_NUMBER_RE = re.compile(r"^\d+(?:\.\d+)*\.?$")
_SECTION_RE = re.compile(
    r"^(?:раздел\s+)?(?P<number>[IVXLC]+|\d+(?:\.\d+)*)[.)]?\s+(?P<title>.+)$", re.IGNORECASE | re.S
)
_SECTION_NUMBER_ONLY_RE = re.compile(r"^(?:раздел\s+)?(?:[IVXLC]+|\d+)[.)]?$", re.IGNORECASE)
_APPROVED_RE = re.compile(
    r"\bот\s+(?P<date>\d{1,2}\.\d{1,2}\.\d{4}|\d{1,2}\s+[а-яё]+\s+\d{4})", re.IGNORECASE
)
_DOC_NUMBER_RE = re.compile(r"№\s*(?P<number>[\w\-/.]+)")
_YEAR_RE = re.compile(r"\b(20\d\d)\b")
# a new body starts after «;», a line break, or a comma followed by a capital letter
# («РОИВ, ВК»); «Органы …, расположенные …, и их …» stays one body
_BODY_SPLIT_RE = re.compile(r"\s*(?:[;\n]+|,\s*(?=[A-ZА-ЯЁ«\"]))\s*")


class DocumentError(Exception):
    """The file cannot be read as a roadmap; `messages` are for the user (Russian)."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("; ".join(messages))


@dataclass
class ParsedSection:
    row: str
    number: str
    title: str


@dataclass
class ParsedMeasure:
    row: str  # «строка 12» as the user finds it in the document
    number: str
    title: str
    steps: list[str]
    deadline_text: str
    deadline: ParsedDeadline | None
    responsible_text: str
    responsible_names: list[str]
    expected_result: str
    section: int | None  # index in ParsedRoadmap.sections
    deadline_was_date: bool = False  # a real date cell of a spreadsheet


@dataclass
class ParsedRoadmap:
    format: str
    title: str = ""
    approved_on: dt.date | None = None
    document_number: str = ""
    sections: list[ParsedSection] = field(default_factory=list)
    measures: list[ParsedMeasure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


# --- Entry point ----------------------------------------------------------------------------


def roadmap_document_read(
    *, name: str, data: bytes, approved_on: dt.date | None = None
) -> ParsedRoadmap:
    """Reads the document; raises DocumentError when there is no roadmap table at all.

    Row problems do not raise: they are collected in `errors` so that the preview shows
    all of them at once.
    """
    lower = name.lower()
    if data[:4] == b"PK\x03\x04" and (lower.endswith(".docx") or _is_docx(data)):
        grid = _docx_grid(data)
    elif lower.endswith((".xlsx", ".csv")) or data[:4] == b"PK\x03\x04":
        grid = _table_grid(data)
    elif lower.endswith(".doc"):
        raise DocumentError(
            [_("Формат DOC не поддерживается: сохраните документ в Word как DOCX.")]
        )
    else:
        raise DocumentError([_("Загрузите файл DOCX, XLSX или CSV.")])
    result = ParsedRoadmap(format=grid.format)
    _read_title_block(result, grid.preamble, approved_on)
    _read_rows(result, grid)
    return result


def split_responsible(text: str) -> list[str]:
    """The bodies named in a «Ответственный» cell, in the printed order."""
    names = []
    for part in _BODY_SPLIT_RE.split(text or ""):
        part = " ".join(part.split()).strip(" .,;")
        if part and part not in names:
            names.append(part)
    return names


# --- Grids: the rows of the roadmap table, whatever the format --------------------------


@dataclass
class _Row:
    label: str
    cells: list[Any]
    heading: str = ""  # a section row: one text across the table (merged cells)


@dataclass
class _Grid:
    format: str
    columns: dict[str, int]
    header_label: str
    headers: list[str]
    preamble: list[str]
    rows: list[_Row]
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (column, header text)


def _is_docx(data: bytes) -> bool:
    import zipfile

    try:
        return "word/document.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        return False


def _match_header(cells: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = ALIASES.get(normalize_header(cell))
        if key and key not in found:
            found[key] = index
    return found


def _missing(found: dict[str, int], label: str) -> list[str]:
    missing = [TITLES[key] for key in REQUIRED if key not in found]
    if not missing:
        return []
    return [
        _("%(where)s: в таблице нет обязательных столбцов: %(columns)s.")
        % {"where": label, "columns": ", ".join(f"«{name}»" for name in missing)}
    ]


def _docx_grid(data: bytes) -> _Grid:
    import docx

    stream = io.BytesIO(data)
    try:
        check_zip_safe(stream, label="DOCX")
        document = docx.Document(stream)
    except TableError as error:
        raise DocumentError([str(error)]) from error
    except Exception as error:  # python-docx raises many kinds for a broken file
        raise DocumentError([_("Не удалось прочитать файл DOCX: файл повреждён.")]) from error
    if not document.tables:
        raise DocumentError(
            [
                _(
                    "В документе нет таблицы. Мероприятия должны быть в таблице со столбцами "
                    "«№ п/п», «Мероприятие», «Срок», «Ответственный»."
                )
            ]
        )
    preamble = [p.text.strip() for p in document.paragraphs[:40] if p.text.strip()]
    tables = document.tables
    start = None
    best_partial: tuple[int, dict[str, int], str] | None = None
    for t_index, table in enumerate(tables):
        texts = [_docx_row(row) for row in table.rows[:HEADER_SEARCH_ROWS]]
        for r_index, (cells, _heading) in enumerate(texts):
            found = _match_header(cells)
            if all(key in found for key in REQUIRED):
                start = (t_index, r_index, found, cells)
                break
            if found and (best_partial is None or len(found) > len(best_partial[1])):
                label = _docx_label(t_index, r_index, len(tables))
                best_partial = (t_index, found, label)
        if start:
            break
    if start is None:
        if best_partial is not None:
            raise DocumentError(_missing(best_partial[1], best_partial[2].capitalize()))
        raise DocumentError(
            [
                _(
                    "В таблицах документа не найдена строка заголовков «№ п/п», «Мероприятие», "
                    "«Срок», «Ответственный»."
                )
            ]
        )
    t_start, header_index, columns, header_cells = start
    unknown = _unknown_columns(header_cells, columns, fmt="docx")
    n_columns = len(header_cells)
    rows: list[_Row] = []
    multi = len(tables) > 1
    for t_index in range(t_start, len(tables)):
        table = tables[t_index]
        all_rows = list(table.rows)
        first = header_index + 1 if t_index == t_start else 0
        if t_index > t_start:
            cells0, _heading = _docx_row(all_rows[0]) if all_rows else ([], "")
            if len(table.columns) != n_columns and not _match_header(cells0):
                break  # another table (signatures, an annex): the roadmap ended
        for r_index in range(first, len(all_rows)):
            cells, heading = _docx_row(all_rows[r_index])
            rows.append(
                _Row(
                    label=_docx_label(t_index, r_index, len(tables) if multi else 1),
                    cells=cells,
                    heading=heading,
                )
            )
    return _Grid(
        format="docx",
        columns=columns,
        header_label=_docx_label(t_start, header_index, len(tables)),
        headers=header_cells,
        preamble=preamble,
        rows=rows,
        unknown=unknown,
    )


def _docx_row(row: Any) -> tuple[list[str], str]:
    """The row's texts (a merged cell repeats its text in every column it spans) and its
    section heading, if it is one: one text across the row, or a section number followed
    by one text merged over the other columns («1.» | «Общие мероприятия»)."""
    cells = list(row.cells)
    texts = [cell.text.strip() for cell in cells]
    seen: set[int] = set()
    distinct = []
    for cell, text in zip(cells, texts, strict=True):
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            distinct.append(text)
    nonempty = [text for text in distinct if text]
    heading = ""
    if len(cells) > 1 and len(set(nonempty)) == 1:
        heading = nonempty[0]
    elif len(distinct) == 2 and len(nonempty) == 2 and _SECTION_NUMBER_ONLY_RE.match(nonempty[0]):
        heading = f"{nonempty[0].rstrip('.')}. {nonempty[1]}"
    return texts, heading


def _docx_label(table_index: int, row_index: int, tables: int) -> str:
    if tables > 1:
        return _("таблица %(t)s, строка %(r)s") % {"t": table_index + 1, "r": row_index + 1}
    return _("строка %(r)s") % {"r": row_index + 1}


def _table_grid(data: bytes) -> _Grid:
    try:
        table = open_table(
            io.BytesIO(data), aliases=ALIASES, required=REQUIRED, titles=TITLES, merged=True
        )
        raw_rows = list(table.rows())  # a roadmap is a few hundred rows at most
    except TableError as error:
        raise DocumentError([str(error)]) from error
    preamble = [" ".join(_text(cell) for cell in cells if _text(cell)) for cells in table.preamble]
    columns = dict(table.columns)
    _fill_merged_down(raw_rows, table.merged_ranges)
    rows = []
    for number, cells in raw_rows:
        texts = [cell for cell in cells]
        nonempty = [cell for cell in texts if cell not in (None, "") and str(cell).strip()]
        rows.append(
            _Row(
                label=_("строка %(r)s") % {"r": number},
                cells=texts,
                heading=_text(nonempty[0]) if len(nonempty) == 1 and len(columns) > 1 else "",
            )
        )
    return _Grid(
        format=table.format,
        columns=columns,
        header_label=_("строка %(r)s") % {"r": table.header_row},
        headers=table.headers,
        preamble=preamble,
        rows=rows,
        unknown=_unknown_columns(table.headers, columns, fmt=table.format),
    )


def _fill_merged_down(rows: list[tuple[int, list[Any]]], ranges: Any) -> None:
    """A cell merged down over several rows (one «Ответственный» for three measures) is
    what the document prints on each of them, as Word's merged cells read."""
    by_number = {number: cells for number, cells in rows}
    for min_row, min_col, max_row, max_col in ranges:
        top = by_number.get(min_row)
        if max_row == min_row or top is None:
            continue
        for column in range(min_col - 1, max_col):
            value = top[column] if column < len(top) else None
            for number in range(min_row + 1, max_row + 1):
                cells = by_number.get(number)
                if cells is not None and column < len(cells) and cells[column] in (None, ""):
                    cells[column] = value


def _unknown_columns(
    headers: list[str], columns: dict[str, int], *, fmt: str
) -> list[tuple[str, str]]:
    known = set(columns.values())
    unknown: list[tuple[str, str]] = []
    previous = None
    for index, header in enumerate(headers):
        text = str(header or "").strip()
        # a header merged over two columns repeats its text in a DOCX row
        if text and index not in known and text != previous:
            where = _column_letter(index) if fmt == "xlsx" else str(index + 1)
            unknown.append((where, text))
        previous = text
    return unknown


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --- Title block ------------------------------------------------------------------------------


def _read_title_block(result: ParsedRoadmap, lines: list[str], approved_on: dt.date | None) -> None:
    text = "\n".join(lines)
    titled = [line for line in lines if re.search(r"дорожн|план мероприятий|план", line, re.I)]
    result.title = " ".join((titled[-1] if titled else (lines[0] if lines else "")).split())[:2000]
    if approved_on is None:
        match = _APPROVED_RE.search(text)
        if match:
            try:
                parsed = parse_deadline(match["date"])
            except ImplausibleDeadline as exc:
                result.errors.append(_("Шапка документа, дата утверждения: %(p)s") % {"p": exc})
                parsed = None
            except DeadlineParseError:
                parsed = None
            if parsed and parsed.kind == "date":
                approved_on = parsed.due_date
    result.approved_on = approved_on
    match = _DOC_NUMBER_RE.search(text)
    if match:
        result.document_number = match["number"].strip(".")[:100]


def _default_year(result: ParsedRoadmap) -> int | None:
    if result.approved_on:
        return result.approved_on.year
    match = _YEAR_RE.search(result.title)
    return int(match.group(1)) if match else None


# --- Rows ---------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, dt.date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).replace("\xa0", " ").strip()


def _is_header_repeat(cells: list[Any], columns: dict[str, int]) -> bool:
    hits = 0
    for key, index in columns.items():
        if index < len(cells) and ALIASES.get(normalize_header(_text(cells[index]))) == key:
            hits += 1
    return hits >= 2


def _is_column_numbers(cells: list[Any]) -> bool:
    texts = [_text(cell) for cell in cells if _text(cell)]
    if len(texts) < 3 or not all(plain_digits(text) for text in texts):
        return False
    numbers = [int(text) for text in dict.fromkeys(texts)]
    return numbers == list(range(1, len(numbers) + 1))


def _split_title(text: str) -> tuple[str, list[str]]:
    title_lines: list[str] = []
    steps: list[str] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        if line.startswith(_DASHES):
            steps.append(line.lstrip("".join(_DASHES)).strip().rstrip(";"))
        elif steps:
            steps[-1] = f"{steps[-1]} {line}".rstrip(";")  # a step wrapped over two lines
        else:
            title_lines.append(line)
    return " ".join(title_lines), [step for step in steps if step]


def _read_rows(result: ParsedRoadmap, grid: _Grid) -> None:
    for where, header in grid.unknown:
        result.errors.append(
            _("%(where)s, столбец %(column)s: неизвестный столбец «%(header)s».")
            % {"where": grid.header_label.capitalize(), "column": where, "header": header}
        )
    default_year = _default_year(result)
    columns = grid.columns
    seen: dict[str, str] = {}
    section: int | None = None

    def cell(row: _Row, key: str) -> Any:
        index = columns.get(key)
        if index is None or index >= len(row.cells):
            return None
        return row.cells[index]

    def error(row: _Row, key: str | None, message: str) -> None:
        if key:
            result.errors.append(
                _("%(row)s, столбец «%(column)s»: %(message)s")
                % {"row": row.label.capitalize(), "column": TITLES[key], "message": message}
            )
        else:
            result.errors.append(
                _("%(row)s: %(message)s") % {"row": row.label.capitalize(), "message": message}
            )

    for row in grid.rows:
        texts = [_text(value) for value in row.cells]
        if not any(texts) or _is_header_repeat(row.cells, columns) or _is_column_numbers(row.cells):
            continue
        refused = False
        for key in columns:  # a NUL would reach the database (PostgreSQL refuses it: a 500)
            code = forbidden_char(_text(cell(row, key)))
            if code is not None:
                refused = True
                error(
                    row,
                    key,
                    _("недопустимый управляющий символ (код %(code)s) в тексте.") % {"code": code},
                )
        code = forbidden_char(row.heading or "")
        if code is not None:
            refused = True
            error(
                row,
                None,
                _("недопустимый управляющий символ (код %(code)s) в тексте.") % {"code": code},
            )
        if refused:
            continue
        number = _text(cell(row, "number")).rstrip(".").strip()
        deadline_raw = cell(row, "deadline")
        responsible = _text(cell(row, "responsible"))
        if row.heading or (
            _SECTION_NUMBER_ONLY_RE.match(number or "-")
            and not _text(deadline_raw)
            and not responsible
            and not _text(cell(row, "result"))
        ):
            heading = row.heading or f"{number}. {_text(cell(row, 'title'))}"
            heading = " ".join(heading.split())
            match = _SECTION_RE.match(heading)
            result.sections.append(
                ParsedSection(
                    row=row.label,
                    number=match["number"][:20] if match else "",
                    title=(match["title"] if match else heading).strip(" ."),
                )
            )
            section = len(result.sections) - 1
            continue
        title, steps = _split_title(_text(cell(row, "title")))
        problems = len(result.errors)
        if not number:
            error(row, "number", _("не указан номер мероприятия."))
        elif not _MEASURE_NUMBER_RE.match(number + ".") or len(number) > 20:
            error(row, "number", _("номер «%(n)s» не похож на номер пункта.") % {"n": number})
        elif number in seen:
            error(
                row,
                "number",
                _("номер %(n)s повторяется (уже был: %(where)s).")
                % {"n": number, "where": seen[number]},
            )
        if not title:
            error(row, "title", _("не указано мероприятие."))
        was_date = isinstance(deadline_raw, dt.date)
        deadline_text = " ".join(_text(deadline_raw).split())
        parsed = None
        try:
            parsed = parse_deadline(deadline_text, default_year=default_year)
        except DeadlineParseError as exc:
            error(row, "deadline", str(exc))
        if len(result.errors) > problems and not number:
            continue
        seen.setdefault(number, row.label)
        result.measures.append(
            ParsedMeasure(
                row=row.label,
                number=number,
                title=title,
                steps=steps,
                deadline_text=deadline_text,
                deadline=parsed,
                responsible_text=" ".join(responsible.split()),
                responsible_names=split_responsible(responsible),
                expected_result=" ".join(_text(cell(row, "result")).split()),
                section=section,
                deadline_was_date=was_date,
            )
        )
    if not result.measures and not result.errors:
        result.errors.append(_("В таблице нет ни одного мероприятия."))
