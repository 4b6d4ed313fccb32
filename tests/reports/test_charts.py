"""reports.charts: RAG/heat rules, SVG output, template tags, and a real browser render."""

from __future__ import annotations

import ast
import datetime as dt
import gzip
import math
import random
import re
from decimal import Decimal
from pathlib import Path

import pytest
from defusedxml import ElementTree
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template import loader
from django.test import RequestFactory

from reports import charts
from reports.charts import Series
from roadmap_portal.ru_formats import NBSP, THOUSANDS_SEP

SVG = "{http://www.w3.org/2000/svg}"
NNBSP = THOUSANDS_SEP  # U+202F, the one thousands separator used everywhere
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def parse(markup: str):
    """Every chart must be well-formed XML (defusedxml refuses entities/DTDs)."""
    return ElementTree.fromstring(markup)


def titles(root) -> list[str]:
    return [el.text or "" for el in root.iter(f"{SVG}title")]


def weeks(start: dt.date, count: int) -> list[dt.date]:
    return [start + dt.timedelta(weeks=k) for k in range(count)]


# --------------------------------------------------------------------------- rag / heat


@pytest.mark.parametrize(
    ("value", "target", "margin", "expected"),
    [
        (75, 75, 5, "green"),
        (80.1, 75, 5, "green"),
        (74.9, 75, 5, "amber"),
        (70, 75, 5, "amber"),
        (69.9, 75, 5, "red"),
        (0, 75, 5, "red"),
        (112, 100, 5, "green"),
        (Decimal("29.50"), Decimal("30"), 1, "amber"),
        (29, 30, 0, "red"),
        (None, 75, 5, "none"),
        (50, None, 5, "none"),
    ],
)
def test_rag(value, target, margin, expected):
    assert charts.rag(value, target, at_risk_margin=margin) == expected


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        (75, 75, "heat-5"),
        (120, 100, "heat-5"),
        (70, 75, "heat-4"),  # 93 % of target
        (60, 75, "heat-3"),  # 80 %
        (40, 75, "heat-2"),  # 53 %
        (20, 75, "heat-1"),  # 27 %
        (10, 75, "heat-0"),
        (0, 75, "heat-0"),
        (55, None, "heat-2"),  # no target: against 100
        (55, 0, "heat-2"),
        (None, 75, "heat-none"),
    ],
)
def test_heat_class(value, target, expected):
    assert charts.heat_class(value, target) == expected


# --------------------------------------------------------------------------- SVG output

START = dt.date(2025, 9, 1)
STAGES = [(dt.date(2025, 10, 1), "Этап 1"), (dt.date(2025, 12, 30), "Этап 2")]


def every_chart() -> dict[str, str]:
    days = weeks(START, 10)
    values = [40, 44.5, None, 51, 55.2, 58, 60.4, None, 63, 66.1]
    i1 = Series("I1", list(zip(days, values, strict=True)))
    return {
        "sparkline": charts.sparkline(values, target=75),
        "sparkline_pairs": charts.sparkline(list(zip(days, values, strict=True))),
        "sparkline_empty": charts.sparkline([]),
        "sparkline_nones": charts.sparkline([None, None]),
        "sparkline_single": charts.sparkline([42]),
        "sparkline_zeros": charts.sparkline([0, 0, 0]),
        "line": charts.line_chart(
            [i1],
            targets=[("Цель этапа 2", 75)],
            markers=STAGES,
            projection=[(dt.date(2025, 12, 1), 75.0)],
        ),
        "line_multi": charts.line_chart(
            [i1, Series("I2", list(zip(days, [10 + k for k in range(10)], strict=True)))],
            markers=STAGES,
        ),
        "line_empty": charts.line_chart([]),
        "line_empty_series": charts.line_chart([Series("I1", [])]),
        "line_single": charts.line_chart([Series("I3", [(START, 104.2)])]),
        "line_zeros": charts.line_chart([Series("I4", [(d, 0) for d in days])]),
        "line_points": charts.line_chart(
            [Series("Индекс", [(d, 30 + k) for k, d in enumerate(days)])], unit="points"
        ),
        "line_auto_scale": charts.line_chart(
            [Series("M", [(d, Decimal("3.25") * k) for k, d in enumerate(days)])],
            y_max=None,
            unit="number",
        ),
        "gauge": charts.bar_gauge(62.4, 75),
        "gauge_none": charts.bar_gauge(None, 75),
        "gauge_over": charts.bar_gauge(112.5, 100),
        "gauge_no_target": charts.bar_gauge(40, None),
        "gauge_zero": charts.bar_gauge(0, 30),
        "progress": charts.progress_bars(
            [("Региональные сервисы", 27.5, 50), ("Сферум", 7.5, 15, 1), ("МФЦ", None, 10, 1)]
        ),
        "progress_empty": charts.progress_bars([]),
        "stacked": charts.stacked_bar(
            [
                ("Выполнено", 12, "done"),
                ("В работе", 5, "in_progress"),
                ("Не начато", 0, "not_started"),
                ("Просрочено", 3, "overdue"),
            ]
        ),  # fmt: skip
        "stacked_empty": charts.stacked_bar([("Выполнено", 0, "done")]),
    }


