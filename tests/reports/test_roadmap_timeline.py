"""The roadmap timeline page: scoped like the measure list, its filters, the chart it draws
from the rules where they live, and a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from defusedxml import ElementTree
from django.urls import reverse
from django.utils import timezone

from agencies.models import Region
from reports.timeline import roadmap_timeline
from roadmaps.choices import MeasureStatus, Recurrence
from roadmaps.models import Measure, Roadmap
from tests.factories import make_measure, make_roadmap

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
URL = reverse("reports:roadmap-timeline")
ROADMAPS = {"own_region": "sverdlovsk-2025", "other_region": "moscow-oblast-2025",
            "federal": "federal-plan-2025"}  # fmt: skip
# persona -> roadmap -> status code (out of scope: 404, as every page of a measure)
READ = {
    "ministry_user": {"own_region": 200, "other_region": 404, "federal": 200},
    "other_agency_user": {"own_region": 200, "other_region": 404, "federal": 200},
    "coordinator": {"own_region": 200, "other_region": 404, "federal": 200},
    "analyst": {"own_region": 200, "other_region": 200, "federal": 200},
    "admin": {"own_region": 200, "other_region": 200, "federal": 200},
    "outsider": {"own_region": 404, "other_region": 200, "federal": 200},
}


def svg_of(response):
    """The chart's stacked SVG elements (reports.charts.timeline.pieces) under one root."""
    html = response.content.decode()
    match = re.search(r'<figure class="timeline-box"[^>]*>(.*?)</figure>', html, re.S)
    assert match, "no chart on the page"
    return ElementTree.fromstring(f"<div>{match.group(1)}</div>")


def bars(root) -> dict[str, object]:
    return {g.get("data-key"): g for g in root.iter(f"{SVG}g") if "tl-bar" in g.get("class", "")}


@pytest.mark.parametrize(("persona", "where"), [(p, w) for p in READ for w in ROADMAPS])
def test_permission_matrix(persona_client, persona, where):
    roadmap = Roadmap.objects.get(code=ROADMAPS[where])
    response = persona_client(persona).get(URL, {"roadmap": roadmap.pk})
    assert response.status_code == READ[persona][where]
    if response.status_code == 200:
        shown = set(bars(svg_of(response)))
        assert shown == set(roadmap.measures.values_list("number", flat=True))


def test_anonymous_is_sent_to_login(client, seeded):
    roadmap = Roadmap.objects.get(code="sverdlovsk-2025")
    response = client.get(URL, {"roadmap": roadmap.pk})
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("value", ["99999999", str(2**63 - 1)])
def test_unknown_roadmap_is_404(persona_client, value):
    assert persona_client("analyst").get(URL, {"roadmap": value}).status_code == 404


@pytest.mark.parametrize("value", ["abc", "-1", "0", "1.5", str(10**30)])
def test_a_roadmap_that_cannot_be_an_id_is_refused(persona_client, value):
    """Not an id at all: the 400 page naming the parameter (roadmap_portal.params)."""
    response = persona_client("analyst").get(URL, {"roadmap": value})
    assert response.status_code == 400
    assert "Параметр «roadmap»" in response.content.decode()


def test_the_only_regional_roadmap_is_shown_else_a_choice(persona_client):
    response = persona_client("coordinator").get(URL)
    assert response.status_code == 200
    assert response.context["roadmap"].code == "sverdlovsk-2025"
    assert response.context["filter"].form["roadmap"].value() == str(response.context["roadmap"].pk)
    response = persona_client("analyst").get(URL)
    assert response.status_code == 200 and response.context["chart"] is None
    codes = {r.code for r in response.context["roadmaps"]}
    assert {"sverdlovsk-2025", "moscow-oblast-2025", "federal-plan-2025"} <= codes


