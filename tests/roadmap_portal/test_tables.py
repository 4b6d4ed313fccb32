"""The shared table reader: real-world CSV/XLSX shapes, and hostile files refused."""

import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from roadmap_portal.tables import TableError, open_table

ALIASES = {
    "начало недели": "week_start",
    "week_start": "week_start",
    "код организации": "org_code",
    "org_code": "org_code",
    "наименование организации": "org_name",
    "org_name": "org_name",
}
TITLES = {"week_start": "Начало недели", "org_code": "Код организации", "org_name": "Наименование"}
REQUIRED = ["week_start", "org_code"]


def read(data: bytes):
    table = open_table(io.BytesIO(data), aliases=ALIASES, required=REQUIRED, titles=TITLES)
    return table, list(table.rows())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_csv_encodings_and_separators(encoding, delimiter):
    text = (
        f"Начало недели{delimiter}Код организации{delimiter}Наименование организации\r\n"
        f'06.10.2025{delimiter}A1{delimiter}"Школа № 1{delimiter} г. Екатеринбург"\r\n'
    )
    table, rows = read(text.encode(encoding))
    assert table.delimiter == delimiter
    assert table.columns == {"week_start": 0, "org_code": 1, "org_name": 2}
    assert rows == [(2, ["06.10.2025", "A1", f"Школа № 1{delimiter} г. Екатеринбург"])]


def test_csv_header_case_and_spacing_tolerant_with_english_keys():
    table, rows = read(b"  WEEK_START ;org_code\n2025-10-06;A1\n;\n\n")
    assert table.columns == {"week_start": 0, "org_code": 1}
    assert rows == [(2, ["2025-10-06", "A1"])]


def test_csv_missing_required_column_is_refused_before_rows():
    with pytest.raises(TableError, match="«Код организации»"):
        read("Начало недели;Что-то\n06.10.2025;1\n".encode())


def test_csv_bad_bytes_after_the_sample_name_their_row():
    good = "Начало недели;Код организации\n" + "06.10.2025;Школа\n" * 30000
    table = open_table(
        io.BytesIO(good.encode() + b"06.10.2025;\xff\xfe\n"), aliases=ALIASES, required=REQUIRED
    )
    assert table.encoding == "utf-8"
    with pytest.raises(TableError, match="Строка 30002"):
        list(table.rows())


def _xlsx(rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_title_rows_dates_and_trailing_empty_rows():
    data = _xlsx(
        [
            ["Выгрузка мониторинга Сферума"],
            [],
            ["Начало недели", "Код организации"],
            [dt.datetime(2025, 10, 6), "A1"],
            ["06.10.2025", 42],
            [None, None],
            [None, None],
        ]
    )
    table, rows = read(data)
    assert table.header_row == 3
    assert table.column_letter("org_code") == "B"
    assert rows == [(4, [dt.datetime(2025, 10, 6), "A1"]), (5, ["06.10.2025", 42])]


def test_xlsx_with_entities_is_refused():
    data = _xlsx([["Начало недели", "Код организации"], ["06.10.2025", "A1"]])
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            content = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + content
            dst.writestr(item, content)
    with pytest.raises(TableError, match="XML-сущност"):
        read(out.getvalue())


def test_xlsx_zip_bomb_is_refused(settings):
    settings.XLSX_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        dst.writestr("[Content_Types].xml", b"<Types/>")
        dst.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * (5 * 1024 * 1024) + b"</a>")
    with pytest.raises(TableError, match="слишком велик"):
        read(out.getvalue())


def test_not_a_workbook():
    with pytest.raises(TableError):
        read(b"PK\x03\x04garbage")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("", ""),
        ("  95000786 ", "95000786"),
        (95000786, "95000786"),
        (95000786.0, "95000786"),  # a code a spreadsheet stored as a number
        (0.5, "0.5"),
        ("ОО", "ОО"),
    ],
)
def test_cell_text_is_how_every_import_reads_a_code_or_a_name(value, text):
    from roadmap_portal.tables import cell_text

    assert cell_text(value) == text


# --- rows are CSV records, numbered as a spreadsheet numbers them


