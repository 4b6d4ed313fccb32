"""Monitoring import: every row that is not a real monitoring row is refused, CSV and XLSX.

Each case imports a good file first, then a file whose last row is broken (the rows above it
would change stored figures): the upload is refused with the row and the column named, and
the stored tables are byte-for-byte what they were.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from agencies.models import Municipality, Organisation, Region
from indicators.imports.columns import COLUMNS, TEXT_LIMITS
from indicators.imports.monitoring import CountError, fast_counts, parse_count
from indicators.models import MonitoringRollup, MonitoringRow, MonitoringUpload
from tests.indicators.conftest import csv_bytes, row, xlsx_bytes

COUNTS = (100, 50, 400, 300, 500, 200, 450, 300)
CHANGED = (90, 40, 400, 300, 500, 200, 450, 300)


def _with(index, value):
    counts = list(COUNTS)
    counts[index] = value
    return counts


def _snapshot() -> dict[str, list[tuple]]:
    """Every stored row of the tables an import writes, as the database returns them."""
    tables = [MonitoringRow, MonitoringRollup, Organisation, Municipality]
    result = {}
    with connection.cursor() as cursor:
        for model in tables:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT * FROM {table} ORDER BY id")
            result[model._meta.db_table] = [tuple(map(repr, r)) for r in cursor.fetchall()]
    return result


def _future_monday() -> dt.date:
    today = Region.objects.get(code="66").local_today()
    day = today + dt.timedelta(days=8)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


# (id, the broken row (a function of the format), CSV column, XLSX column, CSV fragment,
#  XLSX fragment); None: the case does not apply to that format
def _cases():
    return [
        (
            "short row",
            lambda fmt: row("ORG2")[:-2],
            "Пользователей с профилем в VK Мессенджере",
            "Пользователей с профилем в VK Мессенджере, M",
            "строка короче заголовка",
            "пустая ячейка",
        ),
        (
            "long row",
            lambda fmt: [*row("ORG2"), "7"],
            "№ 15 (без заголовка)",
            "O",
            "строка длиннее заголовка",
            "ячейка правее заголовка заполнена («7»)",
        ),
        (
            "empty count",
            lambda fmt: row("ORG2", counts=_with(4, "")),
            "Пользователей Сферума всего",
            "Пользователей Сферума всего, K",
            "пустая ячейка",
            "пустая ячейка",
        ),
        (
            "count beyond the ceiling",
            lambda fmt: row("ORG2", counts=_with(0, 99999999999)),
            "Работников всего",
            "Работников всего, G",
            "больше возможного для одной организации (не более 1\u202f000\u202f000)",
            "больше возможного для одной организации",
        ),
        (
            "superscript digit",
            lambda fmt: row("ORG2", counts=_with(0, "²")),
            "Работников всего",
            "Работников всего, G",
            "допустимы только цифры 0-9",
            "допустимы только цифры 0-9",
        ),
        (
            "arabic-indic digits",
            lambda fmt: row("ORG2", counts=_with(2, "٤٠٠")),
            "Обучающихся всего",
            "Обучающихся всего, I",
            "допустимы только цифры 0-9",
            "допустимы только цифры 0-9",
        ),
        (
            "exponent",
            lambda fmt: row("ORG2", counts=_with(0, "1e2")),
            "Работников всего",
            "Работников всего, G",
            "не число",
            "не число",
        ),
        (
            "control character in a name",
            lambda fmt: row("ORG2", name="Школа\x00 № 2" if fmt == "csv" else "Школа\t№ 2"),
            "Наименование организации",
            "Наименование организации, E",
            "управляющий символ (код U+0000)",
            "управляющий символ (код U+0009)",
        ),
        (
            "control character in a municipality",
            lambda fmt: row("ORG2", municipality="Ека\x07теринбург" if fmt == "csv" else "Е\nК"),
            "Муниципальное образование",
            "Муниципальное образование, C",
            "управляющий символ (код U+0007)",
            "управляющий символ (код U+000A)",
        ),
        (
            # invisible: «ORG​2» would be a second organisation beside «ORG2»
            "zero-width space in a code",
            lambda fmt: row("ORG\u200b2"),
            "Код организации",
            "Код организации, D",
            "невидимый символ (код U+200B)",
            "невидимый символ (код U+200B)",
        ),
        (
            # a second «Екатеринбург» would split the municipality's rollups
            "byte order mark in a municipality",
            lambda fmt: row("ORG2", municipality="\ufeffЕкатеринбург"),
            "Муниципальное образование",
            "Муниципальное образование, C",
            "невидимый символ (код U+FEFF)",
            "невидимый символ (код U+FEFF)",
        ),
        (
            "soft hyphen in a name",
            lambda fmt: row("ORG2", name="Гим\u00adназия"),
            "Наименование организации",
            "Наименование организации, E",
            "невидимый символ (код U+00AD)",
            "невидимый символ (код U+00AD)",
        ),
        (
            "week not a Monday",
            lambda fmt: row("ORG2", week="07.10.2025"),
            "Начало недели",
            "Начало недели, A",
            "07.10.2025 — вторник, а неделя начинается с понедельника",
            "07.10.2025 — вторник",
        ),
        (
            # a part larger than its whole: those with a VK Messenger profile are Sferum users
            "VK Messenger profiles above the Sferum users",
            lambda fmt: row("ORG2", counts=_with(6, 501)),
            "Пользователей с профилем в VK Мессенджере",
            "Пользователей с профилем в VK Мессенджере, M",
            "с профилем в VK Мессенджере (501) больше, чем пользователей Сферума (500)",
            "с профилем в VK Мессенджере (501) больше, чем пользователей Сферума (500)",
        ),
        (
            "week written with full-width digits",
            lambda fmt: row("ORG2", week="０６.１０.２０２５"),
            "Начало недели",
            "Начало недели, A",
            "«０６.１０.２０２５» — не дата",
            "«０６.１０.２０２５» — не дата",
        ),
        (
            "week before the season",
            lambda fmt: row("ORG2", week="02.12.2024"),
            "Начало недели",
            "Начало недели, A",
            "раньше начала сезона мониторинга (01.01.2025)",
            "раньше начала сезона",
        ),
        (
            "week in the future",
            lambda fmt: row("ORG2", week=_future_monday().strftime("%d.%m.%Y")),
            "Начало недели",
            "Начало недели, A",
            "ещё не наступила",
            "ещё не наступила",
        ),
        (
            "formula without a computed value",
            lambda fmt: row("ORG2", counts=_with(1, "=G6-1")),
            None,
            "Работников, писавших за неделю, H",
            None,
            "ячейка H6: формула без вычисленного значения",
        ),
        (
            "formula in a text cell",
            lambda fmt: row("ORG2", name='=CONCAT("Школа", 2)'),
            None,
            "Наименование организации, E",
            None,
            "ячейка E6: формула без вычисленного значения",
        ),
        (
            "count typed as a date",
            lambda fmt: row(
                "ORG2", counts=_with(0, dt.datetime(2025, 1, 1) if fmt == "xlsx" else "01.01.2025")
            ),
            "Работников всего",
            "Работников всего, G",
            "не число",
            "дата или время «2025-01-01 00:00:00» вместо числа",
        ),
        (
            "count typed as a boolean",
            lambda fmt: row("ORG2", counts=_with(0, True if fmt == "xlsx" else "ИСТИНА")),
            "Работников всего",
            "Работников всего, G",
            "не число",
            "логическое значение «ИСТИНА» вместо числа",
        ),
        (
            "thousands or a fraction: never guessed",
            lambda fmt: row("ORG2", counts=_with(0, "1,000")),
            "Работников всего",
            "Работников всего, G",
            "«1,000» — неоднозначная запись",
            "«1,000» — неоднозначная запись",
        ),
        (
            "point before three digits",
            lambda fmt: row("ORG2", counts=_with(2, "2.500")),
            "Обучающихся всего",
            "Обучающихся всего, I",
            "«2.500» — неоднозначная запись",
            "«2.500» — неоднозначная запись",
        ),
        (
            "space inside a count",
            lambda fmt: row("ORG2", counts=_with(1, "1 5")),
            "Работников, писавших за неделю",
            "Работников, писавших за неделю, H",
            "«1 5» — не число: пробел или перенос строки внутри числа",
            "«1 5» — не число: пробел или перенос строки внутри числа",
        ),
        (
            "count of thousands of digits",
            lambda fmt: row("ORG2", counts=_with(0, "9" * 5000)),
            "Работников всего",
            "Работников всего, G",
            "больше возможного для одной организации",
            "больше возможного для одной организации",
        ),
        (
            "NUL in a count",
            lambda fmt: row("ORG2", counts=_with(0, "1\x000")),
            "Работников всего",
            None,  # an XLSX cell cannot hold it
            "«1\\x000» — не число",
            None,
        ),
        (
            "region of thousands of digits",
            lambda fmt: row("ORG2", region="6" * 5000),
            "Код региона",
            "Код региона, B",
            "неизвестный код региона «66666",
            "неизвестный код региона «66666",
        ),
        (
            "region typed as a boolean",
            lambda fmt: row("ORG2", region=True if fmt == "xlsx" else "ИСТИНА"),
            "Код региона",
            "Код региона, B",
            "неизвестный код региона «ИСТИНА»",
            "логическое значение «ИСТИНА» вместо кода региона",
        ),
        (
            "organisation code typed as a boolean",
            lambda fmt: row(True),
            None,  # a CSV cell is text: «ИСТИНА» is a code there
            "Код организации, D",
            None,
            "логическое значение «ИСТИНА» вместо кода организации",
        ),
        (
            # Excel keeps 15 significant digits: 66000000000000012345 reads 66000000000000008192
            "organisation code of twenty digits typed as a number",
            lambda fmt: row(6.6000000000000012e19),
            None,  # a CSV cell is text: its digits are all there
            "Код организации, D",
            None,
            "код «6.6e+19» записан в ячейке числом",
        ),
        (
            # a CSV saved by Excel writes a long code as «6,6E+19»: its digits are gone
            "organisation code in scientific notation",
            lambda fmt: row("6,6E+19"),
            "Код организации",
            "Код организации, D",
            "код «6,6E+19» записан в экспоненциальной форме",
            "код «6,6E+19» записан в экспоненциальной форме",
        ),
        (
            # «66,5» typed into a number cell is 66.5: never the code «66.5» nor «66,5»
            "organisation code typed as a fraction",
            lambda fmt: row(66.5),
            None,
            "Код организации, D",
            None,
            "код «66.5» записан в ячейке числом",
        ),
        (
            "neither code nor week, but a region, a type and counts",
            lambda fmt: row("", week=""),
            "Начало недели",
            "Начало недели, A",
            "не указано начало недели",
            "не указано начало недели",
        ),
        (
            "name longer than its column",
            lambda fmt: row("ORG2", name="Ш" * 1001),
            "Наименование организации",
            "Наименование организации, E",
            "текст длиннее 1000 символов (1001)",
            "текст длиннее 1000 символов (1001)",
        ),
        (
            "municipality longer than its column",
            lambda fmt: row("ORG2", municipality="М" * 301),
            "Муниципальное образование",
            "Муниципальное образование, C",
            "текст длиннее 300 символов",
            "текст длиннее 300 символов",
        ),
        (
            "code longer than its column",
            lambda fmt: row("X" * 65),
            "Код организации",
            "Код организации, D",
            "текст длиннее 64 символов",
            "текст длиннее 64 символов",
        ),
    ]


CASES = _cases()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_refused_row_names_row_and_column_and_changes_nothing(import_file, fmt, case):
    _name, make, csv_column, xlsx_column, csv_fragment, xlsx_fragment = case
    column = csv_column if fmt == "csv" else xlsx_column
    fragment = csv_fragment if fmt == "csv" else xlsx_fragment
    if column is None:
        pytest.skip("the case exists only in XLSX")
    good = [row("ORG1"), row("ORG3")]
    assert import_file(csv_bytes(good)).status == "done"
    before = _snapshot()

    # the rows above the broken one would change the stored figures and add ORG4
    rows = [row("ORG1", counts=CHANGED), row("ORG4"), make(fmt)]
    if fmt == "csv":
        upload = import_file(csv_bytes(rows))
        bad_row = 4  # header on line 1
    else:
        upload = import_file(xlsx_bytes(rows), name="export.xlsx")
        bad_row = 6  # two title rows, the header on row 3
    assert upload.status == "refused", upload.errors
    assert upload.errors, upload.errors
    error = upload.errors[0]
    assert (error["row"], error["column"]) == (bad_row, column), upload.errors
    assert error["message"].startswith(f"Строка {bad_row}, столбец «{column}»:"), error
    assert fragment in error["message"], error["message"]
    assert not any(char in error["message"] for char in "\x00\x07\t\n"), error["message"]
    assert _snapshot() == before
    assert MonitoringUpload.objects.filter(status="done").count() == 1


def test_short_csv_row_never_pads_zeros_over_stored_figures(import_file):
    assert import_file(csv_bytes([row("ORG1")])).status == "done"
    before = _snapshot()
    upload = import_file(csv_bytes([row("ORG1")[:8]]))
    assert upload.status == "refused"
    assert upload.errors[0]["row"] == 2
    assert _snapshot() == before
    assert MonitoringRow.objects.get().students_total == 400


def test_duplicate_and_region_conflict_found_with_row_errors(import_file):
    """The whole-file checks (in the staging tables) report beside the row errors, in file
    order."""
    rows = [
        row("ORG1"),
        row("ORG2", counts=_with(0, "x")),
        row("ORG1"),
        row("ORG3"),
        row("ORG3", region="50", week="13.10.2025"),
    ]
    upload = import_file(csv_bytes(rows), region=None)
    assert upload.status == "refused"
    found = [(e["row"], e["column"]) for e in upload.errors]
    assert found == [
        (3, "Работников всего"),
        (4, "Код организации"),
        (6, "Код региона"),
    ]
    assert "уже встречалась в файле за неделю 06.10.2025" in upload.errors[1]["message"]
    assert "выше в файле (строка 5) указана в другом субъекте" in upload.errors[2]["message"]
    assert not MonitoringRow.objects.exists()


def test_a_code_that_lost_its_leading_zeros_is_refused(import_file):
    """A spreadsheet drops the leading zeros of a code typed as a number: «01000123» comes
    back as 1000123. Taken as a new organisation, the school would be counted twice (once
    under each code) and its own history would stop. A new code that differs from a known
    one of the region, or from another code of the file, only by leading zeros is refused
    with both codes named; nothing is written."""
    assert import_file(csv_bytes([row("01000123"), row("ORG9")])).status == "done"
    before = _snapshot()

    week = "13.10.2025"
    upload = import_file(
        xlsx_bytes([row("ORG9", week=week), row(1000123, week=week)]), name="export.xlsx"
    )
    assert upload.status == "refused", upload.errors
    assert [(e["row"], e["column"]) for e in upload.errors] == [(5, "Код организации, D")]
    message = upload.errors[0]["message"]
    assert message.startswith("Строка 5, столбец «Код организации, D»: код «1000123»"), message
    assert "«01000123»" in message and "ведущими нулями" in message, message
    assert _snapshot() == before

    # the file alone shows it too: both codes new, each row named
    upload = import_file(csv_bytes([row("0777"), row("ORG9"), row("777")]))
    assert upload.status == "refused", upload.errors
    assert [(e["row"], e["column"]) for e in upload.errors] == [
        (2, "Код организации"),
        (4, "Код организации"),
    ]
    assert "«777» (строка 4)" in upload.errors[0]["message"], upload.errors
    assert "«0777» (строка 2)" in upload.errors[1]["message"], upload.errors
    assert _snapshot() == before

    # the known code itself, and codes whose zeros are not the only difference, import
    upload = import_file(csv_bytes([row("01000123", week=week), row("10001230", week=week)]))
    assert upload.status == "done", upload.errors


def test_last_row_with_a_name_names_the_organisation(import_file):
    rows = [
        row("ORG1", name="Школа 1", municipality="Ирбит"),
        row("ORG1", name="", municipality="", week="13.10.2025"),
        row("ORG1", name="Гимназия 1", municipality="", week="20.10.2025", org_type="ДО"),
    ]
    data = csv_bytes(rows)
    upload = import_file(data)
    assert upload.status == "done", upload.errors
    org = Organisation.objects.get(code="ORG1")
    assert (org.name, org.municipality.name, org.org_type) == ("Гимназия 1", "Ирбит", "additional")


@pytest.mark.parametrize(
    "value",
    [
        "0",
        "7",
        "1000000",
        "1000001",
        "0012",
        "99999999999",
        "²",
        "1²",
        "٣",
        "١٢",
        "߃",
        "১২",
        "１２",
        "12,0",
        "1 200",
        "-5",
        "+5",
        "1e3",
        "",
        " 12",
        "12 ",
        "12\n",
        "0x1A",
        "1_000",
        "12.5",
        "1,000",
        "1 5",
        pytest.param("9" * 5000, id="5000 digits"),
        pytest.param("0" * 5000 + "7", id="5000 zeros then 7"),
    ],
)
def test_fast_path_accepts_only_what_the_rule_accepts(value, settings):
    """One rule: the reader's fast path returns the value `parse_count` gives, or defers."""
    settings.MONITORING_MAX_COUNT = 1_000_000
    try:
        expected = parse_count(value)
    except CountError:
        expected = None
    fast = fast_counts((value,))
    if fast is not None:
        assert fast == [expected]
    row_fast = fast_counts(("1", value, "2"))
    if row_fast is not None:
        assert row_fast == [1, expected, 2]
    if expected is None:
        assert fast is None and row_fast is None


