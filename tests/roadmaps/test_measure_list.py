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
    # 13 = 12 + the open-alert count of the navigation (reports.context_processors.alerts)
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
    assert response.status_code == 200
    assert response.context["filter"].errors  # not a choice for this user
    assert not any(r.measure.roadmap_id == moscow.pk for r in response.context["rows"])


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
