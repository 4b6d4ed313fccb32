"""The region dashboard shows who has not done their part, in a constant number of queries."""

import datetime as dt

import pytest
from django.urls import reverse

from agencies.models import Agency, Region
from reports.dashboards import roadmap as sel
from reports.dashboards.region import region_dashboard
from roadmaps.models import Measure, MeasurePart, MeasureResponsibility
from roadmaps.services.measures import measure_part_set_status
from roadmaps.services.parts import measure_parts_sync
from tests.factories import make_measure, make_roadmap

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 9, 10)


@pytest.fixture
def sverdlovsk(seeded):
    return Region.objects.get(code="66")


def test_pending_parts_per_body_and_per_measure(sverdlovsk, personas, django_assert_num_queries):
    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="1.1")
    part = MeasurePart.objects.get(measure=measure, agency__code="so-minobr")
    part.measure = measure
    measure_part_set_status(
        part=part, status="done", actor=personas.admin, comment="Сделано", expected_version=1
    )
    with django_assert_num_queries(1):
        pending = sel.pending_parts(region=sverdlovsk, today=TODAY)
    names = pending.by_measure[measure.pk]
    assert Agency.objects.get(code="so-dip").display_name in names
    assert Agency.objects.get(code="so-minobr").display_name not in names
    dip = next(p for p in pending.agencies if p.agency.pk == Agency.objects.get(code="so-dip").pk)
    assert dip.open_parts >= dip.overdue_parts >= 1  # 1.1 was due 31.08.2025


def test_dashboard_lines_name_pending_bodies(sverdlovsk, personas):
    d = region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    line = next(line for line in d.overdue if line.measure.number == "1.1")
    assert Agency.objects.get(code="so-dip").display_name in line.pending
    assert d.pending_parts


def test_page_shows_pending_parts(persona_client, sverdlovsk):
    url = reverse("reports:region-dashboard", args=["66"]) + f"?date={TODAY:%Y-%m-%d}"
    page = persona_client("coordinator").get(url).content.decode()
    assert 'data-testid="pending-parts"' in page
    assert "не выполнили свою часть" in page


def test_parts_add_no_query_per_measure(sverdlovsk, personas, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
    roadmap = make_roadmap(sverdlovsk)
    agencies = list(Agency.objects.filter(region=sverdlovsk, kind="roiv")[:3])
    for i in range(10):
        measure = make_measure(roadmap, due_date=TODAY - dt.timedelta(days=i + 1))
        for position, agency in enumerate(agencies):
            MeasureResponsibility.objects.create(measure=measure, agency=agency, position=position)
    measure_parts_sync(Measure.objects.filter(roadmap=roadmap))
    assert MeasurePart.objects.filter(measure__roadmap=roadmap).count() == 30
    with django_assert_max_num_queries(len(first)):
        region_dashboard(user=personas.coordinator, region=sverdlovsk, today=TODAY)