def test_ceiling_is_a_setting(import_file, settings):
    settings.MONITORING_MAX_COUNT = 450
    upload = import_file(csv_bytes([row("ORG1")]))
    assert upload.status == "refused"
    assert upload.errors[0]["column"] == "Пользователей Сферума всего"
    assert "не более 450" in upload.errors[0]["message"]


def test_season_start_is_a_setting(import_file, settings):
    settings.MONITORING_SEASON_START = "2025-10-13"
    upload = import_file(csv_bytes([row("ORG1")]))
    assert upload.status == "refused"
    assert "раньше начала сезона мониторинга (13.10.2025)" in upload.errors[0]["message"]


def test_text_limits_are_the_model_columns():
    fields = {
        "org_code": Organisation._meta.get_field("code"),
        "org_name": Organisation._meta.get_field("name"),
        "municipality": Municipality._meta.get_field("name"),
    }
    assert {key: field.max_length for key, field in fields.items()} == TEXT_LIMITS
    assert {c.key for c in COLUMNS if c.kind == "count"} == {
        f.name for f in MonitoringRow._meta.fields if f.get_internal_type().endswith("IntegerField")
    }


def test_long_file_name_is_stored_under_a_name_the_file_system_takes(import_file):
    name = "Мониторинг Сферума " * 12 + ".csv"  # 232 characters, 420 bytes
    upload = import_file(csv_bytes([row("ORG1")]), name=name)
    assert upload.status == "done", upload.errors
    assert upload.original_name == name
    stored = upload.file.name.rsplit("/", 1)[-1]
    assert stored.startswith("Мониторинг") and stored.endswith(".csv")
    assert len(stored.encode()) <= 160  # roadmap_portal.storage, a suffix for a taken name


