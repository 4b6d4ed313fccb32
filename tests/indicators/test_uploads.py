"""Monitoring import semantics: all or nothing, repeats, corrections, dry runs, reference data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from agencies.models import Municipality, Organisation
from indicators.models import MonitoringRollup, MonitoringRow, MonitoringUpload
from indicators.services.uploads import LEASE, monitoring_import, monitoring_upload_confirm
from indicators.tasks import monitoring_import_task
from tests.indicators.conftest import csv_bytes, lease_held_elsewhere, row

W1 = dt.date(2025, 10, 6)


def test_reimport_of_the_same_file_is_a_repeat(import_file):
    data = csv_bytes([row("ORG1"), row("ORG2")])
    first = import_file(data)
    assert first.status == "done"
    before = list(MonitoringRow.objects.values_list("id", "upload_id"))
    again = import_file(data)
    assert again.status == "repeat"
    assert (again.rows_created, again.rows_updated) == (0, 0)
    assert list(MonitoringRow.objects.values_list("id", "upload_id")) == before


def test_same_content_in_another_file_counts_unchanged(import_file):
    import_file(csv_bytes([row("ORG1"), row("ORG2")]))
    second = import_file(csv_bytes([row("ORG1"), row("ORG2")], delimiter=","))
    assert second.status == "done"
    assert (second.rows_created, second.rows_updated, second.rows_unchanged) == (0, 0, 2)
    assert MonitoringRow.objects.count() == 2


def test_corrected_file_replaces_figures_never_adds(import_file):
    import_file(csv_bytes([row("ORG1"), row("ORG2")]))
    corrected = csv_bytes(
        [row("ORG1", counts=(10, 5, 40, 30, 50, 20, 45, 30)), row("ORG2"), row("ORG3")]
    )
    upload = import_file(corrected)
    assert upload.status == "done"
    assert (upload.rows_created, upload.rows_updated, upload.rows_unchanged) == (1, 1, 1)
    assert MonitoringRow.objects.count() == 3
    r = MonitoringRow.objects.get(organisation__code="ORG1", week_start=W1)
    assert (r.staff_total, r.staff_writers, r.upload_id) == (10, 5, upload.pk)
    rollup = MonitoringRollup.objects.get(municipality__isnull=True, week_start=W1)
    assert rollup.edu_staff_total == 10 + 100 + 100
    assert rollup.organisations == 3


def test_new_organisations_and_municipalities_created_then_renamed(import_file):
    import_file(csv_bytes([row("ORG1", name="Школа 1", municipality="Нижний Тагил")]))
    org = Organisation.objects.get(code="ORG1")
    assert (org.name, org.org_type, org.region.code) == ("Школа 1", "school", "66")
    assert org.municipality.name == "Нижний Тагил"
    upload = import_file(
        csv_bytes([row("ORG1", name="Гимназия 1", municipality="Нижний Тагил", week="13.10.2025")])
    )
    assert upload.preview["organisations_renamed"] == 1
    org.refresh_from_db()
    assert org.name == "Гимназия 1"
    assert Municipality.objects.filter(name="Нижний Тагил").count() == 1


def test_dry_run_previews_writes_nothing_then_confirm_imports(import_file):
    import_file(csv_bytes([row("ORG1")]))
    data = csv_bytes([row("ORG1", counts=(1, 1, 1, 1, 1, 1, 1, 1)), row("ORG2"), row("ORG3")])
    upload = import_file(data, dry_run=True)
    assert upload.status == "done" and upload.dry_run
    assert (upload.rows_created, upload.rows_updated, upload.rows_unchanged) == (2, 1, 0)
    assert [r["action"] for r in upload.preview["rows"]] == ["updated", "created", "created"]
    assert upload.preview["organisations_created"] == 2
    assert MonitoringRow.objects.count() == 1
    assert not Organisation.objects.filter(code="ORG2").exists()
    assert monitoring_upload_confirm(upload=upload)
    upload = monitoring_import(upload=upload)
    assert upload.status == "done" and not upload.dry_run
    assert MonitoringRow.objects.count() == 3
    assert MonitoringRow.objects.get(organisation__code="ORG1").staff_total == 1


def test_dry_run_refusal_lists_errors(import_file):
    upload = import_file(csv_bytes([row("ORG1", region="99")]), dry_run=True)
    assert upload.status == "refused"
    assert "неизвестный код региона" in upload.errors[0]["message"]


def test_task_is_safe_to_redeliver(import_file, seeded):
    upload = import_file(csv_bytes([row("ORG1")]))
    assert monitoring_import_task.delay(upload.pk).get() == "done"
    assert MonitoringRow.objects.count() == 1
    assert MonitoringUpload.objects.get(pk=upload.pk).rows_created == 1
    assert monitoring_import_task.delay(999999).get() is None


def test_second_delivery_of_a_running_job_is_a_noop(import_file):
    """A running upload whose worker is alive is never run a second time. On PostgreSQL the
    live worker is the holder of the job's lease (held here from a second connection); on
    SQLite there are no leases, so a running upload is always left alone and the sweeper or
    a rerun recovers it if its worker was lost (tests/test_jobs.py)."""
    upload = import_file(csv_bytes([row("ORG1")]), dry_run=True)
    MonitoringUpload.objects.filter(pk=upload.pk).update(status="running", dry_run=False)
    with lease_held_elsewhere(LEASE, upload.pk):
        assert monitoring_import_task.delay(upload.pk).get() == "running"
    assert MonitoringRow.objects.count() == 0


def test_running_job_with_a_lost_worker_is_taken_over_on_postgresql(import_file):
    """A running upload whose lease is free has lost its worker (killed, OOM): a redelivered
    task takes it over and finishes it. Without leases (SQLite) it is left for the sweeper."""
    upload = import_file(csv_bytes([row("ORG1")]), dry_run=True)
    MonitoringUpload.objects.filter(pk=upload.pk).update(status="running", dry_run=False)
    result = monitoring_import_task.delay(upload.pk).get()
    if connection.vendor == "postgresql":
        assert result == "done"
        assert MonitoringRow.objects.count() == 1
    else:
        assert result == "running"
        assert MonitoringRow.objects.count() == 0


def test_failed_job_is_recorded_and_can_rerun(import_file, monkeypatch, caplog):
    from indicators.services import staging
    from indicators.services.uploads import monitoring_upload_rerun

    def boom(self, **kwargs):
        raise RuntimeError("диск полон")

    monkeypatch.setattr(staging.Staging, "apply", boom)
    upload = import_file(csv_bytes([row("ORG1")]))
    assert upload.status == "failed"
    # the user sees a Russian message with a reference, never the exception text
    message = upload.errors[0]["message"]
    assert "диск полон" not in message and "RuntimeError" not in message
    reference = message.split("номер ошибки ")[1].split(":")[0]
    assert any(reference in record.getMessage() and record.exc_info for record in caplog.records)
    assert not MonitoringRow.objects.exists()
    assert not Organisation.objects.filter(code="ORG1").exists()
    monkeypatch.undo()
    assert monitoring_upload_rerun(upload=upload)
    assert monitoring_import(upload=upload).status == "done"
    assert MonitoringRow.objects.count() == 1


def test_import_signal_enqueues_index_and_alerts_on_commit(
    import_file, monkeypatch, django_capture_on_commit_callbacks
):
    from alerts.tasks import alerts_sync_monitoring
    from indicators.tasks import index_recompute_regions

    calls = []
    for task in (index_recompute_regions, alerts_sync_monitoring):
        monkeypatch.setattr(
            task, "apply_async", lambda args, n=task.name, **kw: calls.append((n, *args))
        )
    with django_capture_on_commit_callbacks(execute=True):
        upload = import_file(csv_bytes([row("ORG1"), row("M1", region="50")]), region=None)
        assert not calls  # nothing before the import's transaction commits
    assert upload.status == "done"
    from agencies.models import Region

    ids = sorted(Region.objects.filter(code__in=["50", "66"]).values_list("id", flat=True))
    assert sorted(calls) == [
        ("alerts.tasks.alerts_sync_monitoring", ids),
        ("indicators.tasks.index_recompute_regions", ids),
    ]


def test_import_touches_only_the_regions_and_weeks_of_its_file(
    import_file, django_capture_on_commit_callbacks
):
    """Rollups, the index and the alerts after an import: the file's regions and weeks
    only; another region's rows, rollups, index score and alerts keep their timestamps."""
    from alerts.models import Alert
    from indicators.models import IndexScore

    W2 = "13.10.2025"
    with django_capture_on_commit_callbacks(execute=True):
        first = import_file(
            csv_bytes(
                [
                    row("ORG1", municipality="М1"),
                    row("ORG1", municipality="М1", week=W2),
                    row("M1", region="50", municipality="Химки"),
                ]
            ),
            region=None,
        )
    assert first.status == "done", first.errors

    def rollups():
        return {
            (r.region.code, r.municipality_id, r.week_start): r.updated_at
            for r in MonitoringRollup.objects.select_related("region")
        }

    def others():
        return (
            list(IndexScore.objects.filter(region__code="50").values_list("id", "computed_at")),
            list(
                Alert.objects.filter(region__code="50").values_list(
                    "id", "updated_at", "resolved_at"
                )
            ),
        )

    rollups_before, others_before = rollups(), others()
    assert others_before[0]  # the first import scored region 50
    with django_capture_on_commit_callbacks(execute=True):
        second = import_file(
            csv_bytes(
                [row("ORG1", municipality="М1", counts=(90, 40, 400, 300, 500, 200, 450, 300))]
            )
        )
    assert second.status == "done", second.errors
    assert second.rows_updated == 1
    after = rollups()
    assert set(after) == set(rollups_before)
    rebuilt = {key for key, at in after.items() if at != rollups_before[key]}
    assert {(code, week) for code, _muni, week in rebuilt} == {("66", W1)}
    assert others() == others_before
    stored = MonitoringRow.objects.values_list("organisation__code", "week_start", "upload_id")
    assert sorted(stored) == sorted(
        [("ORG1", W1, second.pk), ("ORG1", dt.date(2025, 10, 13), first.pk), ("M1", W1, first.pk)]
    )


