"""reports.charts.timeline: the layout as tables (pure Python), the SVG parsed and rendered."""

from __future__ import annotations

import datetime as dt

import pytest
from defusedxml import ElementTree

from reports.charts.palette import STATUS_COLORS
from reports.charts.timeline import (
    MARGIN,
    MIN_WIDTH,
    ROWS_PER_PIECE,
    TimelineGroup,
    TimelineMeasure,
    TimelineMilestone,
    pieces,
    timeline_chart,
    timeline_layout,
)

SVG = "{http://www.w3.org/2000/svg}"
D = dt.date
TODAY = D(2025, 11, 20)
LEGEND = [
    ("not_started", "Не начато"),
    ("in_progress", "В работе"),
    ("done", "Выполнено"),
    ("cancelled", "Отменено"),
]


def measure(key: str, start=None, due=None, status="in_progress", **kwargs) -> TimelineMeasure:
    label = dict(LEGEND)[status]
    return TimelineMeasure(
        key=key, title=f"Мероприятие {key}", status=status, status_label=label,
        start=start, due=due, **kwargs,
    )  # fmt: skip


def one_group(*measures: TimelineMeasure) -> list[TimelineGroup]:
    return [TimelineGroup(title="1. Общие мероприятия", measures=measures)]


def parse(markup: str):
    """The chart's stacked SVG elements under one root; each must be well-formed."""
    return ElementTree.fromstring(f"<div>{markup}</div>")


def row(layout, key: str):
    return next(r for r in layout.rows if r.measure.key == key)


# --------------------------------------------------------------------------- the axis


@pytest.mark.parametrize(
    ("dates", "start", "end"),
    [
        # whole months around every date shown, today included
        ([(D(2025, 8, 15), D(2025, 9, 30))], D(2025, 8, 1), D(2026, 2, 1)),
        ([(D(2025, 1, 10), D(2026, 3, 31))], D(2025, 1, 1), D(2026, 4, 1)),
        # at least six months, so a short roadmap is not a smear of wide months
        ([(D(2025, 11, 1), D(2025, 11, 30))], D(2025, 11, 1), D(2026, 5, 1)),
        # nothing dated: the six months from today's month
        ([(None, None)], D(2025, 11, 1), D(2026, 5, 1)),
    ],
)
def test_axis_covers_whole_months_and_today(dates, start, end):
    measures = [measure(str(k), s, d) for k, (s, d) in enumerate(dates)]
    layout = timeline_layout(one_group(*measures), today=TODAY)
    assert (layout.axis_start, layout.axis_end) == (start, end)
    assert layout.x(layout.axis_start) == MARGIN
    assert layout.x(layout.axis_end) == pytest.approx(layout.width - MARGIN)
    assert layout.width >= MIN_WIDTH
    assert [m.day for m in layout.months][0] == start


def test_day_scale_is_uniform_and_a_year_is_readable():
    layout = timeline_layout(one_group(measure("1", D(2025, 1, 1), D(2025, 12, 31))), today=TODAY)
    assert layout.day_px == pytest.approx(2.4)
    assert layout.x(D(2025, 3, 1)) - layout.x(D(2025, 2, 1)) == pytest.approx(28 * layout.day_px)
    assert layout.today_x == pytest.approx(layout.x(TODAY) + layout.day_px / 2)
    names = [m.label for m in layout.months]
    assert names[:2] == ["янв 2025", "фев"] and names[-1] == "дек" and len(names) == 12


# --------------------------------------------------------------------------- bars


def test_bar_runs_from_its_start_day_to_the_end_of_its_due_day():
    layout = timeline_layout(one_group(measure("1", D(2025, 9, 1), D(2025, 9, 30))), today=TODAY)
    r = row(layout, "1")
    assert r.kind == "bar"
    assert r.bar_x == pytest.approx(layout.x(D(2025, 9, 1)))
    assert r.bar_x + r.bar_w == pytest.approx(layout.x(D(2025, 10, 1)))
    assert r.late_w == 0  # not flagged overdue: nothing hatched


