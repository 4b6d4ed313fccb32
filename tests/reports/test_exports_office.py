"""Reports in every office suite: row heights, print titles, ODS, PDF.

The LibreOffice tests print every report (XLSX and ODS) to PDF with LibreOffice headless,
as a user of Astra Linux would, and read the text boxes back with pdftotext: no two rows'
texts overlap, the header is on every page (and the whole width of the table, so one
page wide), the page count fits the row count. Page 1 of each PDF is saved as a PNG
under var/test-artifacts/. They are skipped only when soffice or pdftotext is absent
(.ci/run installs them).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import zipfile
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from reports.exports import ods as ods_module
from reports.exports import pdf as pdf_module
from reports.exports.base import (
    LINE_HEIGHT,
    MAX_ROW_HEIGHT,
    Column,
    ExportRefused,
    Kind,
    header_height,
    row_height,
    wrapped_lines,
)
from reports.exports.jobs import export_write
from reports.exports.registry import REPORTS, ExportParams
from reports.models import GeneratedExport
from roadmaps.models import Measure, MeasureChange
from tests.reports.conftest import HOSTILE, open_xlsx
from tests.reports.office import (
    convert_to_pdf,
    libreoffice_convert,
    needs_libreoffice,
    needs_poppler,
    ods_values,
    overlaps,
    page_text,
    pdf_pages,
    save_first_page_png,
    xlsx_values,
)
from tests.reports.test_exports_alerts import alerts  # noqa: F401 - fixture
from tests.reports.test_exports_index import facts  # noqa: F401 - fixture
from tests.reports.test_exports_roadmap_status import sverdlovsk_measures  # noqa: F401

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
NOW = dt.datetime(2025, 10, 10, 12, 0, tzinfo=MSK)
LONG_COMMENT = (
    "Проект регламента направлен на согласование в министерство цифрового развития; "
    "замечания юридического отдела учтены, ожидается подпись заместителя губернатора. "
    "Сроки перенесены из-за отпуска ответственного исполнителя и повторного согласования "
    "с подведомственными учреждениями, после чего документ будет опубликован на портале "
    "правовой информации и доведён до муниципальных образований письмом министерства. "
    "Последнее слово комментария: КОНЕЦКОММЕНТАРИЯ"
)
# what each report is printed with in these tests
CASES = {
    "roadmap_status": ExportParams(region="66"),
    "indicators": ExportParams(region="66", orgs=True),
    "index": ExportParams(date_from=dt.date(2025, 9, 1), date_to=dt.date(2025, 9, 30)),
    "alerts": ExportParams(date_from=dt.date(2025, 9, 1), date_to=dt.date(2025, 9, 30)),
}
# what each report is printed with through LibreOffice: the index of one region (every region
# is 100 pages per format, the same few page layouts over and over; the long tables that
# must repeat their header on each page are the roadmap status and the indicators)
PRINTED = {
    **CASES,
    "index": ExportParams(region="66", date_from=dt.date(2025, 9, 1), date_to=dt.date(2025, 9, 30)),
}


@pytest.fixture
def every_report(personas, monitoring, facts, alerts, sverdlovsk_measures):  # noqa: F811
    """Data for all four reports, with a long comment that must wrap over many lines."""
    measure = Measure.objects.get(roadmap__region__code="66", number="1.3")
    MeasureChange.objects.create(
        measure=measure, kind="status", actor=personas.ministry_user, comment=LONG_COMMENT
    )
    assert set(CASES) == set(REPORTS), "every report is printed by these tests"
    return personas


def write_all(tmp_path, user, fmt: str, cases=CASES) -> dict[str, tuple]:
    out = {}
    for kind, params in cases.items():
        path = tmp_path / f"{kind}.{fmt}"
        written = export_write(
            kind=kind, params=params, user=user, fmt=fmt, path=str(path), now=NOW
        )
        out[kind] = (path, written)
    return out


# --- row heights -------------------------------------------------------------------------


def test_wrapped_lines():
    assert wrapped_lines("коротко", 10) == 1
    assert wrapped_lines("раз два три четыре", 9) == 3  # "раз два" | "три" | "четыре"
    assert wrapped_lines("а" * 25, 10) == 3  # a long word is broken
    assert wrapped_lines("один\nдва\n\nтри", 40) == 4  # line breaks are kept
    assert wrapped_lines("слово " * 20, 12, bold=True) > wrapped_lines("слово " * 20, 12)


def test_row_height_from_the_tallest_wrapped_cell():
    columns = [Column("Текст", width=10, wrap=True), Column("Узко", width=5), Column("Ч", Kind.INT)]
    assert row_height(columns, ["коротко", "очень длинный текст без переноса", 5]) is None
    assert row_height(columns, ["раз два три четыре пять", None, 5]) == 3 * LINE_HEIGHT
    assert row_height(columns, ["слово " * 500, None, None]) == MAX_ROW_HEIGHT  # capped
    assert header_height([Column("Пользователей с профилем в VK Мессенджере", width=14)]) >= (
        3 * LINE_HEIGHT
    )


def test_xlsx_sets_row_heights_in_constant_memory_mode(tmp_path, every_report):
    path, written = write_all(tmp_path, every_report.analyst, "xlsx")["roadmap_status"]
    wb = open_xlsx(str(path))
    ws = wb["Мероприятия"]
    header = ws[ws.freeze_panes].row - 1
    assert ws.row_dimensions[header].height >= 2 * LINE_HEIGHT
    assert ws.print_title_rows == f"${header}:${header}"  # the header repeats on every page
    long_rows = [
        row[0].row
        for row in ws.iter_rows(min_row=header + 1)
        if any(isinstance(c.value, str) and "КОНЕЦКОММЕНТАРИЯ" in c.value for c in row)
    ]
    assert long_rows
    assert ws.row_dimensions[long_rows[0]].height >= 10 * LINE_HEIGHT
    for name in wb.sheetnames:  # every sheet prints its header on every page
        assert wb[name].print_title_rows


# --- ODS ---------------------------------------------------------------------------------


def test_ods_matches_xlsx_cell_by_cell(tmp_path, every_report):
    user = every_report.analyst
    xlsx, ods = write_all(tmp_path, user, "xlsx"), write_all(tmp_path, user, "ods")
    for kind in CASES:
        assert ods[kind][1].content_type == "application/vnd.oasis.opendocument.spreadsheet"
        assert ods[kind][1].filename.endswith(".ods")
        assert ods[kind][1].rows == xlsx[kind][1].rows
        left, right = xlsx_values(xlsx[kind][0]), ods_values(ods[kind][0])
        assert list(left) == list(right), kind
        for sheet, rows in left.items():
            assert len(rows) == len(right[sheet]), (kind, sheet)
            for r, (a_row, b_row) in enumerate(zip(rows, right[sheet], strict=True)):
                assert len(a_row) == len(b_row), (kind, sheet, r + 1, a_row, b_row)
                for c, (a, b) in enumerate(zip(a_row, b_row, strict=True)):
                    where = (kind, sheet, r + 1, c + 1)
                    if isinstance(a, int | float) and not isinstance(a, bool):
                        assert b == pytest.approx(a), where
                    elif isinstance(a, dt.datetime):  # XLSX keeps milliseconds
                        assert abs(a - b) < dt.timedelta(milliseconds=1), where
                    else:
                        assert a == b, where


def test_ods_is_neutralised_and_typed(tmp_path, every_report):
    path, _ = write_all(tmp_path, every_report.analyst, "ods")["roadmap_status"]
    values = ods_values(path)["Мероприятия"]
    texts = [v for row in values for v in row if isinstance(v, str)]
    assert "'" + HOSTILE[0] in texts
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@"))]
    assert any(isinstance(v, dt.datetime) for row in values for v in row)
    with open(path, "rb") as fh:
        assert fh.read(38)[30:] == b"mimetype"  # the first entry, stored (ODF packaging)
    header = values.index([]) + 2  # 1-based row of the header
    with zipfile.ZipFile(path) as zf:
        settings = zf.read("settings.xml").decode()
        content = zf.read("content.xml").decode()
    # the frozen pane below the header and the autofilter, as in the workbook
    assert (
        '<config:config-item config:name="VerticalSplitPosition" config:type="int">'
        f"{header}</config:config-item>"
    ) in settings
    last_column = chr(ord("A") + len(values[header - 1]) - 1)  # the header's last column
    assert f"'Мероприятия'.A{header}:'Мероприятия'.{last_column}{len(values)}" in content


def test_ods_refused_above_the_row_limit(tmp_path, every_report, monkeypatch):
    monkeypatch.setattr(ods_module, "ODS_MAX_ROWS", 2)
    with pytest.raises(ExportRefused, match="Выберите XLSX или CSV"):
        export_write(
            kind="roadmap_status",
            params=CASES["roadmap_status"],
            user=every_report.analyst,
            fmt="ods",
            path=str(tmp_path / "x.ods"),
            now=NOW,
        )
    with pytest.raises(CommandError, match="Выберите XLSX или CSV"):
        call_command(
            "export_report", "roadmap_status", "--region", "66", "--output", str(tmp_path / "y.ods")
        )
    assert not (tmp_path / "y.ods").exists()


def test_ods_job_refused_up_front_when_the_estimate_is_too_big(
    persona_client, every_report, monkeypatch
):
    from reports.exports import formats

    monkeypatch.setitem(
        formats.FORMATS, "ods", formats.ExportFormatSpec("ods", ods_module.OdsBook, "x", 2)
    )
    response = persona_client("analyst").post(
        "/api/v1/exports/",
        {"kind": "indicators", "region": "66", "orgs": True, "fmt": "ods"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "Выберите XLSX или CSV" in response.json()["fields"]["fmt"][0]
    assert not GeneratedExport.objects.exists()


# --- PDF ---------------------------------------------------------------------------------


def test_pdf_only_where_offered(tmp_path, every_report, persona_client):
    with pytest.raises(ExportRefused, match="PDF формируется только"):
        export_write(
            kind="index",
            params=CASES["index"],
            user=every_report.analyst,
            fmt="pdf",
            path=str(tmp_path / "x.pdf"),
        )
    response = persona_client("analyst").post(
        "/api/v1/exports/", {"kind": "alerts", "fmt": "pdf"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "PDF формируется только" in response.json()["fields"]["fmt"][0]


def test_pdf_refused_above_its_row_limit(tmp_path, every_report, monkeypatch):
    monkeypatch.setattr(pdf_module, "PDF_MAX_ROWS", 2)
    with pytest.raises(ExportRefused, match="XLSX или ODS"):
        export_write(
            kind="roadmap_status",
            params=ExportParams(),
            user=every_report.analyst,
            fmt="pdf",
            path=str(tmp_path / "x.pdf"),
        )


def test_pdf_renders_no_external_resources():
    fetcher = pdf_module.local_fonts_only()
    with pytest.raises(ValueError, match="no external resources"):
        fetcher.fetch("https://example.org/font.ttf")
    with pytest.raises(ValueError, match="no external resources"):
        fetcher.fetch("file:///etc/passwd")
    font = fetcher.fetch(pdf_module.font_urls()["regular"])
    assert font.status in (None, 200) or font


def test_dashboard_pdf_scope(persona_client, every_report):
    url = "/dashboard/66/pdf/"
    for persona in ("coordinator", "analyst", "ministry_user"):
        response = persona_client(persona).get(url)
        assert response.status_code == 200, persona
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert persona_client("outsider").get(url).status_code == 404
    assert persona_client("analyst").get("/dashboard/ZZ/pdf/").status_code == 404


@needs_poppler
def test_pdfs_for_meetings(tmp_path, every_report, persona_client):
    """The roadmap status report and the region dashboard: text, page numbers, the stamp,
    the header on every page; page 1 saved as an image."""
    path = tmp_path / "rs.pdf"
    written = export_write(
        kind="roadmap_status",
        params=CASES["roadmap_status"],
        user=every_report.coordinator,
        fmt="pdf",
        path=str(path),
        now=NOW,
    )
    assert written.content_type == "application/pdf" and written.filename.endswith(".pdf")
    pages = pdf_pages(path)
    measures = Measure.objects.filter(roadmap__region__code="66").count()
    # a row carries the title, sub-steps and the bodies that have not done their part
    assert 1 < len(pages) <= math.ceil(measures / 3) + 3
    first = page_text(pages[0])
    assert "Статус выполнения дорожных карт" in first
    assert "Свердловская область" in first
    assert HOSTILE[0].split("(")[0] in first.replace(" ", "") or "HYPERLINK" in first
    for n, words in enumerate(pages, 1):
        text = page_text(words)
        assert f"Стр. {n} из {len(pages)}" in text
        assert "Сформировано: 10.10.2025 12:00 (UTC+3)" in text
        # the header of the table on the page (measures, sections, agencies)
        assert "Мероприятие" in text or "Ответственный орган" in text or "Раздел" in text
        assert not overlaps(words), n
    all_text = " ".join(page_text(p) for p in pages).replace("\u2010 ", "")  # hyphenation
    # the comment's last word is printed (not cut off); a narrow column may break it in two
    words = all_text.split()
    assert "КОНЕЦКОММЕНТАРИЯ" in words or ("КОНЕЦ" in all_text and "КОММЕНТАРИЯ" in words)
    save_first_page_png(path, "pdf-roadmap_status")

    response = persona_client("coordinator").get("/dashboard/66/pdf/?date=2025-10-10")
    dashboard = tmp_path / "dashboard.pdf"
    dashboard.write_bytes(b"".join(response.streaming_content))
    pages = pdf_pages(dashboard)
    assert 1 <= len(pages) <= 6
    text = page_text(pages[0])
    assert "Свердловская область" in text and "Показатели Сферума" in text
    assert "Сформировано:" in text and f"Стр. 1 из {len(pages)}" in text
    for words in pages:
        assert not overlaps(words)
    save_first_page_png(dashboard, "pdf-region_dashboard")


# --- LibreOffice ---------------------------------------------------------------------------


def header_words(ws_headers: list[str]) -> set[str]:
    return {w for h in ws_headers for w in h.split()}


@needs_libreoffice
def test_every_report_prints_in_libreoffice(tmp_path, every_report):
    files = {}
    for fmt in ("xlsx", "ods"):
        (tmp_path / fmt).mkdir()
        written = write_all(tmp_path / fmt, every_report.analyst, fmt, PRINTED)
        for kind, (path, _written) in written.items():
            target = tmp_path / f"{kind}-{fmt}.{fmt}"
            os.replace(path, target)
            files[target] = (kind, fmt)
    pdfs = convert_to_pdf(list(files), tmp_path / "pdf", tmp_path / "lo-profile")
    for source, pdf in pdfs.items():
        kind, fmt = files[source]
        sheets = xlsx_values(source) if fmt == "xlsx" else ods_values(source)
        # the header row of each sheet: the row after the blank line that ends the title
        headers = {}
        rows = 0
        for name, values in sheets.items():
            blank = values.index([])
            headers[name] = [h for h in values[blank + 1] if h]
            rows += len(values) - blank - 2
        pages = pdf_pages(pdf)
        where = f"{kind} ({fmt})"
        assert len(sheets) <= len(pages) <= len(sheets) + math.ceil(rows / 4), where
        for n, words in enumerate(pages, 1):
            found = {w.text for w in words}
            # the first and the last heading of some sheet (their first words: a heading may
            # wrap inside a word): the header is on the page, the table one page wide
            assert any(
                h[0].split()[0] in found and h[-1].split()[0] in found for h in headers.values()
            ), f"{where}: page {n} has no header row"
            assert not any("##" in w for w in found), f"{where}: page {n}: a value too wide"
            bad = overlaps(words)
            assert not bad, f"{where}: page {n}: text drawn over text: {bad[:3]}"
        text = " ".join(page_text(p) for p in pages)
        if kind == "roadmap_status":
            assert "КОНЕЦКОММЕНТАРИЯ" in text, f"{where}: the long comment is cut"
        save_first_page_png(pdf, f"libreoffice-{kind}-{fmt}")


# --- the download page, background jobs, the API ---------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ({"kind": "alerts", "fmt": "ods"}, "application/vnd.oasis.opendocument.spreadsheet"),
        ({"kind": "roadmap_status", "region": "66", "fmt": "pdf"}, "application/pdf"),
    ],
)
def test_download_page_offers_the_new_formats(persona_client, every_report, data, content_type):
    client = persona_client("coordinator")
    page = client.get("/reports/exports/").content.decode()
    assert 'value="ods"' in page and 'value="pdf"' in page and "Точка с запятой" in page
    response = client.post("/reports/exports/new/", data)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF" if data["fmt"] == "pdf" else b"PK")
    assert response["Content-Disposition"].endswith(f'.{data["fmt"]}"')


def test_download_page_explains_a_refused_ods(persona_client, every_report, monkeypatch):
    monkeypatch.setattr(ods_module, "ODS_MAX_ROWS", 1)
    response = persona_client("coordinator").post(
        "/reports/exports/new/", {"kind": "roadmap_status", "region": "66", "fmt": "ods"}
    )
    assert response.status_code == 400
    assert "Выберите XLSX или CSV" in response.content.decode()


def test_api_job_in_ods_downloads_with_its_type(
    persona_client, every_report, django_capture_on_commit_callbacks
):
    client = persona_client("analyst")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/exports/",
            {"kind": "indicators", "region": "66", "orgs": True, "fmt": "ods"},
            content_type="application/json",
        )
    assert response.status_code == 202, response.content
    job = GeneratedExport.objects.get()
    assert job.status == "done" and job.filename.endswith(".ods")
    download = client.get(f"/api/v1/exports/{job.pk}/download/")
    assert download["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"
    page = client.get(f"/reports/exports/{job.pk}/download/")
    assert page["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"


def test_pdf_of_every_region_goes_to_the_background(
    persona_client, every_report, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = persona_client("analyst").post(
            "/reports/exports/new/", {"kind": "roadmap_status", "region": "", "fmt": "pdf"}
        )
    job = GeneratedExport.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{job.pk}/")
    job.refresh_from_db()
    assert job.status == "done" and job.filename.endswith(".pdf"), job.error


def test_command_picks_ods_and_pdf_from_the_extension(tmp_path, every_report, capsys):
    for name in ("status.ods", "status.pdf"):
        call_command(
            "export_report", "roadmap_status", "--region", "66", "--output", str(tmp_path / name)
        )
        assert f"{tmp_path / name}: " in capsys.readouterr().out
    assert ods_values(tmp_path / "status.ods")["Мероприятия"]
    assert (tmp_path / "status.pdf").read_bytes().startswith(b"%PDF")


def _csv_opened_by_libreoffice(tmp_path, path, infilter: str):
    """The CSV at `path` opened by LibreOffice with the text-import settings `infilter` and
    saved as XLSX in the directory returned."""
    out = tmp_path / "lo"
    libreoffice_convert([path], out, tmp_path / "lo-profile", "xlsx", infilter=infilter)
    return out


@needs_libreoffice
def test_csv_opens_in_libreoffice_with_the_documented_settings(tmp_path, every_report):
    """README: character set UTF-8, separated by semicolon only, string delimiter «"»."""

    path, _ = write_all(tmp_path, every_report.analyst, "csv")["roadmap_status"]
    xlsx, _ = write_all(tmp_path, every_report.analyst, "xlsx")["roadmap_status"]
    # ";" separator, '"' delimiter, UTF-8, from row 1
    out = _csv_opened_by_libreoffice(tmp_path, path, "CSV:59,34,76,1")
    opened = next(iter(xlsx_values(out / "roadmap_status.xlsx").values()))
    sheet = xlsx_values(xlsx)["Мероприятия"]
    header = sheet.index([]) + 1
    assert opened[0] == sheet[header]  # the same columns, Cyrillic intact
    assert len(opened) == len(sheet) - header
    titles = [row[3] for row in opened[1:]]
    assert "'" + HOSTILE[0] in titles  # still text, not a formula