def _stored_state():
    """The organisations, rows and rollups the imports left, in a comparable form."""

    def listing(query):
        return sorted(query, key=repr)

    orgs = listing(
        Organisation.objects.filter(code__startswith="ORG").values_list(
            "code", "name", "org_type", "region__code", "municipality__name"
        )
    )
    figures = listing(
        MonitoringRow.objects.values_list(
            "organisation__code",
            "week_start",
            "region_id",
            "municipality__name",
            "org_type",
            *[c.key for c in COLUMNS if c.kind == "count"],
        )
    )
    rollups = listing(
        MonitoringRollup.objects.values_list(
            "region_id",
            "municipality__name",
            "week_start",
            "organisations",
            "edu_staff_total",
            "coverage_reported",
            "coverage_expected",
        )
    )
    return orgs, figures, rollups


def _preview_of(upload):
    """What an upload reports, but its own ids and times."""
    keys = (
        "organisations_created",
        "organisations_renamed",
        "organisations_retyped",
        "organisations_moved",
        "organisations_kept",
        "municipalities_created",
    )
    return (
        upload.status,
        upload.rows_created,
        upload.rows_updated,
        upload.rows_unchanged,
        {key: upload.preview[key] for key in keys},
        upload.preview["rows"],
    )


def _both_paths(import_file, monkeypatch, caplog, files):
    """Imports `files` in turn by the set-based path (each file asserted to take it), then,
    on emptied tables, by the row-by-row one (`copy_csv` refusing); returns the stored state
    and the previews of each path."""
    from indicators.services import staging, uploads

    known = set(Municipality.objects.values_list("pk", flat=True))
    caplog.clear()
    fast = [import_file(data) for data in files]
    assert caplog.text.count("rows (set-based)") == len(files), caplog.text
    result = [(_stored_state(), [_preview_of(upload) for upload in fast])]
    MonitoringRow.objects.all().delete()
    MonitoringRollup.objects.all().delete()
    Organisation.objects.filter(code__startswith="ORG").delete()
    Municipality.objects.exclude(pk__in=known).delete()  # the files' new ones

    def refuse(*args, **kwargs):
        raise staging.NotForTheFastPath

    with monkeypatch.context() as patch:
        patch.setattr(uploads, "copy_csv", refuse)
        caplog.clear()
        slow = [import_file(data + b"\r\n") for data in files]  # another sha256
        assert caplog.text.count("rows (row by row)") == len(files), caplog.text
    result.append((_stored_state(), [_preview_of(upload) for upload in slow]))
    return result


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based path is PostgreSQL's")
def test_set_based_and_row_by_row_paths_store_the_same(import_file, monkeypatch, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="indicators.services.uploads")
    rows = [
        row("ORG1", name="  Школа 1  ", municipality="Ирбит"),
        row("ORG2", counts=(0, 0, 0, 0, 0, 0, 0, 0), org_type="РОИВ", municipality=""),
        row("ORG1", week="13.10.2025", name="", org_type="спо"),
        row("ORG3", region="66", week="2025-10-13", counts=_with(0, "0100")),
        # spaces at the edges are stripped alike
        row(" ORG4 ", name="  Школа № 4 ", municipality=" Ирбит "),
        # reorganised within the file: each week keeps its own type and municipality
        row("ORG5", week="13.10.2025", municipality="Асбест", org_type="ОО"),
        row("ORG5", municipality="Ирбит", org_type="ДОО"),
    ]
    # a late correction of an older week: its rows keep what it says, the records stay
    # the latest week's (ORG1, ORG5); a new organisation of it is created (ORG6)
    late = [
        row("ORG1", week="29.09.2025", name="Школа 1 (старое)", municipality="Асбест"),
        row("ORG5", week="29.09.2025", name="Сад 5", municipality="Камышлов", org_type="ДОО"),
        row("ORG6", week="29.09.2025", name="Школа 6", municipality="Камышлов"),
    ]
    (fast, fast_previews), (slow, slow_previews) = _both_paths(
        import_file, monkeypatch, caplog, [csv_bytes(rows), csv_bytes(late)]
    )
    assert fast_previews[0][0] == "done" and fast_previews[1][0] == "done"
    orgs = {code: rest for code, *rest in fast[0]}
    assert orgs["ORG4"][0] == "Школа № 4"
    assert orgs["ORG1"] == ["Организация ORG1", "college", "66", "Екатеринбург"]
    assert orgs["ORG5"] == ["Организация ORG5", "school", "66", "Асбест"]
    assert orgs["ORG6"] == ["Школа 6", "school", "66", "Камышлов"]
    assert fast_previews[1][4] == {
        "organisations_created": 1,
        "organisations_renamed": 0,
        "organisations_retyped": 0,
        "organisations_moved": 0,
        "organisations_kept": 2,
        "municipalities_created": 1,
    }
    assert slow == fast
    assert slow_previews == fast_previews


