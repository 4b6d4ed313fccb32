"""Approval of monitoring weeks and their index facts: transitions, history, the lock on
imports and facts, the permission matrix, the commands, the JSON report, alerts, pages."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from agencies import access
from agencies.choices import Role
from agencies.models import Agency, Region
from indicators.approval import state_of
from indicators.choices import ApprovalAction, ApprovalState, UploadStatus
from indicators.models import MonitoringRow, MonitoringUpload, WeekApproval, WeekApprovalEvent
from indicators.services.approval import week_approve, week_reopen, week_return, week_submit
from tests.factories import make_user
from tests.indicators.conftest import csv_bytes, row, xlsx_bytes
from tests.indicators.test_import_refusals import _snapshot

WEEK = dt.date(2025, 10, 6)
NEXT = dt.date(2025, 10, 13)
CHANGED = (90, 40, 400, 300, 500, 200, 450, 300)


def grant(user):
    user.user_permissions.add(Permission.objects.get(codename="approve_week"))
    # a fresh object: Django caches permissions on the user
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def approver(seeded):
    """Ministry staff with the right «Может утверждать недели мониторинга»."""
    return grant(make_user(Role.STAFF, agency=Agency.objects.get(code="so-minobr")))


@pytest.fixture
def region(seeded):
    return Region.objects.get(code="66")


@pytest.fixture
def week_data(import_file, region):
    """Two weeks of Sverdlovsk monitoring, imported."""
    upload = import_file(
        csv_bytes(
            [
                row("A1", week="06.10.2025"),
                row("A2", week="06.10.2025"),
                row("A1", week="13.10.2025"),
            ]
        )
    )
    assert upload.status == UploadStatus.DONE, upload.errors
    return region


def _approved(region, personas, approver):
    week_submit(region=region, week_start=WEEK, actor=personas.coordinator, comment="готово")
    return week_approve(region=region, week_start=WEEK, actor=approver, comment="проверено")


# --- transitions and history -------------------------------------------------------------


def test_submit_approve_history(week_data, personas, approver):
    assert state_of(week_data.pk, WEEK) == ApprovalState.DRAFT
    approval = week_submit(
        region=week_data, week_start=WEEK, actor=personas.coordinator, comment="неделя собрана"
    )
    assert approval.state == ApprovalState.SUBMITTED
    assert approval.submitted_by == personas.coordinator and approval.submitted_at
    approval = week_approve(region=week_data, week_start=WEEK, actor=approver, comment="ок")
    assert approval.state == ApprovalState.APPROVED and approval.approved_by == approver
    events = list(approval.events.order_by("id"))
    assert [(e.action, e.from_state, e.to_state, e.actor, e.comment) for e in events] == [
        ("submit", "draft", "submitted", personas.coordinator, "неделя собрана"),
        ("approve", "submitted", "approved", approver, "ок"),
    ]
    assert all(e.at for e in events)
    assert state_of(week_data.pk, NEXT) == ApprovalState.DRAFT  # the other week untouched


def test_return_needs_a_reason_and_goes_back_to_draft(week_data, personas, approver):
    week_submit(region=week_data, week_start=WEEK, actor=personas.coordinator)
    with pytest.raises(ValidationError, match="причину возврата"):
        week_return(region=week_data, week_start=WEEK, actor=approver, reason="  ")
    approval = week_return(
        region=week_data, week_start=WEEK, actor=approver, reason="нет двух муниципалитетов"
    )
    assert approval.state == ApprovalState.DRAFT and approval.submitted_at is None
    last = approval.events.order_by("-id").first()
    assert (last.action, last.comment, last.actor) == (
        ApprovalAction.RETURN,
        "нет двух муниципалитетов",
        approver,
    )
    # and it can be submitted again
    assert week_submit(region=week_data, week_start=WEEK, actor=personas.coordinator).state == (
        ApprovalState.SUBMITTED
    )


def test_transitions_from_the_wrong_state_are_refused_in_russian(week_data, personas, approver):
    with pytest.raises(ValidationError, match="«подготовлено»"):
        week_approve(region=week_data, week_start=WEEK, actor=approver)
    with pytest.raises(ValidationError, match="неприменимо"):
        week_reopen(region=week_data, week_start=WEEK, actor=approver, reason="x")
    week_submit(region=week_data, week_start=WEEK, actor=personas.coordinator)
    with pytest.raises(ValidationError, match="«направлено»"):
        week_submit(region=week_data, week_start=WEEK, actor=personas.coordinator)
    assert WeekApprovalEvent.objects.count() == 1  # refusals leave no history


def test_submit_needs_data_and_a_monday(week_data, personas):
    with pytest.raises(ValidationError, match="нет данных мониторинга"):
        week_submit(region=week_data, week_start=dt.date(2025, 9, 29), actor=personas.coordinator)
    with pytest.raises(ValidationError, match="не понедельник"):
        week_submit(region=week_data, week_start=dt.date(2025, 10, 7), actor=personas.coordinator)


def test_reopen_needs_the_right_and_a_reason(week_data, personas, approver):
    _approved(week_data, personas, approver)
    with pytest.raises(PermissionDenied):
        week_reopen(region=week_data, week_start=WEEK, actor=personas.coordinator, reason="x")
    with pytest.raises(ValidationError, match="причину открытия"):
        week_reopen(region=week_data, week_start=WEEK, actor=approver, reason="")
    approval = week_reopen(
        region=week_data, week_start=WEEK, actor=approver, reason="ошибка в данных школы A2"
    )
    assert approval.state == ApprovalState.DRAFT and approval.reopened_at
    assert approval.approved_at is None


# --- the permission matrix ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "see", "submit", "approve"),
    [
        ("ministry_user", True, False, False),  # staff without the right
        ("other_agency_user", True, False, False),
        ("coordinator", True, True, False),
        ("analyst", True, False, False),  # without the right
        ("admin", True, True, True),
        ("outsider", False, False, False),  # coordinator of Moscow oblast
    ],
)
def test_permission_matrix(personas, region, persona, see, submit, approve):
    user = getattr(personas, persona)
    assert access.can_see_week_approval(user, region.pk) is see
    assert access.can_submit_week(user, region.pk) is submit
    assert access.can_approve_week(user, region.pk) is approve


def test_the_right_is_a_permission_and_never_makes_a_coordinator_an_approver(personas, region):
    assert access.can_approve_week(grant(personas.ministry_user), region.pk)
    assert access.can_approve_week(grant(personas.analyst), region.pk)
    assert not access.can_approve_week(grant(personas.coordinator), region.pk)
    assert not access.can_approve_week(grant(personas.outsider), region.pk)  # not their region
    moscow = Region.objects.get(code="50")
    assert not access.can_submit_week(personas.coordinator, moscow.pk)


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("coordinator", 302),
        ("admin", 302),
        ("ministry_user", 403),
        ("analyst", 403),
        ("outsider", 404),
    ],
)
def test_submit_page_matrix(week_data, persona_client, persona, code):
    client = persona_client(persona)
    response = client.post(f"/indicators/regions/66/approval/{WEEK}/submit/", {"text": "к"})
    assert response.status_code == code
    expected = ApprovalState.SUBMITTED if code == 302 else ApprovalState.DRAFT
    assert state_of(week_data.pk, WEEK) == expected


@pytest.mark.parametrize(
    ("persona", "code"),
    [("approver", 302), ("admin", 302), ("coordinator", 403), ("ministry_user", 403)],
)
def test_approve_page_matrix(week_data, personas, approver, client, persona, code):
    week_submit(region=week_data, week_start=WEEK, actor=personas.coordinator)
    client.force_login(approver if persona == "approver" else getattr(personas, persona))
    response = client.post(f"/indicators/regions/66/approval/{WEEK}/approve/", {"text": ""})
    assert response.status_code == code
    expected = ApprovalState.APPROVED if code == 302 else ApprovalState.SUBMITTED
    assert state_of(week_data.pk, WEEK) == expected


def test_other_regions_pages_are_404_and_get_on_actions_405(week_data, persona_client):
    outsider = persona_client("outsider")
    assert outsider.get("/indicators/regions/66/approval/").status_code == 404
    assert outsider.get(f"/indicators/regions/66/approval/{WEEK}/").status_code == 404
    coordinator = persona_client("coordinator")
    assert coordinator.get(f"/indicators/regions/66/approval/{WEEK}/submit/").status_code == 405
    assert coordinator.get("/indicators/regions/66/approval/2025-10-07/").status_code == 404


def test_pages_need_csrf(week_data, personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.coordinator)
    response = client.post(f"/indicators/regions/66/approval/{WEEK}/submit/", {"text": ""})
    assert response.status_code == 403
    assert state_of(week_data.pk, WEEK) == ApprovalState.DRAFT


def test_return_without_reason_on_the_page_says_so(week_data, personas, approver, client):
    week_submit(region=week_data, week_start=WEEK, actor=personas.coordinator)
    client.force_login(approver)
    response = client.post(
        f"/indicators/regions/66/approval/{WEEK}/return/", {"text": ""}, follow=True
    )
    assert "Укажите причину возврата" in response.content.decode()
    assert state_of(week_data.pk, WEEK) == ApprovalState.SUBMITTED


def test_pages_query_counts(week_data, personas, approver, client, django_assert_max_num_queries):
    _approved(week_data, personas, approver)
    week_reopen(region=week_data, week_start=WEEK, actor=approver, reason="исправить")
    client.force_login(personas.coordinator)
    with django_assert_max_num_queries(12):
        response = client.get("/indicators/regions/66/approval/")
    assert response.status_code == 200
    with django_assert_max_num_queries(14):
        response = client.get(f"/indicators/regions/66/approval/{WEEK}/")
    body = response.content.decode()
    assert "Открыто для исправления" in body and "исправить" in body
    assert "Направить на утверждение" in body


# --- the lock on imports -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_touching_an_approved_week_is_refused_before_anything_is_written(
    week_data, personas, approver, import_file, fmt
):
    _approved(week_data, personas, approver)
    before = _snapshot()
    rows = [
        row("A1", week="13.10.2025", counts=CHANGED),
        row("A2", week="06.10.2025", counts=CHANGED),
    ]
    data = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
    upload = import_file(data, name=f"export.{fmt}")
    assert upload.status == UploadStatus.REFUSED
    assert _snapshot() == before  # nothing written, not even the other week's row
    [error] = upload.errors
    line = 3 if fmt == "csv" else 5  # xlsx: two title rows above the header
    assert error["row"] == line
    assert error["message"].startswith(f"Строка {line}, столбец «Начало недели")
    assert "неделя с 06.10.2025 субъекта «Свердловская область» утверждена" in error["message"]


def test_dry_run_shows_the_lock_too(week_data, personas, approver, import_file):
    _approved(week_data, personas, approver)
    upload = import_file(csv_bytes([row("A9", week="06.10.2025")]), dry_run=True)
    assert upload.status == UploadStatus.REFUSED
    assert "утверждена" in upload.errors[0]["message"]


def test_correction_after_reopening_is_in_the_history(week_data, personas, approver, import_file):
    _approved(week_data, personas, approver)
    week_reopen(region=week_data, week_start=WEEK, actor=approver, reason="школа A2 ошиблась")
    upload = import_file(
        csv_bytes([row("A2", week="06.10.2025", counts=CHANGED)]), user=personas.coordinator
    )
    assert upload.status == UploadStatus.DONE, upload.errors
    assert MonitoringRow.objects.get(organisation__code="A2", week_start=WEEK).staff_writers == 40
    week_submit(region=week_data, week_start=WEEK, actor=personas.coordinator, comment="исправлено")
    week_approve(region=week_data, week_start=WEEK, actor=approver)
    approval = WeekApproval.objects.get(region=week_data, week_start=WEEK)
    events = list(approval.events.order_by("id"))
    assert [e.action for e in events] == [
        "submit",
        "approve",
        "reopen",
        "correct",
        "submit",
        "approve",
    ]
    correction = events[3]
    assert correction.actor == personas.coordinator
    assert f"№ {upload.pk}" in correction.comment
    assert events[2].comment == "школа A2 ошиблась"


def test_import_monitoring_command_names_the_locked_week(week_data, personas, approver, tmp_path):
    _approved(week_data, personas, approver)
    path = tmp_path / "week.csv"
    path.write_bytes(csv_bytes([row("A1", week="06.10.2025", counts=CHANGED)]))
    uploads = MonitoringUpload.objects.count()
    with pytest.raises(CommandError) as caught:
        call_command("import_monitoring", str(path), "--region", "66")
    text = str(caught.value)
    assert "Ничего не записано" in text and "неделя с 06.10.2025" in text
    assert MonitoringUpload.objects.count() == uploads + 1  # the refused record is kept
    assert MonitoringRow.objects.get(organisation__code="A1", week_start=WEEK).staff_writers == 50


def test_api_upload_on_a_locked_week_is_refused(
    week_data, personas, approver, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.test import APIClient

    _approved(week_data, personas, approver)
    client = APIClient()
    client.force_authenticate(personas.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/monitoring/uploads/",
            {
                "file": SimpleUploadedFile("w.csv", csv_bytes([row("A1", counts=CHANGED)])),
                "region": "66",
            },
            format="multipart",
        )
    assert response.status_code in (200, 201, 202), response.content
    upload = MonitoringUpload.objects.get(pk=response.json()["id"])
    assert upload.status == UploadStatus.REFUSED
    assert "утверждена" in upload.errors[0]["message"]


# --- the lock on index facts ---------------------------------------------------------------


def test_fact_of_an_approved_week_is_refused_and_reopened_accepted(week_data, personas, approver):
    from indicators.index.services import index_fact_create, index_fact_verify
    from indicators.models import IndexFact
    from tests.indicators.index_helpers import fact

    unverified = fact(week_data, "mfc_notify", 1, dt.date(2025, 10, 8), verified=False)
    _approved(week_data, personas, approver)
    with pytest.raises(ValidationError) as caught:
        index_fact_create(
            region=week_data,
            criterion_code="mfc_notify",
            value=1,
            as_of=dt.date(2025, 10, 9),
            evidence_text="приказ",
            entered_by=personas.coordinator,
        )
    assert "утверждена" in str(caught.value.message_dict["as_of"])
    with pytest.raises(ValidationError):
        index_fact_verify(fact=unverified, actor=personas.analyst)
    # a fact of the next week is free
    index_fact_create(
        region=week_data,
        criterion_code="mfc_notify",
        value=1,
        as_of=NEXT,
        evidence_text="приказ",
        entered_by=personas.coordinator,
    )
    week_reopen(region=week_data, week_start=WEEK, actor=approver, reason="новый приказ")
    created = index_fact_create(
        region=week_data,
        criterion_code="mfc_notify",
        value=1,
        as_of=dt.date(2025, 10, 9),
        evidence_text="приказ",
        entered_by=personas.coordinator,
    )
    assert IndexFact.objects.filter(pk=created.pk).exists()
    approval = WeekApproval.objects.get(region=week_data, week_start=WEEK)
    assert approval.events.filter(action="correct").count() == 1


def test_fact_api_and_admin_refuse_a_locked_week(week_data, personas, approver, client):
    from rest_framework.test import APIClient

    from tests.indicators.index_helpers import fact

    locked = fact(week_data, "mfc_notify", 1, dt.date(2025, 10, 8))
    _approved(week_data, personas, approver)
    api = APIClient()
    api.force_authenticate(personas.coordinator)
    response = api.post(
        "/api/v1/index-inputs/",
        {
            "region": "66",
            "criterion": "mfc_notify",
            "value": "1",
            "as_of": "2025-10-10",
            "evidence_text": "приказ",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "утверждена" in response.content.decode()
    admin_user = type(personas.admin).objects.get(pk=personas.admin.pk)
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    url = f"/admin/indicators/indexfact/{locked.pk}/change/"
    response = client.post(url, {"value": "5"})
    assert response.status_code == 403
    locked.refresh_from_db()
    assert locked.value == 1


# --- commands and the JSON report ----------------------------------------------------------


def test_commands_do_what_the_pages_do(week_data, personas, approver):
    out = io.StringIO()
    call_command(
        "submit_week",
        "--region",
        "66",
        "--week",
        str(WEEK),
        "--as",
        personas.coordinator.username,
        stdout=out,
    )
    assert "Направлено" in out.getvalue()
    with pytest.raises(CommandError, match="право"):
        call_command(
            "approve_week",
            "--region",
            "66",
            "--week",
            str(WEEK),
            "--as",
            personas.coordinator.username,
        )
    call_command(
        "approve_week",
        "--region",
        "66",
        "--week",
        str(WEEK),
        "--as",
        approver.username,
        stdout=out,
    )
    assert state_of(week_data.pk, WEEK) == ApprovalState.APPROVED
    with pytest.raises(CommandError):  # --reason is required
        call_command(
            "reopen_week", "--region", "66", "--week", str(WEEK), "--as", approver.username
        )
    with pytest.raises(CommandError, match="право"):
        call_command(
            "reopen_week",
            "--region",
            "66",
            "--week",
            str(WEEK),
            "--as",
            personas.ministry_user.username,
            "--reason",
            "x",
        )
    call_command(
        "reopen_week",
        "--region",
        "66",
        "--week",
        str(WEEK),
        "--as",
        approver.username,
        "--reason",
        "исправить школу",
        stdout=out,
    )
    approval = WeekApproval.objects.get(region=week_data, week_start=WEEK)
    assert [e.action for e in approval.events.order_by("id")] == ["submit", "approve", "reopen"]
    assert approval.events.order_by("id").last().comment == "исправить школу"


def test_command_refusals_exit_non_zero(week_data):
    from django.core.management import get_commands, load_command_class

    command = load_command_class(get_commands()["approve_week"], "approve_week")
    with pytest.raises(SystemExit) as caught:
        command.run_from_argv(
            ["manage.py", "approve_week", "--region", "66", "--week", str(WEEK), "--as", "nobody"]
        )
    assert caught.value.code != 0


def test_indicator_report_json_approval(week_data, personas, approver):
    def report(week):
        out = io.StringIO()
        call_command("indicator_report", region="66", week=week, format="json", stdout=out)
        return json.loads(out.getvalue())

    assert report("2025-10-12")["approval"] == "draft"
    week_submit(region=week_data, week_start=WEEK, actor=personas.coordinator)
    assert report("2025-10-12")["approval"] == "submitted"
    week_approve(region=week_data, week_start=WEEK, actor=approver)
    assert report("2025-10-12")["approval"] == "approved"
    assert report("2025-10-13")["approval"] == "draft"  # the next week


# --- shown: API, export, dashboards, ranking ---------------------------------------------


def test_api_values_say_preliminary_or_approved(week_data, personas, approver):
    from rest_framework.test import APIClient

    _approved(week_data, personas, approver)
    api = APIClient()
    api.force_authenticate(personas.analyst)
    body = api.get("/api/v1/indicator-values/", {"region": "66"}).json()
    rows = body["results"] if isinstance(body, dict) else body
    states = {(r["week_start"], r["municipality"] is None): r["approval"] for r in rows}
    assert states[("2025-10-06", True)] == "approved"
    assert states[("2025-10-13", True)] == "draft"


def test_export_has_the_approval_column(week_data, personas, approver, tmp_path):
    from reports.exports.jobs import export_write
    from reports.exports.registry import ExportParams
    from tests.reports.conftest import by_header, open_xlsx, table

    _approved(week_data, personas, approver)
    path = tmp_path / "ind.xlsx"
    export_write(
        kind="indicators",
        params=ExportParams(region="66"),
        user=personas.analyst,
        fmt="xlsx",
        path=str(path),
    )
    headers, rows = table(open_xlsx(str(path))["Показатели"])
    cells = {
        by_header(headers, r)["Начало недели"].value.date(): by_header(headers, r)[
            "Утверждение недели"
        ].value
        for r in rows
        if r[1].value == "субъект"
    }
    assert cells[WEEK] == "утверждено"
    assert cells[NEXT] == "предварительные данные (подготовлено)"


def test_dashboards_mark_the_figures(week_data, personas, approver, client):
    _approved(week_data, personas, approver)
    client.force_login(personas.analyst)
    region_page = client.get("/dashboard/66/?date=2025-10-12").content.decode()
    assert 'data-testid="judged-approval" data-state="approved"' in region_page
    country = client.get("/dashboard/?date=2025-10-12").content.decode()
    assert 'data-testid="figure-approval">утверждено' in country


def test_ranking_restricted_to_approved_figures(week_data, personas, approver):
    from indicators.index.selectors import index_ranking
    from tests.indicators.index_helpers import fact

    fact(week_data, "mfc_notify", 1, dt.date(2025, 10, 8))
    on = dt.date(2025, 10, 12)
    _version, rows = index_ranking(on_date=on)
    own = next(r for r in rows if r.region.code == "66")
    assert own.place is not None and own.approved is False
    _version, rows = index_ranking(on_date=on, approved_only=True)
    assert next(r for r in rows if r.region.code == "66").place is None  # nothing approved
    _approved(week_data, personas, approver)
    _version, rows = index_ranking(on_date=on, approved_only=True)
    own_approved = next(r for r in rows if r.region.code == "66")
    assert own_approved.place is not None and own_approved.approved
    assert own_approved.total == own.total


def test_ranking_page_and_api_filter(week_data, personas, approver, client):
    from rest_framework.test import APIClient

    _approved(week_data, personas, approver)
    client.force_login(personas.analyst)
    page = client.get("/index/ranking/", {"date": "2025-10-12", "approved": "1"})
    assert page.status_code == 200
    assert "Только утверждённые данные" in page.content.decode()
    api = APIClient()
    api.force_authenticate(personas.analyst)
    body = api.get("/api/v1/index/ranking/", {"date": "2025-10-12", "approved": "true"}).json()
    assert body["approved_only"] is True
    own = next(r for r in body["rows"] if r["region_code"] == "66")
    assert own["approved"] is True
    assert api.get("/api/v1/index/ranking/", {"approved": "может"}).status_code == 400


# --- alerts ------------------------------------------------------------------------------


def test_alerts_open_and_close(week_data, personas, approver, settings):
    from alerts.choices import AlertKind
    from alerts.models import Alert
    from alerts.services import alerts_sync

    settings.APPROVAL_SUBMIT_DAYS = 10
    settings.ALERT_APPROVAL_WAIT_DAYS = 5

    def open_kinds(on):
        alerts_sync(region=week_data, on_date=on)
        return {
            a.kind: a
            for a in Alert.objects.filter(region=week_data).open()
            if a.kind in (AlertKind.WEEK_NOT_SUBMITTED, AlertKind.APPROVAL_WAITING)
        }

    assert open_kinds(dt.date(2025, 10, 16)) == {}  # due 16.10: not late yet
    late = open_kinds(dt.date(2025, 10, 17))
    assert set(late) == {AlertKind.WEEK_NOT_SUBMITTED}
    assert "с 06.10.2025" in late[AlertKind.WEEK_NOT_SUBMITTED].message
    week_submit(region=week_data, week_start=WEEK, actor=personas.coordinator)
    submitted_on = WeekApproval.objects.get(region=week_data, week_start=WEEK).submitted_at
    today = submitted_on.astimezone(week_data.tz).date()
    alerts = open_kinds(today)
    # 06.10 is submitted: only the next week (13.10) is still late, and nothing waits yet
    assert set(alerts) == {AlertKind.WEEK_NOT_SUBMITTED}
    assert "с 06.10.2025" not in alerts[AlertKind.WEEK_NOT_SUBMITTED].message
    assert "с 13.10.2025" in alerts[AlertKind.WEEK_NOT_SUBMITTED].message
    waiting = open_kinds(today + dt.timedelta(days=6))
    assert "с 06.10.2025" in waiting[AlertKind.APPROVAL_WAITING].message
    week_approve(region=week_data, week_start=WEEK, actor=approver)
    assert AlertKind.APPROVAL_WAITING not in open_kinds(today + dt.timedelta(days=6))
    week_submit(region=week_data, week_start=NEXT, actor=personas.coordinator)
    assert open_kinds(today) == {}  # both closed once resolved


def test_a_change_to_a_submitted_week_is_in_its_history(week_data, personas, approver, import_file):
    week_submit(region=week_data, week_start=WEEK, actor=personas.coordinator)
    upload = import_file(csv_bytes([row("A3", week="06.10.2025")]), user=personas.coordinator)
    assert upload.status == UploadStatus.DONE
    approval = WeekApproval.objects.get(region=week_data, week_start=WEEK)
    assert approval.state == ApprovalState.SUBMITTED
    assert [e.action for e in approval.events.order_by("id")] == ["submit", "correct"]
    # an untouched draft gets nothing
    assert not WeekApproval.objects.filter(region=week_data, week_start=NEXT).exists()


def test_api_facts_say_preliminary_or_approved(
    week_data, personas, approver, django_assert_max_num_queries
):
    from rest_framework.test import APIClient

    from tests.indicators.index_helpers import fact

    fact(week_data, "mfc_notify", 1, dt.date(2025, 10, 8))
    fact(week_data, "mfc_bot", 1, dt.date(2025, 10, 14))
    _approved(week_data, personas, approver)
    api = APIClient()
    api.force_authenticate(personas.coordinator)
    with django_assert_max_num_queries(8):
        body = api.get("/api/v1/index-inputs/").json()
    rows = body["results"] if isinstance(body, dict) else body
    states = {r["as_of"]: r["approval"] for r in rows}
    assert states["2025-10-08"] == "approved" and states["2025-10-14"] == "draft"


def test_the_lock_is_reported_with_the_other_errors(week_data, personas, approver, import_file):
    _approved(week_data, personas, approver)
    bad = row("A5", week="13.10.2025", counts=(100, 500, 400, 300, 500, 200, 450, 300))
    upload = import_file(csv_bytes([row("A2", week="06.10.2025", counts=CHANGED), bad]))
    assert upload.status == UploadStatus.REFUSED
    assert [e["row"] for e in upload.errors] == [2, 3]
    assert "утверждена" in upload.errors[0]["message"]