def test_rollups_rebuilt_per_region_and_municipality(import_file):
    rows = [
        row("A", municipality="М1", counts=(10, 5, 100, 50, 20, 10, 10, 5)),
        row("B", municipality="М2", counts=(30, 15, 0, 0, 40, 40, 30, 0)),
        row("C", municipality="М2", week="13.10.2025"),
    ]
    import_file(csv_bytes(rows))
    region = MonitoringRollup.objects.get(municipality__isnull=True, week_start=W1)
    assert (region.edu_staff_total, region.edu_staff_writers, region.organisations) == (40, 20, 2)
    m2 = MonitoringRollup.objects.get(municipality__name="М2", week_start=W1)
    assert (m2.np_sferum_users, m2.np_max_only_users, m2.vkm_users) == (40, 40, 30)
    assert m2.i3 == 100 and m2.m == 0
    assert MonitoringRollup.objects.filter(week_start=dt.date(2025, 10, 13)).count() == 2


@pytest.mark.parametrize("size_over", [True, False])
def test_upload_size_limit(seeded, settings, size_over):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from indicators.services.uploads import monitoring_upload_create

    data = csv_bytes([row("ORG1")])
    settings.MONITORING_UPLOAD_MAX_BYTES = len(data) - 1 if size_over else len(data)
    if size_over:
        with pytest.raises(ValidationError):
            monitoring_upload_create(file=SimpleUploadedFile("a.csv", data), user=None)
    else:
        assert monitoring_upload_create(file=SimpleUploadedFile("a.csv", data), user=None).pk