@pytest.mark.parametrize("name", list(every_chart()))
def test_every_chart_is_well_formed_accessible_svg(name):
    markup = every_chart()[name]
    root = parse(markup)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox")
    assert root.get("role") == "img"
    assert root.get("aria-label")
    first = next(iter(root))
    assert first.tag == f"{SVG}title" and first.text == root.get("aria-label")


def test_line_chart_tooltips_gaps_targets_and_stages():
    markup = every_chart()["line"]
    root = parse(markup)
    tips = titles(root)
    assert f"I1, 22.09.2025: 51,0{NBSP}%" in tips  # value one hover away, Russian format
    assert "I1, 15.09.2025: нет данных" in tips  # gap shown, not drawn as 0
    assert f"Прогноз, 01.12.2025: 75,0{NBSP}%" in tips
    assert f"Цель этапа 2: 75{NBSP}%" in tips
    assert "Этап 1: 01.10.2025" in tips and "Этап 2: 30.12.2025" in tips
    # The line breaks at the missing weeks: three runs, each a separate M… subpath.
    series_path = root.find(f".//{SVG}g[@class='series']/{SVG}path")
    assert series_path.get("d").count("M") == 3
    texts = [t.text for t in root.iter(f"{SVG}text") if t.text]
    assert "01.09" in texts and "2025" in texts and f"75{NBSP}%" in texts
    assert f"I1 66,1{NBSP}%" in texts  # last value labelled at the line's end
    assert "Цель этапа 2" in texts and f"75{NBSP}%" in texts


def test_values_above_100_extend_the_axis():
    root = parse(every_chart()["line_single"])
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert f"150{NBSP}%" in labels
    assert f"I3, 01.09.2025: 104,2{NBSP}%" in titles(root)


def test_gauge_states_are_written_out_for_print():
    assert "отстаёт" in every_chart()["gauge"]  # 62,4 vs 75 with a 5-point margin
    assert "в графике" in every_chart()["gauge_over"]
    assert f"112,5{NBSP}%" in every_chart()["gauge_over"]
    none = every_chart()["gauge_none"]
    assert "нет данных" in none and "url(#" in none  # hatched, not an empty green bar
    assert "под угрозой" in charts.bar_gauge(72, 75)


def test_stacked_bar_tooltips_and_hatched_overdue():
    root = parse(every_chart()["stacked"])
    tips = titles(root)
    assert f"Выполнено: 12 из 20 (60,0{NBSP}%)" in tips
    assert f"Просрочено: 3 из 20 (15,0{NBSP}%)" in tips
    assert not any(t.startswith("Не начато:") for t in tips)  # zero-width segment skipped
    legend = [t.text for t in root.iter(f"{SVG}text")]
    assert f"Не начато — 0 (0,0{NBSP}%)" in legend
    assert root.find(f".//{SVG}pattern") is not None


def test_progress_bars_tooltips_and_missing_values():
    tips = titles(parse(every_chart()["progress"]))
    assert f"Сферум: 7,5 из 15 баллов (50,0{NBSP}%)" in tips
    assert "МФЦ: нет данных" in tips


def test_sparkline_edge_cases():
    assert "нет данных" in every_chart()["sparkline_empty"]
    assert "нет данных" in every_chart()["sparkline_nones"]
    single = parse(every_chart()["sparkline_single"])
    assert f"точка 1: 42,0{NBSP}%" in titles(single)
    zeros = parse(every_chart()["sparkline_zeros"])
    assert all(not math.isnan(float(c.get("cy"))) for c in zeros.iter(f"{SVG}circle"))
    pairs = titles(parse(every_chart()["sparkline_pairs"]))
    assert "15.09.2025: нет данных" in pairs


