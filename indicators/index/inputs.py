"""Reading «Сведения для индекса внедрения» (CSV/XLSX): one row per input of a region.

Columns (docs/domain.md): region_code, criterion, input, value, as_of, evidence. The reader
validates every row against the methodology (criterion known on its date, input named by
the criterion, value within the input's range) and the user's scope, and collects every
error with its row and column; the service writes nothing when there is any.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.utils.translation import gettext as _

from agencies import access
from agencies.models import Region, User, normalise_region_code
from roadmap_portal.dates import DATE_HINT, ImplausibleDate, parse_date
from roadmap_portal.tables import (
    Table,
    TableError,
    cell_text,
    normalize_header,
    open_table,
    shown,
)

from ..models import Criterion
from .services import NewFact, fact_value_errors, part_whole_problems

MAX_ERRORS = 500

COLUMNS: dict[str, list[str]] = {
    "region_code": ["Код региона", "Код субъекта", "region_code", "Регион"],
    "criterion": ["Критерий", "Код критерия", "criterion"],
    "input": ["Вход", "Показатель", "input"],
    "value": ["Значение", "value"],
    "as_of": ["Дата", "По состоянию на", "Действует с", "as_of"],
    "evidence": ["Подтверждение", "Ссылка или описание", "evidence"],
}
REQUIRED = ["region_code", "criterion", "value", "as_of"]
ALIASES = {normalize_header(alias): key for key, names in COLUMNS.items() for alias in names}
TITLES = {key: names[0] for key, names in COLUMNS.items()}


@dataclass(frozen=True)
class InputRow:
    row: int
    region_id: int
    region_code: str
    criterion_code: str
    input: str
    value: Decimal
    as_of: dt.date
    evidence_url: str
    evidence_text: str


@dataclass
class ReadResult:
    rows: list[InputRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _cell(cells: list[Any], table: Table, key: str) -> Any:
    index = table.columns.get(key)
    return None if index is None or index >= len(cells) else cells[index]


def _cell_text(cells: list[Any], table: Table, key: str) -> str:
    return cell_text(_cell(cells, table, key))


class _Criteria:
    """Every criterion of every version, looked up by code and date without queries."""

    def __init__(self) -> None:
        self.by_code: dict[str, list[Criterion]] = {}
        for criterion in Criterion.objects.select_related("component__version").order_by(
            "-component__version__valid_from"
        ):
            self.by_code.setdefault(criterion.code, []).append(criterion)

    def get(self, code: str, on_date: dt.date) -> Criterion | None:
        items = self.by_code.get(code)
        if not items:
            return None
        for criterion in items:
            version = criterion.component.version
            if version.valid_from <= on_date and (
                version.valid_to is None or version.valid_to >= on_date
            ):
                return criterion
        return items[0]


def index_inputs_read(stream: IO[bytes], *, user: User | None = None) -> ReadResult:
    """Reads and validates the whole table; `user` limits the regions (None: any)."""
    result = ReadResult()
    try:
        table = open_table(stream, aliases=ALIASES, required=REQUIRED, titles=TITLES)
    except TableError as exc:
        result.errors.append(str(exc))
        return result
    regions = {r.code: r for r in Region.objects.only("id", "code")}
    criteria = _Criteria()
    seen: dict[tuple[Any, ...], int] = {}
    criterion_of_row: dict[int, Criterion] = {}

    def error(row: int, key: str, message: str) -> None:
        if len(result.errors) < MAX_ERRORS:
            result.errors.append(
                _("Строка %(row)s, столбец «%(col)s»: %(msg)s")
                % {
                    "row": row,
                    "col": table.column_letter(key) if key in table.columns else TITLES[key],
                    "msg": message,
                }
            )

    try:
        rows: Iterator[tuple[int, list[Any]]] = table.rows()
        for number, cells in rows:
            result.rows_read += 1
            before = len(result.errors)
            code = normalise_region_code(_cell(cells, table, "region_code"))
            region = regions.get(code)
            if region is None:
                error(
                    number,
                    "region_code",
                    _("неизвестный код субъекта «%(v)s».") % {"v": shown(code)},
                )
            elif user is not None and not access.can_enter_facts(user, region.pk):
                error(number, "region_code", _("нет доступа к субъекту %(v)s.") % {"v": code})
            index = table.columns["as_of"]
            try:
                as_of = parse_date(cells[index] if index < len(cells) else None)
            except ImplausibleDate as exc:
                as_of = None
                error(number, "as_of", str(exc))
            except ValueError:
                as_of = None
                error(number, "as_of", _("дата должна быть в виде %(hint)s.") % {"hint": DATE_HINT})
            criterion_code = _cell_text(cells, table, "criterion")
            input_code = _cell_text(cells, table, "input")
            criterion = criteria.get(criterion_code, as_of or dt.date.today())
            value = None
            if criterion is None:
                error(
                    number,
                    "criterion",
                    _("неизвестный критерий «%(v)s».") % {"v": shown(criterion_code)},
                )
            else:
                index = table.columns["value"]
                raw = cells[index] if index < len(cells) else ""
                if type(raw) is bool:  # TRUE is not the number 1
                    value, messages = None, [_("логическое значение вместо числа.")]
                else:
                    if isinstance(raw, float | int):
                        raw = Decimal(str(raw))
                    value, messages = fact_value_errors(criterion, input_code, raw)
                key = "value"
                if criterion.input_spec(input_code) is None:
                    key = "input" if "input" in table.columns else "criterion"
                for message in messages:
                    error(number, key, message)
            if len(result.errors) > before or region is None or as_of is None or value is None:
                continue
            natural = (region.pk, criterion_code, input_code, as_of)
            if natural in seen:
                error(
                    number,
                    "criterion",
                    _("повтор строки %(other)s (тот же субъект, критерий, вход и дата).")
                    % {"other": seen[natural]},
                )
                continue
            seen[natural] = number
            assert criterion is not None  # a value is only read for a known criterion
            criterion_of_row[number] = criterion
            evidence = _cell_text(cells, table, "evidence")
            is_url = evidence.lower().startswith(("http://", "https://"))
            result.rows.append(
                InputRow(
                    row=number,
                    region_id=region.pk,
                    region_code=region.code,
                    criterion_code=criterion_code,
                    input=input_code,
                    value=value,
                    as_of=as_of,
                    evidence_url=evidence if is_url else "",
                    evidence_text="" if is_url else evidence,
                )
            )
        # a share's part above its whole, against the stored facts too (scoring.parts)
        problems = part_whole_problems(
            NewFact(r.row, r.region_id, criterion_of_row[r.row], r.input, r.value, r.as_of)
            for r in result.rows
        )
        for number in sorted(problems):
            error(number, "value", problems[number])
    except TableError as exc:
        result.errors.append(str(exc))
    if not result.rows_read and not result.errors:
        result.errors.append(_("В файле нет строк со сведениями."))
    return result
