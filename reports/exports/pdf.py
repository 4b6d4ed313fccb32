"""PDF for meetings and signatures: HTML templates rendered by WeasyPrint, nothing external.

`render_pdf(template, context, path)` is the one renderer (the roadmap status report and
the region dashboard use it): A4 landscape, the portal's font (PT Sans by ParaType,
committed under `static/fonts/` with its licence), page numbers «Стр. N из M» and
«Сформировано: дата, кем» at the foot of every page, table headers repeated on each page.
WeasyPrint loads only those fonts: any other URL in a document is refused, so rendering
never reaches the network. WeasyPrint needs Pango (Debian: libpango-1.0-0,
libpangoft2-1.0-0; see the README).

`PdfBook` is the export writer for reports that offer PDF (`ReportSpec.pdf`): it collects
the rows a report writes (at most PDF_MAX_ROWS per table; past it the export is refused
with a message pointing to XLSX or ODS) and renders them as tables, values formatted as
the pages format them (`base.shown`, through `roadmap_portal.ru_formats`: 67 581, 75,3 %,
−2,5 п.п., 06.10.2025). Text is escaped by the template; formula neutralisation
is a spreadsheet matter and does not apply to paper.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from roadmap_portal.ru_formats import ru_datetime, ru_number

from .base import Book, Column, ExportRefused, Fill, Kind, Table, TitleBlock, shown

logger = logging.getLogger(__name__)

PDF_MAX_ROWS = 3000
CELL_CLASSES = {
    Kind.TEXT: "",
    Kind.INT: "num",
    Kind.NUMBER: "num",
    Kind.PERCENT: "num",
    Kind.DATE: "num date",
    Kind.DATETIME: "num",
    Kind.POINTS: "num",
    Kind.DELTA: "num",
}
# in print, a column for words or dates gets room for a date (31.08.2025) at least;
# narrower ones (numbers, "№") keep their width
PRINT_MIN_WIDTH = 13
NARROW = 8
FONT_DIR = os.path.join(settings.BASE_DIR, "static", "fonts")
FONTS = {"regular": "PTS55F.ttf", "bold": "PTS75F.ttf"}


def font_urls() -> dict[str, str]:
    return {key: "file://" + os.path.join(FONT_DIR, name) for key, name in FONTS.items()}


def _font_path_allowed(url: str) -> bool:
    if not url.startswith("file://"):
        return False
    path = os.path.realpath(url[len("file://") :].split("?")[0])
    return os.path.dirname(path) == os.path.realpath(FONT_DIR)


def local_fonts_only():
    """A WeasyPrint URL fetcher that loads the committed fonts and nothing else."""
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    class LocalFontsOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if not _font_path_allowed(url):
                raise ValueError(f"PDF rendering loads no external resources: {url}")
            return super().fetch(url, headers)

    return LocalFontsOnly(allowed_protocols=("file",), fail_on_errors=True)


def stamp_text(generated_at: dt.datetime, generated_by: str) -> str:
    """«Сформировано: 21.11.2026 10:05 (UTC+3), Иванов И. И. (аналитик)»."""
    offset = generated_at.utcoffset() or dt.timedelta(0)
    hours = int(offset.total_seconds() // 3600)
    return f"Сформировано: {ru_datetime(generated_at)} (UTC{hours:+d}), {generated_by}"


def render_pdf(template: str, context: dict, path: str) -> None:
    """Renders `template` (extending reports/pdf/base.html) to a PDF file at `path`;
    `context` must hold `title` (document title) and `stamp` (from `stamp_text`)."""
    try:  # imported here: it loads Pango, which only PDF rendering needs
        import weasyprint  # type: ignore[import-untyped]
    except (ImportError, OSError):
        logger.exception("WeasyPrint cannot be loaded")
        raise ExportRefused(
            "PDF на этом сервере сейчас не формируется (не установлены системные библиотеки). "
            "Выберите XLSX или ODS и сообщите администратору портала.",
            field="fmt",
        ) from None
    html = render_to_string(template, {**context, "fonts": font_urls()})
    weasyprint.HTML(string=html, url_fetcher=local_fonts_only()).write_pdf(path)


def pdf_value(value: Any, kind: Kind) -> str:
    """A cell as printed: the pages' formats (`base.shown`)."""
    return shown(value, kind)


@dataclass
class PdfTable(Table):
    name: str
    columns: list[Column]
    note: str = ""
    lines: list = field(default_factory=list)  # the rendered rows
    rows_written: int = 0

    def row(self, values: Sequence[Any], *, fill: Fill | None = None) -> None:
        if self.rows_written >= PDF_MAX_ROWS:
            raise ExportRefused(
                f"Таблица «{self.name}» длиннее {ru_number(PDF_MAX_ROWS)} строк — для печати "
                "это слишком много. Выберите один субъект РФ или формат XLSX или ODS.",
                field="fmt",
            )
        cells = [
            (pdf_value(values[i] if i < len(values) else None, c.kind), CELL_CLASSES[c.kind])
            for i, c in enumerate(self.columns)
        ]
        self.lines.append({"cells": cells, "fill": fill.name.lower() if fill else ""})
        self.rows_written += 1

    @property
    def widths(self) -> list[float]:
        """Column widths in percent of the page, proportional to the workbook's (a date
        needs a little more room in print than in a spreadsheet)."""
        widths = [
            max(c.width, PRINT_MIN_WIDTH)
            if c.width >= NARROW and c.kind in (Kind.TEXT, Kind.DATE, Kind.DATETIME)
            else c.width
            for c in self.columns
        ]
        total = sum(widths) or 1
        return [round(w / total * 100, 2) for w in widths]


@dataclass
class PdfBook(Book):
    path: str
    title: TitleBlock
    extension: str = "pdf"
    content_type: str = "application/pdf"
    _tables: list = field(default_factory=list)
    _closed: bool = False

    def table(self, name, columns, *, primary=False, rag=(), note=""):
        table = PdfTable(name=name, columns=list(columns), note=note)
        self._tables.append(table)
        return table

    def abort(self) -> None:
        self._closed = True

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        title = self.title
        render_pdf(
            "reports/pdf/report.html",
            {
                "title": title.report,
                "lines": title.lines()[1:3],  # region and period; the stamp is in the footer
                "stamp": stamp_text(title.generated_at, title.generated_by),
                "tables": self._tables,
            },
            self.path,
        )
