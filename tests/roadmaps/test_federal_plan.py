"""Regional measures linked to items of the federal plan: the link, the later-deadline flag,
and the federal view (analysts and administrators, scoped)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from roadmaps.models import Measure
from roadmaps.selectors import federal_progress
from roadmaps.services.measures import measure_federal_link
from tests.roadmaps.test_permissions import CASES, WRITE, _measure

pytestmark = pytest.mark.django_db


def _federal(number: str) -> Measure:
    return Measure.objects.get(roadmap__code="federal-plan-2025", number=number)


def test_link_records_history_and_flags_a_later_deadline(seeded, personas):
    measure = _measure("own_agency")  # Sverdlovsk 3.1, due 30.09.2025
    mass = _federal("2")  # «Сентябрь … до 15 сентября»: due 15.09.2025
    change = measure_federal_link(
        measure=measure, federal_item=mass, actor=personas.admin, expected_version=1
    )
    measure.refresh_from_db()
    assert measure.federal_item == mass
    assert measure.is_later_than_federal
    assert "позже срока федерального плана (15.09.2025)" in change.comment
    assert change.changes["federal_item"][1].startswith("2. ")
    measure_federal_link(
        measure=measure, federal_item=_federal("4"), actor=personas.admin, expected_version=2
    )
    measure.refresh_from_db()
    assert not measure.is_later_than_federal  # 30.09 before 01.11


def test_only_regional_measures_link_only_to_federal_items(seeded, personas):
    regional, other = _measure("own_agency"), _measure("other_agency")
    with pytest.raises(ValidationError):
        measure_federal_link(
            measure=regional, federal_item=other, actor=personas.admin, expected_version=1
        )
    federal = _federal("1")
    with pytest.raises(ValidationError):
        measure_federal_link(
            measure=federal, federal_item=_federal("2"), actor=personas.admin, expected_version=1
        )


@pytest.mark.parametrize(("persona", "where"), CASES)
def test_link_page_matrix(persona_client, persona, where):
    measure = _measure(where)
    item = _federal("3")
    response = persona_client(persona).post(
        reverse("roadmaps:measure-federal", args=[measure.pk]),
        {"federal_item": item.pk, "version": measure.version},
    )
    assert response.status_code == WRITE[persona][where]
    measure.refresh_from_db()
    assert (measure.federal_item_id == item.pk) is (WRITE[persona][where] == 302)


FEDERAL_VIEW = {
    "ministry_user": 403,
    "other_agency_user": 403,
    "coordinator": 403,
    "analyst": 200,
    "admin": 200,
    "outsider": 403,
    "anonymous": 302,
}


@pytest.mark.parametrize(("persona", "code"), FEDERAL_VIEW.items())
def test_federal_view_matrix(persona_client, seeded, persona, code):
    response = persona_client(persona).get(reverse("roadmaps:federal-plan"))
    assert response.status_code == code


def test_federal_progress_across_regions_and_scope(seeded, personas):
    item = _federal("3")  # «Сентябрь – октябрь … с 15 сентября»: due 31.10.2025
    sverdlovsk = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.9")
    moscow = Measure.objects.get(roadmap__code="moscow-oblast-2025", number="1")
    Measure.objects.filter(pk__in=[sverdlovsk.pk, moscow.pk]).update(federal_item=item)
    Measure.objects.filter(pk=moscow.pk).update(status="done", completed_on=dt.date(2025, 9, 1))
    rows = {p.item.number: p for p in federal_progress(personas.analyst)}
    row = rows["3"]
    assert (row.linked, row.done, row.regions) == (2, 1, 2)
    assert rows["1"].linked == 0
    # a Moscow oblast coordinator's scope sees only its own region's measure
    mine = {p.item.number: p for p in federal_progress(personas.outsider)}["3"]
    assert (mine.linked, mine.done) == (1, 1)


def test_federal_view_lists_items_with_printed_deadlines(persona_client, seeded):
    page = persona_client("analyst").get(reverse("roadmaps:federal-plan")).content.decode()
    assert "Сентябрь – октябрь … с 15 сентября" in page
    assert "15.09.2025 — 31.10.2025" in page


def test_measure_page_shows_the_flag(persona_client, seeded, personas):
    measure = _measure("own_agency")
    measure_federal_link(
        measure=measure, federal_item=_federal("2"), actor=personas.admin, expected_version=1
    )
    page = persona_client("ministry_user").get(measure.get_absolute_url()).content.decode()
    assert 'data-testid="later-than-federal"' in page


def test_api_shows_the_link_and_the_flag(client, seeded, personas):
    from rest_framework.test import APIClient

    measure = _measure("own_agency")
    measure_federal_link(
        measure=measure, federal_item=_federal("2"), actor=personas.admin, expected_version=1
    )
    api = APIClient()
    api.force_authenticate(personas.ministry_user)
    body = api.get(f"/api/v1/measures/{measure.pk}/").json()
    assert body["federal_item"] == _federal("2").pk
    assert body["is_later_than_federal"] is True