def test_codes_with_copy_special_characters_round_trip(import_file):
    """COPY text format escapes: a backslash in a code must arrive unchanged."""
    upload = import_file(csv_bytes([row("ORG\\1"), row("ORG 2")]))
    assert upload.status == "done", upload.errors
    assert set(
        Organisation.objects.filter(code__startswith="ORG").values_list("code", flat=True)
    ) == {
        "ORG\\1",
        "ORG 2",
    }


def test_progress_is_saved_every_n_rows(import_file, monkeypatch):
    from indicators.services import uploads

    saved = []
    original = uploads._Progress.save

    def spy(self, rows):
        saved.append(rows)
        original(self, rows)

    monkeypatch.setattr(uploads._Progress, "save", spy)
    monkeypatch.setattr(uploads, "PROGRESS_EVERY", 2)
    upload = import_file(csv_bytes([row(f"P{i}") for i in range(5)]))
    assert upload.status == "done"
    from django.db import connection

    if connection.vendor == "sqlite":  # row by row; PostgreSQL loads a clean CSV set-based
        assert saved == [2, 4, 5]
    assert saved[-1] == 5 and saved == sorted(saved)
    assert upload.progress == 5


def test_a_file_of_known_organisations_inserts_none(import_file):
    """The next week of the same organisations: the reference inserts are skipped (nothing is
    new), the rename still applies, and a new organisation in a later file is still added."""
    from django.test.utils import CaptureQueriesContext

    first = import_file(csv_bytes([row("ORG1"), row("ORG2")]))
    assert first.status == "done", first.errors
    with CaptureQueriesContext(connection) as queries:
        second = import_file(
            csv_bytes(
                [row("ORG1", week="13.10.2025", name="Новое имя"), row("ORG2", week="13.10.2025")]
            )
        )
    assert second.status == "done", second.errors
    inserts = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"]
        .lstrip()
        .startswith(('INSERT INTO "agencies_organisation"', 'INSERT INTO "agencies_municipality"'))
    ]
    assert inserts == []
    assert Organisation.objects.get(code="ORG1").name == "Новое имя"
    third = import_file(csv_bytes([row("ORG3", week="13.10.2025", municipality="Новое МО")]))
    assert third.status == "done", third.errors
    assert Organisation.objects.get(code="ORG3").municipality.name == "Новое МО"
    assert Municipality.objects.filter(name="Новое МО").count() == 1


