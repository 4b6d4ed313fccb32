import pytest

from agencies import access
from agencies.choices import AgencyKind, Role
from agencies.models import Agency, Region
from roadmaps.models import Measure, Roadmap
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db


def test_region_scope(personas):
    sverdlovsk = Region.objects.get(code="66")
    assert access.region_scope(personas.coordinator) == frozenset({sverdlovsk.id})
    assert access.region_scope(personas.ministry_user) == frozenset({sverdlovsk.id})
    assert access.region_scope(personas.analyst) is None
    assert access.region_scope(personas.admin) is None


def test_extra_regions(personas):
    analyst = make_user(Role.ANALYST)
    analyst.extra_regions.set(Region.objects.filter(code__in=["66", "50"]))
    assert len(access.region_scope(analyst)) == 2
    assert access.spans_regions(analyst)


def test_collective_stands_for_regional_bodies(personas):
    """1.1 is led by «Исполнительные органы … и их подведомственные организации»."""
    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="1.1")
    editable = Measure.objects.editable_by(personas.ministry_user)
    assert measure in editable
    # 1.2 stands for local self-government bodies, not for a ministry
    assert not editable.filter(roadmap__code="sverdlovsk-2025", number="1.2").exists()


def test_subordinate_counts_only_with_subordinates(personas):
    ministry = Agency.objects.get(code="so-minobr")
    school_dept = make_agency(ministry.region, kind=AgencyKind.SUBORDINATE, parent=ministry)
    user = make_user(Role.STAFF, agency=school_dept)
    editable = Measure.objects.editable_by(user).filter(roadmap__code="sverdlovsk-2025")
    numbers = set(editable.values_list("number", flat=True))
    assert "1.1" in numbers  # «… и их подведомственные организации»
    assert "1.5" not in numbers  # «Исполнительные органы …» without subordinates
    assert "3.1" not in numbers  # the ministry's own measure: a subordinate does not edit it


def test_agency_edits_measures_of_agencies_under_it(personas):
    ministry = Agency.objects.get(code="so-minobr")
    child = make_agency(ministry.region, kind=AgencyKind.SUBORDINATE, parent=ministry)
    from tests.factories import make_measure

    roadmap = Roadmap.objects.get(code="sverdlovsk-2025")
    measure = make_measure(roadmap, agencies=[child])
    assert measure in Measure.objects.editable_by(personas.ministry_user)


def test_other_agency_and_coordinator_cannot_edit(personas):
    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.1")
    assert measure not in Measure.objects.editable_by(personas.other_agency_user)
    assert measure not in Measure.objects.editable_by(personas.coordinator)
    assert measure not in Measure.objects.editable_by(personas.analyst)
    assert measure in Measure.objects.editable_by(personas.admin)
    personas.coordinator.can_edit_region = True
    personas.coordinator.save()
    coordinator = type(personas.coordinator).objects.get(pk=personas.coordinator.pk)
    assert measure in Measure.objects.editable_by(coordinator)


def test_visibility_by_region(personas):
    visible = Measure.objects.visible_to(personas.coordinator)
    assert visible.filter(roadmap__code="sverdlovsk-2025").count() == 44
    assert not visible.filter(roadmap__code="moscow-oblast-2025").exists()
    assert visible.filter(roadmap__region__isnull=True).exists()  # the federal plan
    assert Measure.objects.visible_to(personas.analyst).count() == Measure.objects.count()


@pytest.mark.parametrize(
    "persona", ["ministry_user", "other_agency_user", "coordinator", "analyst", "admin", "outsider"]
)
def test_can_edit_measure_agrees_with_editable_by(personas, persona):
    user = getattr(personas, persona)
    if persona == "coordinator":
        user.can_edit_region = True
        user.save()
    editable = set(Measure.objects.editable_by(user).values_list("pk", flat=True))
    for measure in Measure.objects.prefetch_related("responsibilities").select_related("roadmap"):
        assert access.can_edit_measure(user, measure) == (measure.pk in editable), measure


