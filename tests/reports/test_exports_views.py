"""The export page, direct downloads and background jobs: the permission matrix."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import Region
from reports.choices_exports import ExportStatus
from reports.exports.jobs import exports_cleanup
from reports.models import GeneratedExport
from tests.reports.conftest import assert_no_formulas, open_xlsx, table

pytestmark = pytest.mark.django_db

PAGE = reverse("reports:export-page")
CREATE = reverse("reports:export-create")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def content(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("analyst", 200),
        ("coordinator", 200),
        ("outsider", 200),
        ("admin", 200),
        ("ministry_user", 403),
        ("other_agency_user", 403),
        ("anonymous", 302),
    ],
)
def test_page_access(persona_client, persona, code):
    response = persona_client(persona).get(PAGE)
    assert response.status_code == code


def test_page_offers_only_regions_in_scope(persona_client, django_assert_max_num_queries):
    client = persona_client("coordinator")
    with django_assert_max_num_queries(8):
        response = client.get(PAGE)
    html = response.content.decode()
    assert 'value="66"' in html and 'value="50"' not in html
    assert "Отчёты: XLSX, ODS, CSV, PDF" in html and "Статус выполнения дорожных карт" in html
    assert client.get(PAGE, {"region": "66"}).status_code == 200
    assert client.get(PAGE, {"region": "50"}).status_code == 404
    analyst_html = persona_client("analyst").get(PAGE).content.decode()
    assert 'value="50"' in analyst_html and "Все доступные субъекты" in analyst_html


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("analyst", 200),
        ("coordinator", 200),
        ("admin", 200),
        ("outsider", 404),  # Moscow oblast's coordinator asking for Sverdlovsk
        ("ministry_user", 403),
        ("anonymous", 302),
    ],
)
def test_direct_download_access(persona_client, persona, code):
    response = persona_client(persona).post(
        CREATE, {"kind": "roadmap_status", "region": "66", "fmt": "xlsx"}
    )
    assert response.status_code == code
    if code == 200:
        assert response["Content-Type"] == XLSX
        assert 'filename="roadmap_status_66_' in response["Content-Disposition"]
        wb = open_xlsx(content(response))
        headers, rows = table(wb["Мероприятия"])
        assert len(rows) == 44 and headers[2] == "№"
        assert_no_formulas(wb)


def test_direct_download_csv_and_indicators(persona_client, monitoring):
    client = persona_client("coordinator")
    response = client.post(
        CREATE,
        {
            "kind": "indicators",
            "region": "66",
            "fmt": "csv",
            "date_from": "2025-09-22",
            "date_to": "06.10.2025",
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = content(response)
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Территория;Уровень;Начало недели;Организаций;")
    assert len(lines) == 10
    assert not GeneratedExport.objects.exists()  # small reports never become jobs


def test_get_on_create_is_405(persona_client):
    assert persona_client("analyst").get(CREATE).status_code == 405


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"kind": "indicators", "region": "", "fmt": "xlsx"}, "выберите субъект"),
        (
            {
                "kind": "indicators",
                "region": "66",
                "fmt": "xlsx",
                "date_from": "2025-10-06",
                "date_to": "2025-09-01",
            },
            "Конец периода раньше начала",
        ),
        ({"kind": "no_such_report", "region": "66", "fmt": "xlsx"}, "Выберите корректный вариант"),
        ({"kind": "indicators", "region": "66", "fmt": "docx"}, "Выберите корректный вариант"),
        ({"kind": "indicators", "region": "66", "fmt": "pdf"}, "PDF формируется только"),
        (
            {"kind": "indicators", "region": "66", "fmt": "xlsx", "date_from": "31/12/2025"},
            "Введите правильную дату",
        ),
    ],
)
def test_bad_input_is_explained(persona_client, data, error):
    response = persona_client("analyst").post(CREATE, data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not GeneratedExport.objects.exists()


@pytest.fixture
def job(persona_client, personas, monitoring, django_capture_on_commit_callbacks):
    client = persona_client("analyst")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CREATE, {"kind": "indicators", "region": "66", "fmt": "xlsx", "orgs": "on"}
        )
    export = GeneratedExport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("reports:export-detail", args=[export.pk])
    client.logout()
    return export


def test_big_report_runs_as_a_job(persona_client, personas, job):
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    assert job.created_by == personas.analyst and job.region.code == "66"
    assert job.params == {"region": "66", "date_from": None, "date_to": None, "orgs": True}
    assert job.progress == 18 and job.total == 18 and job.percent == 100
    assert job.size > 0 and job.filename.endswith(".xlsx")
    assert job.expires_at > timezone.now() + dt.timedelta(hours=23)
    client = persona_client("analyst")
    detail = client.get(reverse("reports:export-detail", args=[job.pk]))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "Готов" in html and reverse("reports:export-download", args=[job.pk]) in html
    assert 'http-equiv="refresh"' not in html
    assert f">{job.pk}</a>" in client.get(PAGE).content.decode()  # listed on the page
    response = client.get(reverse("reports:export-download", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    wb = open_xlsx(content(response))
    _, rows = table(wb["Организации"])
    assert len(rows) == 9
    assert_no_formulas(wb)


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("analyst", 200),  # the author
        ("admin", 200),
        ("coordinator", 404),  # same region, but not the author
        ("outsider", 404),
        ("ministry_user", 403),
        ("anonymous", 302),
    ],
)
def test_job_access(persona_client, job, persona, code):
    client = persona_client(persona)
    assert client.get(reverse("reports:export-download", args=[job.pk])).status_code == code
    assert client.get(reverse("reports:export-detail", args=[job.pk])).status_code == code


def test_job_of_a_region_taken_away(
    persona_client, personas, monitoring, django_capture_on_commit_callbacks
):
    client = persona_client("coordinator")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CREATE, {"kind": "indicators", "region": "66", "fmt": "csv", "orgs": "on"})
    export = GeneratedExport.objects.get()
    url = reverse("reports:export-download", args=[export.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert content(response).decode("utf-8-sig").startswith("Начало недели;")
    coordinator = personas.coordinator
    coordinator.region = personas.outsider.region
    coordinator.save()
    client.force_login(coordinator)
    assert client.get(url).status_code == 404


def test_pending_job_is_not_downloadable(persona_client, personas, job):
    from reports.exports.jobs import GENERATED_EXPORT_JOB
    from tests.indicators.conftest import lease_held_elsewhere

    GeneratedExport.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, progress=4)
    client = persona_client("analyst")
    # a live worker holds the lease on PostgreSQL (without it the job counts as lost, and
    # its page offers to build it again instead of refreshing)
    with lease_held_elsewhere(GENERATED_EXPORT_JOB.lease, job.pk):
        detail = client.get(reverse("reports:export-detail", args=[job.pk])).content.decode()
    assert 'http-equiv="refresh"' in detail and "<progress" in detail
    assert client.get(reverse("reports:export-download", args=[job.pk])).status_code == 404
    # the progress as every page writes numbers: «%» after a no-break space, grouped counts
    GeneratedExport.objects.filter(pk=job.pk).update(progress=617_284, total=1_234_567)
    detail = client.get(reverse("reports:export-detail", args=[job.pk])).content.decode()
    assert "50\u00a0% · 617\u202f284 из 1\u202f234\u202f567 строк" in detail
    page = client.get(PAGE).content.decode()
    assert "50\u00a0%" in page


def test_expired_jobs_are_cleaned_up(persona_client, job):
    job.refresh_from_db()
    path = job.file.path
    assert os.path.exists(path)
    url = reverse("reports:export-download", args=[job.pk])
    GeneratedExport.objects.filter(pk=job.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    client = persona_client("analyst")
    assert client.get(url).status_code == 410  # past its keep time, even before the cleanup
    assert exports_cleanup() == 1
    assert exports_cleanup() == 0  # idempotent
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and not job.file
    assert not os.path.exists(path)
    response = client.get(url)
    assert response.status_code == 410 and "Срок хранения отчёта истёк" in response.content.decode()


def test_job_runs_once(job):
    from reports.exports.jobs import export_generate

    job.refresh_from_db()
    assert export_generate(export=job) is False  # a redelivered task finds it done


def test_job_fails_cleanly_when_the_region_left_the_authors_scope(personas, monitoring):
    from reports.tasks import export_generate

    export = GeneratedExport.objects.create(
        kind="indicators",
        params={"region": "66", "orgs": True},
        region=monitoring.region,
        created_by=personas.outsider,
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    export_generate(export.pk)
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED
    assert export.error == "Субъект РФ больше недоступен автору отчёта."
    assert not export.file
    export_generate(export.pk + 1000)  # a job that is gone: nothing happens


# --- index and alerts: the same page, the same permission matrix ----------------------------


@pytest.fixture
def index_and_alerts(personas):
    from alerts.choices import AlertKind
    from alerts.models import Alert
    from indicators.models import IndexFact

    opened = timezone.make_aware(dt.datetime(2025, 9, 10, 12, 0))
    for code in ("66", "50"):
        region = Region.objects.get(code=code)
        IndexFact.objects.create(
            region=region,
            criterion_code="offline_qr",
            value=3,
            as_of=dt.date(2025, 9, 1),
            evidence_text='=HYPERLINK("http://evil.example")',
            verified_at=opened,
        )
        Alert.objects.create(
            region=region,
            kind=AlertKind.DATA_STALE,
            cause_key=f"stale-{code}",
            message=f"Нет данных {code}",
            opened_at=opened,
            ack_comment="@SUM(1)",
        )


@pytest.mark.parametrize(
    ("persona", "region", "code", "codes"),
    [
        ("analyst", "", 200, None),
        ("admin", "", 200, None),
        ("coordinator", "", 200, {"66"}),
        ("coordinator", "66", 200, {"66"}),
        ("outsider", "", 200, {"50"}),
        ("outsider", "66", 404, None),
        ("ministry_user", "", 403, None),
        ("other_agency_user", "", 403, None),
        ("anonymous", "", 302, None),
    ],
)
@pytest.mark.parametrize(("kind", "sheet"), [("index", "Рейтинг"), ("alerts", "Оповещения")])
def test_index_and_alerts_download_access(
    persona_client, index_and_alerts, persona, region, code, codes, kind, sheet
):
    response = persona_client(persona).post(
        CREATE,
        {
            "kind": kind,
            "region": region,
            "fmt": "xlsx",
            "date_from": "2025-09-01",
            "date_to": "2025-10-01",
        },
    )
    assert response.status_code == code
    if code != 200:
        return
    assert response["Content-Type"] == XLSX
    assert f'filename="{kind}_{region or "all"}_' in response["Content-Disposition"]
    wb = open_xlsx(content(response))
    headers, rows = table(wb[sheet])
    column = headers.index("Код субъекта")
    seen = {r[column].value for r in rows}
    if codes is None:
        assert {"66", "50"} <= seen
    else:
        assert seen == codes
    assert_no_formulas(wb)


def test_page_offers_index_and_alerts(persona_client):
    html = persona_client("analyst").get(PAGE).content.decode()
    assert 'value="index"' in html and 'value="alerts"' in html
    assert "Индекс внедрения: рейтинг и критерии" in html and "Оповещения за период" in html


def test_index_and_alerts_csv(persona_client, index_and_alerts):
    client = persona_client("coordinator")
    for kind, first in (("index", "Место;Код субъекта;"), ("alerts", "Код субъекта;Субъект РФ;")):
        response = client.post(CREATE, {"kind": kind, "fmt": "csv", "date_to": "2025-10-01"})
        assert response.status_code == 200
        lines = content(response).decode("utf-8-sig").splitlines()
        assert lines[0].startswith(first) and len(lines) == 2
        assert lines[1].split(";")[0 if kind == "alerts" else 1] == "66"
    assert not GeneratedExport.objects.exists()


def test_index_period_in_the_wrong_order_is_explained(persona_client):
    response = persona_client("analyst").post(
        CREATE, {"kind": "index", "fmt": "xlsx", "date_from": "2025-10-02", "date_to": "2025-10-01"}
    )
    assert response.status_code == 400
    assert "Конец периода раньше начала" in response.content.decode()
