"""The file formats of exports: one registry for the download page, the API, the jobs, the
download views and `export_report` (which picks the format from the output's extension).

XLSX, ODS and CSV are offered for every report; PDF only for the reports whose
`ReportSpec.pdf` is set (a printable table needs a report narrow enough for A4). Each
format names its writer (a `base.Book`), its content type and, where it has one, the row
limit past which the export is refused with a message pointing to another format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reports.choices_exports import ExportFormat
from roadmap_portal.ru_formats import ru_number

from .base import Book, CsvBook, ExportRefused, TitleBlock, XlsxBook
from .ods import ODS_MAX_ROWS, OdsBook
from .pdf import PDF_MAX_ROWS, PdfBook
from .registry import REPORTS


@dataclass(frozen=True)
class ExportFormatSpec:
    code: str
    book: Callable[..., Book]  # a Book class, called with path= and title=
    content_type: str
    max_rows: int | None = None  # of one sheet (None: the format's own limit)
    pdf: bool = False  # offered only for reports with `ReportSpec.pdf`

    @property
    def label(self) -> str:
        return str(ExportFormat(self.code).label)

    @property
    def extension(self) -> str:
        return self.code


FORMATS: dict[str, ExportFormatSpec] = {
    spec.code: spec
    for spec in (
        ExportFormatSpec(
            ExportFormat.XLSX,
            XlsxBook,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ExportFormatSpec(
            ExportFormat.ODS,
            OdsBook,
            "application/vnd.oasis.opendocument.spreadsheet",
            max_rows=ODS_MAX_ROWS,
        ),
        ExportFormatSpec(ExportFormat.CSV, CsvBook, "text/csv; charset=utf-8"),
        ExportFormatSpec(
            ExportFormat.PDF, PdfBook, "application/pdf", max_rows=PDF_MAX_ROWS, pdf=True
        ),
    )
}
assert set(FORMATS) == set(ExportFormat.values), "every ExportFormat needs a writer"


def get_format(code: str) -> ExportFormatSpec:
    try:
        return FORMATS[code]
    except KeyError:
        raise ValueError(f"Unknown export format: {code}") from None


def content_type(code: str) -> str:
    spec = FORMATS.get(code)
    return spec.content_type if spec else "application/octet-stream"


def pdf_reports_text(reports) -> str:
    names = ", ".join(f"«{spec.label}»" for spec in reports if spec.pdf)
    return names or "—"


def check_format(code: str, report, *, estimate: int | None = None) -> ExportFormatSpec:
    """The format for `report` (a `ReportSpec`), or ExportRefused with a Russian message."""
    fmt = get_format(code)
    if fmt.pdf and not report.pdf:
        raise ExportRefused(
            f"PDF формируется только для отчётов {pdf_reports_text(REPORTS.values())}; "
            "для этого отчёта выберите XLSX, ODS или CSV.",
            field="fmt",
        )
    if fmt.max_rows is not None and estimate is not None and estimate > fmt.max_rows:
        raise ExportRefused(too_many_rows(fmt, estimate), field="fmt")
    return fmt


def too_many_rows(fmt: ExportFormatSpec, rows: int) -> str:
    other = "XLSX или CSV" if fmt.code == ExportFormat.ODS else "XLSX, ODS или CSV"
    return (
        f"В отчёте {ru_number(rows)} строк, а {fmt.code.upper()} портал формирует не больше "
        f"{ru_number(fmt.max_rows)} строк на лист. Выберите {other}."
    ).replace(",", " ")


def open_book(code: str, path: str, title: TitleBlock) -> Book:
    return get_format(code).book(path=path, title=title)