NOV = "03.11.2025"


def _org1(week, name, municipality, org_type):
    return row("ORG1", week=week, name=name, municipality=municipality, org_type=org_type)


# (files, the record at the end): each file a list of rows
SEQUENCES = {
    "newer then older": (
        [
            [_org1(NOV, "Школа 1", "Берёзовский", "ОО"), row("ORG2", week=NOV)],
            [_org1("08.09.2025", "Сад 1", "Асбест", "ДОО")],
        ],
        ("Школа 1", "school", "Берёзовский"),
    ),
    "older then newer": (
        [
            [_org1("08.09.2025", "Сад 1", "Асбест", "ДОО")],
            [_org1(NOV, "Школа 1", "Берёзовский", "ОО"), row("ORG2", week=NOV)],
        ],
        ("Школа 1", "school", "Берёзовский"),
    ),
    "the latest week again": (
        [
            [_org1(NOV, "Школа 1", "Берёзовский", "ОО")],
            [_org1(NOV, "Лицей 1", "Ирбит", "СПО")],
        ],
        ("Лицей 1", "college", "Ирбит"),
    ),
    "spanning older and newer": (
        [
            [_org1("13.10.2025", "Гимназия 1", "Ирбит", "СПО")],
            [
                _org1("08.09.2025", "Сад 1", "Асбест", "ДОО"),
                _org1(NOV, "Школа 1", "Берёзовский", "ОО"),
            ],
        ],
        ("Школа 1", "school", "Берёзовский"),
    ),
    "newest row says no name or municipality": (
        [
            [_org1("13.10.2025", "Гимназия 1", "Ирбит", "СПО")],
            [
                _org1("08.09.2025", "Сад 1", "Асбест", "ДОО"),
                [*_org1(NOV, "", "", "ОО")[:4], "", *_org1(NOV, "", "", "ОО")[5:]],
            ],
        ],
        ("Гимназия 1", "school", "Ирбит"),
    ),
}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based path is PostgreSQL's")
@pytest.mark.parametrize("sequence", list(SEQUENCES))
def test_both_paths_keep_the_record_at_the_latest_week(import_file, monkeypatch, caplog, sequence):
    """Whatever order the files come in, both paths store the same rows and the same record
    (the organisation's latest stored week), and report the same."""
    import logging

    caplog.set_level(logging.INFO, logger="indicators.services.uploads")
    files, record = SEQUENCES[sequence]
    (fast, fast_previews), (slow, slow_previews) = _both_paths(
        import_file, monkeypatch, caplog, [csv_bytes(rows) for rows in files]
    )
    assert all(preview[0] == "done" for preview in fast_previews), fast_previews
    orgs = {code: (name, kind, muni) for code, name, kind, _region, muni in fast[0]}
    assert orgs["ORG1"] == record
    assert slow == fast
    assert slow_previews == fast_previews