HOSTILE = '<script>alert("x")</script> & «Округ»'


def test_hostile_labels_are_escaped_everywhere():
    day = dt.date(2025, 10, 6)
    outputs = [
        charts.line_chart(
            [Series(HOSTILE, [(day, 50)])],
            targets=[(HOSTILE, 60)],
            markers=[(day, HOSTILE)],
            label=HOSTILE,
        ),
        charts.sparkline([1, 2], label=HOSTILE),
        charts.bar_gauge(50, 60, label=HOSTILE),
        charts.progress_bars([(HOSTILE, 1, 2)], label=HOSTILE),
        charts.stacked_bar([(HOSTILE, 1, '"><script>')], label=HOSTILE),
        charts.small_multiples([(HOSTILE, [(day, 5)], 'javascript:"><script>')]),
    ]
    for markup in outputs:
        assert "<script" not in markup
        root = parse(markup)  # still well-formed: nothing broke out of an attribute
        assert any(HOSTILE in (el.text or "") or HOSTILE in el.attrib.values()
                   for el in root.iter())  # fmt: skip


def test_small_multiples_for_89_regions_stay_light():
    """The country overview: 89 regions × 40 weekly points on one page."""
    rng = random.Random(89)
    days = weeks(dt.date(2025, 1, 6), 40)
    items = []
    for r in range(89):
        level = rng.uniform(10, 60)
        pts = []
        for d in days:
            level = min(100.0, max(0.0, level + rng.uniform(-1, 2.2)))
            pts.append((d, None if rng.random() < 0.02 else round(level, 2)))
        items.append((f"Регион {r + 1:02d}", pts, f"/reports/regions/{r + 1}/"))
    markup = charts.small_multiples(items, unit="points", y_max=100)
    root = parse(markup)
    svgs = list(root.iter(f"{SVG}svg"))
    assert len(svgs) == 89
    assert len(titles(root)) == 89 + 89 * 40  # a chart title and every point's value
    raw, packed = len(markup.encode()), len(gzip.compress(markup.encode()))
    print(f"\nsmall_multiples 89×40: {raw} bytes, gzip {packed} bytes")
    assert raw < 400_000 and packed < 80_000
    light = charts.small_multiples(items, unit="points", y_max=100, point_titles=False)
    assert len(titles(parse(light))) == 89
    print(f"without per-week tooltips: {len(light.encode())} bytes, "
          f"gzip {len(gzip.compress(light.encode()))} bytes")  # fmt: skip
    assert len(light.encode()) < 120_000


def test_chart_package_is_pure_python():
    """reports/charts must not import Django (the ORM least of all): it is used by exports
    and tasks as a plain library, and tested without a database."""
    package = Path(settings.BASE_DIR) / "reports" / "charts"
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                assert not name.startswith("django"), f"{path.name} imports {name}"


# --------------------------------------------------------------------------- template tags


def render_string(source: str, **context) -> str:
    from django.template import engines

    return engines["django"].from_string("{% load charts %}" + source).render(context)


@pytest.mark.parametrize(
    ("source", "context", "expected"),
    [
        ("{{ v|ru_percent }}", {"v": 75.3}, f"75,3{NBSP}%"),
        ("{{ v|ru_percent:0 }}", {"v": 75.3}, f"75{NBSP}%"),
        ("{{ v|ru_number }}", {"v": 1234567}, f"1{NNBSP}234{NNBSP}567"),
        ("{{ v|ru_number:1 }}", {"v": 3}, "3,0"),
        ("{{ v|ru_points }}", {"v": 7.5}, f"7,5{NBSP}балла"),
        ("{{ v|ru_delta }}", {"v": 2}, "+2"),
        ("{{ v|ru_date }}", {"v": dt.date(2025, 10, 6)}, "06.10.2025"),
        ("{{ v|ru_date }}", {"v": None}, "—"),
        ("{{ v|heat_class:75 }}", {"v": 70}, "heat-4"),
        ("{{ v|rag:75 }}", {"v": 72}, "amber"),
        ("{{ v|rag_label }}", {"v": "red"}, "отстаёт"),
        ("{{ v|ru_percent }}", {"v": None}, "нет данных"),
        ("{{ v|ru_number }}", {"v": Decimal("0.5")}, "0,5"),
    ],
)
def test_filters(source, context, expected):
    assert render_string(source, **context) == expected


