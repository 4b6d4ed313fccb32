import datetime as dt

import pytest
from django.db import connection
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


# --- two people (or one double click) on the same report ---------------------------------


def _report_form(client, monthly):
    """The version the measure page's report form carries."""
    page = client.get(monthly.get_absolute_url())
    form = page.content.decode().split('class="report-form"', 1)[1].split("</form>", 1)[0]
    assert 'name="version"' in form
    return int(form.split('name="version" value="', 1)[1].split('"', 1)[0])


def test_a_stale_report_form_is_refused_and_shows_what_changed(monthly, client, personas):
    """Two editors opened the page; the second one's September report silently replaced
    the first one's (status, comment, evidence): a lost update."""
    client.force_login(personas.admin)
    version = _report_form(client, monthly)
    url = reverse("roadmaps:measure-report", args=[monthly.pk])
    first = client.post(
        url,
        {
            "period": "2025-09-01",
            "status": "done",
            "comment": "Акт за сентябрь",
            "version": version,
        },
    )
    assert first.status_code == 302
    second = client.post(
        url,
        {"period": "2025-09-01", "status": "in_progress", "comment": "Ещё нет", "version": version},
    )
    assert second.status_code == 409
    html = second.content.decode()
    assert "Изменения не сохранены" in html and "Акт за сентябрь" in html
    report = MeasureReport.objects.get(measure=monthly, period=dt.date(2025, 9, 1))
    assert (report.status, report.comment) == ("done", "Акт за сентябрь")
    assert monthly.changes.filter(kind="report").count() == 1


def test_a_report_moves_the_measure_version_so_a_stale_status_form_is_refused(
    monthly, client, personas
):
    """Every write to a measure moves its version (roadmaps.services.measures): a report
    did not, so a status form opened before it saved over it without seeing it."""
    client.force_login(personas.admin)
    version = Measure.objects.get(pk=monthly.pk).version
    client.post(
        reverse("roadmaps:measure-report", args=[monthly.pk]),
        {"period": "2025-09-01", "status": "done", "comment": "Отчёт", "version": version},
    )
    assert Measure.objects.get(pk=monthly.pk).version == version + 1
    response = client.post(
        reverse("roadmaps:measure-status", args=[monthly.pk]),
        {"status": "in_progress", "comment": "Начали", "version": version},
    )
    assert response.status_code == 409


def test_a_report_form_sent_twice_is_saved_once(monthly, client, personas):
    """A double click: the second identical request is the first one's success, not
    «изменено другим пользователем», and the history has one entry."""
    client.force_login(personas.admin)
    version = _report_form(client, monthly)
    url = reverse("roadmaps:measure-report", args=[monthly.pk])
    data = {"period": "2025-09-01", "status": "done", "comment": "Отчёт", "version": version}
    assert client.post(url, {**data, "evidence": pdf()}).status_code == 302
    again = client.post(url, {**data, "evidence": pdf()})
    assert again.status_code == 302
    assert monthly.changes.filter(kind="report").count() == 1
    assert MeasureReport.objects.filter(measure=monthly).count() == 1


def test_a_report_through_the_api_takes_if_match(monthly, personas):
    from rest_framework.test import APIClient

    api_client = APIClient()
    api_client.force_authenticate(personas.admin)
    version = Measure.objects.get(pk=monthly.pk).version
    url = f"/api/v1/measures/{monthly.pk}/reports/"
    data = {"period": "2025-09-01", "status": "done", "comment": "Отчёт"}
    ok = api_client.post(url, data, format="json", HTTP_IF_MATCH=f'"{version}"')
    assert ok.status_code == 200, ok.content
    assert ok["ETag"] == f'"{version + 1}"'
    stale = api_client.post(
        url, {**data, "status": "in_progress"}, format="json", HTTP_IF_MATCH=f'"{version}"'
    )
    assert stale.status_code == 412
    assert MeasureReport.objects.get(measure=monthly).status == "done"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections writing at once")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_version", [True, False])