@needs_libreoffice
def test_csv_numbers_and_dates_open_as_numbers_and_dates_in_a_russian_office_suite(
    tmp_path, every_report
):
    """The indicators CSV opened in LibreOffice with the Russian locale (1049): every cell
    the workbook holds as a number or a date is one there too, with the same value. With a
    decimal point «0.753» and «-12.5» came out as text."""
    import datetime as dt

    path, _ = write_all(tmp_path, every_report.analyst, "csv")["indicators"]
    xlsx, _ = write_all(tmp_path, every_report.analyst, "xlsx")["indicators"]
    out = _csv_opened_by_libreoffice(tmp_path, path, "CSV:59,34,76,1,,1049")  # Russian
    opened = next(iter(xlsx_values(out / "indicators.xlsx").values()))
    # the CSV holds the report's main table (the organisations' when they were asked)
    sheet, header = next(
        (rows, n)
        for rows in xlsx_values(xlsx).values()
        for n, row in enumerate(rows)
        if row == opened[0]
    )
    typed = 0
    for csv_row, book_row in zip(opened[1:], sheet[header + 1 :], strict=True):
        for got, want in zip(csv_row, book_row, strict=False):
            if isinstance(want, int | float) and not isinstance(want, bool):
                assert isinstance(got, int | float) and got == pytest.approx(want), (got, want)
                typed += 1
            elif isinstance(want, dt.datetime | dt.date):
                assert isinstance(got, dt.datetime | dt.date), (got, want)
    assert typed > 0