def test_ru_datetime_filter_uses_local_time(settings):
    settings.TIME_ZONE = "Asia/Yekaterinburg"
    moment = dt.datetime(2025, 10, 5, 20, 30, tzinfo=dt.UTC)
    assert render_string("{{ v|ru_datetime }}", v=moment) == "06.10.2025 01:30"
    assert render_string("{{ v|ru_date }}", v=moment) == "06.10.2025"


def test_tags_output_svg_unescaped_and_labels_escaped():
    out = render_string(
        "{% sparkline v target=75 label=name %}{% gauge 50 75 label=name %}",
        v=[1, 2, 3],
        name=HOSTILE,
    )
    assert out.count("<svg") == 2 and "&lt;svg" not in out
    assert "<script" not in out


# --------------------------------------------------------------------------- demo page


def demo_context() -> dict:
    """Synthetic, reproducible demo data for every chart (marked as demo on the page)."""
    rng = random.Random(2025)
    days = weeks(START, 12)

    def walk(start: float, drift: float, gaps: tuple[int, ...] = ()) -> list:
        level, out = start, []
        for k, d in enumerate(days):
            level = max(0.0, min(100.0, level + drift + rng.uniform(-1.5, 1.5)))
            out.append((d, None if k in gaps else round(level, 1)))
        return out

    i1 = walk(38, 2.1, gaps=(4,))
    i2 = walk(12, 1.4)
    i3 = walk(55, 3.0)
    i4 = walk(70, 1.8, gaps=(7, 8))
    last = {name: [v for _, v in pts if v is not None][-1] for name, pts in
            (("I1", i1), ("I2", i2), ("I3", i3), ("I4", i4))}  # fmt: skip
    names = {
        "I1": "I1 · Активность работников",
        "I2": "I2 · Активность обучающихся и родителей",
        "I3": "I3 · Сферум только в MAX",
        "I4": "I4 · Активность органов управления",
    }
    targets = {"I1": 75, "I2": 30, "I3": 100, "I4": 100}
    week = days[-1]
    gauges = [
        {"title": names[k], "value": last[k], "target": targets[k], "week": week,
         "due": STAGES[1][0]}
        for k in ("I1", "I2", "I3", "I4")
    ]  # fmt: skip
    municipalities = []
    for k, name in enumerate(
        [
            "Екатеринбург",
            "Нижний Тагил",
            "Каменск-Уральский",
            "Первоуральск",
            "Серов",
            "Асбест",
            "Верхняя Пышма",
            "Ивдельский городской округ",
        ]  # fmt: skip
    ):
        trend = walk(20 + 8 * k, 1.6 - 0.15 * k)
        municipalities.append({
            "name": name,
            "i1": trend[-1][1],
            "trend": trend,
            "i2": None if k == 7 else round(rng.uniform(8, 40), 1),
            "staff": rng.randint(300, 45000),
        })  # fmt: skip
    regions = []
    region_days = weeks(dt.date(2025, 1, 6), 40)
    for r in range(89):
        level, pts = rng.uniform(8, 35), []
        for d in region_days:
            level = min(100.0, level + rng.uniform(-0.4, 1.6))
            pts.append((d, round(level, 1)))
        regions.append((f"Регион {r + 1:02d}", pts, f"#region-{r + 1}"))
    index_series = [Series("Индекс", walk(20, 2.4))]
    return {
        "gauges": gauges,
        "stages": STAGES,
        "i1": {
            "name": names["I1"],
            "series": [Series("I1", i1)],
            "targets": [("Цель этапа 1 (база)", 48), ("Цель этапа 2", 75)],
            "projection": [(dt.date(2025, 12, 22), 75.0)],
        },
        "all_series": [
            Series(k, pts) for k, pts in (("I1", i1), ("I2", i2), ("I3", i3), ("I4", i4))
        ],  # fmt: skip
        "index_total": 46.5,
        "index_items": [
            ("Региональные сервисы", 27.5, 50),
            ("Сферум (доля пользователей VK Мессенджера с профилем в MAX)", 7.5, 15, 1),
            ("МФЦ", 10, 10, 1),
            ("Здравоохранение", 5, 10, 1),
            ("ЖКХ", 3, 5, 1),
            ("Эксклюзивные сервисы", 2, 10, 1),
            ("Цифровой ID", 15, 35),
            ("Нормативные акты (156-ФЗ)", 5, 5, 1),
            ("Подтверждение возраста", 10, 10, 1),
            ("Льготы (многодетные)", 0, 10, 1),
            ("Статус студента", None, 10, 1),
            ("Продвижение", 4, 15),
        ],
        "roadmap": [
            ("Выполнено", 18, "done"),
            ("В работе", 9, "in_progress"),
            ("Не начато", 6, "not_started"),
            ("Просрочено", 4, "overdue"),
        ],
        "index_series": index_series,
        "municipalities": municipalities,
        "regions": regions,
        "regions_count": len(regions),
        "empty_series": [],
        "single_series": [Series("I3", [(dt.date(2025, 10, 6), 104.2)])],
        "single_targets": [("Цель", 100)],
        "zero_series": [Series("I4", [(d, 0) for d in days])],
        "zero_values": [0, 0, 0, 0],
        "gap_values": [10, 20, None, 40, 45, None, 60],
        "single_value": [42],
        "empty_parts": [],
        "hostile_items": [(HOSTILE, 1, 2)],
        "crowded_series": [
            Series(name, [(d, 50 + 0.2 * k + 0.1 * j) for j, d in enumerate(days)])
            for k, name in enumerate(["I1", "I2", "I3", "Очень длинное имя ряда"])
        ],
        "crowded_targets": [("Цель этапа 1", 49), ("Цель этапа 2", 51.5)],
        "crowded_markers": [
            (dt.date(2025, 9, 29), "Этап 1"),
            (dt.date(2025, 10, 6), "Этап 1а"),
            (dt.date(2025, 10, 13), "Этап 2"),
        ],
    }