@pytest.mark.parametrize(
    "params",
    [
        {"status": "not_started"},
        {"q": "регистрац"},
        {"overdue": "true"},
        {"overdue": "false"},
        {"section": "first"},
        {"ordering": "-due_date"},
        {"agency": "so-minobr"},
    ],
)
def test_filters_are_the_measure_lists(persona_client, params):
    """The same filter set, so the timeline shows exactly the measures the list shows."""
    roadmap = Roadmap.objects.get(code="sverdlovsk-2025")
    Measure.objects.filter(roadmap=roadmap, number__in=["1.1", "2.1"]).update(
        status=MeasureStatus.DONE
    )
    params = dict(params, roadmap=roadmap.pk)
    if params.get("section") == "first":
        params["section"] = roadmap.sections.order_by("position").first().pk
    if "agency" in params:
        from agencies.models import Agency

        params["agency"] = Agency.objects.get(code=params["agency"]).pk
    client = persona_client("coordinator")
    listed = client.get(reverse("roadmaps:measure-list"), params)
    expected = {row.measure.number for row in listed.context["rows"]}
    response = client.get(URL, params)
    assert set(bars(svg_of(response))) == expected
    assert 0 < len(expected) < roadmap.measures.count() or params.get("ordering")


def test_filters_keep_the_users_scope(persona_client):
    """A region or roadmap the user may not see is not a choice of the filter form."""
    moscow = Region.objects.get(code="50")
    response = persona_client("coordinator").get(URL)
    assert moscow not in response.context["filter"].form.fields["region"].queryset
    assert (
        not response.context["filter"]
        .form.fields["roadmap"]
        .queryset.filter(code="moscow-oblast-2025")
        .exists()
    )


def test_chart_follows_the_rules_where_they_live(personas):
    """Overdue by overdue_q in the region's local date, the period by measure_period (the
    roadmap's approval date without a start), monthly ticks by monthly_due_dates, federal
    milestones from the federal plan."""
    region = Region.objects.get(code="66")
    today = region.local_today()
    roadmap = make_roadmap(region, approved_on=today - dt.timedelta(days=90))
    federal = Measure.objects.filter(roadmap__code="federal-plan-2025", due_date__isnull=False)
    item = federal.first()
    late = make_measure(roadmap, due_date=today - dt.timedelta(days=10), federal_item=item)
    done_late = make_measure(
        roadmap, due_date=today - dt.timedelta(days=10), status=MeasureStatus.DONE
    )
    monthly = make_measure(
        roadmap,
        start_date=today - dt.timedelta(days=60),
        due_date=today + dt.timedelta(days=60),
        recurrence=Recurrence.MONTHLY,
    )
    undated = make_measure(roadmap)
    timeline = roadmap_timeline(
        user=personas.coordinator,
        roadmap=Roadmap.objects.select_related("region").get(pk=roadmap.pk),
        measures=Measure.objects.visible_to(personas.coordinator),
    )
    rows = {m.key: m for g in timeline.groups for m in g.measures}
    assert timeline.today == today
    assert rows[late.number].overdue and not rows[done_late.number].overdue
    assert rows[late.number].start == roadmap.approved_on  # no start: the approval date
    assert rows[late.number].federal.key == item.number
    assert rows[monthly.number].start == monthly.start_date
    assert len(rows[monthly.number].monthly) in (4, 5)  # one due date a month
    assert rows[monthly.number].monthly[-1] == monthly.due_date
    assert rows[undated.number].start is None and rows[undated.number].due is None
    assert (timeline.overdue, timeline.undated, timeline.shown) == (1, 1, 4)
    assert [m.key for m in timeline.milestones] == list(federal.values_list("number", flat=True))


def test_page_draws_the_chart(persona_client):
    roadmap = Roadmap.objects.get(code="sverdlovsk-2025")
    Measure.objects.filter(roadmap=roadmap, number="1.1").update(
        due_date=timezone.localdate() - dt.timedelta(days=3)
    )
    response = persona_client("coordinator").get(URL, {"roadmap": roadmap.pk})
    html = response.content.decode()
    root = svg_of(response)
    assert root[0].get("role") == "img" and root[0].find(f"{SVG}desc") is not None
    shown = bars(root)
    assert "tl-overdue" in shown["1.1"].get("class")
    assert shown["1.1"].find(f"{SVG}rect[@class='tl-late']") is not None
    assert len(root.findall(f".//{SVG}g[@class='tl-milestone']")) == 4  # the federal plan
    assert len([g for g in root.iter(f"{SVG}g") if g.get("class") == "tl-group"]) == 5
    assert 'data-testid="timeline"' in html and "<script" not in html.split("<main", 1)[1]
    assert 'href="/measures/' in html  # bars link to their measure