def test_pdf_without_pango_is_refused_in_russian(persona_client, every_report, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    response = persona_client("coordinator").get("/dashboard/66/pdf/")
    assert response.status_code == 503
    assert "PDF на этом сервере сейчас не формируется" in response.content.decode()
    response = persona_client("coordinator").post(
        "/reports/exports/new/", {"kind": "roadmap_status", "region": "66", "fmt": "pdf"}
    )
    assert response.status_code == 400
    assert "Выберите XLSX или ODS" in response.content.decode()


ODS_HOSTILE = [
    '\x01=HYPERLINK("http://evil.example/","x")',
    "\x00@SUM(1)",
    "\x0b+1+1",
    " =1+2",
    "\xa0＝1",
]
ODS_EXPECTED = [
    '\'=HYPERLINK("http://evil.example/","x")',
    "'@SUM(1)",
    "'+1+1",
    "' =1+2",
    "'\xa0＝1",
]


def _hostile_ods(path) -> None:
    from reports.exports.base import TitleBlock
    from reports.exports.ods import OdsBook

    title = TitleBlock("Отчёт", "Свердловская область", "период", NOW, "\x01=cmd")
    with OdsBook(path=str(path), title=title) as book:
        book.table("Лист", [Column("Наименование", width=40)], primary=True).rows(
            [t] for t in ODS_HOSTILE
        )


def test_ods_drops_control_characters_before_judging(tmp_path):
    """A control character in front of a formula used to pass the check, then the ODS
    writer dropped it and the cell started with `=`."""
    _hostile_ods(tmp_path / "x.ods")
    rows = ods_values(tmp_path / "x.ods")["Лист"]
    texts = [v for row in rows for v in row if isinstance(v, str)]
    assert texts[-len(ODS_EXPECTED) :] == ODS_EXPECTED
    assert "Сформировал: =cmd" in texts  # the control character dropped


@needs_libreoffice
def test_ods_reopened_by_libreoffice_holds_no_formula(tmp_path):
    import csv
    import subprocess

    from tests.reports.office import SOFFICE

    _hostile_ods(tmp_path / "x.ods")
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            "--headless",
            "--norestore",
            # ";" separator, '"' delimiter, UTF-8, …, formulas written as formulas (token 8)
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,false,false,false",
            "--outdir",
            str(tmp_path / "lo"),
            str(tmp_path / "x.ods"),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    with open(tmp_path / "lo" / "x.csv", encoding="utf-8", newline="") as fh:
        cells = [row[0] for row in csv.reader(fh, delimiter=";") if row]
    assert cells[-len(ODS_EXPECTED) :] == ODS_EXPECTED