def test_a_file_changing_no_record_updates_none(import_file):
    """The next week of the same organisations, as they were: no statement touches the
    organisation records (the counts said there is nothing to change)."""
    from django.test.utils import CaptureQueriesContext

    first = import_file(csv_bytes([row("ORG1"), row("ORG2")]))
    assert first.status == "done", first.errors
    with CaptureQueriesContext(connection) as queries:
        second = import_file(
            csv_bytes([row("ORG1", week="13.10.2025"), row("ORG2", week="13.10.2025")])
        )
    assert second.status == "done", second.errors
    updates = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().startswith('UPDATE "agencies_organisation"')
    ]
    assert updates == []
    assert second.preview["organisations_renamed"] == 0


# --- a known file is a repeat only while nothing since changed what it wrote ---------------

A_COUNTS = (100, 50, 400, 300, 500, 200, 450, 300)
B_COUNTS = (90, 40, 400, 300, 500, 200, 450, 300)


def _staff_total(week=W1):
    return MonitoringRow.objects.get(organisation__code="ORG1", week_start=week).staff_total


def test_reupload_of_an_earlier_file_restores_its_figures(import_file):
    a = csv_bytes([row("ORG1", counts=A_COUNTS), row("ORG2")])
    b = csv_bytes([row("ORG1", counts=B_COUNTS), row("ORG2")])
    assert import_file(a).status == "done"
    assert import_file(b).status == "done"
    assert _staff_total() == 90
    again = import_file(a)
    assert again.status == "done", again.errors
    # only the row B changed is written again
    assert (again.rows_created, again.rows_updated, again.rows_unchanged) == (0, 1, 1)
    assert _staff_total() == 100
    assert MonitoringRow.objects.get(organisation__code="ORG1").upload_id == again.pk
    rollup = MonitoringRollup.objects.get(municipality__isnull=True, week_start=W1)
    assert rollup.edu_staff_total == 100 + 100
    # nothing changed since this import: the same file is a repeat again
    assert import_file(a).status == "repeat"


