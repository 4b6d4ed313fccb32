import datetime as dt

import pytest
from django.urls import reverse

from roadmaps.models import Measure

pytestmark = pytest.mark.django_db


def test_login_required(client, seeded):
    response = client.get(reverse("roadmaps:measure-list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_coordinator_sees_44_sverdlovsk_measures(persona_client, django_assert_max_num_queries):
    client = persona_client("coordinator")
    roadmap = Measure.objects.filter(roadmap__code="sverdlovsk-2025").first().roadmap
    # 13 = 12 + the open-alert count of the navigation (alerts.context_processors.alerts)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("roadmaps:measure-list"), {"roadmap": roadmap.pk})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 44
    html = response.content.decode()
    assert "Министерство образования Свердловской области" in html
    assert "31.08.2025" in html
    assert "Московской области" not in html


def test_query_count_does_not_grow_with_rows(persona_client, django_assert_max_num_queries):
    client = persona_client("analyst")
    client.get(reverse("roadmaps:measure-list"))  # warm caches
    with django_assert_max_num_queries(13) as one_row:
        response = client.get(reverse("roadmaps:measure-list"), {"q": "Паслера"})
    assert len(response.context["rows"]) == 1
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        response = client.get(reverse("roadmaps:measure-list"))
    assert len(response.context["rows"]) == Measure.objects.count()


def test_overdue_filter_and_days(persona_client):
    client = persona_client("coordinator")
    response = client.get(reverse("roadmaps:measure-list"), {"overdue": "true"})
    rows = response.context["rows"]
    assert rows, "seed deadlines of 2025 are past"
    assert all(row.days_overdue > 0 for row in rows)
    assert "просрочено на" in response.content.decode()


def test_other_region_filter_choice_is_refused(persona_client):
    client = persona_client("coordinator")
    moscow = Measure.objects.filter(roadmap__code="moscow-oblast-2025").first().roadmap
    response = client.get(reverse("roadmaps:measure-list"), {"roadmap": moscow.pk})
    # not a choice for this user: refused (400), never the unfiltered list
    assert response.status_code == 400
    assert "Параметр «roadmap»" in response.content.decode()
    assert "rows" not in (response.context or {})


def test_detail_scoped(persona_client):
    moscow_measure = Measure.objects.filter(roadmap__code="moscow-oblast-2025").first()
    assert persona_client("coordinator").get(moscow_measure.get_absolute_url()).status_code == 404
    sverdlovsk = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.9")
    response = persona_client("ministry_user").get(sverdlovsk.get_absolute_url())
    assert response.status_code == 200
    assert "Сферум: возможности цифрового сервиса для образования" in response.content.decode()


def test_days_overdue_uses_region_date():
    measure = Measure(due_date=dt.date(2025, 8, 31), status="in_progress")
    assert measure.days_overdue(dt.date(2025, 9, 1)) == 1
    assert measure.days_overdue(dt.date(2025, 8, 31)) == 0
    measure.status = "done"
    assert measure.days_overdue(dt.date(2025, 12, 1)) == 0


def test_due_within_filter(persona_client):
    import datetime as dt

    from django.utils import timezone

    client = persona_client("coordinator")
    roadmap = Measure.objects.filter(roadmap__code="sverdlovsk-2025").first().roadmap
    soon = Measure.objects.get(roadmap=roadmap, number="3.1")
    today = roadmap.region.local_today(timezone.now())
    Measure.objects.filter(pk=soon.pk).update(due_date=today + dt.timedelta(days=3))
    rows = client.get(
        reverse("roadmaps:measure-list"), {"roadmap": roadmap.pk, "due_within": 7}
    ).context["rows"]
    assert [row.measure.number for row in rows] == ["3.1"]
    assert rows[0].days_overdue == 0


def test_filters_status_section_agency_and_sort(persona_client):
    from agencies.models import Agency

    client = persona_client("coordinator")
    roadmap = Measure.objects.filter(roadmap__code="sverdlovsk-2025").first().roadmap
    section = roadmap.sections.get(number="3")
    minobr = Agency.objects.get(code="so-minobr")
    response = client.get(
        reverse("roadmaps:measure-list"),
        {"section": section.pk, "agency": minobr.pk, "ordering": "-due_date"},
    )
    rows = response.context["rows"]
    assert rows and all(r.measure.section_id == section.pk for r in rows)
    dates = [r.measure.due_date for r in rows]
    assert dates == sorted(dates, reverse=True)
    counts = dict((code, n) for code, _label, n in response.context["counts"])
    assert counts["not_started"] == len(rows)
    Measure.objects.filter(pk=rows[0].measure.pk).update(status="done")
    response = client.get(reverse("roadmaps:measure-list"), {"status": "done"})
    assert [r.measure.pk for r in response.context["rows"]] == [rows[0].measure.pk]


def test_text_search_and_region_filter(persona_client):
    client = persona_client("analyst")
    from agencies.models import Region

    moscow = Region.objects.get(code="50")
    rows = client.get(reverse("roadmaps:measure-list"), {"region": moscow.pk}).context["rows"]
    assert len(rows) == 17
    rows = client.get(reverse("roadmaps:measure-list"), {"q": "сферум"}).context["rows"]
    assert rows and all("ферум" in (r.measure.title + r.measure.expected_result) for r in rows)


def test_mine_filter_lists_editable_measures(persona_client, personas):
    client = persona_client("ministry_user")
    rows = client.get(reverse("roadmaps:measure-list"), {"mine": "true"}).context["rows"]
    editable = set(Measure.objects.editable_by(personas.ministry_user).values_list("pk", flat=True))
    assert {row.measure.pk for row in rows} == editable
    assert any(row.measure.number == "1.1" for row in rows)  # the collective responsible
    assert not any(row.measure.number == "4.4" for row in rows)


def test_long_lists_are_paginated_in_constant_queries(
    persona_client, personas, django_assert_max_num_queries
):
    """A national list (thousands of measures) is paged; counts cover every page."""
    from tests.factories import make_measure

    roadmap = Measure.objects.filter(roadmap__code="sverdlovsk-2025").first().roadmap
    for n in range(160):
        make_measure(roadmap, number=f"99.{n}", due_date=dt.date(2025, 1, 1))
    client = persona_client("coordinator")
    url = reverse("roadmaps:measure-list")
    with django_assert_max_num_queries(16) as first:
        response = client.get(url, {"roadmap": roadmap.pk})
    assert response.context["total"] == 204
    assert len(response.context["rows"]) == 100
    assert response.context["overdue_total"] >= 160
    assert "страница 1 из 3" in response.content.decode()
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(url, {"roadmap": roadmap.pk, "page": 3})
    assert len(response.context["rows"]) == 4
