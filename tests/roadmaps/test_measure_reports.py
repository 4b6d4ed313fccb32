import datetime as dt

import pytest
from django.urls import reverse

from roadmaps.models import Measure, MeasureReport
from roadmaps.selectors import measure_report_months
from tests.roadmaps.helpers import pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def monthly(seeded):
    """Sverdlovsk 4.6 «ежемесячно до 26.12.2025» (housing inspection)."""
    return Measure.objects.get(roadmap__code="sverdlovsk-2025", number="4.6")


def test_report_months_from_approval_to_deadline(monthly):
    months = measure_report_months(monthly, today=dt.date(2025, 10, 30))
    assert [m.due_date for m in months] == [
        dt.date(2025, 8, 26),
        dt.date(2025, 9, 26),
        dt.date(2025, 10, 26),
        dt.date(2025, 11, 26),
        dt.date(2025, 12, 26),
    ]
    assert [m.is_missing for m in months] == [True, True, True, False, False]


def test_each_month_is_its_own_report(monthly, client, personas):
    client.force_login(personas.admin)
    url = reverse("roadmaps:measure-report", args=[monthly.pk])
    response = client.post(
        url,
        {
            "period": "2025-09-01",
            "status": "done",
            "comment": "Отчёт за сентябрь",
            "evidence": pdf(),
        },
    )
    assert response.status_code == 302
    response = client.post(url, {"period": "2025-10-01", "status": "in_progress"})
    assert response.status_code == 302
    reports = {r.period: r for r in MeasureReport.objects.filter(measure=monthly)}
    assert reports[dt.date(2025, 9, 1)].status == "done"
    assert reports[dt.date(2025, 9, 1)].evidence
    assert reports[dt.date(2025, 10, 1)].status == "in_progress"
    assert monthly.changes.filter(kind="report").count() == 2
    months = {m.period: m for m in measure_report_months(monthly, today=dt.date(2025, 10, 30))}
    assert months[dt.date(2025, 9, 1)].is_reported
    assert not months[dt.date(2025, 8, 1)].is_reported
    page = client.get(monthly.get_absolute_url()).content.decode()
    assert "Ежемесячные отчёты" in page and "Отчёт за сентябрь" in page
    report = reports[dt.date(2025, 9, 1)]
    download = client.get(
        reverse("roadmaps:evidence-download", args=[monthly.pk, "report", report.pk])
    )
    assert download.status_code == 200


def test_report_for_unknown_month_or_without_comment_refused(monthly, client, personas):
    client.force_login(personas.admin)
    url = reverse("roadmaps:measure-report", args=[monthly.pk])
    response = client.post(url, {"period": "2026-03-01", "status": "done", "comment": "x"})
    assert "не входит в отчётные периоды" in response.content.decode()
    response = client.post(url, {"period": "2025-09-01", "status": "done"})
    assert "Укажите комментарий" in response.content.decode()
    assert not MeasureReport.objects.filter(measure=monthly).exists()


def test_report_on_non_recurring_measure_is_404(client, personas, seeded):
    client.force_login(personas.admin)
    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.1")
    response = client.post(
        reverse("roadmaps:measure-report", args=[measure.pk]),
        {"period": "2025-09-01", "status": "done"},
    )
    assert response.status_code == 404
