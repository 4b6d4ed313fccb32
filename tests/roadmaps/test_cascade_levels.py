"""Cascades deeper than one level: the Khabarovsk chain (the regional ministry's letter to
the municipalities' education authorities, the district's letter to its schools), each
level with its own due date, progress rolled up level by level."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies.choices import OrgType
from agencies.models import Municipality, Region
from roadmaps.models import Cascade, Measure
from roadmaps.selectors import cascade_levels, cascade_tree
from roadmaps.services.cascades import cascade_create, cascade_progress_set, cascade_targets_sync
from tests.factories import make_municipality, make_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(seeded, personas):
    """The seed chain with organisations: two districts' authorities, their schools."""
    region = Region.objects.get(code="27")
    nikolaevsk = Municipality.objects.get(region=region, name="Николаевский муниципальный район")
    other = make_municipality(region, "Другой район")
    make_organisation(region, nikolaevsk, code="27UO1", org_type=OrgType.OMSU)
    make_organisation(region, other, code="27UO2", org_type=OrgType.OMSU)
    schools = [make_organisation(region, nikolaevsk, code=f"27S{n}") for n in range(3)]
    ministry = Cascade.objects.get(document_number="2211-01-14")
    district = Cascade.objects.get(document_number="01-15-1250")
    for cascade in (ministry, district):
        cascade_targets_sync(cascade)
    return {"ministry": ministry, "district": district, "schools": schools, "other": other}


def test_seed_chain(seeded):
    ministry = Cascade.objects.get(document_number="2211-01-14")
    district = Cascade.objects.get(document_number="01-15-1250")
    assert district.parent == ministry and ministry.parent is None
    assert ministry.issued_by.code == "kh-minobr" and district.issued_by.kind == "omsu"
    assert ministry.document_date == dt.date(2025, 7, 31)


def test_levels_roll_up(chain, personas):
    measure = chain["ministry"].measure
    for school in chain["schools"][:2]:
        cascade_progress_set(
            cascade=chain["district"],
            organisation=school,
            step=None,
            done_on=dt.date(2025, 8, 20),
            actor=personas.admin,
        )
    tree = cascade_tree(list(measure.cascades.all()))
    assert [node.cascade for node in tree] == [chain["ministry"]]
    root = tree[0]
    assert [child.cascade for child in root.children] == [chain["district"]]
    assert (root.summary.done, root.summary.total) == (0, 2)  # the districts' authorities
    assert (root.rolled_done, root.rolled_total) == (2, 3)  # the schools below
    levels = cascade_levels(tree)
    assert [(lv.depth, lv.done, lv.total) for lv in levels] == [(1, 0, 2), (2, 2, 3)]


def test_each_level_has_its_own_due_date(chain, personas):
    measure = chain["ministry"].measure
    second = cascade_create(
        measure=measure,
        scope="municipality",
        municipality=chain["other"],
        org_types=[OrgType.SCHOOL],
        actor=personas.admin,
        due_date=dt.date(2025, 9, 1),
        parent=chain["ministry"],
        document_number="02-01",
    )
    Cascade.objects.filter(pk=chain["district"].pk).update(due_date=dt.date(2025, 8, 25))
    levels = cascade_levels(cascade_tree(list(measure.cascades.all())))
    assert levels[1].due_dates == [dt.date(2025, 8, 25), dt.date(2025, 9, 1)]
    assert second.parent == chain["ministry"]


def test_parent_of_another_measure_is_refused(chain, personas):
    other = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.9")
    with pytest.raises(ValidationError) as error:
        cascade_create(
            measure=other, scope="region", actor=personas.admin, parent=chain["ministry"]
        )
    assert "parent" in error.value.message_dict


def test_pages_show_the_chain(chain, persona_client):
    client = persona_client("admin")
    measure = chain["ministry"].measure
    page = client.get(measure.get_absolute_url()).content.decode()
    assert 'data-testid="cascade-levels"' in page
    assert 'data-testid="cascade-node-2"' in page
    assert "На нижнем уровне выполнили: 0 из 3" in page
    page = client.get(reverse("roadmaps:cascade-detail", args=[chain["district"].pk]))
    assert 'data-testid="cascade-parent"' in page.content.decode()
    page = client.get(reverse("roadmaps:cascade-detail", args=[chain["ministry"].pk]))
    assert "01-15-1250" in page.content.decode()


def test_create_form_offers_the_level_above(chain, persona_client):
    client = persona_client("admin")
    measure = chain["ministry"].measure
    url = reverse("roadmaps:cascade-create", args=[measure.pk])
    response = client.post(
        url,
        {
            "scope": "municipality",
            "municipality": chain["other"].pk,
            "org_types": [OrgType.SCHOOL],
            "parent": chain["ministry"].pk,
            "due_date": "2025-09-05",
        },
    )
    assert response.status_code == 302
    created = Cascade.objects.filter(measure=measure).latest("pk")
    assert created.parent == chain["ministry"] and created.due_date == dt.date(2025, 9, 5)


def test_new_targets_move_the_region_pages(seeded, django_capture_on_commit_callbacks):
    """Organisations joining a cascade change its progress on the region's pages: the
    region's data version moves (agencies.dataversion), once they are written."""
    from agencies.dataversion import region_token

    region = Region.objects.get(code="27")
    nikolaevsk = Municipality.objects.get(region=region, name="Николаевский муниципальный район")
    ministry = Cascade.objects.get(document_number="2211-01-14")
    with django_capture_on_commit_callbacks(execute=True):
        cascade_targets_sync(ministry)
    before = region_token(region.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert cascade_targets_sync(ministry) == 0  # nothing new: nothing moves
    assert region_token(region.pk) == before
    make_organisation(region, nikolaevsk, code="27UO9", org_type=OrgType.OMSU)
    with django_capture_on_commit_callbacks(execute=True):
        assert cascade_targets_sync(ministry) >= 1
    assert region_token(region.pk) != before