@pytest.mark.parametrize(
    ("start", "due", "kind", "left", "right"),
    [
        # a start after the due date (a roadmap approved late) is taken as the due date
        (D(2025, 10, 10), D(2025, 10, 1), "bar", D(2025, 10, 1), D(2025, 10, 2)),
        # a due date without a start: a short mark ending with the due day
        (None, D(2025, 10, 1), "point", None, D(2025, 10, 2)),
        # a start without a due date: open to the end of the axis
        (D(2025, 9, 1), None, "open", D(2025, 9, 1), "end"),
        # no date at all: a row with its label and «срок не указан», no bar
        (None, None, "none", None, None),
    ],
)
def test_measures_without_full_dates(start, due, kind, left, right):
    layout = timeline_layout(one_group(measure("1", start, due)), today=TODAY)
    r = row(layout, "1")
    assert r.kind == kind
    if kind == "none":
        assert r.bar_w == 0 and r.label_x == MARGIN
        return
    end = layout.width - MARGIN if right == "end" else layout.x(right)
    assert r.bar_x + r.bar_w == pytest.approx(end)
    if left is not None:
        assert r.bar_x == pytest.approx(layout.x(left))
    else:
        assert r.bar_w >= 6


@pytest.mark.parametrize(
    ("due", "overdue", "late"),
    [
        # overdue: hatched from the end of the due day to today's line
        (D(2025, 10, 31), True, (D(2025, 11, 1), "today")),
        (D(2025, 11, 19), True, (D(2025, 11, 20), "today")),
        # past due but not flagged (done, cancelled): the caller's rule, nothing hatched
        (D(2025, 10, 31), False, None),
        # flagged but not yet past today's line (a region ahead of Moscow): nothing to hatch
        (D(2025, 11, 20), True, None),
    ],
)
def test_late_part_is_hatched_from_the_due_date_to_today(due, overdue, late):
    m = measure("1", D(2025, 9, 1), due, overdue=overdue)
    layout = timeline_layout(one_group(m), today=TODAY)
    r = row(layout, "1")
    if late is None:
        assert r.late_w == 0
        return
    assert r.late_x == pytest.approx(layout.x(late[0]))
    assert r.late_x + r.late_w == pytest.approx(layout.today_x)


def test_monthly_duty_has_a_tick_on_each_due_date():
    monthly = (D(2025, 9, 26), D(2025, 10, 26), D(2025, 11, 26), D(2025, 12, 26))
    m = measure("1", D(2025, 8, 27), D(2025, 12, 26), monthly=monthly)
    layout = timeline_layout(one_group(m), today=TODAY)
    r = row(layout, "1")
    assert r.ticks == pytest.approx([layout.mid(d) for d in monthly])
    assert all(r.bar_x <= t <= r.bar_x + r.bar_w for t in r.ticks)


def test_labels_sit_at_their_bar_and_never_leave_the_chart():
    late = measure("2", D(2026, 3, 20), D(2026, 3, 31))
    late = TimelineMeasure(**{**late.__dict__, "title": "Очень длинное название " * 12})
    layout = timeline_layout(
        one_group(measure("1", D(2025, 9, 1), D(2025, 9, 30)), late), today=TODAY
    )
    first, second = row(layout, "1"), row(layout, "2")
    assert first.label_x == pytest.approx(first.bar_x)
    assert second.label.endswith("…")  # shortened; the full title is in the tooltip
    from reports.charts.svg import text_width

    assert second.label_x + text_width(second.label, 12) <= layout.width - MARGIN + 0.01
    assert second.label_x >= MARGIN
    assert second.y > first.y  # one row each, in the given order


# --------------------------------------------------------------------------- milestones


