"""An export's memory does not grow with its length: the workbook keeps nothing per row.

XlsxWriter's `constant_memory` mode writes each row out when the next one starts, but it
keeps the height of every row given one (`set_row`) to the end; a long organisation sheet
gives most rows a height (names wrap), so the peak memory of an export grew with its length
(reports.exports.base.XlsxTable._forget_written_heights)."""

from __future__ import annotations

import pytest

from reports.exports.base import LINE_HEIGHT, Column, Kind, XlsxBook
from tests.reports.conftest import open_xlsx
from tests.reports.test_exports_base import TITLE

COLUMNS = [Column("Наименование", width=20, wrap=True), Column("Количество", Kind.INT)]
ROWS = 3000
LONG = "Муниципальное бюджетное общеобразовательное учреждение «Средняя школа №{}»"


def test_a_long_sheet_keeps_no_row_heights_in_memory_and_all_in_the_file(tmp_path):
    path = tmp_path / "long.xlsx"
    with XlsxBook(path=str(path), title=TITLE) as book:
        table = book.table("Организации", COLUMNS, primary=True)
        kept = []
        for i in range(ROWS):
            # every third row is one line (no height of its own), the others wrap
            table.row([LONG.format(i) if i % 3 else f"Школа {i}", i])
            kept.append(len(table.sheet.row_info) + len(table.sheet.row_sizes))
        assert max(kept) <= 2 * 3  # the header row and the rows not yet written, not 2,000
    ws = open_xlsx(str(path))["Организации"]
    first = ws[ws.freeze_panes].row
    heights = [ws.row_dimensions[first + i].height for i in range(ROWS)]
    for i, height in enumerate(heights):
        if i % 3:
            assert height is not None and height >= 2 * LINE_HEIGHT, i
        else:
            assert height is None, i
    assert ws.cell(first + ROWS - 1, 1).value == LONG.format(ROWS - 1)


@pytest.mark.parametrize("rows", [1, 2])
def test_a_short_sheet_keeps_its_heights(tmp_path, rows):
    path = tmp_path / "short.xlsx"
    with XlsxBook(path=str(path), title=TITLE) as book:
        table = book.table("Организации", COLUMNS, primary=True)
        for i in range(rows):
            table.row([LONG.format(i), i])
    ws = open_xlsx(str(path))["Организации"]
    first = ws[ws.freeze_panes].row
    assert all(ws.row_dimensions[first + i].height >= 2 * LINE_HEIGHT for i in range(rows))