def test_list_and_navigation_link_to_it(persona_client):
    client = persona_client("coordinator")
    html = client.get(reverse("roadmaps:measure-list"), {"status": "done"}).content.decode()
    assert f'href="{URL}?status=done"' in html
    assert f'href="{URL}"' in html  # the navigation


def test_query_count_does_not_grow_with_the_roadmap(
    persona_client, django_assert_max_num_queries, personas
):
    region = Region.objects.get(code="66")
    item = Measure.objects.filter(roadmap__code="federal-plan-2025").first()
    small, big = make_roadmap(region), make_roadmap(region)
    for k in range(3):
        make_measure(small, due_date=dt.date(2025, 9, 1 + k))
    for k in range(60):
        make_measure(
            big,
            start_date=dt.date(2025, 8, 1),
            due_date=dt.date(2025, 9, 1) + dt.timedelta(days=k),
            recurrence=Recurrence.MONTHLY if k % 2 else "",
            federal_item=item if k % 3 else None,
        )
    client = persona_client("coordinator")
    counts = []
    for roadmap in (small, big):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"roadmap": roadmap.pk}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    # 13 today: session, user, navigation, the roadmap, the time zones' dates, the measures,
    # the federal plan's items and the four choice lists of the filter form
    with django_assert_max_num_queries(14):
        client.get(URL, {"roadmap": big.pk, "status": "not_started", "overdue": "false"})


def test_nothing_matches(persona_client):
    roadmap = Roadmap.objects.get(code="sverdlovsk-2025")
    response = persona_client("coordinator").get(
        URL, {"roadmap": roadmap.pk, "q": "нет такого мероприятия"}
    )
    assert response.status_code == 200
    assert bars(svg_of(response)) == {}
    assert "нет мероприятий по выбранным условиям" in response.content.decode()
    assert response.context["timeline"].shown == 0


D = dt.date


@pytest.mark.parametrize(
    ("start", "due", "approved", "monthly", "expected"),
    [
        (D(2025, 9, 1), D(2025, 9, 30), D(2025, 8, 22), False, (D(2025, 9, 1), D(2025, 9, 30))),
        # no start: the roadmap's approval date
        (None, D(2025, 9, 30), D(2025, 8, 22), False, (D(2025, 8, 22), D(2025, 9, 30))),
        # never after the due date
        (None, D(2025, 8, 1), D(2025, 8, 22), False, (D(2025, 8, 1), D(2025, 8, 1))),
        (D(2025, 10, 1), D(2025, 9, 30), None, False, (D(2025, 9, 30), D(2025, 9, 30))),
        # neither: a plain measure has only its due date, a monthly duty its due month
        (None, D(2025, 9, 30), None, False, (None, D(2025, 9, 30))),
        (None, D(2025, 12, 26), None, True, (D(2025, 12, 1), D(2025, 12, 26))),
        # no due date: open-ended from its own start, never from the approval date
        (D(2025, 9, 15), None, D(2025, 8, 22), False, (D(2025, 9, 15), None)),
        (None, None, D(2025, 8, 22), False, (None, None)),
    ],
)
def test_measure_period(start, due, approved, monthly, expected):
    from roadmaps.selectors import measure_monthly_dates, measure_period

    measure = Measure(
        roadmap=Roadmap(approved_on=approved),
        start_date=start,
        due_date=due,
        recurrence=Recurrence.MONTHLY if monthly else "",
    )
    assert measure_period(measure) == expected
    dates = measure_monthly_dates(measure)
    assert bool(dates) == monthly and (not dates or dates[-1] == due)
