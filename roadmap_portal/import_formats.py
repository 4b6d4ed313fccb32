"""django-import-export formats and the base resource of the admin.

Imports: CSV in UTF-8 or cp1251, `;` or `,` (detected), and XLSX. Exports: CSV and XLSX whose
every text cell goes through the portal's one formula neutralisation
(`roadmap_portal.cells.neutralise`), like the portal's own reports: a name typed as
`=HYPERLINK(…)` is written as the text `'=HYPERLINK(…)`, never as a formula cell, and the
control characters XML forbids are dropped (an organisation named `Школа\x0b№ 5` exports).

* `PortalResource`, the base of every admin resource, exports native values (dates, numbers,
  booleans; django-import-export 4 renders them as strings unless asked), so the XLSX holds
  typed cells: dates as dates (ДД.ММ.ГГГГ), numbers as numbers.
* The CSV follows the reports' conventions (`roadmap_portal.cells`: UTF-8 with BOM, `;`,
  CRLF), what Russian Excel opens in columns; dates in ISO 8601, as the import reads them.
* The XLSX prints its header row on every page.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from import_export import resources
from import_export.formats import base_formats

from . import ru_formats
from .cells import CSV_ENCODING, PortalCsvDialect, neutralise
from .textfiles import decode_bytes, detect_delimiter


class PortalResource(resources.ModelResource):
    """The base of every admin resource: exports native values, never strings made by the
    widgets (`force_native_type`, honoured by django-import-export's number, boolean, date,
    time and duration widgets; datetimes come out in local time without a zone, as XLSX
    needs). Text is neutralised by the format, not here. On import, a row's field errors (a
    widget's, or the model's `clean`) name the file's row and column, as the portal's own
    imports do (`located`)."""

    def export(self, queryset=None, **kwargs):
        kwargs["force_native_type"] = True
        return super().export(queryset, **kwargs)

    def import_row(self, row, instance_loader, **kwargs):
        result = super().import_row(row, instance_loader, **kwargs)
        error = result.validation_error
        if error is not None and hasattr(error, "error_dict"):
            result.validation_error = self.located(error, kwargs.get("row_number"))
        return result

    def located(self, error: ValidationError, row_number: int | None) -> ValidationError:
        """`error` with each message prefixed by «Строка N, столбец «X»» (N as a spreadsheet
        numbers the row: the header is row 1)."""
        columns = {field.attribute: field.column_name for field in self.fields.values()}
        located: dict[str, list[str]] = {}
        for key, messages in error.message_dict.items():
            column = columns.get(key, key)
            prefix = (
                _("Строка %(row)s, столбец «%(column)s»: ")
                % {"row": row_number + 1, "column": column}
                if row_number is not None and key != NON_FIELD_ERRORS
                else ""
            )
            located[key] = [
                message if message.startswith(_("Строка ")) else prefix + message
                for message in messages
            ]
        return ValidationError(located)


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


NATIVE = (bool, int, float, Decimal, dt.date, dt.time, dt.timedelta)  # dates incl. datetimes


def xlsx_value(value: Any) -> Any:
    """A native value of a resource as an XLSX cell: numbers, booleans and dates kept, anything
    else (text, lazy labels …) neutralised text."""
    if value is None or isinstance(value, NATIVE):
        return value
    return neutralise(value)


def csv_text(value: Any) -> str:
    """A native value of a resource as CSV text: booleans as 1/0 and dates in ISO 8601 (what
    the import reads), numbers with a decimal point, anything else neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, int | float | Decimal | dt.date | dt.time):
        return str(value)
    return neutralise(value)


def neutralised_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    """A copy of `dataset` whose text cells (and headers) no spreadsheet reads as formulas."""
    safe = tablib.Dataset(title=dataset.title)
    safe.headers = [neutralise(h) for h in dataset.headers or []]
    for row in dataset:
        safe.append([xlsx_value(cell) for cell in row])
    return safe


class NeutralisedCSV(base_formats.CSV):
    """The reports' CSV conventions (UTF-8 with BOM, `;`, CRLF), bytes so that the BOM is
    not left to the admin's `to_encoding`."""

    def is_binary(self):
        return True

    def get_content_type(self):
        return "text/csv; charset=utf-8"

    def export_data(self, dataset, **kwargs):
        out = io.StringIO()
        writer = csv.writer(out, dialect=PortalCsvDialect)
        writer.writerow([neutralise(h) for h in dataset.headers or []])
        for row in dataset:
            writer.writerow([csv_text(cell) for cell in row])
        return out.getvalue().encode(CSV_ENCODING)


class NeutralisedXLSX(base_formats.XLSX):
    """Neutralised, typed (dates and datetimes in the reports' formats, numbers as numbers),
    and printed as the reports print: the header row on every page (print titles), A4
    landscape, one page wide. Its cells do not wrap, so the default row height fits every
    row in every office suite."""

    def export_data(self, dataset, **kwargs):
        import openpyxl

        data = super().export_data(neutralised_dataset(dataset), **kwargs)
        book = openpyxl.load_workbook(io.BytesIO(data))
        for sheet in book.worksheets:
            for row in sheet.iter_rows(min_row=2):
                for cell in row:
                    if cell.is_date:  # openpyxl's own formats: yyyy-mm-dd[ h:mm:ss]
                        timed = "h" in cell.number_format.lower()
                        cell.number_format = (
                            ru_formats.XLSX_DATETIME if timed else ru_formats.XLSX_DATE
                        )
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
