"""The one place numbers, percents and dates are written in Russian."""

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from roadmap_portal import ru_formats as f

NNBSP, NBSP, MINUS = "\u202f", "\u00a0", "\u2212"


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (67581, None, f"67{NNBSP}581"),
        (188872, None, f"188{NNBSP}872"),
        (1234567, None, f"1{NNBSP}234{NNBSP}567"),
        (999, None, "999"),
        (0, None, "0"),
        (7.5, None, "7,5"),
        (Decimal("12.50"), None, "12,5"),
        (Decimal("40.00"), None, "40"),
        (40, 1, "40,0"),
        (75.25, 1, "75,3"),  # half-up
        (-2.25, None, f"{MINUS}2,25"),
        (-1234.5, 1, f"{MINUS}1{NNBSP}234,5"),
        (-0.001, 1, "0,0"),  # rounds to zero: no minus
        ("3,5", None, "3,5"),
        (None, None, "нет данных"),
        ("abc", None, "нет данных"),
        (float("nan"), None, "нет данных"),
        (True, None, "нет данных"),
    ],
)
def test_ru_number(value, digits, expected):
    assert f.ru_number(value, digits) == expected


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (75.3, 1, f"75,3{NBSP}%"),
        (75, 1, f"75,0{NBSP}%"),
        (75, None, f"75{NBSP}%"),
        (Decimal("46.88"), 1, f"46,9{NBSP}%"),
        (-5, 1, f"{MINUS}5,0{NBSP}%"),
        (None, 1, "нет данных"),
    ],
)
def test_ru_percent(value, digits, expected):
    assert f.ru_percent(value, digits) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.753, f"75,3{NBSP}%"), (1, f"100,0{NBSP}%"), (0, f"0,0{NBSP}%"), (None, "нет данных")],
)
def test_ru_share(value, expected):
    assert f.ru_share(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2.5, f"+2,5{NBSP}п.п."),
        (Decimal("-1.25"), f"{MINUS}1,3{NBSP}п.п."),
        (0, f"0,0{NBSP}п.п."),
        (None, "нет данных"),
    ],
)
def test_ru_pp(value, expected):
    assert f.ru_pp(value) == expected


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (28.125, 2, Decimal("28.13")),  # `round(28.125, 2)` is 28.12
        (75.25, 1, Decimal("75.3")),
        (-0.05, 1, Decimal("-0.1")),
        (-0.04, 1, Decimal("0.0")),
        (0.1 + 0.2, 2, Decimal("0.30")),
        (Decimal("74.9496"), 2, Decimal("74.95")),
        (None, 2, None),
    ],
)
def test_round_half_up(value, places, expected):
    """The one rounding of pages, API and alert details: half up on the decimal value."""
    assert f.round_half_up(value, places) == expected


def test_xlsx_points_is_ru_pp_in_a_spreadsheet():
    """The gap column of a workbook reads as the page's `ru_pp`: the sign, the true minus,
    one decimal and «п.п.» after the same no-break space; the sections are picked by the
    rounding step, so a gap that rounds to zero shows no sign (−0.04 → «0,0 п.п.»)."""
    positive, negative, zero = f.XLSX_POINTS.split(";")
    unit = f'"{NBSP}п.п."'
    assert f.ru_pp(2.5).endswith(unit.strip('"'))
    assert Decimal("0.05") == f.POINTS_SIGNED
    assert positive == f'[>=0.05]"+"0.0{unit}'
    assert negative == f'[<=-0.05]"{MINUS}"0.0{unit}'
    assert zero == f"0.0{unit}"
    # the step is where the page starts to show a sign
    assert f.ru_pp(0.05) == f"+0,1{NBSP}п.п." and f.ru_pp(0.0499) == f"0,0{NBSP}п.п."
    assert f.ru_pp(-0.05) == f"{MINUS}0,1{NBSP}п.п." and f.ru_pp(-0.0499) == f"0,0{NBSP}п.п."


def test_xlsx_number_and_delta_sign_as_ru_number_and_ru_delta():
    """Two places; the true minus (not the spreadsheet's hyphen), «+» before a positive
    change, and no sign on a number shown as zero (−0.004 → «0,00»)."""
    assert f.signed_step(2) == Decimal("0.005") and f.signed_step(1) == Decimal("0.05")
    assert f'[>=0]#,##0.00;[<=-0.005]"{MINUS}"#,##0.00;#,##0.00' == f.XLSX_NUMBER
    assert f'[>=0.005]"+"#,##0.00;[<=-0.005]"{MINUS}"#,##0.00;#,##0.00' == f.XLSX_DELTA
    assert f.ru_number(-0.004, 2) == "0,00" and f.ru_number(-0.005, 2) == f"{MINUS}0,01"
    assert f.ru_delta(0.004, 2) == "0,00" and f.ru_delta(0.005, 2) == "+0,01"


def test_xlsx_percent_is_ru_share_in_a_spreadsheet():
    """«6,3 %» as on the pages: one decimal, thousands grouped, «%» after a no-break space
    (quoted: the format's text) and the `%` itself outside the quotes, so the spreadsheet
    still shows the fraction ×100."""
    assert f'#,##0.0"{NBSP}"%' == f.XLSX_PERCENT
    assert f.XLSX_PERCENT.endswith('"%') and f.ru_share(0.063) == f"6,3{NBSP}%"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2.5, "+2,5"),
        (-1.25, f"{MINUS}1,25"),
        (0, "0"),
        (1500, f"+1{NNBSP}500"),
        (None, "нет данных"),
    ],
)
def test_ru_delta(value, expected):
    assert f.ru_delta(value) == expected


