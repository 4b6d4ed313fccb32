"""Validating the rows of a Sferum monitoring export, one at a time (streaming).

`MonitoringRowReader(table, …).rows()` yields clean rows ready for staging and collects
every problem with its row and column (Russian messages). What it keeps in memory does not
grow with the file: one small record per organisation (85k nationally), one bitset per
week for the duplicate check, the first `MAX_STORED_ERRORS` errors and a count of the rest.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from agencies.choices import OrgType
from roadmap_portal.dates import DATE_HINT, parse_date
from roadmap_portal.tables import Table
from ru_formats import ru_date

from ..formulas import FORMULAS
from .columns import COUNT_KEYS, TITLES

I2 = FORMULAS["i2"]

MAX_STORED_ERRORS = 1000

_SPACES = re.compile(r"[\s\u00a0\u202f]")

# org type by its file abbreviation (ОО, СПО …) or key (school …), case-insensitive
ORG_TYPES: dict[str, str] = {}
for _choice in OrgType:
    ORG_TYPES[str(_choice.label).lower()] = _choice.value
    ORG_TYPES[_choice.value.lower()] = _choice.value


@dataclass(slots=True)
class SeenOrganisation:
    """What the file says about one organisation (the last row wins for name and type)."""

    index: int
    region_id: int
    municipality: str
    name: str
    org_type: str
    first_row: int


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
    """A count cell that is not a whole non-negative number; args[0] is the Russian problem."""


def parse_count(value: Any) -> int:
    """A count: `12`, `12,0`, `1 234`, 12.0 from a spreadsheet; empty is 0."""
    if type(value) is int:
        number = value
    elif value is None:
        return 0
    else:
        if isinstance(value, float):
            if not value.is_integer():
                raise CountError(_("«%(value)s» — не целое число") % {"value": value})
            number = int(value)
        else:
            text = str(value)
            try:
                number = int(text)
            except ValueError:
                text = _SPACES.sub("", text)
                if text == "":
                    return 0
                normal = text.replace(",", ".")
                try:
                    as_float = float(normal)
                except ValueError:
                    raise CountError(
                        _("«%(value)s» — не число") % {"value": str(value)[:50]}
                    ) from None
                if as_float != as_float or as_float in (float("inf"), float("-inf")):
                    raise CountError(
                        _("«%(value)s» — не число") % {"value": str(value)[:50]}
                    ) from None
                if not as_float.is_integer():
                    raise CountError(
                        _("«%(value)s» — не целое число") % {"value": str(value)[:50]}
                    ) from None
                number = int(as_float)
    if number < 0:
        raise CountError(_("отрицательное значение %(value)s") % {"value": number})
    if number > 2_000_000_000:
        raise CountError(_("слишком большое значение %(value)s") % {"value": number})
    return number


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def normalise_region_code(value: Any) -> str:
    text = _text(value)
    if text.isdigit():
        return str(int(text)).zfill(2)
    return text


class MonitoringRowReader:
    """Streams the validated rows of an opened table.

    `regions` maps region codes to ids; `scope` is the set of region ids the file may
    touch (None: any region); `scope_label` names it in messages.
    """

    def __init__(
        self,
        table: Table,
        *,
        regions: dict[str, int],
        scope: frozenset[int] | None,
        scope_label: str = "",
    ) -> None:
        self.table = table
        self.regions = regions
        self.scope = scope
        self.scope_label = scope_label
        self.errors = ErrorCollector()
        self.organisations: dict[str, SeenOrganisation] = {}
        self.weeks: dict[dt.date, bytearray] = {}
        self.rows_read = 0
        self.rows_skipped = 0
        self.rows_valid = 0
        self._labels = {key: self._label(key) for key in table.columns}

    def _label(self, key: str) -> str:
        index = self.table.columns[key]
        header = self.table.headers[index] if index < len(self.table.headers) else ""
        header = header or TITLES[key]
        if self.table.format == "xlsx":
            return f"{header}, {self.table.column_letter(key)}"
        return header

    def column(self, key: str) -> str:
        return self._labels.get(key, TITLES.get(key, key))

    def _error(self, row: int, key: str, problem: str) -> None:
        column = self.column(key) if key else ""
        self.errors.add(row, column, format_error(row, column, problem))

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """(row number, week start, org code, *counts) for every valid row, in file order."""
        columns = self.table.columns
        i_week = columns["week_start"]
        i_region = columns["region_code"]
        i_code = columns["org_code"]
        i_type = columns["org_type"]
        i_muni = columns.get("municipality")
        i_name = columns.get("org_name")
        count_indexes = [(key, columns[key]) for key in COUNT_KEYS]
        width = max(columns.values()) + 1
        date_cache: dict[Any, dt.date] = {}
        region_cache: dict[Any, int] = {}
        type_cache: dict[Any, str] = {}
        organisations = self.organisations
        weeks = self.weeks

        for number, cells in self.table.rows():
            if len(cells) < width:
                cells = list(cells) + [None] * (width - len(cells))
            raw_code = cells[i_code]
            raw_week = cells[i_week]
            code = raw_code.strip() if type(raw_code) is str else _text(raw_code)
            if not code and (raw_week is None or _text(raw_week) == ""):
                # a totals or note line («Итого») has neither organisation nor week
                self.rows_skipped += 1
                continue
            self.rows_read += 1
            ok = True

            # week start
            week = date_cache.get(raw_week)
            if week is None:
                try:
                    week = parse_date(raw_week)
                    if isinstance(raw_week, str | dt.date):
                        date_cache[raw_week] = week
                except (ValueError, TypeError, OverflowError):
                    ok = False
                    if raw_week is None or _text(raw_week) == "":
                        problem = _("не указано начало недели")
                    else:
                        problem = _("«%(value)s» — не дата (ожидается %(hint)s)") % {
                            "value": _text(raw_week)[:50],
                            "hint": DATE_HINT,
                        }
                    self._error(number, "week_start", problem)

            # region
            raw_region = cells[i_region]
            region_id = region_cache.get(raw_region)
            if region_id is None:
                region_code = normalise_region_code(raw_region)
                region_id = self.regions.get(region_code)
                if region_id is None:
                    ok = False
                    if region_code:
                        problem = _("неизвестный код региона «%(code)s»") % {"code": region_code}
                    else:
                        problem = _("не указан код региона")
                    self._error(number, "region_code", problem)
                elif self.scope is not None and region_id not in self.scope:
                    ok = False
                    self._error(
                        number,
                        "region_code",
                        _("субъект «%(code)s» вне области загрузки (%(scope)s)")
                        % {"code": region_code, "scope": self.scope_label},
                    )
                    region_id = None
                else:
                    region_cache[raw_region] = region_id

            # organisation
            if not code:
                ok = False
                self._error(number, "org_code", _("не указан код организации"))
            elif len(code) > 64:
                ok = False
                self._error(number, "org_code", _("код организации длиннее 64 символов"))
            raw_type = cells[i_type]
            org_type = type_cache.get(raw_type)
            if org_type is None:
                org_type = ORG_TYPES.get(_text(raw_type).lower())
                if org_type is None:
                    ok = False
                    self._error(
                        number,
                        "org_type",
                        _("неизвестный тип организации «%(value)s» (допустимы: %(allowed)s)")
                        % {
                            "value": _text(raw_type)[:50],
                            "allowed": ", ".join(str(c.label) for c in OrgType),
                        },
                    )
                else:
                    type_cache[raw_type] = org_type

            # counts
            values: list[int] = []
            for key, index in count_indexes:
                cell = cells[index]
                # fast path for the common case: a plain non-negative whole number
                if type(cell) is str and cell.isdigit():
                    values.append(int(cell))
                    continue
                try:
                    values.append(parse_count(cell))
                except CountError as exc:
                    ok = False
                    values.append(-1)  # unknown: the cross-checks below skip it
                    self._error(number, key, str(exc.args[0]))
            (
                staff_total,
                staff_writers,
                students_total,
                learners_active,
                sferum_users,
                max_only_users,
                vkm_users,
                vkm_and_max_users,
            ) = values
            if staff_total >= 0 and staff_writers > staff_total:
                ok = False
                self._error(
                    number,
                    "staff_writers",
                    _("писавших (%(a)s) больше, чем работников всего (%(b)s)")
                    % {"a": staff_writers, "b": staff_total},
                )
            # I2's denominator (2 × students) bounds the active learners and parents
            learners_bound = I2.parts(learners_active, students_total)[1]
            if students_total >= 0 and learners_active > learners_bound:
                ok = False
                self._error(
                    number,
                    "learners_active",
                    _("активных (%(a)s) больше, чем удвоенное число обучающихся (%(b)s)")
                    % {"a": learners_active, "b": learners_bound},
                )
            if sferum_users >= 0 and max_only_users > sferum_users:
                ok = False
                self._error(
                    number,
                    "max_only_users",
                    _(
                        "пользователей только в MAX (%(a)s) больше, "
                        "чем пользователей Сферума (%(b)s)"
                    )
                    % {"a": max_only_users, "b": sferum_users},
                )
            if vkm_users >= 0 and vkm_and_max_users > vkm_users:
                ok = False
                self._error(
                    number,
                    "vkm_and_max_users",
                    _("с профилем в MAX (%(a)s) больше, чем с профилем в VK Мессенджере (%(b)s)")
                    % {"a": vkm_and_max_users, "b": vkm_users},
                )

            if not code or region_id is None:
                continue
            municipality = _text(cells[i_muni])[:300] if i_muni is not None else ""
            name = _text(cells[i_name])[:1000] if i_name is not None else ""

            seen = organisations.get(code)
            if seen is None:
                seen = SeenOrganisation(
                    index=len(organisations),
                    region_id=region_id,
                    municipality=municipality,
                    name=name,
                    org_type=org_type or "",
                    first_row=number,
                )
                organisations[code] = seen
            elif seen.region_id != region_id:
                ok = False
                self._error(
                    number,
                    "region_code",
                    _(
                        "организация «%(code)s» выше в файле (строка %(row)s) "
                        "указана в другом субъекте"
                    )
                    % {"code": code, "row": seen.first_row},
                )
            else:
                if municipality:
                    seen.municipality = municipality
                if name:
                    seen.name = name
                if org_type:
                    seen.org_type = org_type

            if week is None:
                continue
            bits = weeks.get(week)
            if bits is None:
                bits = weeks[week] = bytearray(max(len(organisations) // 8 + 1, 1024))
            byte, bit = divmod(seen.index, 8)
            if byte >= len(bits):
                bits.extend(bytes(max(byte + 1 - len(bits), len(bits))))
            if bits[byte] & (1 << bit):
                ok = False
                self._error(
                    number,
                    "org_code",
                    _("организация «%(code)s» уже встречалась в файле за неделю %(week)s")
                    % {"code": code, "week": ru_date(week)},
                )
                continue
            bits[byte] |= 1 << bit
            if ok and not self.errors:
                self.rows_valid += 1
                yield (number, week, code, *values)
