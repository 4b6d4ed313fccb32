"""Every responsible body's part of a measure: who is concerned, the roll-up, the page and
the API, the permission matrix.

Sverdlovsk 1.1 is assigned to «Исполнительные органы … и их подведомственные
организации»: a part for every listed executive body of the region and the bodies under
them; 3.1 has one body (the Ministry of Education) and no parts.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies.choices import AgencyKind, Role
from agencies.models import Agency, Region
from roadmaps.choices import MeasureStatus
from roadmaps.models import Measure, MeasureChange, MeasurePart, MeasureResponsibility
from roadmaps.selectors import history_entries, measure_part_lines, pending_bodies
from roadmaps.services.measures import (
    MeasureConflict,
    measure_part_set_status,
    measure_set_status,
)
from roadmaps.services.parts import measure_parts_sync, rolled_up
from tests.factories import make_user
from tests.roadmaps.helpers import pdf

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 10, 1)


@pytest.fixture
def collective(seeded) -> Measure:
    return Measure.objects.get(roadmap__code="sverdlovsk-2025", number="1.1")


def _part(measure: Measure, code: str) -> MeasurePart:
    part = MeasurePart.objects.select_related("agency").get(measure=measure, agency__code=code)
    part.measure = measure
    return part


# --- who is concerned -----------------------------------------------------------------


def test_collective_designation_has_a_part_per_body_it_stands_for(collective):
    region = Region.objects.get(code="66")
    parts = list(collective.parts.select_related("agency"))
    codes = {part.agency.code for part in parts}
    roiv = set(
        Agency.objects.filter(region=region, kind=AgencyKind.ROIV).values_list("code", flat=True)
    )
    assert roiv <= codes  # every executive body of the region, the ministry and the DIP too
    assert {"so-minobr", "so-dip"} <= codes
    assert all(part.agency.kind != AgencyKind.COLLECTIVE for part in parts)
    assert len(codes) == len(parts)


def test_single_body_measure_has_no_parts(seeded):
    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.1")
    assert measure.responsibilities.count() == 1
    assert not measure.parts.exists()


def test_several_named_bodies_each_get_a_part_in_printed_order(seeded):
    measure = Measure.objects.get(roadmap__code="vladimir-2025", number="10")
    named = [r.agency_id for r in measure.responsibilities.order_by("position")]
    assert [p.agency_id for p in measure.parts.order_by("position")] == named


def test_sync_is_idempotent_and_follows_the_responsibilities(collective):
    assert measure_parts_sync(Measure.objects.filter(roadmap__code="sverdlovsk-2025")) == {
        "created": 0,
        "deleted": 0,
        "rolled_up": 0,
    }
    # the collective is dropped: one body left -> no parts, the status stays
    MeasureResponsibility.objects.filter(measure=collective, agency__kind="collective").delete()
    MeasureResponsibility.objects.get_or_create(
        measure=collective, agency=Agency.objects.get(code="so-minobr"), defaults={"position": 0}
    )
    counts = measure_parts_sync(Measure.objects.filter(pk=collective.pk))
    assert counts["deleted"] > 0
    assert not collective.parts.exists()


def test_a_body_going_away_rolls_the_measure_up_with_history(collective, personas):
    admin = personas.admin
    for part in collective.parts.exclude(agency__code="so-dip"):
        part.measure = collective
        measure_part_set_status(
            part=part,
            status="done",
            actor=admin,
            comment="Сделано",
            expected_version=part.version,
            today=TODAY,
        )
    collective.refresh_from_db()
    assert collective.status == MeasureStatus.IN_PROGRESS  # the DIP has not done its part
    # the DIP's responsibility is removed (a new version of the roadmap, say)
    dip = Agency.objects.get(code="so-dip")
    collective.responsibilities.all().delete()
    for position, part in enumerate(collective.parts.exclude(agency=dip)):
        MeasureResponsibility.objects.create(
            measure=collective, agency=part.agency, position=position
        )
    assert measure_parts_sync(Measure.objects.filter(pk=collective.pk))["rolled_up"] == 1
    collective.refresh_from_db()
    assert collective.status == MeasureStatus.DONE
    assert collective.changes.filter(comment__contains="пересчитан").exists()


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], "not_started"),
        (["not_started", "not_started"], "not_started"),
        (["in_progress", "not_started"], "in_progress"),
        (["done", "not_started"], "in_progress"),
        (["done", "done"], "done"),
        (["done", "cancelled"], "done"),
        (["cancelled", "cancelled"], "cancelled"),
        (["cancelled", "not_started"], "in_progress"),
    ],
)
def test_rolled_up(statuses, expected):
    parts = [MeasurePart(status=status) for status in statuses]
    assert rolled_up(parts)[0] == expected


def test_rolled_up_completion_is_the_last_part():
    parts = [
        MeasurePart(status="done", completed_on=dt.date(2025, 9, 1)),
        MeasurePart(status="done", completed_on=dt.date(2025, 9, 20)),
    ]
    assert rolled_up(parts) == ("done", dt.date(2025, 9, 20))


# --- writes ---------------------------------------------------------------------------


def test_each_body_does_its_part_and_the_measure_follows(collective, personas):
    ministry = _part(collective, "so-minobr")
    change = measure_part_set_status(
        part=ministry,
        status="done",
        actor=personas.ministry_user,
        comment="Каналы созданы",
        evidence=pdf(),
        completed_on=dt.date(2025, 8, 30),
        expected_version=1,
        today=TODAY,
    )
    assert change.part == ministry
    assert change.changes["part"] == ministry.agency.display_name
    assert change.changes["status"] == ["not_started", "done"]
    assert change.changes["measure_status"] == ["not_started", "in_progress"]
    assert change.evidence
    collective.refresh_from_db()
    assert collective.status == MeasureStatus.IN_PROGRESS
    ministry.refresh_from_db()
    assert (ministry.status, ministry.version) == ("done", 2)
    lines = measure_part_lines(
        Measure.objects.prefetch_related("parts__agency").get(pk=collective.pk), TODAY
    )
    pending = pending_bodies(lines)
    assert ministry.agency.display_name not in pending
    assert Agency.objects.get(code="so-dip").display_name in pending
    late = [line for line in lines if line.days_overdue]
    assert late and all(line.part.status != "done" for line in late)  # due 31.08.2025

    # the other bodies finish: the measure is done on the last part's date
    for part in collective.parts.exclude(pk=ministry.pk):
        part.measure = collective
        measure_part_set_status(
            part=part,
            status="done",
            actor=personas.admin,
            comment="Готово",
            completed_on=dt.date(2025, 9, 10),
            expected_version=part.version,
            today=TODAY,
        )
    collective.refresh_from_db()
    assert collective.status == MeasureStatus.DONE
    assert collective.completed_on == dt.date(2025, 9, 10)
    assert collective.is_done_late


def test_part_rules_are_the_measure_rules(collective, personas):
    ministry = _part(collective, "so-minobr")
    with pytest.raises(ValidationError) as error:
        measure_part_set_status(
            part=ministry, status="done", actor=personas.ministry_user, expected_version=1
        )
    assert "comment" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        measure_part_set_status(
            part=ministry,
            status="done",
            actor=personas.ministry_user,
            comment="x",
            completed_on=TODAY + dt.timedelta(days=1),
            expected_version=1,
            today=TODAY,
        )
    assert "completed_on" in error.value.message_dict
    assert not MeasureChange.objects.filter(measure=collective).exists()


def test_stale_part_version_is_a_conflict_and_saves_nothing(collective, personas):
    ministry = _part(collective, "so-minobr")
    measure_part_set_status(
        part=ministry, status="in_progress", actor=personas.ministry_user, expected_version=1
    )
    with pytest.raises(MeasureConflict) as conflict:
        measure_part_set_status(
            part=ministry,
            status="done",
            actor=personas.ministry_user,
            comment="x",
            expected_version=1,
        )
    assert conflict.value.changes
    ministry.refresh_from_db()
    assert ministry.status == "in_progress"


def test_two_bodies_update_their_parts_without_conflict(collective, personas):
    """Parts have their own versions: the DIP's save does not make the ministry's stale."""
    ministry, dip = _part(collective, "so-minobr"), _part(collective, "so-dip")
    measure_part_set_status(
        part=dip, status="in_progress", actor=personas.other_agency_user, expected_version=1
    )
    measure_part_set_status(
        part=ministry, status="in_progress", actor=personas.ministry_user, expected_version=1
    )
    assert set(collective.parts.filter(status="in_progress").values_list("pk", flat=True)) == {
        ministry.pk,
        dip.pk,
    }


def test_measure_status_by_staff_sets_only_their_parts(collective, personas):
    collective.refresh_from_db()
    measure_set_status(
        measure=collective,
        status="in_progress",
        actor=personas.other_agency_user,
        expected_version=collective.version,
    )
    statuses = dict(collective.parts.values_list("agency__code", "status"))
    assert statuses["so-dip"] == "in_progress"
    assert statuses["so-minobr"] == "not_started"


def test_measure_status_by_region_editor_sets_every_part(collective, personas):
    collective.refresh_from_db()
    measure_set_status(
        measure=collective,
        status="done",
        actor=personas.admin,
        comment="Всё сделано",
        expected_version=collective.version,
        today=TODAY,
    )
    assert set(collective.parts.values_list("status", flat=True)) == {"done"}
    collective.refresh_from_db()
    assert collective.status == "done"
    assert collective.changes.filter(part__isnull=False).count() == collective.parts.count()


def test_history_names_the_body(collective, personas):
    ministry = _part(collective, "so-minobr")
    measure_part_set_status(
        part=ministry, status="in_progress", actor=personas.ministry_user, expected_version=1
    )
    entry = history_entries(collective.changes.all())[0]
    labels = {field.label: field.new for field in entry.fields}
    assert labels["Орган"] == ministry.agency.display_name
    assert labels["Статус мероприятия"] == "В работе"


# --- the page ---------------------------------------------------------------------------

PERSONAS = ["ministry_user", "other_agency_user", "coordinator", "analyst", "admin", "outsider"]
# persona -> expected code when posting the ministry's part of Sverdlovsk 1.1 (302 = saved)
PART_WRITE = {
    "ministry_user": 302,
    "other_agency_user": 403,  # another body's part
    "coordinator": 403,  # not flagged as an editor of the region
    "analyst": 403,
    "admin": 302,
    "outsider": 404,
}


def _post_part(client, measure: Measure, part: MeasurePart, **data):
    prefix = f"part-{part.pk}"
    body = {f"{prefix}-status": "in_progress", f"{prefix}-version": part.version}
    body.update({f"{prefix}-{key}": value for key, value in data.items()})
    return client.post(reverse("roadmaps:measure-part", args=[measure.pk, part.pk]), body)


@pytest.mark.parametrize("persona", PERSONAS)
def test_part_page_matrix(persona_client, collective, persona):
    part = _part(collective, "so-minobr")
    response = _post_part(persona_client(persona), collective, part)
    assert response.status_code == PART_WRITE[persona]
    part.refresh_from_db()
    assert (part.status == "in_progress") is (PART_WRITE[persona] == 302)


def test_part_page_anonymous_goes_to_login(client, collective):
    response = _post_part(client, collective, _part(collective, "so-minobr"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_region_editor_coordinator_updates_any_part(client, collective):
    editor = make_user(Role.COORDINATOR, region=Region.objects.get(code="66"), can_edit_region=True)
    client.force_login(editor)
    response = _post_part(client, collective, _part(collective, "so-dip"))
    assert response.status_code == 302


def test_part_page_get_is_405(persona_client, collective):
    part = _part(collective, "so-minobr")
    url = reverse("roadmaps:measure-part", args=[collective.pk, part.pk])
    assert persona_client("admin").get(url).status_code == 405


def test_part_of_another_measure_is_404(persona_client, collective):
    other = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="1.2")
    part = _part(collective, "so-minobr")
    url = reverse("roadmaps:measure-part", args=[other.pk, part.pk])
    assert persona_client("admin").post(url, {}).status_code == 404


def test_page_shows_parts_and_who_has_not_done(persona_client, collective):
    client = persona_client("ministry_user")
    part = _part(collective, "so-minobr")
    response = _post_part(client, collective, part, status="done", comment="Сделано")
    assert response.status_code == 302
    page = client.get(collective.get_absolute_url()).content.decode()
    assert 'data-testid="parts"' in page
    assert "Не выполнили свою часть" in page
    assert Agency.objects.get(code="so-dip").display_name in page
    # the ministry's user gets a form for its own part only
    assert page.count('class="part-form') == 1


def test_page_part_error_is_shown_in_russian(persona_client, collective):
    part = _part(collective, "so-minobr")
    response = _post_part(persona_client("ministry_user"), collective, part, status="done")
    assert response.status_code == 200
    assert "Укажите комментарий" in response.content.decode()


def test_page_stale_part_form_is_a_conflict(persona_client, collective):
    part = _part(collective, "so-minobr")
    client = persona_client("ministry_user")
    assert _post_part(client, collective, part).status_code == 302
    response = _post_part(client, collective, part, status="done", comment="x")
    assert response.status_code == 409
    assert 'data-testid="conflict"' in response.content.decode()


def test_archived_measure_parts_are_read_only(persona_client, collective):
    from django.utils import timezone

    Measure.all_objects.filter(pk=collective.pk).update(archived_at=timezone.now())
    response = _post_part(persona_client("admin"), collective, _part(collective, "so-minobr"))
    assert response.status_code == 403


def test_command_is_idempotent(seeded):
    from io import StringIO

    from django.core.management import call_command

    MeasurePart.objects.all().delete()
    out = StringIO()
    call_command("sync_measure_parts", "--region", "66", stdout=out)
    assert "Частей создано: " in out.getvalue() and "создано: 0" not in out.getvalue()
    out = StringIO()
    call_command("sync_measure_parts", "--region", "66", stdout=out)
    assert "Частей создано: 0, удалено: 0" in out.getvalue()


def test_the_part_form_sent_twice_is_saved_once(persona_client, collective):
    """A double click on a body's part form was a 409 naming the user's own change."""
    part = _part(collective, "so-minobr")
    client = persona_client("ministry_user")
    # a status alone: judged again, the second would be «нет изменений»
    assert _post_part(client, collective, part).status_code == 302
    assert _post_part(client, collective, part).status_code == 302  # the same version
    assert MeasureChange.objects.filter(part=part).count() == 1
    part = _part(collective, "so-minobr")  # version 2: done, with a comment and a file
    data = {"status": "done", "comment": "Готово"}
    assert _post_part(client, collective, part, **data, evidence=pdf()).status_code == 302
    assert _post_part(client, collective, part, **data, evidence=pdf()).status_code == 302
    assert MeasureChange.objects.filter(part=part).count() == 2


def test_a_stale_part_form_lists_only_what_changed_since_it_was_opened(
    persona_client, collective, personas
):
    """The conflict listed the part's last ten changes, older ones too, as «changed after
    you opened the page»: only those after the form's version are listed."""
    part = _part(collective, "so-minobr")
    measure_part_set_status(
        part=part, status="in_progress", actor=personas.admin, comment="раньше", expected_version=1
    )
    part.refresh_from_db()  # the page is opened now (version 2)
    measure_part_set_status(
        part=MeasurePart.objects.get(pk=part.pk),
        status="done",
        actor=personas.admin,
        comment="потом",
        expected_version=2,
    )
    response = _post_part(persona_client("ministry_user"), collective, part, comment="x")
    assert response.status_code == 409
    comments = [entry.change.comment for entry in response.context["conflict_history"]]
    assert comments == ["потом"]