def test_xlsx_formula_with_a_computed_value_is_read_as_its_value(import_file):
    import io
    import re
    import zipfile

    data = xlsx_bytes([row("ORG1", counts=_with(1, "=G4-50"))])
    source = zipfile.ZipFile(io.BytesIO(data))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                # as Excel saves it: the formula and its cached value
                content, found = re.subn(
                    rb"<f>G4-50</f>(<v ?/>)?", b"<f>G4-50</f><v>50</v>", content
                )
                assert found == 1
            out.writestr(item, content)
    upload = import_file(target.getvalue(), name="export.xlsx")
    assert upload.status == "done", upload.errors
    assert MonitoringRow.objects.get().staff_writers == 50


def test_unreadable_csv_names_the_row_without_python_text(import_file):
    data = csv_bytes([row("ORG1"), row("ORG2", name="Ш" * 1_100_000)])
    upload = import_file(data)
    assert upload.status == "refused"
    message = upload.errors[0]["message"]
    assert "не читается как CSV" in message
    assert message.startswith("Строка 3:")
    assert "field" not in message and "Error" not in message


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based path is PostgreSQL's")
def test_spaces_btrim_keeps_send_the_file_row_by_row(import_file, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="indicators.services.uploads")
    rows = [row("\u00a0ORG4\u2003", name="\u00a0Школа\u00a0№ 4\u3000", municipality="Ирбит\u202f")]
    upload = import_file(csv_bytes(rows))
    assert upload.status == "done", upload.errors
    assert "rows (row by row)" in caplog.text
    org = Organisation.objects.get(code="ORG4")
    assert (org.name, org.municipality.name) == ("Школа\u00a0№ 4", "Ирбит")