def test_ru_ratio():
    assert f.ru_ratio(67581, 188872) == f"67{NNBSP}581 / 188{NNBSP}872"
    assert f.ru_ratio(None, 5) == "—"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, f"1{NBSP}балл"),
        (2, f"2{NBSP}балла"),
        (5, f"5{NBSP}баллов"),
        (11, f"11{NBSP}баллов"),
        (21, f"21{NBSP}балл"),
        (7.5, f"7,5{NBSP}балла"),
        (None, "нет данных"),
    ],
)
def test_ru_points(value, expected):
    assert f.ru_points(value) == expected


@pytest.mark.parametrize(
    ("value", "date", "short", "stamp"),
    [
        (dt.date(2025, 10, 6), "06.10.2025", "06.10", None),
        (dt.datetime(2025, 12, 30, 23, 59), "30.12.2025", "30.12", "30.12.2025 23:59"),
        (None, "—", "—", "—"),
    ],
)
def test_ru_dates(value, date, short, stamp):
    assert f.ru_date(value) == date
    assert f.ru_date_short(value) == short
    if stamp is not None:
        assert f.ru_datetime(value) == stamp


def test_no_django():
    """Pure: charts and exports import it without settings."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(f))
    names = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [n for n in names if n and n.startswith("django")]


# ----------------------------------------- the cases the chart package tested before


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (75.3, 1, f"75,3{NBSP}%"),
        (Decimal("75.30"), 1, f"75,3{NBSP}%"),
        (75.25, 1, f"75,3{NBSP}%"),  # half-up, not banker's
        (100, 1, f"100,0{NBSP}%"),
        (112.46, 1, f"112,5{NBSP}%"),
        (0, 1, f"0,0{NBSP}%"),
        (33.333, 0, f"33{NBSP}%"),
        (1234.5, 1, f"1{NNBSP}234,5{NBSP}%"),
        (None, 1, "нет данных"),
        ("", 1, "нет данных"),
        (float("nan"), 1, "нет данных"),
    ],
)
def test_ru_percent_as_the_charts_show_them(value, digits, expected):
    assert f.ru_percent(value, digits) == expected


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (1234567, None, f"1{NNBSP}234{NNBSP}567"),
        (999, None, "999"),
        (1000, None, f"1{NNBSP}000"),
        (Decimal("7.50"), None, "7,5"),
        (12.25, None, "12,25"),
        (40.0, None, "40"),
        (40, 1, "40,0"),
        (-2.5, None, f"{MINUS}2,5"),
        (-0.001, None, "0"),
        (Decimal("1234567.891"), 2, f"1{NNBSP}234{NNBSP}567,89"),
        (None, None, "нет данных"),
        ("abc", None, "нет данных"),
    ],
)
def test_ru_number_as_the_charts_show_them(value, digits, expected):
    assert f.ru_number(value, digits) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, f"1{NBSP}балл"),
        (2, f"2{NBSP}балла"),
        (5, f"5{NBSP}баллов"),
        (11, f"11{NBSP}баллов"),
        (21, f"21{NBSP}балл"),
        (7.5, f"7,5{NBSP}балла"),
        (40.0, f"40{NBSP}баллов"),
        (None, "нет данных"),
    ],
)
def test_ru_points_as_the_charts_show_them(value, expected):
    assert f.ru_points(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2.5, "+2,5"), (-1.25, f"{MINUS}1,25"), (0, "0"), (None, "нет данных")],
)
def test_ru_delta_as_the_charts_show_them(value, expected):
    assert f.ru_delta(value) == expected


@pytest.mark.parametrize(
    ("value", "expected", "short"),
    [
        (dt.date(2025, 10, 6), "06.10.2025", "06.10"),
        (dt.datetime(2025, 12, 30, 23, 59), "30.12.2025", "30.12"),
        (None, "—", "—"),
    ],
)
def test_ru_dates_as_the_charts_show_them(value, expected, short):
    assert f.ru_date(value) == expected
    assert f.ru_date_short(value) == short


def test_formats_and_charts_load_without_django():
    """The formats module and the chart package are pure: importing them (and the
    `roadmap_portal` package around the formats) loads neither Django nor Celery."""
    code = (
        "import sys\n"
        "import roadmap_portal.ru_formats, reports.charts\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'django', 'celery', 'kombu'})\n"
        "print(','.join(loaded))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == ""


def test_a_share_in_a_template_is_a_percent_with_one_decimal_not_widthratio():
    """Cascades and the federal plan showed 1/8 as «12 %» (widthratio, half to even) while
    the cascade page showed «12,5 %»."""
    from django.template import Context, Template

    rendered = Template("{{ a|ru_share }}|{{ b|ru_share }}|{{ c|ru_share }}").render(
        Context({"a": 1 / 8, "b": 5 / 8, "c": None})
    )
    assert rendered == f"12,5{NBSP}%|62,5{NBSP}%|нет данных"