def test_two_first_reports_of_a_month_at_once_on_postgresql(personas, with_version):
    """Two requests for the same new month at once (a double click, two editors): both
    found no report and both inserted one; the second hit the unique key, a 500. Now the
    second waits for the first: with the form's version it is a conflict, without one
    (an API call without If-Match) it updates the first one's report."""
    import threading

    from roadmaps.services import measures as measure_services

    monthly = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="4.6")
    months = {m.period: m.due_date for m in measure_report_months(monthly)}
    first_saved, second_started = threading.Event(), threading.Event()
    real_save = measure_services.MeasureChange.save
    outcomes: dict[str, str] = {}

    def slow_save(self, *args, **kwargs):
        real_save(self, *args, **kwargs)
        if self.comment == "первый":  # hold the transaction open until the second is in
            first_saved.set()
            second_started.wait(10)

    def run(comment: str) -> None:
        try:
            if comment == "второй":
                first_saved.wait(10)
                second_started.set()
            measure = Measure.objects.get(pk=monthly.pk)
            measure_services.measure_report_submit(
                measure=measure,
                period=dt.date(2025, 9, 1),
                status="done",
                actor=personas.admin,
                comment=comment,
                allowed_periods=months,
                expected_version=1 if with_version else None,
            )
            outcomes[comment] = "saved"
        except measure_services.MeasureConflict:
            outcomes[comment] = "conflict"
        except Exception as error:  # the defect: IntegrityError
            outcomes[comment] = repr(error)
        finally:
            connection.close()

    measure_services.MeasureChange.save = slow_save  # type: ignore[method-assign]
    try:
        threads = [threading.Thread(target=run, args=(c,)) for c in ("первый", "второй")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        measure_services.MeasureChange.save = real_save  # type: ignore[method-assign]
    report = MeasureReport.objects.get(measure=monthly, period=dt.date(2025, 9, 1))
    if with_version:
        assert outcomes == {"первый": "saved", "второй": "conflict"}
        assert report.comment == "первый"
    else:
        assert outcomes == {"первый": "saved", "второй": "saved"}
        assert report.comment == "второй"
    assert monthly.changes.filter(kind="report").count() == (1 if with_version else 2)


def test_a_report_is_read_only_in_the_admin(monthly, client, personas, admin_client):
    """The admin edited a report's status, comment and file, added and deleted reports:
    no history entry, no version moved, the file unchecked. A report is written by the
    measure page and the API alone (measure_report_submit), as a measure's status is."""
    client.force_login(personas.admin)
    client.post(
        reverse("roadmaps:measure-report", args=[monthly.pk]),
        {"period": "2025-09-01", "status": "done", "comment": "Отчёт", "version": 1},
    )
    report = MeasureReport.objects.get(measure=monthly)
    change_url = reverse("admin:roadmaps_measurereport_change", args=[report.pk])
    assert admin_client.get(change_url).status_code == 200  # shown
    admin_client.post(
        change_url,
        {
            "measure": monthly.pk,
            "period": "2025-09-01",
            "due_date": "2025-09-26",
            "status": "not_started",
            "comment": "подправлено",
        },
    )
    report.refresh_from_db()
    assert (report.status, report.comment) == ("done", "Отчёт")
    assert admin_client.get(reverse("admin:roadmaps_measurereport_add")).status_code == 403
    delete_url = reverse("admin:roadmaps_measurereport_delete", args=[report.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert MeasureReport.objects.filter(pk=report.pk).exists()


def test_a_sub_step_is_ticked_on_the_page_not_in_the_admin(seeded, admin_client):
    from roadmaps.models import MeasureStep

    step = MeasureStep.objects.filter(measure__roadmap__code="sverdlovsk-2025").first()
    url = reverse("admin:roadmaps_measurestep_change", args=[step.pk])
    admin_client.post(
        url,
        {
            "measure": step.measure_id,
            "position": step.position,
            "title": step.title,
            "done_on": "2025-09-01",
        },
    )
    step.refresh_from_db()
    assert step.done_on is None
    assert not step.measure.changes.exists()


def test_a_history_entry_opens_in_the_admin(monthly, client, personas, admin_client):
    """The admin page of a history entry built a URL field Django 5.2 warns about (a 500
    wherever warnings are errors, as in the tests); it is shown, read-only."""
    client.force_login(personas.admin)
    client.post(
        reverse("roadmaps:measure-report", args=[monthly.pk]),
        {"period": "2025-09-01", "status": "done", "comment": "Отчёт", "version": 1},
    )
    change = monthly.changes.get()
    url = reverse("admin:roadmaps_measurechange_change", args=[change.pk])
    assert admin_client.get(url).status_code == 200