def test_csv_quoted_title_with_a_line_break_above_the_header_loses_no_row():
    data = (
        '"Выгрузка мониторинга\nСвердловская область"\r\n'
        "Начало недели;Код организации\r\n06.10.2025;A1\r\n06.10.2025;A2\r\n"
    ).encode()
    table, rows = read(data)
    assert table.header_row == 2  # the title is one record, on two lines
    assert table.preamble == [["Выгрузка мониторинга\nСвердловская область"]]
    assert rows == [(3, ["06.10.2025", "A1"]), (4, ["06.10.2025", "A2"])]


def test_csv_row_numbers_count_records_not_lines():
    data = (
        "Начало недели;Код организации;Наименование организации\r\n"
        '06.10.2025;A1;"Школа\nс переносом\nстрок"\r\n'
        "06.10.2025;A2;Школа 2\r\n"
    ).encode()
    _table, rows = read(data)
    assert [number for number, _cells in rows] == [2, 3]
    assert rows[0][1][2] == "Школа\nс переносом\nстрок"


def test_csv_bad_bytes_after_a_multi_line_cell_name_their_record():
    good = 'Начало недели;Код организации\n06.10.2025;"A\n1"\n' + "06.10.2025;Школа\n" * 30000
    table = open_table(
        io.BytesIO(good.encode() + b"06.10.2025;\xff\xfe\n"), aliases=ALIASES, required=REQUIRED
    )
    with pytest.raises(TableError, match="^Строка 30003: символы не в кодировке UTF-8"):
        list(table.rows())


def test_csv_unreadable_record_named_by_its_record_number():
    data = 'Начало недели;Код организации\n06.10.2025;"A\n1"\n06.10.2025;"'.encode()
    table = open_table(
        io.BytesIO(data + b"x" * (1024 * 1024 + 10)), aliases=ALIASES, required=REQUIRED
    )
    with pytest.raises(TableError, match="^Строка 3: строка не читается как CSV"):
        list(table.rows())


# --- one column, one header cell


@pytest.mark.parametrize(
    ("header", "named"),
    [
        (
            "Начало недели;Код организации;Код организации",
            "«Код организации» (столбец № 2) и «Код организации» (столбец № 3)",
        ),
        (
            "Начало недели;org_code;Код организации",
            "«org_code» (столбец № 2) и «Код организации» (столбец № 3)",
        ),
    ],
)
def test_csv_header_naming_a_column_twice_is_refused_naming_both(header, named):
    with pytest.raises(TableError) as refused:
        read(f"{header}\n06.10.2025;A1;A2\n".encode())
    message = str(refused.value)
    assert message.startswith("Строка 1 (заголовок): один и тот же столбец указан дважды")
    assert named in message


def test_xlsx_header_naming_a_column_twice_is_refused_by_letters():
    data = _xlsx(
        [["Выгрузка"], ["Начало недели", "Код организации", "ORG_CODE"], ["06.10.2025", "A", "B"]]
    )
    with pytest.raises(
        TableError, match="«Код организации» \\(столбец B\\) и «ORG_CODE» \\(столбец C\\)"
    ):
        read(data)


def test_a_title_row_repeating_a_word_is_no_header():
    table, rows = read(
        "Код организации;Код организации\nНачало недели;Код организации\n1;A\n".encode()
    )
    assert table.header_row == 2 and rows == [(3, ["1", "A"])]


# --- which sheet of a workbook


