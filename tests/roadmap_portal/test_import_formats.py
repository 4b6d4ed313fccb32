"""The admin's export formats: XLSX that prints its header on every page."""

from __future__ import annotations

import io

import openpyxl
import tablib

from roadmap_portal.import_formats import EXPORT_FORMATS, NeutralisedXLSX


def test_admin_xlsx_export_prints_the_header_on_every_page():
    assert NeutralisedXLSX in EXPORT_FORMATS
    dataset = tablib.Dataset(headers=["Код", "Наименование"])
    for n in range(200):
        dataset.append([n, f"Организация № {n}"])
    book = openpyxl.load_workbook(io.BytesIO(NeutralisedXLSX().export_data(dataset)))
    sheet = book.active
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.max_row == 201 and sheet["B2"].value == "Организация № 0"