def render_demo() -> str:
    request = RequestFactory().get("/demo/charts/")
    request.user = AnonymousUser()
    return loader.render_to_string("reports/charts_demo.html", demo_context(), request=request)


def test_demo_page_renders_every_chart_as_valid_svg():
    page = render_demo()
    assert "<script" not in page.split("<main", 1)[1]  # hostile label escaped in the page
    chunks = page.split("<svg")[1:]
    assert len(chunks) > 89 + 20
    for chunk in chunks:
        parse("<svg" + chunk.split("</svg>", 1)[0] + "</svg>")


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# Measured with the real font: every label inside its chart's viewBox, no two labels of a
# chart overlapping (the layout estimates text widths; this proves the estimate holds).
LABEL_CHECK_JS = """
() => {
  const problems = [];
  document.querySelectorAll('svg.chart').forEach((svg, k) => {
    const vb = svg.viewBox.baseVal;
    const boxes = [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBBox()]);
    for (const [text, b] of boxes) {
      if (b.x < vb.x - 1 || b.y < vb.y - 1 || b.x + b.width > vb.x + vb.width + 1
          || b.y + b.height > vb.y + vb.height + 1) {
        problems.push(`chart ${k}: "${text}" outside the viewBox`);
      }
    }
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [ta, a] = boxes[i], [tb, b] = boxes[j];
        const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
        const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
        if (w > 1 && h > 3) problems.push(`chart ${k}: "${ta}" overlaps "${tb}"`);
      }
    }
  });
  return problems;
}
"""