def _book(*sheets: tuple[str, list, str]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows, state in sheets:
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
        ws.sheet_state = state
    wb.active = [state for _t, _r, state in sheets].index("visible")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


HEADER_ROW = ["Начало недели", "Код организации"]


def test_xlsx_hidden_first_sheet_is_not_read():
    data = _book(
        ("старая", [HEADER_ROW, ["06.10.2025", "OLD"]], "hidden"),
        ("списки", [["ОО", "СПО"]], "veryHidden"),
        ("Данные", [HEADER_ROW, ["06.10.2025", "NEW"]], "visible"),
    )
    _table, rows = read(data)
    assert rows == [(2, ["06.10.2025", "NEW"])]


def test_xlsx_second_visible_sheet_without_the_header_is_fine():
    data = _book(
        ("Данные", [HEADER_ROW, ["06.10.2025", "A1"]], "visible"),
        ("Инструкция", [["Заполните лист «Данные»"], ["Начало недели — понедельник"]], "visible"),
    )
    _table, rows = read(data)
    assert rows == [(2, ["06.10.2025", "A1"])]


def test_xlsx_two_visible_sheets_with_the_header_are_refused():
    data = _book(
        ("Неделя 1", [HEADER_ROW, ["06.10.2025", "A1"]], "visible"),
        ("Неделя 2", [["Выгрузка"], HEADER_ROW, ["13.10.2025", "A1"]], "visible"),
    )
    with pytest.raises(
        TableError, match="несколько видимых листов с таблицей: «Неделя 1» и «Неделя 2»"
    ):
        read(data)


# --- a broken file is a TableError with a Russian message, never a Python error


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_is_refused_with_what_to_save_instead(encoding):
    """Excel's «Текст в Юникоде» is UTF-16 (tab-separated): not one of the encodings read,
    and refused as such, not as a file without the columns."""
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[encoding]
    data = bom + "Начало недели\tКод организации\r\n06.10.2025\tORG1\r\n".encode(encoding)
    with pytest.raises(TableError, match=r"UTF-16.*«CSV UTF-8»"):
        read(data)


def test_old_xls_is_refused_as_an_old_format():
    with pytest.raises(TableError, match=r"старом формате Excel \(\.xls\) не поддерживается.*xlsx"):
        read(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 40)


def _patched(data: bytes, old: bytes, new: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert old in content
                content = content.replace(old, new, 1)
            dst.writestr(item, content)
    return out.getvalue()


GOOD = [["Выгрузка"], ["Начало недели", "Код организации"], ["06.10.2025", 12345]]


@pytest.mark.parametrize(
    "cell",
    [
        b'<c r="B3" t="n"><v>abc</v></c>',
        b'<c r="B3" t="n"><v>' + b"9" * 5000 + b"</v></c>",
        b'<c r="B3" t="s"><v>99999</v></c>',
        b'<c r="B3" t="d"><v>not-a-date</v></c>',
        b'<c r="B3" t="b"><v>maybe</v></c>',
    ],
    ids=["text in a number cell", "5000 digits", "no such shared string", "bad date", "bad bool"],
)
def test_xlsx_unreadable_cell_is_named_by_row_and_column(cell):
    # below the rows searched for the header: met while the rows are read
    rows = [*GOOD[:2], *[["06.10.2025", n] for n in range(20)], ["06.10.2025", 12345]]
    data = _patched(_xlsx(rows), b'<c r="B23" t="n"><v>12345</v></c>', cell.replace(b"B3", b"B23"))
    table = open_table(io.BytesIO(data), aliases=ALIASES, required=REQUIRED)
    with pytest.raises(TableError) as refused:
        list(table.rows())
    assert str(refused.value).startswith("Строка 23, столбец B: значение ячейки B23 не читается")


def test_xlsx_unreadable_cell_in_the_top_rows_is_refused_at_open():
    data = _patched(_xlsx(GOOD), b"<v>12345</v>", b"<v>abc</v>")
    with pytest.raises(TableError, match="^Строка 3, столбец B: значение ячейки B3 не читается"):
        open_table(io.BytesIO(data), aliases=ALIASES, required=REQUIRED)


def test_xlsx_broken_sheet_xml_is_refused():
    rows = [*GOOD, *[["06.10.2025", n] for n in range(20)]]
    data = _patched(_xlsx(rows), b"</sheetData>", b'<row r="99"><c r="A99"')
    table = open_table(io.BytesIO(data), aliases=ALIASES, required=REQUIRED)
    with pytest.raises(TableError, match="^Лист «Sheet» файла XLSX не читается после строки 23"):
        list(table.rows())


def test_xlsx_broken_compression_is_refused():
    data = bytearray(_xlsx(GOOD))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 5, start + 40):
        data[i] ^= 0x55
    with pytest.raises(TableError, match="повреждён"):
        read(bytes(data))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("Школа", "Школа"),
        ("Шко\x00ла", "Шко\\x00ла"),
        ("1\n5", "1\\n5"),
        ("Ш" * 60, "Ш" * 50 + "…"),
    ],
)
def test_shown_escapes_control_characters_and_cuts(value, text):
    from roadmap_portal.tables import shown

    assert shown(value) == text


