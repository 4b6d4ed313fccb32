"""A ministry employee closes an overdue measure in a real browser; another agency cannot."""

from __future__ import annotations

import pytest

from agencies.choices import Role
from agencies.models import Agency
from roadmaps.models import Measure
from tests.factories import make_user
from tests.roadmaps.helpers import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, username: str, password: str = "pass") -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    # each role lands on its own home page (staff: measures, admins: the country overview)
    page.wait_for_url(lambda url: "/login/" not in url)


def test_staff_closes_overdue_measure_other_agency_cannot(
    page, live_server, seeded, artifacts, tmp_path
):
    make_user(Role.STAFF, username="minobr", agency=Agency.objects.get(code="so-minobr"))
    make_user(Role.STAFF, username="dip", agency=Agency.objects.get(code="so-dip"))
    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.1")

    # 1. log in as ministry staff, filter the overdue measures of the ministry
    _login(page, live_server, "minobr")
    page.select_option("#id_overdue", "true")
    page.select_option("#id_agency", str(Agency.objects.get(code="so-minobr").pk))
    page.select_option("#id_ordering", "due_date")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    row = page.locator("tr.overdue", has_text=measure.title[:40])
    assert row.count() == 1
    assert "просрочено на" in row.inner_text()
    page.screenshot(path=str(artifacts / "measure_list.jpg"), full_page=True)

    # 2. open it and set it to done with a comment and a PDF
    row.locator("a").first.click()
    page.wait_for_url(f"**/measures/{measure.pk}/")
    page.select_option("#id_status", "done")
    page.fill("#id_comment", "Интеграция проработана, протокол совещания приложен")
    evidence = tmp_path / "protokol.pdf"
    evidence.write_bytes(PDF_BYTES)
    page.set_input_files("#id_evidence", str(evidence))
    page.click("[data-testid=status-form] button[type=submit]")
    page.wait_for_load_state()
    assert "Статус мероприятия сохранён" in page.inner_text(".messages")
    assert page.inner_text("[data-testid=status]") == "Выполнено"
    history = page.inner_text("[data-testid=history]")
    assert "Интеграция проработана" in history
    assert "Не начато" in history and "Выполнено" in history
    assert "подтверждающий файл" in history
    with page.expect_download() as download_info:
        page.click("[data-testid=history] a:has-text('подтверждающий файл')")
    assert download_info.value.suggested_filename.endswith(".pdf")
    page.screenshot(path=str(artifacts / "measure_detail.jpg"), full_page=True)
    measure.refresh_from_db()
    assert measure.status == "done"

    # 3. staff of another agency sees the measure but cannot edit it
    page.click("button:has-text('Выйти')")
    _login(page, live_server, "dip")
    page.goto(f"{live_server.url}/measures/{measure.pk}/")
    assert page.locator("[data-testid=status-form]").count() == 0
    assert "Изменять статус могут сотрудники ответственных органов" in page.content()
    status = page.evaluate(
        """async (url) => {
            const token = document.cookie.split('; ').find(c => c.startsWith('csrftoken='))
                .split('=')[1];
            const body = new URLSearchParams({status: 'in_progress', version: '2',
                                              comment: 'попытка'});
            const response = await fetch(url, {method: 'POST', body,
                headers: {'X-CSRFToken': token}});
            return response.status;
        }""",
        f"{live_server.url}/measures/{measure.pk}/status/",
    )
    assert status == 403
    measure.refresh_from_db()
    assert measure.status == "done"


def test_cascade_and_monthly_pages(page, live_server, seeded, artifacts):
    import datetime as dt

    from agencies.models import Region
    from roadmaps.services.cascades import cascade_create, cascade_progress_set
    from tests.factories import make_municipality, make_organisation

    admin = make_user(Role.ADMIN, username="boss")
    region = Region.objects.get(code="66")
    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.9")
    for m, name in enumerate(["Североуральский ГО", "Сысертский ГО"]):
        municipality = make_municipality(region, name)
        for n in range(3):
            make_organisation(region, municipality, code=f"66{m}{n:04d}")
    cascade = cascade_create(
        measure=measure, scope="region", actor=admin, subject="Переход Сферума в MAX"
    )
    first = cascade.organisations.order_by("code").first()
    for step in measure.steps.all():
        cascade_progress_set(
            cascade=cascade,
            organisation=first,
            step=step,
            done_on=dt.date(2025, 10, 1),
            actor=admin,
        )

    _login(page, live_server, "boss")
    page.goto(f"{live_server.url}/measures/{measure.pk}/")
    assert "Выполнили: 1 из 6" in page.content()
    page.screenshot(path=str(artifacts / "measure_steps.jpg"), full_page=True)
    page.click("a:has-text('Переход Сферума в MAX')")
    page.wait_for_url(f"**/measures/cascades/{cascade.pk}/")
    assert "Не выполнили (5)" in page.content()
    page.screenshot(path=str(artifacts / "cascade_detail.jpg"), full_page=True)

    monthly = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="4.6")
    page.goto(f"{live_server.url}/measures/{monthly.pk}/")
    form = page.locator(".report-form").first
    form.locator("select[name=status]").select_option("done")
    form.locator("input[name=comment]").fill("Отчёт за август направлен")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "Отчёт за 08.2025 сохранён" in page.inner_text(".messages")
    page.screenshot(path=str(artifacts / "measure_monthly.jpg"), full_page=True)
