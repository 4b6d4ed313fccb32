import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from roadmaps.choices import MeasureStatus
from roadmaps.models import Measure, MeasureChange
from roadmaps.services.evidence import evidence_validate
from roadmaps.services.measures import MeasureConflict, measure_set_status, measure_step_set
from tests.roadmaps.helpers import PNG_BYTES, ooxml, pdf

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 10, 1)


@pytest.fixture
def measure(seeded):
    return Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.1")


@pytest.fixture
def stepped(seeded):
    return Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.9")


def test_done_requires_comment(measure, personas):
    with pytest.raises(ValidationError) as error:
        measure_set_status(
            measure=measure,
            status="done",
            actor=personas.ministry_user,
            expected_version=measure.version,
            today=TODAY,
        )
    assert "comment" in error.value.message_dict
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.NOT_STARTED
    assert not MeasureChange.objects.filter(measure=measure).exists()


def test_done_with_comment_and_pdf_is_recorded(measure, personas):
    change = measure_set_status(
        measure=measure,
        status="done",
        actor=personas.ministry_user,
        comment="Приказ подписан",
        evidence=pdf(),
        completed_on=dt.date(2025, 10, 1),
        expected_version=1,
        today=TODAY,
    )
    measure.refresh_from_db()
    assert measure.status == "done"
    assert measure.version == 2
    assert measure.completed_on == dt.date(2025, 10, 1)
    assert measure.is_done_late and measure.days_late == 1  # due 30.09.2025
    assert change.changes == {
        "status": ["not_started", "done"],
        "completed_on": [None, "2025-10-01"],
    }
    assert change.actor == personas.ministry_user
    assert change.version == 2
    with change.evidence.open("rb") as handle:  # reopened from the private storage
        assert handle.read().startswith(b"%PDF-")


def test_done_defaults_completion_to_region_today_and_refuses_future(measure, personas):
    with pytest.raises(ValidationError) as error:
        measure_set_status(
            measure=measure,
            status="done",
            actor=personas.ministry_user,
            comment="x",
            completed_on=TODAY + dt.timedelta(days=1),
            expected_version=1,
            today=TODAY,
        )
    assert "completed_on" in error.value.message_dict
    measure_set_status(
        measure=measure,
        status="done",
        actor=personas.ministry_user,
        comment="x",
        expected_version=1,
        today=TODAY,
    )
    assert measure.completed_on == TODAY


def test_moving_back_requires_comment_and_clears_completion(measure, personas):
    user = personas.ministry_user
    measure_set_status(
        measure=measure, status="done", actor=user, comment="ok", expected_version=1, today=TODAY
    )
    with pytest.raises(ValidationError):
        measure_set_status(
            measure=measure, status="in_progress", actor=user, expected_version=2, today=TODAY
        )
    measure_set_status(
        measure=measure,
        status="in_progress",
        actor=user,
        comment="Нашли ошибку",
        expected_version=2,
        today=TODAY,
    )
    measure.refresh_from_db()
    assert measure.status == "in_progress"
    assert measure.completed_on is None
    # forward to in progress needs no comment
    other = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.2")
    measure_set_status(measure=other, status="in_progress", actor=user, expected_version=1)


def test_stale_version_is_refused_and_lists_changes(measure, personas):
    first = measure_set_status(
        measure=Measure.objects.get(pk=measure.pk),
        status="in_progress",
        actor=personas.admin,
        comment="Начали",
        expected_version=1,
    )
    stale = Measure.objects.get(pk=measure.pk)
    with pytest.raises(MeasureConflict) as conflict:
        measure_set_status(
            measure=stale,
            status="cancelled",
            actor=personas.ministry_user,
            comment="Отменяем",
            expected_version=1,
        )
    assert conflict.value.changes == [first]
    measure.refresh_from_db()
    assert measure.status == "in_progress"
    assert measure.version == 2
    assert MeasureChange.objects.filter(measure=measure).count() == 1


def test_done_with_open_steps_needs_confirmation(stepped, personas):
    # 3.9 has several bodies concerned: an editor of the region closes every part at once
    user = personas.admin
    with pytest.raises(ValidationError) as error:
        measure_set_status(
            measure=stepped, status="done", actor=user, comment="ok", expected_version=1
        )
    assert "confirm_open_steps" in error.value.message_dict
    measure_set_status(
        measure=stepped,
        status="done",
        actor=user,
        comment="ok",
        expected_version=1,
        confirm_open_steps=True,
    )
    assert Measure.objects.get(pk=stepped.pk).status == "done"


def test_steps_ticked_one_by_one(stepped, personas):
    user = personas.ministry_user
    steps = list(stepped.steps.all())
    version = stepped.version
    for step in steps:
        step.measure = stepped
        measure_step_set(step=step, done=True, actor=user, expected_version=version, today=TODAY)
        version += 1
    assert all(s.done_on == TODAY for s in stepped.steps.all())
    assert stepped.changes.filter(kind="step").count() == len(steps)
    # all steps done: no confirmation needed
    stepped.refresh_from_db()
    measure_set_status(
        measure=stepped, status="done", actor=user, comment="ok", expected_version=version
    )


