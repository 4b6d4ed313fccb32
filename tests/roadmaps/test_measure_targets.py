"""Countable targets: the value achieved entered on the page and through the API by those
who may edit the measure, with evidence and history, and progress against the target."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from roadmaps.models import Measure, MeasureChange, MeasureTarget
from roadmaps.selectors import history_entries
from roadmaps.services.measures import MeasureConflict, measure_target_set
from tests.roadmaps.helpers import pdf
from tests.roadmaps.test_permissions import CASES, WRITE, _measure

pytestmark = pytest.mark.django_db


def _target(measure: Measure, **kwargs) -> MeasureTarget:
    defaults = {"description": "публикаций о переходе", "quantity": Decimal(2), "unit": ""}
    defaults.update(kwargs)
    return MeasureTarget.objects.create(measure=measure, **defaults)


@pytest.fixture
def own(seeded) -> Measure:
    return _measure("own_agency")


def test_seed_targets_are_read(seeded):
    measure = Measure.objects.get(roadmap__code="moscow-oblast-2025", number="7")
    assert measure.targets.exists()


def test_value_with_evidence_and_history(own, personas):
    target = _target(own)
    change = measure_target_set(
        target=target,
        achieved="1",
        actor=personas.ministry_user,
        comment="Первая публикация",
        evidence=pdf(),
        expected_version=own.version,
    )
    target.refresh_from_db()
    assert target.achieved == Decimal(1) and target.achieved_at is not None
    assert target.share == 0.5 and not target.is_reached
    assert change.kind == "target" and change.evidence
    assert change.changes["achieved"] == [None, "1"]
    entry = history_entries([change])[0]
    labels = {field.label: (field.old, field.new) for field in entry.fields}
    assert labels["Достигнуто"] == ("", "1")
    assert labels["Цель"][1] == "публикаций о переходе"

    own.refresh_from_db()
    measure_target_set(
        target=target, achieved="2,0", actor=personas.ministry_user, expected_version=own.version
    )
    target.refresh_from_db()
    assert target.is_reached and target.share == 1.0


@pytest.mark.parametrize(
    ("value", "unit", "message"),
    [
        ("много", "", "числом"),
        ("-1", "", "отрицательным"),
        ("101", "%", "100"),
        ("1,234", "", "2 после"),
        ("nan", "", "числом"),
        ("12345678901", "", "10 цифр"),
        # the one grammar of a number (roadmap_portal.numbers): nothing read as something close
        ("1 5", "", "пробел"),
        ("1e3", "", "числом"),
        ("1_000", "", "числом"),
        ("\u0661\u0662", "", "цифры 0-9"),  # Arabic-Indic 12
        ("１２", "", "цифры 0-9"),  # full-width 12
    ],
)
def test_impossible_values_are_refused_in_russian(own, personas, value, unit, message):
    target = _target(own, unit=unit)
    with pytest.raises(ValidationError) as error:
        measure_target_set(
            target=target, achieved=value, actor=personas.admin, expected_version=own.version
        )
    assert message in " ".join(error.value.message_dict["achieved"])
    target.refresh_from_db()
    assert target.achieved is None
    assert not MeasureChange.objects.filter(measure=own, kind="target").exists()


def test_nothing_changed_is_refused(own, personas):
    target = _target(own)
    with pytest.raises(ValidationError):
        measure_target_set(
            target=target, achieved="", actor=personas.admin, expected_version=own.version
        )


def test_stale_version_is_a_conflict(own, personas):
    target = _target(own)
    with pytest.raises(MeasureConflict):
        measure_target_set(
            target=target, achieved="1", actor=personas.admin, expected_version=own.version + 5
        )


def _post(client, measure: Measure, target: MeasureTarget, **data):
    prefix = f"target-{target.pk}"
    body = {f"{prefix}-achieved": "1", f"{prefix}-version": measure.version}
    body.update({f"{prefix}-{key}": value for key, value in data.items()})
    return client.post(reverse("roadmaps:measure-target", args=[measure.pk, target.pk]), body)


@pytest.mark.parametrize(("persona", "where"), CASES)
def test_page_matrix(persona_client, persona, where):
    measure = _measure(where)
    target = _target(measure)
    response = _post(persona_client(persona), measure, target)
    assert response.status_code == WRITE[persona][where]
    target.refresh_from_db()
    assert (target.achieved == 1) is (WRITE[persona][where] == 302)


def test_page_anonymous_goes_to_login(client, own):
    response = _post(client, own, _target(own))
    assert response.status_code == 302 and "login" in response["Location"]


def test_page_shows_progress_and_form(persona_client, own):
    target = _target(own, quantity=Decimal(90), unit="%", description="сотрудников в MAX")
    client = persona_client("ministry_user")
    assert _post(client, own, target, achieved="45").status_code == 302
    page = client.get(own.get_absolute_url()).content.decode()
    assert 'data-testid="targets"' in page
    assert "достигнуто 45&nbsp;% из 90&nbsp;%" in page  # the unit after a no-break space
    assert 'class="target-form' in page
    # an analyst sees the progress, not the form
    page = persona_client("analyst").get(own.get_absolute_url()).content.decode()
    assert "достигнуто 45&nbsp;%" in page and 'class="target-form' not in page


def test_page_error_stays_on_the_page(persona_client, own):
    target = _target(own)
    response = _post(persona_client("ministry_user"), own, target, achieved="-3")
    assert response.status_code == 200
    assert "отрицательным" in response.content.decode()


def test_page_target_of_another_measure_is_404(persona_client, own):
    other = _measure("other_agency")
    target = _target(other)
    url = reverse("roadmaps:measure-target", args=[own.pk, target.pk])
    assert persona_client("admin").post(url, {}).status_code == 404


def test_a_number_as_people_write_it(own, personas):
    target = _target(own, quantity=Decimal(5000))
    measure_target_set(
        target=target, achieved="1 234,5", actor=personas.admin, expected_version=own.version
    )
    target.refresh_from_db()
    assert target.achieved == Decimal("1234.5")


def test_the_target_form_sent_twice_is_saved_once(persona_client, own):
    """A double click on the achieved value's form: the second request was a 409
    «изменено другим пользователем» naming the user's own entry; it is the first one's
    success (roadmaps.services.measures._resubmitted), one history entry."""
    target = _target(own)
    client = persona_client("ministry_user")
    assert _post(client, own, target, comment="Две публикации").status_code == 302
    again = _post(client, own, target, comment="Две публикации")
    assert again.status_code == 302
    assert own.changes.filter(kind="target").count() == 1
    other = _post(client, own, target, achieved="2", comment="Две публикации")
    assert other.status_code == 409  # a different value on the old version: a conflict
