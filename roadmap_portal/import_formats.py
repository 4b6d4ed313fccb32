"""django-import-export formats of the admin.

Imports: CSV in UTF-8 or cp1251, `;` or `,` (detected), and XLSX. Exports: CSV and XLSX whose
every text cell goes through the portal's one formula neutralisation
(`roadmap_portal.cells.neutralise`), like the portal's own reports: a name typed as
`=HYPERLINK(…)` is written as the text `'=HYPERLINK(…)`, never as a formula cell. The XLSX
prints its header row on every page.
"""

from __future__ import annotations

import io

import tablib
from import_export.formats import base_formats

from .cells import neutralise
from .textfiles import decode_bytes, detect_delimiter


class DetectingCSV(base_formats.CSV):
    """CSV read as bytes: encoding and separator are detected, not asked."""

    def get_read_mode(self):
        return "rb"

    def is_binary(self):
        return True

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            text, _encoding = decode_bytes(in_stream)
        else:
            text = in_stream
        header = text.splitlines()[0] if text else ""
        return tablib.import_set(text, format="csv", delimiter=detect_delimiter(header))


def neutralised_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    """A copy of `dataset` whose text cells (and headers) no spreadsheet reads as formulas."""
    safe = tablib.Dataset(title=dataset.title)
    safe.headers = [neutralise(h) for h in dataset.headers or []]
    for row in dataset:
        safe.append([neutralise(cell) if isinstance(cell, str) else cell for cell in row])
    return safe


class NeutralisedCSV(base_formats.CSV):
    def export_data(self, dataset, **kwargs):
        return super().export_data(neutralised_dataset(dataset), **kwargs)


class NeutralisedXLSX(base_formats.XLSX):
    """Neutralised, and printed as the reports print: the header row on every page (print
    titles), A4 landscape, one page wide. Its cells do not wrap, so the default row height
    fits every row in every office suite."""

    def export_data(self, dataset, **kwargs):
        import openpyxl

        data = super().export_data(neutralised_dataset(dataset), **kwargs)
        book = openpyxl.load_workbook(io.BytesIO(data))
        for sheet in book.worksheets:
            sheet.print_title_rows = "1:1"
            sheet.page_setup.orientation = "landscape"
            sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
            sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
            sheet.sheet_properties.pageSetUpPr.fitToPage = True
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


IMPORT_FORMATS = [DetectingCSV, base_formats.XLSX]
EXPORT_FORMATS = [NeutralisedCSV, NeutralisedXLSX]