def test_invisible_ranges_are_the_unicode_format_characters():
    """`INVISIBLE_RANGES` (written out for the byte-level checks) is exactly Python's
    category Cf, and `NOT_IN_TEXT` refuses each of them beside the control characters."""
    import sys
    import unicodedata

    from roadmap_portal.tables import INVISIBLE_RANGES, NOT_IN_TEXT

    written = {c for low, high in INVISIBLE_RANGES for c in range(low, high + 1)}
    format_chars = {c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}
    assert written == format_chars
    assert all(NOT_IN_TEXT.search(f"a{chr(c)}b") for c in written)
    assert all(NOT_IN_TEXT.search(f"a{chr(c)}b") for c in [*range(0x20), *range(0x7F, 0xA0)])
    assert not NOT_IN_TEXT.search("МАОУ «Школа № 12» — гимназия\u00a0Ё")


@pytest.mark.parametrize(
    ("code", "refused"),
    [
        ("6,6E+19", True),
        ("1.23457E+15", True),
        ("6e-05", True),
        # a spreadsheet always writes the exponent's sign: these are codes, not numbers
        ("12E34", False),
        ("0012E5", False),
        ("E+19", False),
    ],
)
def test_scientific_notation_needs_the_sign_a_spreadsheet_writes(code, refused):
    """One pattern (`SCIENTIFIC_NUMBER`) for both import paths: the row-by-row reader here,
    the fast path's SQL in `indicators.services.staging`."""
    import re

    from roadmap_portal.tables import SCIENTIFIC_NUMBER, lossy_code_problem

    assert (lossy_code_problem(code) is not None) is refused
    assert bool(re.fullmatch(SCIENTIFIC_NUMBER, code)) is refused


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Перевести чаты", None),
        ("строка 1\nстрока 2\r\n\tс табуляцией", None),  # a cell of several lines
        ("\u202eотчёт", None),  # a format character, not a control one
        ("А\x00Б", "U+0000"),
        ("\x07звонок", "U+0007"),
        ("esc\x1b[0m", "U+001B"),
        ("следующая\x85строка", "U+0085"),
        ("\x7f", "U+007F"),
    ],
)
def test_the_control_characters_a_text_cell_may_not_hold(text, code):
    from roadmap_portal.tables import forbidden_char

    assert forbidden_char(text) == code


@pytest.mark.parametrize(
    ("code", "refused"),
    [
        ("1000123.0", True),
        ("1000123,0", True),
        ("01000123,000", True),
        (" 7.0 ", True),
        ("1000123", False),
        ("1000123.5", False),
        ("12.01", False),
        ("ORG.0", False),
        (".0", False),
        ("7.", False),
    ],
)
def test_a_code_text_with_a_decimal_part_of_zeros_is_refused(code, refused):
    """«1000123,0» is a number a spreadsheet saved with a decimal, never a new code; both
    import paths refuse it from one pattern (`LOSSY_CODE_TEXT`: the reader here, the fast
    path's SQL in `indicators.services.staging`)."""
    import re

    from roadmap_portal.tables import LOSSY_CODE_TEXT, lossy_code_problem, may_be_lossy_code

    problem = lossy_code_problem(code)
    assert (problem is not None) is refused
    assert bool(re.fullmatch(LOSSY_CODE_TEXT, code.strip())) is refused
    assert may_be_lossy_code(code) or not refused
    if refused:
        assert problem.startswith(f"код «{code.strip()}» записан как дробное число"), problem


@pytest.mark.parametrize(
    ("code", "other", "twins"),
    [
        ("01000123", "1000123", True),
        ("org9", "ORG9", True),
        ("\u041erg9", "ORG9", True),  # a Cyrillic «О»
        ("шкОла1", "ШКОЛА1", True),
        ("0org9", "ORG9", True),
        ("ORG9", "ORG90", False),
        ("ORG9", "0RG9", False),  # a zero is no «O»
        ("ЗRG9", "3RG9", False),  # nor a «З» a three
        ("ORG-9", "ORG9", False),
    ],
)
def test_the_twin_rule_of_codes(code, other, twins):
    from roadmap_portal.tables import CODE_FOLD, code_twin_key

    assert (code_twin_key(code) == code_twin_key(other)) is twins
    assert all(len(source) == len(target) == 1 for source, target in CODE_FOLD.items())