@pytest.mark.browser
def test_demo_page_in_chromium():
    """Renders the demo page offline in headless Chromium: no console errors, no request
    leaves the page's origin, every chart has a visible box; screenshots for review."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    from django.contrib.staticfiles import finders

    page_html = render_demo()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "charts_demo.html").write_text(page_html, encoding="utf-8")
    origin = "http://portal.test"
    errors: list[str] = []
    outside: list[str] = []

    def serve(route):
        url = route.request.url
        if url.startswith(origin + settings.STATIC_URL):
            found = finders.find(url[len(origin + settings.STATIC_URL) :])
            if found:
                route.fulfill(path=found)
                return
        elif url.startswith(origin + "/demo/"):
            route.fulfill(body=page_html, content_type="text/html; charset=utf-8")
            return
        outside.append(url)
        route.abort()

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route("**/*", serve)
            page.goto(origin + "/demo/charts/")
            page.wait_for_load_state("networkidle")
            boxes = page.eval_on_selector_all(
                "svg.chart",
                "els => els.map(e => { const r = e.getBoundingClientRect();"
                " return [e.getAttribute('class'), r.width, r.height]; })",
            )
            label_problems = page.evaluate(LABEL_CHECK_JS)
            css_applied = page.eval_on_selector(
                ".chart-multiples", "e => getComputedStyle(e).display"
            )
            page.screenshot(path=str(ARTIFACTS / "charts_demo.jpg"), full_page=True)
            page.emulate_media(media="print")
            page.screenshot(path=str(ARTIFACTS / "charts_demo_print.jpg"), full_page=True)
            page.pdf(path=str(ARTIFACTS / "charts_demo.pdf"), format="A4", print_background=True)
        finally:
            browser.close()
    assert errors == []
    assert [u for u in outside if not u.endswith("/favicon.ico")] == []
    assert css_applied == "grid"
    assert label_problems == []
    assert len(boxes) > 89 + 20
    flat = [b for b in boxes if not (b[1] > 0 and b[2] > 0)]
    assert flat == []
    assert (ARTIFACTS / "charts_demo.jpg").stat().st_size > 10_000


def _months_gap_points():
    """Eight weeks, then ten months without a row (absent, not None), then four weeks."""
    start = dt.date(2025, 1, 6)
    first = [(start + dt.timedelta(weeks=k), 20 + k) for k in range(8)]
    later = start + dt.timedelta(weeks=8 + 44)
    return first + [(later + dt.timedelta(weeks=k), 60 + k) for k in range(4)]


def test_lines_break_where_weeks_have_no_rows():
    points = _months_gap_points()
    root = parse(charts.line_chart([charts.Series("П1", points)], label="П1"))
    series_path = root.find(f".//{SVG}g[@class='series']/{SVG}path")
    assert series_path.get("d").count("M") == 2  # no straight rise across ten months
    spark = parse(charts.sparkline(points, label="П1"))
    assert spark.find(f".//{SVG}path").get("d").count("M") == 2
    grid = charts.small_multiples([("Субъект", points)], unit="percent")
    assert re.search(r'<path d="M[^"]*M[^"]*" fill="none" stroke="[^"]+" stroke-width="1.6"', grid)
    # consecutive weeks stay one line
    weekly = parse(charts.line_chart([charts.Series("П1", points[:8])]))
    assert weekly.find(f".//{SVG}g[@class='series']/{SVG}path").get("d").count("M") == 1


def test_tile_map_has_one_square_per_region_with_links_and_legend():
    import csv as _csv

    with open(Path(__file__).resolve().parents[2] / "fixtures" / "regions.csv") as fh:
        codes = {row["code"] for row in _csv.DictReader(fh)}
    assert set(charts.TILE_POSITIONS) == codes and len(codes) == 89
    assert len(set(charts.TILE_POSITIONS.values())) == 89  # one square per place
    tiles = [
        charts.Tile("66", "Свердловская область", 42.5, "/dashboard/66/"),
        charts.Tile("77", "Москва", 90, "/dashboard/77/"),
        charts.Tile("50", HOSTILE, None, None),
    ]
    markup = charts.tile_map(tiles, low=0, high=100, label="Индекс")
    root = parse(markup)
    assert len(root.findall(f".//{SVG}g[@class='tile']")) == 89
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert sorted(links) == ["/dashboard/66/", "/dashboard/77/"]
    tips = titles(root)
    assert f"Свердловская область: 42,5{NBSP}балла" in tips
    assert f"{HOSTILE}: нет данных" in tips and "<script>" not in markup
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "нет данных" in texts and f"от 0{NBSP}баллов" in texts, texts[-6:]
    assert "2 из 89 субъектов с данными" in root.get("aria-label")


def _wrap_by_dropping_characters(text: str, font_size: float, width: float, max_lines: int):
    """The plain reading of wrap's truncation: wrap's greedy lines (no limit), then the last
    allowed line loses one character at a time until it fits with its «…»."""
    from reports.charts.svg import text_width, wrap

    lines = wrap(text, font_size, width, max_lines=10**6)
    if len(lines) > max_lines:
        last = " ".join(lines[max_lines - 1 :])
        while last and text_width(last + "…", font_size) > width:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last.rstrip() + "…"]
    return lines


def test_wrap_truncates_exactly_like_dropping_one_character_at_a_time():
    from reports.charts.svg import wrap

    rng = random.Random(7)
    words = ["Обеспечить", "подключение", "МАОУ", "СОШ", "№", "12", "MAX", "—", "i", "Щ", "%"]
    for _ in range(500):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 30)))
        size, width, lines = rng.choice([9, 11, 12.5]), rng.uniform(5, 260), rng.randint(1, 3)
        assert wrap(text, size, width, lines) == _wrap_by_dropping_characters(
            text, size, width, lines
        ), (text, size, width, lines)