def test_federal_milestones_are_diamonds_in_their_lane_and_on_linked_rows():
    item = TimelineMilestone(key="2", title="Массовый переход", day=D(2025, 9, 15))
    close = TimelineMilestone(key="3", title="Рядом", day=D(2025, 9, 16))
    m = measure("1", D(2025, 8, 1), D(2025, 9, 30), federal=item)
    layout = timeline_layout(one_group(m), today=TODAY, milestones=[close, item])
    assert layout.lane_y is not None
    by_key = {ms.milestone.key: ms for ms in layout.milestones}
    assert by_key["2"].x == pytest.approx(layout.mid(D(2025, 9, 15)))
    # numbers that would touch go on a second level
    assert by_key["2"].label_y != by_key["3"].label_y
    assert row(layout, "1").federal_x == pytest.approx(layout.mid(D(2025, 9, 15)))
    # the lane pushes the rows down
    assert layout.groups[0].y >= layout.lane_y + 50


def test_no_lane_without_milestones():
    layout = timeline_layout(one_group(measure("1", D(2025, 9, 1), D(2025, 9, 30))), today=TODAY)
    assert layout.lane_y is None and layout.milestones == []
    assert "milestone" not in [code for code, *_ in layout.legend]


def test_empty_roadmap():
    layout = timeline_layout([], today=TODAY)
    assert layout.empty and layout.rows == [] and layout.groups == []
    svg = timeline_chart([], today=TODAY, legend=LEGEND)
    root = parse(svg)
    assert "нет мероприятий по выбранным условиям" in svg
    assert root[0].find(f"{SVG}title").text == "Мероприятия на шкале времени"
    assert "сегодня 20.11.2025" in svg


# --------------------------------------------------------------------------- the SVG


def chart() -> str:
    item = TimelineMilestone(key="2", title="Массовый переход", day=D(2025, 9, 15), href="/m/9/")
    groups = [
        TimelineGroup(
            "1. Общие мероприятия",
            (
                measure("1.1", D(2025, 7, 1), D(2025, 9, 30), status="done", href="/m/1/"),
                measure("1.2", D(2025, 8, 1), D(2025, 10, 15), overdue=True, federal=item),
                measure(
                    "1.3",
                    D(2025, 8, 27),
                    D(2025, 12, 26),
                    status="not_started",
                    monthly=(D(2025, 9, 26), D(2025, 10, 26), D(2025, 11, 26), D(2025, 12, 26)),
                ),  # fmt: skip
            ),
        ),
        TimelineGroup("2. <Органы> & «МСУ»", (measure("2.1", status="cancelled"),)),
    ]
    return timeline_chart(
        groups, today=TODAY, milestones=[item], legend=LEGEND, label="Свердловская область"
    )


def test_svg_is_accessible_and_every_bar_has_its_title():
    root = parse(chart())
    assert all(svg.get("role") == "img" for svg in root)
    assert root[0].find(f"{SVG}title").text == "Свердловская область"
    assert [svg.find(f"{SVG}title").text for svg in root[1:]] == [
        "1. Общие мероприятия",
        "2. <Органы> & «МСУ»",
        "Условные обозначения",
    ]
    desc = root[0].find(f"{SVG}desc").text
    assert "Мероприятий: 4, со сроками: 3, просрочено: 1" in desc
    assert "сегодня 20.11.2025" in desc
    bars = {g.get("data-key"): g for g in root.iter(f"{SVG}g") if "tl-bar" in g.get("class", "")}
    assert set(bars) == {"1.1", "1.2", "1.3", "2.1"}
    tips = {key: g.find(f"{SVG}title").text for key, g in bars.items()}
    assert tips["1.1"] == "1.1. Мероприятие 1.1 — 01.07.2025 – 30.09.2025; Выполнено"
    assert tips["1.2"].startswith("1.2. Мероприятие 1.2 — 01.08.2025 – 15.10.2025; В работе")
    assert "просрочено на 36 дней" in tips["1.2"]
    assert "пункт 2 федерального плана — срок 15.09.2025" in tips["1.2"]
    assert "ежемесячно, сроков: 4" in tips["1.3"]
    assert tips["2.1"] == "2.1. Мероприятие 2.1 — срок не указан; Отменено"
    # colours of the statuses, hatching of the late part, ticks, diamonds
    span = bars["1.1"].find(f"{SVG}rect")
    assert span.get("fill") == STATUS_COLORS["done"]
    assert bars["1.2"].find(f"{SVG}rect[@class='tl-late']").get("fill").startswith("url(#")
    assert len(bars["1.3"].findall(f"{SVG}line[@class='tl-tick']")) == 4
    assert bars["1.2"].find(f"{SVG}polygon[@class='tl-federal']") is not None
    assert bars["2.1"].find(f"{SVG}rect") is None
    # links to the measure pages, labels escaped
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert "/m/1/" in links and "/m/9/" in links
    headers = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "tl-group-title"]
    assert headers == ["1. Общие мероприятия", "2. <Органы> & «МСУ»"]
    legend = [t.text for t in root.find(f".//{SVG}g[@class='tl-legend']").iter(f"{SVG}text")]
    assert legend == [
        "Не начато",
        "В работе",
        "Выполнено",
        "Отменено",
        "просрочено (после срока)",
        "ежемесячный срок",
        "веха федерального плана",
        "сегодня",
    ]