@pytest.mark.parametrize(
    ("upload", "ok"),
    [
        (pdf(), True),
        (SimpleUploadedFile("photo.png", PNG_BYTES), True),
        (SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0" + b"0" * 20), True),
        (ooxml("report.docx", "word/document.xml"), True),
        (ooxml("report.xlsx", "xl/workbook.xml"), True),
        (ooxml("report.docx", "xl/workbook.xml"), False),  # a workbook renamed
        (SimpleUploadedFile("fake.pdf", b"MZ\x90\x00 not a pdf"), False),  # content sniffed
        (SimpleUploadedFile("virus.exe", b"MZ\x90\x00"), False),
        (SimpleUploadedFile("empty.pdf", b""), False),
    ],
)
def test_evidence_types(upload, ok):
    if ok:
        evidence_validate(upload)
    else:
        with pytest.raises(ValidationError):
            evidence_validate(upload)


@override_settings(EVIDENCE_MAX_BYTES=100)
def test_evidence_size_limit():
    with pytest.raises(ValidationError, match="больше допустимого"):
        evidence_validate(pdf(data=b"%PDF-" + b"0" * 200))


def test_measure_changed_is_sent_on_commit(measure, personas, django_capture_on_commit_callbacks):
    from roadmaps.signals import measure_changed

    calls = []

    def receiver(sender, *, measure_id, region_id, **kwargs):
        calls.append((measure_id, region_id))

    measure_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            measure_set_status(
                measure=measure, status="in_progress", actor=personas.admin, expected_version=1
            )
            assert not calls  # nothing before the transaction commits
    finally:
        measure_changed.disconnect(receiver)
    assert calls == [(measure.pk, measure.roadmap.region_id)]


def test_done_closes_the_overdue_alert_through_the_signal(
    measure, personas, django_capture_on_commit_callbacks
):
    """Status change → `measure_changed` on commit → alerts sync of the region (eager Celery)."""
    from alerts.models import Alert
    from alerts.services import alerts_sync

    region = measure.roadmap.region
    alerts_sync(region=region)
    alert = Alert.objects.get(measure=measure, kind="measure_overdue", resolved_at__isnull=True)
    with django_capture_on_commit_callbacks(execute=True):
        measure_set_status(
            measure=measure,
            status="done",
            comment="Сделано",
            actor=personas.ministry_user,
            expected_version=1,
        )
    alert.refresh_from_db()
    assert alert.resolved_at is not None


# --- through the pages ----------------------------------------------------------------


def test_status_form_through_page(persona_client, measure):
    client = persona_client("ministry_user")
    page = client.get(measure.get_absolute_url())
    assert 'name="version"' in page.content.decode()
    response = client.post(
        reverse("roadmaps:measure-status", args=[measure.pk]),
        {"status": "done", "comment": "Готово", "version": 1, "evidence": pdf()},
    )
    assert response.status_code == 302
    page = client.get(measure.get_absolute_url()).content.decode()
    assert "Готово" in page
    assert "Не начато" in page and "Выполнено" in page
    change = MeasureChange.objects.get(measure=measure)
    download = client.get(
        reverse("roadmaps:evidence-download", args=[measure.pk, "change", change.pk])
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_page_shows_missing_comment_error(persona_client, measure):
    client = persona_client("ministry_user")
    response = client.post(
        reverse("roadmaps:measure-status", args=[measure.pk]), {"status": "done", "version": 1}
    )
    assert response.status_code == 200
    assert "Укажите комментарий" in response.content.decode()


def test_bad_file_through_page(persona_client, measure):
    client = persona_client("ministry_user")
    response = client.post(
        reverse("roadmaps:measure-status", args=[measure.pk]),
        {
            "status": "in_progress",
            "version": 1,
            "evidence": SimpleUploadedFile("a.pdf", b"not a pdf at all"),
        },
    )
    assert "не соответствует расширению" in response.content.decode()
    assert Measure.objects.get(pk=measure.pk).version == 1


def test_concurrent_edit_through_page(persona_client, measure, personas):
    measure_set_status(
        measure=measure,
        status="in_progress",
        actor=personas.admin,
        comment="Начали",
        expected_version=1,
    )
    client = persona_client("ministry_user")
    response = client.post(
        reverse("roadmaps:measure-status", args=[measure.pk]),
        {"status": "cancelled", "comment": "Отменяем", "version": 1},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Изменения не сохранены" in html
    assert "Начали" in html
    assert Measure.objects.get(pk=measure.pk).status == "in_progress"
    # the form now carries the current version: saving again after seeing the diff works
    assert response.context["status_form"]["version"].value() == "2"
    assert response.context["status_form"]["comment"].value() == "Отменяем"
    again = client.post(
        reverse("roadmaps:measure-status", args=[measure.pk]),
        {"status": "cancelled", "comment": "Отменяем", "version": 2},
    )
    assert again.status_code == 302
    assert Measure.objects.get(pk=measure.pk).status == "cancelled"


def test_open_steps_confirmation_through_page(persona_client, stepped):
    # 3.9 has several bodies concerned: the region's editor closes every part at once
    client = persona_client("admin")
    url = reverse("roadmaps:measure-status", args=[stepped.pk])
    response = client.post(url, {"status": "done", "comment": "ok", "version": 1})
    assert "Подтвердите" in response.content.decode()
    response = client.post(
        url, {"status": "done", "comment": "ok", "version": 1, "confirm_open_steps": "on"}
    )
    assert response.status_code == 302


def test_step_through_page(persona_client, stepped):
    client = persona_client("ministry_user")
    step = stepped.steps.first()
    response = client.post(
        reverse("roadmaps:measure-step", args=[stepped.pk, step.pk]),
        {"done": "on", "done_on": "2025-09-01", "version": 1},
    )
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.done_on == dt.date(2025, 9, 1)


def test_detail_page_queries_do_not_grow_with_history(
    persona_client, stepped, personas, django_assert_max_num_queries
):
    client = persona_client("ministry_user")
    client.get(stepped.get_absolute_url())
    with django_assert_max_num_queries(30) as before:
        client.get(stepped.get_absolute_url())
    version = stepped.version
    for step in stepped.steps.all():
        step.measure = stepped
        measure_step_set(step=step, done=True, actor=personas.admin, expected_version=version)
        version += 1
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(stepped.get_absolute_url())
    assert len(response.context["history"]) == 4


def test_linked_indicators_show_latest_region_value(persona_client, seeded):
    from agencies.models import Region
    from indicators.models import MonitoringRollup

    measure = Measure.objects.get(roadmap__code="moscow-oblast-2025", number="5")  # indicator 4
    client = persona_client("outsider")  # coordinator of Moscow oblast
    html = client.get(measure.get_absolute_url()).content.decode()
    assert "нет данных мониторинга" in html
    region = Region.objects.get(code="50")
    MonitoringRollup.objects.create(
        region=region, week_start=dt.date(2025, 9, 1), gov_staff_total=10, gov_staff_writers=1
    )
    MonitoringRollup.objects.create(
        region=region, week_start=dt.date(2025, 9, 8), gov_staff_total=1000, gov_staff_writers=753
    )
    html = client.get(measure.get_absolute_url()).content.decode()
    assert "75,3\u00a0%" in html
    assert "08.09.2025" in html


def test_pages_show_how_many_days_late(persona_client, measure, personas):
    measure_set_status(
        measure=measure,
        status="done",
        actor=personas.ministry_user,
        comment="Приказ подписан",
        evidence=pdf(),
        completed_on=dt.date(2025, 10, 3),  # due 30.09.2025
        expected_version=1,
        today=dt.date(2025, 10, 5),
    )
    client = persona_client("ministry_user")
    page = client.get(measure.get_absolute_url()).content.decode()
    assert "выполнено с опозданием на 3 дн." in page
    listing = client.get(reverse("roadmaps:measure-list")).content.decode()
    assert "выполнено с опозданием на 3 дн." in listing


def test_the_status_form_sent_twice_is_saved_once(persona_client, measure):
    """A double click sends the same form twice: the second request was refused as
    «изменено другим пользователем» (409), naming the user's own change as somebody
    else's. It is the first one's success; the history has one entry, one file."""
    client = persona_client("ministry_user")
    url = reverse("roadmaps:measure-status", args=[measure.pk])
    data = {"status": "done", "comment": "Готово", "version": 1}
    assert client.post(url, {**data, "evidence": pdf()}).status_code == 302
    again = client.post(url, {**data, "evidence": pdf()})
    assert again.status_code == 302
    assert MeasureChange.objects.filter(measure=measure).count() == 1
    assert Measure.objects.get(pk=measure.pk).version == 2


def test_a_different_form_on_the_same_version_is_still_a_conflict(persona_client, measure):
    client = persona_client("ministry_user")
    url = reverse("roadmaps:measure-status", args=[measure.pk])
    assert (
        client.post(url, {"status": "done", "comment": "Готово", "version": 1}).status_code == 302
    )
    other = client.post(url, {"status": "cancelled", "comment": "Готово", "version": 1})
    assert other.status_code == 409
    with_file = client.post(
        url, {"status": "done", "comment": "Готово", "version": 1, "evidence": pdf()}
    )
    assert with_file.status_code == 409  # the file was not part of the saved change
    assert MeasureChange.objects.filter(measure=measure).count() == 1