def test_one_bad_file_is_refused_alike_by_either_path(import_file, monkeypatch, caplog):
    """One rule, whatever the path: a CSV with every kind of broken row, a duplicate and a
    region conflict gets the same row- and column-exact messages when the set-based path
    (PostgreSQL) tries it first and when the reader alone reads it (SQLite, or PostgreSQL
    with the set-based path switched off); this test runs on both databases."""
    import logging

    from indicators.services import staging, uploads

    caplog.set_level(logging.INFO, logger="indicators.services.uploads")
    rows = [row("ORG1"), row("ORG3")]
    expected = []
    for _name, make, csv_column, _xlsx_column, fragment, _xlsx_fragment in CASES:
        if csv_column is None:
            continue
        rows.append(make("csv"))
        expected.append((len(rows) + 1, csv_column, fragment))  # the header is line 1
    rows += [row("ORG1"), row("ORG3", region="50", week="13.10.2025")]
    expected += [
        (len(rows), "Код организации", "уже встречалась в файле за неделю 06.10.2025"),
        (len(rows) + 1, "Код региона", "выше в файле (строка 3) указана в другом субъекте"),
    ]
    data = csv_bytes(rows)

    tried = []
    copy_csv = uploads.copy_csv

    def spy(*args, **kwargs):
        tried.append(True)
        return copy_csv(*args, **kwargs)

    monkeypatch.setattr(uploads, "copy_csv", spy)
    first = import_file(data, region=None)
    assert tried == ([True] if connection.vendor == "postgresql" else [])
    assert "rows (set-based)" not in caplog.text

    def refuse(*args, **kwargs):
        raise staging.NotForTheFastPath

    monkeypatch.setattr(uploads, "copy_csv", refuse)
    second = import_file(data + b"\r\n", region=None)  # another sha256, the same rows

    for upload in (first, second):
        assert upload.status == "refused"
        found = {(e["row"], e["column"]): e["message"] for e in upload.errors}
        for line, column, fragment in expected:
            message = found.get((line, column))
            assert message is not None, (line, column, upload.errors)
            assert message.startswith(f"Строка {line}, столбец «{column}»:"), message
            assert fragment in message, message
    assert first.errors == second.errors
    assert first.preview["errors_total"] == second.preview["errors_total"]
    assert not MonitoringRow.objects.exists()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", 12),
        (" 12 ", 12),
        ("12,0", 12),  # decimal commas of real exports
        ("12,00", 12),
        ("12.0", 12),
        ("12,0000", 12),
        ("1 200", 1200),
        ("12 345", 12345),
        ("1 234 567", 1234567),
        ("1\u00a0000", 1000),
        ("1\u202f000", 1000),
        ("1 000,0", 1000),
        ("-0", 0),
        pytest.param("0" * 5000 + "7", 7, id="5000 zeros then 7"),
    ],
)
def test_count_text_accepted(text, value, settings):
    settings.MONITORING_MAX_COUNT = 10_000_000
    assert parse_count(text) == value


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # a separator before exactly three digits: a thousand or one? refused, not guessed
        ("1,000", "неоднозначная запись"),
        ("1.000", "неоднозначная запись"),
        ("12,000", "неоднозначная запись"),
        ("2.500", "неоднозначная запись"),
        ("1 000,000", "неоднозначная запись"),
        ("12,5", "не целое число"),
        ("12,50", "не целое число"),
        # a space only between groups of three digits
        ("1 5", "пробел или перенос строки внутри числа"),
        ("12 34", "пробел или перенос строки внутри числа"),
        ("1 0000", "пробел или перенос строки внутри числа"),
        ("1  000", "пробел или перенос строки внутри числа"),
        ("1\n5", "пробел или перенос строки внутри числа"),
        ("1\t2", "пробел или перенос строки внутри числа"),
        ("1,000.0", "не число"),
        pytest.param("9" * 5000, "больше возможного", id="5000 digits"),
        pytest.param(" " + "9" * 5000 + " ", "больше возможного", id="5000 digits, spaces"),
    ],
)
def test_count_text_refused(text, problem, settings):
    settings.MONITORING_MAX_COUNT = 10_000_000
    with pytest.raises(CountError) as refused:
        parse_count(text)
    message = str(refused.value.args[0])
    assert problem in message
    assert len(message) < 300  # a long cell is cut
    assert "\n" not in message and "\t" not in message  # shown escaped