def test_a_known_file_stays_a_repeat_when_later_imports_changed_other_weeks(import_file):
    a = csv_bytes([row("ORG1", counts=A_COUNTS)])
    assert import_file(a).status == "done"
    later = import_file(csv_bytes([row("ORG1", week="13.10.2025", counts=B_COUNTS)]))
    assert later.status == "done" and later.rows_created == 1
    assert import_file(a).status == "repeat"


def test_dry_runs_refusals_and_unchanged_imports_keep_a_known_file_a_repeat(import_file):
    a = csv_bytes([row("ORG1", counts=A_COUNTS)])
    b = csv_bytes([row("ORG1", counts=B_COUNTS)])
    assert import_file(a).status == "done"
    assert import_file(b, dry_run=True).status == "done"  # checked, not written
    refused = import_file(csv_bytes([row("ORG1", counts=B_COUNTS), row("ORG1")]))
    assert refused.status == "refused"
    same = import_file(csv_bytes([row("ORG1", counts=A_COUNTS)], delimiter=","))
    assert (same.status, same.rows_unchanged) == ("done", 1)
    assert import_file(a).status == "repeat"
    assert _staff_total() == 100


def test_a_correction_in_another_scope_undoes_the_repeat(import_file):
    a = csv_bytes([row("ORG1", counts=A_COUNTS)])
    assert import_file(a, region="66").status == "done"
    national = import_file(csv_bytes([row("ORG1", counts=B_COUNTS)]), region=None)
    assert national.status == "done" and national.rows_updated == 1
    again = import_file(a, region="66")
    assert (again.status, again.rows_updated) == ("done", 1)
    assert _staff_total() == 100


def test_an_uploaded_file_name_keeps_no_direction_override(seeded):
    """«отчёт<U+202E>xcod.exe» was kept and shown as «отчётexe.docx»: the name the upload
    page, the API and the list show is the name without control or format characters."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from agencies.models import Region
    from indicators.services.uploads import monitoring_upload_create
    from tests.indicators.conftest import csv_bytes, row

    upload = monitoring_upload_create(
        file=SimpleUploadedFile("неделя\u202evsc.csv", csv_bytes([row("ORG1")])),
        user=None,
        region=Region.objects.get(code="66"),
    )
    assert upload.original_name == "неделяvsc.csv"


def test_the_same_bytes_uploaded_again_are_stored_once(import_file):
    """Every repeat upload kept a copy of the file: a region re-sending its weekly export
    filled the storage with identical files. The records now share one stored file; each
    keeps its own name for display."""
    data = csv_bytes([row("ORG1"), row("ORG2")])
    first = import_file(data, name="неделя 1.csv")
    again = import_file(data, name="неделя 1 (копия).csv")
    assert again.status == "repeat"
    assert again.file.name == first.file.name
    assert (first.original_name, again.original_name) == ("неделя 1.csv", "неделя 1 (копия).csv")
    with again.file.open("rb") as stored:
        assert stored.read() == data


def test_a_stored_file_that_is_gone_is_not_reused(import_file):
    data = csv_bytes([row("ORG1")])
    first = import_file(data)
    first.file.storage.delete(first.file.name)
    again = import_file(data)
    assert again.file.name != first.file.name
    assert again.file.storage.exists(again.file.name)
    with again.file.open("rb") as stored:
        assert stored.read() == data
