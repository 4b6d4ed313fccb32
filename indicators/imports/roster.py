"""Reading a region's roster of monitoring organisations (CSV/XLSX): one organisation code
a row, under the monitoring export's header «Код организации» (any spelling the export
accepts, `columns.ALIASES`); a «Код региона» column, when present, must name the region.
A monitoring export itself is a valid roster (its other columns are ignored; an
organisation listed for several weeks counts once).

All or nothing: every problem names its row and column, in Russian.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

from agencies.models import normalise_region_code
from roadmap_portal.tables import (
    TableError,
    cell_text,
    code_problem,
    open_table,
)

from .columns import ALIASES, TITLES

ORG_CODE_MAX = 64  # agencies.Organisation.code
MAX_ERRORS = 200


@dataclass
class RosterRead:
    codes: list[str] = field(default_factory=list)  # in file order, each once
    rows: dict[str, int] = field(default_factory=dict)  # code -> first row
    repeats: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_total: int = 0

    def error(self, row: int | None, column: str, message: str) -> None:
        self.errors_total += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"row": row, "column": column, "message": message})


def roster_read(stream: IO[bytes], *, region_code: str) -> RosterRead:
    """The organisation codes of a roster file for the region `region_code`."""
    result = RosterRead()
    try:
        table = open_table(stream, aliases=ALIASES, required=["org_code"], titles=TITLES)
    except TableError as exc:
        result.error(None, "", str(exc))
        return result
    code_at = table.columns["org_code"]
    region_at = table.columns.get("region_code")
    code_column = table.column_letter("org_code")
    region_column = table.column_letter("region_code") if region_at is not None else ""
    try:
        for number, cells in table.rows():
            raw_code = cells[code_at] if code_at < len(cells) else None
            code = cell_text(raw_code)
            where = _("Строка %(row)s, столбец «%(column)s»") % {
                "row": number,
                "column": code_column,
            }
            if region_at is not None:
                cell = normalise_region_code(cells[region_at] if region_at < len(cells) else None)
                if cell and cell != region_code:
                    result.error(
                        number,
                        region_column,
                        _(
                            "Строка %(row)s, столбец «%(column)s»: субъект %(found)s, а перечень "
                            "загружается для субъекта %(region)s"
                        )
                        % {
                            "row": number,
                            "column": region_column,
                            "found": cell,
                            "region": region_code,
                        },
                    )
                    continue
            if not code:
                result.error(number, code_column, where + ": " + _("не указан код организации"))
            elif problem := code_problem(raw_code):
                result.error(number, code_column, where + ": " + problem)
            elif len(code) > ORG_CODE_MAX:
                result.error(
                    number,
                    code_column,
                    where
                    + ": "
                    + _("код организации длиннее %(n)s символов") % {"n": ORG_CODE_MAX},
                )
            elif code in result.rows:
                result.repeats += 1
            else:
                result.rows[code] = number
                result.codes.append(code)
    except TableError as exc:
        result.error(None, "", str(exc))
    if not result.errors_total and not result.codes:
        result.error(None, "", _("В файле нет ни одного кода организации."))
    return result