def test_boolean_region_is_never_region_01(import_file):
    """TRUE == 1 in Python: a region cache keyed by the cell would take TRUE for region 01
    once a row gave 1."""
    import io

    import openpyxl

    from tests.indicators.conftest import HEADER

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(row("ORG1", region=1))
    ws.append(row("ORG2", region=True))
    buf = io.BytesIO()
    wb.save(buf)
    upload = import_file(buf.getvalue(), name="export.xlsx", region=None)
    assert upload.status == "refused"
    assert [(e["row"], e["column"]) for e in upload.errors] == [(3, "Код региона, B")]
    assert "логическое значение «ИСТИНА» вместо кода региона" in upload.errors[0]["message"]


@pytest.mark.parametrize(
    "totals",
    [
        ["", "", "", "", "", "", *range(8)],  # nothing but counts
        ["", "66", "Итого по Ирбиту", "", "", "", *range(8)],
        ["", "", "", "", "ВСЕГО", "ОО", *range(8)],
    ],
)
def test_totals_lines_are_skipped(import_file, totals):
    upload = import_file(csv_bytes([row("ORG1"), totals]))
    assert upload.status == "done", upload.errors
    assert (upload.rows_read, upload.rows_skipped) == (1, 1)


def test_row_without_code_and_week_is_read_and_refused(import_file):
    upload = import_file(csv_bytes([row("ORG1"), row("", week="")]))
    assert upload.status == "refused"
    assert [(e["row"], e["column"]) for e in upload.errors] == [
        (3, "Начало недели"),
        (3, "Код организации"),
    ]
    assert upload.rows_skipped == 0