def test_can_record_cascade(personas):
    from roadmaps.models import Cascade
    from tests.factories import make_municipality, make_organisation

    sverdlovsk = Region.objects.get(code="66")
    muni = make_municipality(sverdlovsk)
    other_muni = make_municipality(sverdlovsk)
    school = make_organisation(sverdlovsk, muni)
    other_school = make_organisation(sverdlovsk, other_muni)
    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.9")
    cascade = Cascade.objects.create(measure=measure, scope="region")
    muni_user = make_user(Role.STAFF, region=sverdlovsk, municipality=muni)
    org_user = make_user(Role.STAFF, region=sverdlovsk, organisation=school)
    assert access.can_record_cascade(personas.ministry_user, cascade, other_school)
    assert not access.can_record_cascade(personas.other_agency_user, cascade, school)
    assert not access.can_record_cascade(personas.coordinator, cascade, school)
    assert access.can_record_cascade(muni_user, cascade, school)
    assert not access.can_record_cascade(muni_user, cascade, other_school)
    assert access.can_record_cascade(org_user, cascade, school)
    assert not access.can_record_cascade(org_user, cascade, other_school)
    assert not access.can_record_cascade(personas.outsider, cascade, school)


# --- every permission predicate lives in agencies.access: the matrix by persona ---------

PERSONAS = ("ministry_user", "other_agency_user", "coordinator", "analyst", "admin", "outsider")


@pytest.mark.parametrize(
    ("predicate", "allowed"),
    [
        (access.has_reporting_role, {"coordinator", "analyst", "admin", "outsider"}),
        (access.can_export, {"coordinator", "analyst", "admin", "outsider"}),
        (access.can_see_ranking, {"coordinator", "analyst", "admin", "outsider"}),
        (access.can_import_index_inputs, {"coordinator", "analyst", "admin", "outsider"}),
        (access.can_see_country, {"analyst", "admin"}),
        (access.is_verifier, {"analyst", "admin"}),
        (access.is_admin, {"admin"}),
    ],
)
def test_user_predicates(personas, predicate, allowed):
    assert {p for p in PERSONAS if predicate(getattr(personas, p))} == allowed


@pytest.mark.parametrize(
    ("predicate", "allowed"),
    [
        (
            lambda user, region: access.can_upload_monitoring(user, region),
            {"ministry_user", "other_agency_user", "coordinator", "analyst", "admin"},
        ),
        (
            lambda user, region: access.can_edit_baselines(user, region),
            {"coordinator", "admin"},
        ),
        (
            lambda user, region: access.can_enter_facts(user, region.pk),
            {"coordinator", "analyst", "admin"},
        ),
    ],
)
def test_region_predicates(personas, predicate, allowed):
    sverdlovsk = Region.objects.get(code="66")
    assert {p for p in PERSONAS if predicate(getattr(personas, p), sverdlovsk)} == allowed


def test_coordinator_of_several_regions_sees_the_country(personas):
    coordinator = personas.coordinator
    assert not access.can_see_country(coordinator)
    coordinator.extra_regions.add(Region.objects.get(code="50"))
    fresh = type(coordinator).objects.get(pk=coordinator.pk)
    assert access.can_see_country(fresh)


def test_anonymous_and_inactive_users_may_do_nothing(personas):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    region = Region.objects.get(code="66")
    for predicate in (
        access.can_export,
        access.can_see_ranking,
        access.can_see_country,
        access.is_verifier,
        access.can_import_index_inputs,
    ):
        assert not predicate(anonymous)
    assert not access.can_upload_monitoring(anonymous, region)
    assert not access.can_edit_baselines(anonymous, region)
    assert not access.can_enter_facts(anonymous, region.pk)
    personas.analyst.is_active = False
    assert not access.can_export(personas.analyst)
    assert not access.can_see_ranking(personas.analyst)


def test_a_coordinator_edits_their_own_region_not_one_they_only_see(personas):
    """`extra_regions` are seen, not edited (as for the roadmap import); the predicate and
    the queryset agree, row by row."""
    from roadmaps.models import Measure

    coordinator = personas.coordinator
    coordinator.can_edit_region = True
    coordinator.save()
    coordinator.extra_regions.add(Region.objects.get(code="50"))
    fresh = type(coordinator).objects.get(pk=coordinator.pk)
    moscow_oblast = Region.objects.get(code="50")
    sverdlovsk = Region.objects.get(code="66")
    assert access.can_see_region(fresh, moscow_oblast.pk)
    assert not access.can_edit_region_measures(fresh, moscow_oblast.pk)
    assert access.can_edit_region_measures(fresh, sverdlovsk.pk)
    editable = set(Measure.objects.editable_by(fresh).values_list("pk", flat=True))
    visible = Measure.objects.visible_to(fresh).prefetch_related("responsibilities")
    assert {m.pk for m in visible if access.can_edit_measure(fresh, m)} == editable
    assert (
        editable
        and not Measure.objects.filter(pk__in=editable, roadmap__region=moscow_oblast).exists()
    )