def test_everything_drawn_stays_inside_the_chart():
    root = parse(chart())
    width = float(root[0].get("width"))
    assert {float(svg.get("width")) for svg in root} == {width}
    height = sum(float(svg.get("height")) for svg in root)
    for el in root.iter():
        for attr, limit in (("x", width), ("x1", width), ("x2", width), ("y", height)):
            if el.get(attr) is not None and el.tag != f"{SVG}pattern":
                assert -0.01 <= float(el.get(attr)) <= limit + 0.01, (el.tag, attr, el.get(attr))


@pytest.mark.parametrize(("sizes", "expected"), [((3,), 1), ((3, 2), 2), ((16,), 1),
                                                 ((17,), 2), ((40, 1), 4)])  # fmt: skip
def test_pieces_break_between_sections_and_every_sixteen_rows(sizes, expected):
    """Stacked without gaps; a page may break between them, never through a row."""
    groups = [
        TimelineGroup(f"{g}. Раздел", tuple(measure(f"{g}.{k}", D(2025, 9, 1), D(2025, 9, 30))
                                           for k in range(size)))
        for g, size in enumerate(sizes)
    ]  # fmt: skip
    layout = timeline_layout(groups, today=TODAY)
    bands = pieces(layout)
    assert len(bands) == 2 + expected  # the head, the sections' bands, the key
    assert bands[0][0] == 0 and bands[-1][1] == layout.height
    assert all(a[1] == b[0] for a, b in zip(bands, bands[1:], strict=False))
    for band in bands:
        inside = [r for r in layout.rows if band[0] <= r.y < band[1]]
        assert len(inside) <= ROWS_PER_PIECE == 16
        assert all(r.y + 36 <= band[1] for r in inside)  # a row is whole in its band
    svg = timeline_chart(groups, today=TODAY)
    assert svg.count("<svg") == len(bands)
    titles = [piece.find(f"{SVG}title").text for piece in parse(svg)]
    continued = [t for t in titles if t.endswith("(продолжение)")]
    assert len(continued) == sum((size - 1) // 16 for size in sizes)


def test_hundreds_of_measures_stay_light():
    measures = tuple(
        measure(str(k), D(2025, 1 + k % 12, 1), D(2025, 1 + k % 12, 28), overdue=k % 3 == 0)
        for k in range(400)
    )
    svg = timeline_chart([TimelineGroup("Раздел", measures)], today=TODAY, legend=LEGEND)
    assert len(svg) < 400 * 1200
    assert svg.count('class="tl-bar') == 400


def test_a_long_axis_names_every_third_month_with_its_year():
    layout = timeline_layout(
        one_group(measure("1", D(2025, 1, 1), D(2027, 12, 31))), today=TODAY, day_px=0.8
    )
    shown = [m.label for m in layout.months if m.label]
    assert shown[:5] == ["янв 2025", "апр", "июл", "окт", "янв 2026"]
    assert len(layout.months) == 36 and len(shown) == 12