@pytest.mark.parametrize(
    ("title", "fast"),
    [
        (b"\xd0\x92\xd1\x8b\xd0\xb3\xd1\x80\xd1\x83\xd0\xb7\xd0\xba\xd0\xb0\r\n", True),
        ('"Выгрузка мониторинга\nСвердловская область"\r\n'.encode(), False),
        ('"Выгрузка ""Сферум"";\n Свердловская область"\r\n'.encode(), False),
    ],
    ids=["one-line title", "quoted title with a line break", "quotes and a break"],
)
def test_title_above_the_header_numbers_rows_alike_by_either_path(import_file, caplog, title, fast):
    """The header is record 2 whatever the title's lines: no row is lost and the rows are
    3 and 4. The set-based path (PostgreSQL) counts lines; when the lines above the data are
    not one record each it leaves the file to the reader."""
    import logging

    caplog.set_level(logging.INFO, logger="indicators.services.uploads")
    upload = import_file(title + csv_bytes([row("ORG1"), row("ORG2")]))
    assert upload.status == "done", upload.errors
    assert [r["row"] for r in upload.preview["rows"]] == [3, 4]
    assert MonitoringRow.objects.count() == 2
    if connection.vendor == "postgresql":
        path = "set-based" if fast else "row by row"
        assert f"rows ({path})" in caplog.text


def test_error_rows_are_records_after_a_multi_line_cell(import_file):
    """A spreadsheet shows ORG2 on row 3 whatever line breaks ORG1's comment holds."""
    from tests.indicators.conftest import HEADER

    rows = [[*row("ORG1"), "строка 1\nстрока 2\nстрока 3"], [*row("ORG2", org_type="XX"), ""]]
    data = csv_bytes(rows, header=[*HEADER, "Комментарий"]).replace(
        "строка 1\nстрока 2\nстрока 3".encode(), '"строка 1\nстрока 2\nстрока 3"'.encode()
    )
    upload = import_file(data)
    assert upload.status == "refused"
    assert [(e["row"], e["column"]) for e in upload.errors] == [(3, "Тип организации")]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 40, "(.xls) не поддерживается"),
        (b"PK\x03\x04garbage", "повреждён"),
    ],
    ids=["old xls", "broken zip"],
)
def test_unreadable_file_is_refused_in_russian_not_failed(import_file, data, fragment):
    upload = import_file(data, name="export.xls")
    assert upload.status == "refused"
    assert fragment in upload.errors[0]["message"]


@pytest.mark.parametrize(
    "cell",
    [
        b'<c r="N4" t="n"><v>abc</v>',
        b'<c r="N4" t="n"><v>' + b"9" * 5000 + b"</v>",
        b'<c r="N4" t="s"><v>99999</v>',
        b'<c r="N4" t="d"><v>not-a-date</v>',
    ],
    ids=["text in a number cell", "5000 digits", "no such shared string", "bad date"],
)
def test_unreadable_xlsx_cell_is_refused_naming_it(import_file, cell):
    import io
    import zipfile

    data = xlsx_bytes([row("ORG1", counts=(100, 50, 400, 300, 500, 200, 450, 12345))])
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                old = b'<c r="N4" t="n"><v>12345</v>'
                assert old in content
                content = content.replace(old, cell)
            dst.writestr(item, content)
    upload = import_file(out.getvalue(), name="export.xlsx")
    assert upload.status == "refused"
    message = upload.errors[0]["message"]
    assert message.startswith("Строка 4, столбец N: значение ячейки N4 не читается"), message
