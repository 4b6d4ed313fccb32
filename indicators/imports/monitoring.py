"""Validating the rows of a Sferum monitoring export, one at a time (streaming).

`MonitoringRowReader(table, …).rows()` yields clean rows ready for staging and collects
every problem with its row and column (Russian messages). What it keeps in memory does not
grow with the file: small caches of the distinct weeks, regions and types, the region-week
pairs seen, the first `MAX_STORED_ERRORS` errors and a count of the rest. What needs the
whole file (one row per organisation and week, one region per organisation, no new code that
is a twin of another: `tables.code_twin_key`) is checked in
the staging tables (`indicators.services.staging`).

What a row must be (every refusal names the row and the column; nothing is ever coerced):
- exactly as many cells as the header (CSV); no filled cell right of the header (XLSX);
- a week start that is a date, a Monday, not before `MONITORING_SEASON_START` and not after
  the region's local today + 7 days;
- a known region within the upload's scope, an organisation code, a known type;
- a municipality's runs of white space read as one space (`tables.single_spaced`: the
  same name, however spaced);
- text without control characters or invisible ones (a zero-width space, the byte order mark:
  `tables.NOT_IN_TEXT`) and not longer than its model column (`columns.py`);
- every count a whole number written with the digits 0-9, from 0 to
  `MONITORING_MAX_COUNT` (`parse_count`, the one rule: the fast path of the reader accepts
  only what it accepts, with the same value), never empty, never a date, a boolean or an
  XLSX formula without a computed value; thousands only as groups of three digits after
  a space (`1 234`), a decimal part only of zeros and never of exactly three digits
  (`1,000` may be a thousand or one: refused, not guessed);
- a code (region, organisation) and a week never a boolean cell (TRUE is not region 01);
  an organisation code never a spreadsheet number that lost digits (a fraction, more than
  15 digits, scientific notation «6,6E+19», a decimal text «1000123,0»:
  `tables.lossy_code_problem`);
- a row without organisation code and week is skipped as a totals or note line only when
  it says so («Итого», «Всего») or holds nothing but counts; else its empty cells are
  reported like any other row's;
- the cross-checks of docs/domain.md (writers ≤ staff, active ≤ 2 × students …).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.choices import OrgType
from agencies.models import normalise_region_code
from roadmap_portal.dates import DATE_HINT, ImplausibleDate, parse_date
from roadmap_portal.numbers import NUMBER_TEXT, not_a_number_reason
from roadmap_portal.ru_formats import ru_date, ru_number
from roadmap_portal.tables import (
    FORMULA_WITHOUT_VALUE,
    NOT_IN_TEXT,
    Table,
    _column_letter,
    cell_text,
    lossy_code_problem,
    may_be_lossy_code,
    not_in_text_problem,
    shown,
    single_spaced,
)

from ..staleness import season_start
from .columns import BY_KEY, COUNT_KEYS, CROSS_CHECKS, TEXT_LIMITS, TITLES

MAX_STORED_ERRORS = 1000

_SPACES = re.compile(r"[\s\u00a0\u202f]")
# C0 and C1 control characters (NUL, tabs, line breaks …), DEL and the invisible format
# characters (a zero-width space, the byte order mark …): never in a name or code
_CONTROL = NOT_IN_TEXT
_WEEKDAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")

# THE digits of a count: ASCII 0-9 only (`str.isdigit` and `int` also take «²» and
# Arabic-Indic digits). The fast path and `parse_count` are both built on it.
PLAIN_COUNT = "[0-9]+"
_PLAIN_COUNT = re.compile(PLAIN_COUNT)
# a count as people type it (surrounding spaces stripped first): a sign, the digits, or
# groups of three after a space (`1 234`, `12 345 678`), then a decimal part (judged below);
# the one grammar of a number in a file (roadmap_portal.numbers)
_COUNT_TEXT = NUMBER_TEXT
# a line that only sums up the others («Итого», «Всего по району»)
_SUMMARY = re.compile(r"\s*(?:итого|всего)\b", re.IGNORECASE)

# org type by its file abbreviation (ОО, СПО …) or key (school …), case-insensitive
ORG_TYPES: dict[str, str] = {}
for _choice in OrgType:
    ORG_TYPES[str(_choice.label).lower()] = _choice.value
    ORG_TYPES[_choice.value.lower()] = _choice.value


# the message of each cross-check (columns.CROSS_CHECKS); %(b)s is factor × bound
CROSS_MESSAGES: dict[str, Any] = {
    "staff_writers": gettext_lazy("писавших (%(a)s) больше, чем работников всего (%(b)s)"),
    "learners_active": gettext_lazy(
        "активных (%(a)s) больше, чем удвоенное число обучающихся (%(b)s)"
    ),
    "max_only_users": gettext_lazy(
        "пользователей только в MAX (%(a)s) больше, чем пользователей Сферума (%(b)s)"
    ),
    "vkm_users": gettext_lazy(
        "с профилем в VK Мессенджере (%(a)s) больше, чем пользователей Сферума (%(b)s)"
    ),
    "vkm_and_max_users": gettext_lazy(
        "с профилем в MAX (%(a)s) больше, чем с профилем в VK Мессенджере (%(b)s)"
    ),
}


def max_count() -> int:
    return settings.MONITORING_MAX_COUNT


@dataclass
class ErrorCollector:
    """Every error is counted; the first `limit` are kept for the report."""

    limit: int = MAX_STORED_ERRORS
    items: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0

    def add(self, row: int | None, column: str, message: str) -> None:
        self.total += 1
        if len(self.items) < self.limit:
            self.items.append({"row": row, "column": column, "message": message})

    def sort(self) -> None:
        """File order (errors found in the staging tables come after the streamed ones)."""
        self.items.sort(key=lambda item: (item["row"] is not None, item["row"] or 0))

    def __bool__(self) -> bool:
        return self.total > 0


def format_error(row: int | None, column: str, problem: str) -> str:
    if row is None:
        return problem
    if column:
        return _("Строка %(row)s, столбец «%(column)s»: %(problem)s") % {
            "row": row,
            "column": column,
            "problem": problem,
        }
    return _("Строка %(row)s: %(problem)s") % {"row": row, "problem": problem}


class CountError(ValueError):
    """A count cell that is not a real count; args[0] is the Russian problem."""


def boolean_problem(value: bool, expected: str) -> str:
    """A boolean cell (TRUE/FALSE of a spreadsheet) where a number, code or date is
    expected: refused, never read as 1 or 0."""
    return _("логическое значение «%(value)s» вместо %(expected)s") % {
        "value": _("ИСТИНА") if value else _("ЛОЖЬ"),
        "expected": expected,
    }


def _shown(value: Any) -> str:
    return shown(value)


def _in_range(number: int) -> int:
    if number < 0:
        raise CountError(_("отрицательное значение %(value)s") % {"value": number})
    ceiling = max_count()
    if number > ceiling:
        raise CountError(
            _("значение %(value)s больше возможного для одной организации (не более %(max)s)")
            % {"value": number, "max": ru_number(ceiling)}
        )
    return number


def parse_count(value: Any) -> int:
    """THE rule for a count cell: a whole number 0 … MONITORING_MAX_COUNT.

    Text: the digits 0-9 only, surrounding spaces aside: `12`; `1 234` with a space
    between groups of three; `12,0` or `12.00` with a zero decimal part. Refused: empty, a
    space anywhere else (`1 5`, `1<TAB>2`, a line break), a separator before exactly three
    digits (`1,000`, `12.500`: thousands or a fraction? never guessed), a non-zero decimal
    part, any other character (letters, «²», Arabic-Indic or other digits, exponents).
    A spreadsheet number must be whole. Refused too: a date, a boolean, a formula without a
    computed value. Raises `CountError` with the problem.
    """
    kind = type(value)
    if kind is str:
        if len(value) < 16 and _PLAIN_COUNT.fullmatch(value):  # as the fast path reads it
            return _in_range(int(value))
        text = value.strip()
        if text == "":
            raise CountError(_("пустая ячейка: нужно число (ноль пишется как 0)"))
        match = _COUNT_TEXT.fullmatch(text)
        if match is None:
            raise CountError(_not_a_count(value, text))
        sign, digits, decimals = match.groups()
        if decimals is not None and len(decimals) == 3:
            raise CountError(
                _(
                    "«%(value)s» — неоднозначная запись: три цифры после запятой или точки "
                    "могут быть и дробной частью, и разрядом тысяч. Запишите число без "
                    "разделителя (%(plain)s) или с пробелом между тысячами"
                )
                % {"value": _shown(value), "plain": _shown(_SPACES.sub("", digits) + decimals)}
            )
        if decimals and decimals.strip("0"):
            raise CountError(_("«%(value)s» — не целое число") % {"value": _shown(value)})
        digits = _SPACES.sub("", digits).lstrip("0") or "0"
        if len(digits) > len(str(max_count())):  # before int(): any length
            raise CountError(
                _("значение %(value)s больше возможного для одной организации (не более %(max)s)")
                % {"value": _shown(value), "max": ru_number(max_count())}
            )
        return _in_range(-int(digits) if sign else int(digits))
    if value is None:
        raise CountError(_("пустая ячейка: нужно число (ноль пишется как 0)"))
    if value is FORMULA_WITHOUT_VALUE:
        raise CountError(_("формула без вычисленного значения"))
    if kind is bool:
        raise CountError(boolean_problem(value, _("числа")))
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        raise CountError(_("дата или время «%(value)s» вместо числа") % {"value": value})
    if kind is int:
        return _in_range(value)
    if kind is float:
        if math.isnan(value) or math.isinf(value):
            raise CountError(_("«%(value)s» — не число") % {"value": value})
        if not value.is_integer():
            raise CountError(_("«%(value)s» — не целое число") % {"value": value})
        return _in_range(int(value))
    raise CountError(_("«%(value)s» — не число") % {"value": _shown(value)})


def _not_a_count(value: str, text: str) -> str:
    """Why a text cell that `_COUNT_TEXT` does not take is no count (the Russian problem)."""
    if re.fullmatch(r"-?[0-9]+[.,][0-9]+", text):
        return _("«%(value)s» — не целое число") % {"value": _shown(value)}
    return not_a_number_reason(value, text)


def fast_counts(cells: tuple[Any, ...]) -> list[int] | None:
    """The reader's fast path for a row's count cells: their values when every cell is
    plain digits 0-9 within the ceiling, else None (then `parse_count` judges each cell).
    Accepts nothing `parse_count` refuses, with the same values (tested)."""
    try:
        joined = "\x1f".join(cells)
    except TypeError:  # spreadsheet numbers: the slow path
        return None
    plain = _PLAIN_ROWS.get(len(cells))
    if plain is None:
        plain = _PLAIN_ROWS[len(cells)] = re.compile(
            f"{PLAIN_COUNT}(?:\x1f{PLAIN_COUNT}){{{len(cells) - 1}}}"
        ).fullmatch
    if plain(joined) is None:
        return None
    try:
        values = list(map(int, cells))
    except ValueError:  # more digits than `int` reads: `parse_count` names the cell
        return None
    if max(values) > max_count():
        return None
    return values


_PLAIN_ROWS: dict[int, Any] = {}


class MonitoringRowReader:
    """Streams the validated rows of an opened table.

    `regions` maps region codes to ids; `last_weeks` maps a region id to the last week start
    it may report (its local today + 7 days); `scope` is the set of region ids the file may
    touch (None: any region); `scope_label` names it in messages.
    """

    def __init__(
        self,
        table: Table,
        *,
        regions: dict[str, int],
        last_weeks: dict[int, dt.date],
        scope: frozenset[int] | None,
        scope_label: str = "",
    ) -> None:
        self.table = table
        self.regions = regions
        self.last_weeks = last_weeks
        self.scope = scope
        self.scope_label = scope_label
        self.errors = ErrorCollector()
        self.pairs: set[tuple[int, dt.date]] = set()  # (region id, week) in the file
        self.rows_read = 0
        self.rows_skipped = 0
        self.rows_valid = 0
        self._labels = {key: self._label(key) for key in table.columns}
        self._count_positions = frozenset(
            table.columns[key] for key in COUNT_KEYS if key in table.columns
        )

    @property
    def weeks(self) -> list[dt.date]:
        return sorted({week for _region, week in self.pairs})

    @property
    def region_ids(self) -> list[int]:
        return sorted({region for region, _week in self.pairs})

    def _label(self, key: str) -> str:
        index = self.table.columns[key]
        header = self.table.headers[index] if index < len(self.table.headers) else ""
        header = header or TITLES[key]
        if self.table.format == "xlsx":
            return f"{header}, {self.table.column_letter(key)}"
        return header

    def column(self, key: str) -> str:
        return self._labels.get(key, TITLES.get(key, key))

    def _position_label(self, index: int) -> str:
        """A column by its position (a cell outside the header, or a missing one)."""
        for key, at in self.table.columns.items():
            if at == index:
                return self.column(key)
        if self.table.format == "xlsx":
            return _column_letter(index)
        header = self.table.headers[index] if index < len(self.table.headers) else ""
        return header or _("№ %(n)s (без заголовка)") % {"n": index + 1}

    def _error(self, row: int, key: str, problem: str) -> None:
        column = self.column(key) if key else ""
        self.errors.add(row, column, format_error(row, column, problem))

    def _error_at(self, row: int, column: str, problem: str) -> None:
        self.errors.add(row, column, format_error(row, column, problem))

    def _check_width(self, number: int, cells: list[Any]) -> bool:
        """CSV: as many cells as the header; XLSX: nothing filled right of the header."""
        width = self.table.width
        if self.table.format == "xlsx":
            for index in range(width, len(cells)):
                cell = cells[index]
                if cell is not None and str(cell).strip():
                    self._error_at(
                        number,
                        self._position_label(index),
                        _("ячейка правее заголовка заполнена («%(value)s»)")
                        % {"value": _shown(cell)},
                    )
                    return False
            return True
        if len(cells) < width:
            self._error_at(
                number,
                self._position_label(len(cells)),
                _("в строке %(got)s ячеек, а в заголовке %(want)s: строка короче заголовка")
                % {"got": len(cells), "want": width},
            )
            return False
        if len(cells) > width:
            self._error_at(
                number,
                self._position_label(width),
                _("в строке %(got)s ячеек, а в заголовке %(want)s: строка длиннее заголовка")
                % {"got": len(cells), "want": width},
            )
            return False
        return True

    def _check_formulas(self, number: int, cells: list[Any]) -> bool:
        ok = True
        for key, index in self.table.columns.items():
            if index < len(cells) and cells[index] is FORMULA_WITHOUT_VALUE:
                ok = False
                self._error(
                    number,
                    key,
                    _(
                        "ячейка %(cell)s%(row)s: формула без вычисленного значения "
                        "(откройте файл в Excel и сохраните его, чтобы значения были вычислены)"
                    )
                    % {"cell": self.table.column_letter(key), "row": number},
                )
        return ok

    def week_of(self, raw: Any) -> tuple[dt.date | None, str | None]:
        """A week start cell: (date, None) or (None, the problem)."""
        if type(raw) is bool:
            return None, boolean_problem(raw, _("даты"))
        try:
            return parse_date(raw), None
        except ImplausibleDate as exc:
            return None, str(exc)
        except (ValueError, TypeError, OverflowError):
            if raw is None or cell_text(raw) == "":
                return None, _("не указано начало недели")
            return None, _("«%(value)s» — не дата (ожидается %(hint)s)") % {
                "value": _shown(cell_text(raw)),
                "hint": DATE_HINT,
            }

    def region_of(self, raw: Any) -> tuple[int | None, str | None]:
        """A region code cell: (region id, None) or (None, the problem)."""
        if type(raw) is bool:
            return None, boolean_problem(raw, _("кода региона"))
        region_code = normalise_region_code(raw)
        region_id = self.regions.get(region_code)
        if region_id is None:
            if region_code:
                return None, _("неизвестный код региона «%(code)s»") % {"code": _shown(region_code)}
            return None, _("не указан код региона")
        if self.scope is not None and region_id not in self.scope:
            return None, _("субъект «%(code)s» вне области загрузки (%(scope)s)") % {
                "code": _shown(region_code),
                "scope": self.scope_label,
            }
        return region_id, None

    def type_of(self, raw: Any) -> tuple[str | None, str | None]:
        """An organisation type cell: (type key, None) or (None, the problem)."""
        org_type = ORG_TYPES.get(cell_text(raw).lower())
        if org_type is None:
            return None, _("неизвестный тип организации «%(value)s» (допустимы: %(allowed)s)") % {
                "value": _shown(cell_text(raw)),
                "allowed": ", ".join(str(c.label) for c in OrgType),
            }
        return org_type, None

    def week_problem(self, week: dt.date, region_id: int) -> str | None:
        if week.weekday() != 0:
            return _("%(week)s — %(day)s, а неделя начинается с понедельника") % {
                "week": ru_date(week),
                "day": _WEEKDAYS[week.weekday()],
            }
        start = season_start()
        if week < start:
            return _("неделя %(week)s раньше начала сезона мониторинга (%(start)s)") % {
                "week": ru_date(week),
                "start": ru_date(start),
            }
        last = self.last_weeks.get(region_id)
        if last is not None and week > last:
            return _(
                "неделя %(week)s ещё не наступила (по местному времени субъекта допустимо "
                "не позже %(last)s)"
            ) % {"week": ru_date(week), "last": ru_date(last)}
        return None

    def _check_texts(self, number: int, texts: dict[str, str]) -> bool:
        ok = True
        for key, text in texts.items():
            control = _CONTROL.search(text)
            if control is not None:
                ok = False
                self._error(number, key, not_in_text_problem(control.group()))
            limit = TEXT_LIMITS.get(key)
            if limit and len(text) > limit:
                ok = False
                self._error(
                    number,
                    key,
                    _("текст длиннее %(limit)s символов (%(length)s)")
                    % {"limit": limit, "length": len(text)},
                )
        return ok

    def _is_summary(self, cells: list[Any]) -> bool:
        """A row without organisation code and week that is a totals or note line: it says
        so («Итого», «Всего …») or holds nothing but counts. Any other such row is read, and
        its missing cells reported."""
        counts = self._count_positions
        only_counts = True
        for index, cell in enumerate(cells):
            if cell is None:
                continue
            if type(cell) is str:
                if _SUMMARY.match(cell):
                    return True
                if not cell.strip():
                    continue
            if index not in counts:
                only_counts = False
        return only_counts

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """(row number, week start, region id, org code, municipality, name, org type,
        *counts) for every valid row, in file order."""
        columns = self.table.columns
        i_week = columns["week_start"]
        i_region = columns["region_code"]
        i_code = columns["org_code"]
        i_type = columns["org_type"]
        i_muni = columns.get("municipality")
        i_name = columns.get("org_name")
        count_indexes = [(key, columns[key]) for key in COUNT_KEYS]
        get_counts = itemgetter(*(index for _key, index in count_indexes))
        checks = [
            (COUNT_KEYS.index(key), COUNT_KEYS.index(bound), factor, key, CROSS_MESSAGES[key])
            for key, bound, factor in CROSS_CHECKS
        ]
        width = self.table.width
        is_xlsx = self.table.format == "xlsx"
        needed = max(columns.values()) + 1
        date_cache: dict[Any, dt.date] = {}
        # a municipality's text -> its one spelling (`tables.single_spaced`)
        spaced_cache: dict[str, str] = {}
        region_cache: dict[Any, int] = {}
        type_cache: dict[Any, str] = {}
        week_checked: dict[tuple[dt.date, int], str | None] = {}
        pairs = self.pairs
        control = _CONTROL.search
        code_limit = BY_KEY["org_code"].max_length or 64
        muni_limit = TEXT_LIMITS.get("municipality", 300)
        name_limit = TEXT_LIMITS.get("org_name", 1000)

        for number, cells in self.table.rows():
            if is_xlsx and len(cells) < needed:
                cells = cells + [None] * (needed - len(cells))
            raw_code = cells[i_code] if i_code < len(cells) else None
            raw_week = cells[i_week] if i_week < len(cells) else None
            code = raw_code.strip() if type(raw_code) is str else cell_text(raw_code)
            if (
                not code
                and (raw_week is None or cell_text(raw_week) == "")
                and self._is_summary(cells)
            ):
                # a totals or note line («Итого») has neither organisation nor week
                self.rows_skipped += 1
                continue
            self.rows_read += 1
            if (len(cells) != width or is_xlsx) and not self._check_width(number, cells):
                continue
            ok = True
            if (
                is_xlsx
                and FORMULA_WITHOUT_VALUE in cells
                and not self._check_formulas(number, cells)
            ):
                continue

            # week start
            week = date_cache.get(raw_week)
            if week is None:
                week, problem = self.week_of(raw_week)
                if week is None:
                    ok = False
                    self._error(number, "week_start", problem or "")
                elif isinstance(raw_week, str | dt.date):
                    date_cache[raw_week] = week

            # region (a boolean is never a cache key: TRUE == 1 would find region 01)
            raw_region = cells[i_region]
            region_id = region_cache.get(raw_region) if type(raw_region) is not bool else None
            if region_id is None:
                region_id, problem = self.region_of(raw_region)
                if region_id is None:
                    ok = False
                    self._error(number, "region_code", problem or "")
                else:
                    region_cache[raw_region] = region_id

            if week is not None and region_id is not None:
                key = (week, region_id)
                if key in week_checked:
                    problem = week_checked[key]
                else:
                    problem = week_checked[key] = self.week_problem(week, region_id)
                if problem is not None:
                    ok = False
                    self._error(number, "week_start", problem)

            # organisation and texts
            municipality = cell_text(cells[i_muni]) if i_muni is not None else ""
            name = cell_text(cells[i_name]) if i_name is not None else ""
            if type(raw_code) is bool:
                ok = False
                self._error(number, "org_code", boolean_problem(raw_code, _("кода организации")))
            elif (type(raw_code) is float or may_be_lossy_code(code)) and (
                lossy := lossy_code_problem(raw_code)
            ):
                ok = False
                self._error(number, "org_code", lossy)
            elif not code:
                ok = False
                self._error(number, "org_code", _("не указан код организации"))
            if (
                control(code)
                or control(municipality)
                or control(name)
                or len(code) > code_limit
                or len(municipality) > muni_limit
                or len(name) > name_limit
            ):
                texts = {"org_code": code}
                if i_muni is not None:
                    texts["municipality"] = municipality
                if i_name is not None:
                    texts["org_name"] = name
                ok = self._check_texts(number, texts) and ok
            raw_type = cells[i_type]
            org_type = type_cache.get(raw_type)
            if org_type is None:
                org_type, problem = self.type_of(raw_type)
                if org_type is None:
                    ok = False
                    self._error(number, "org_type", problem or "")
                else:
                    type_cache[raw_type] = org_type

            # counts: the fast path takes a row of plain digits; anything else, cell by cell
            values = fast_counts(get_counts(cells))
            if values is None:
                values = []
                for count_key, index in count_indexes:
                    try:
                        values.append(parse_count(cells[index]))
                    except CountError as exc:
                        ok = False
                        values.append(-1)  # unknown: the cross-checks below skip it
                        self._error(number, count_key, str(exc.args[0]))
            for at, bound_at, factor, check_key, message in checks:
                value, bound = values[at], values[bound_at]
                if bound >= 0 and value > factor * bound:
                    ok = False
                    self._error(number, check_key, message % {"a": value, "b": factor * bound})
            if not ok or region_id is None or week is None:
                continue
            spaced = spaced_cache.get(municipality)
            if spaced is None:
                spaced = spaced_cache[municipality] = single_spaced(municipality)
            municipality = spaced
            pairs.add((region_id, week))
            self.rows_valid += 1
            # staged even after an error elsewhere, so that the checks over the whole file
            # (duplicates, an organisation in two regions) report theirs too
            yield (number, week, region_id, code, municipality, name, org_type, *values)
