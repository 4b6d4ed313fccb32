"""The permission matrix: each persona × list, page, status update, evidence download,
cascade edit, for own region / other region / own agency / other agency.

Measures: «own agency» = Sverdlovsk 3.1 (Ministry of Education, the ministry_user's agency);
«other agency» = Sverdlovsk 4.4 (housing inspection: nobody's agency among the personas);
«other region» = Moscow oblast 1. Out of scope -> 404, visible but not editable -> 403.
"""

import pytest
from django.urls import reverse

from roadmaps.choices import ChangeKind
from roadmaps.models import Cascade, CascadeTarget, Measure, MeasureChange
from tests.factories import make_organisation
from tests.roadmaps.helpers import pdf

pytestmark = pytest.mark.django_db

PERSONAS = ["ministry_user", "other_agency_user", "coordinator", "analyst", "admin", "outsider"]
TARGETS = {
    "own_agency": ("sverdlovsk-2025", "3.1"),
    "other_agency": ("sverdlovsk-2025", "4.4"),
    "other_region": ("moscow-oblast-2025", "1"),
}

# persona -> target -> expected code for a read (page, evidence download)
READ = {
    "ministry_user": {"own_agency": 200, "other_agency": 200, "other_region": 404},
    "other_agency_user": {"own_agency": 200, "other_agency": 200, "other_region": 404},
    "coordinator": {"own_agency": 200, "other_agency": 200, "other_region": 404},
    "analyst": {"own_agency": 200, "other_agency": 200, "other_region": 200},
    "admin": {"own_agency": 200, "other_agency": 200, "other_region": 200},
    "outsider": {"own_agency": 404, "other_agency": 404, "other_region": 200},
}
# persona -> target -> expected code for a write (status update, cascade edit); 302 = saved
WRITE = {
    "ministry_user": {"own_agency": 302, "other_agency": 403, "other_region": 404},
    "other_agency_user": {"own_agency": 403, "other_agency": 403, "other_region": 404},
    "coordinator": {"own_agency": 403, "other_agency": 403, "other_region": 404},
    "analyst": {"own_agency": 403, "other_agency": 403, "other_region": 403},
    "admin": {"own_agency": 302, "other_agency": 302, "other_region": 302},
    "outsider": {"own_agency": 404, "other_agency": 404, "other_region": 403},
}
CASES = [(p, t) for p in PERSONAS for t in TARGETS]


def _measure(target: str) -> Measure:
    code, number = TARGETS[target]
    return Measure.objects.get(roadmap__code=code, number=number)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_list(persona_client, persona):
    response = persona_client(persona).get(reverse("roadmaps:measure-list"))
    assert response.status_code == (302 if persona == "anonymous" else 200)


@pytest.mark.parametrize(("persona", "target"), CASES)
def test_list_shows_only_scope(persona_client, persona, target):
    measure = _measure(target)
    response = persona_client(persona).get(reverse("roadmaps:measure-list"))
    ids = {row.measure.pk for row in response.context["rows"]}
    assert (measure.pk in ids) == (READ[persona][target] == 200)


@pytest.mark.parametrize(("persona", "target"), CASES)
def test_page(persona_client, persona, target):
    response = persona_client(persona).get(_measure(target).get_absolute_url())
    assert response.status_code == READ[persona][target]
    if response.status_code == 200:
        shows_form = 'data-testid="status-form"' in response.content.decode()
        assert shows_form == (WRITE[persona][target] == 302)


@pytest.mark.parametrize(("persona", "target"), CASES)
def test_status_update(persona_client, persona, target):
    measure = _measure(target)
    response = persona_client(persona).post(
        reverse("roadmaps:measure-status", args=[measure.pk]),
        {"status": "in_progress", "version": measure.version, "comment": "Начали"},
    )
    assert response.status_code == WRITE[persona][target]
    saved = Measure.objects.get(pk=measure.pk).status == "in_progress"
    assert saved == (response.status_code == 302)


@pytest.mark.parametrize(("persona", "target"), CASES)
def test_evidence_download(persona_client, personas, persona, target):
    measure = _measure(target)
    change = MeasureChange.objects.create(
        measure=measure, kind=ChangeKind.STATUS, actor=personas.admin, evidence=pdf()
    )
    response = persona_client(persona).get(
        reverse("roadmaps:evidence-download", args=[measure.pk, "change", change.pk])
    )
    assert response.status_code == READ[persona][target]


@pytest.mark.parametrize(("persona", "target"), CASES)
def test_cascade_create(persona_client, persona, target):
    measure = _measure(target)
    make_organisation(measure.roadmap.region)
    response = persona_client(persona).post(
        reverse("roadmaps:cascade-create", args=[measure.pk]), {"scope": "region"}
    )
    assert response.status_code == WRITE[persona][target]
    assert Cascade.objects.filter(measure=measure).exists() == (response.status_code == 302)


@pytest.mark.parametrize(("persona", "target"), CASES)
def test_cascade_progress(persona_client, personas, persona, target):
    measure = _measure(target)
    org = make_organisation(measure.roadmap.region)
    cascade = Cascade.objects.create(measure=measure, scope="chosen")
    CascadeTarget.objects.create(cascade=cascade, organisation=org)
    step = measure.steps.first()
    response = persona_client(persona).post(
        reverse("roadmaps:cascade-progress", args=[cascade.pk]),
        {"organisation": org.pk, "step": step.pk if step else "", "done_on": "2025-09-01"},
    )
    assert response.status_code == WRITE[persona][target]
    assert cascade.progress.exists() == (response.status_code == 302)


@pytest.mark.parametrize(
    "name",
    [
        "roadmaps:measure-status",
        "roadmaps:measure-report",
    ],
)
def test_get_on_post_view_is_405(persona_client, name):
    measure = _measure("own_agency")
    response = persona_client("ministry_user").get(reverse(name, args=[measure.pk]))
    assert response.status_code == 405


def test_get_on_post_cascade_views_is_405(persona_client):
    measure = _measure("own_agency")
    cascade = Cascade.objects.create(measure=measure, scope="region")
    client = persona_client("ministry_user")
    for name in ("roadmaps:cascade-progress", "roadmaps:cascade-import"):
        assert client.get(reverse(name, args=[cascade.pk])).status_code == 405
    step = _measure("own_agency")
    assert client.get(reverse("roadmaps:measure-step", args=[step.pk, 1])).status_code == 405


def test_csrf_enforced(client, personas):
    from django.test import Client

    measure = _measure("own_agency")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(personas.ministry_user)
    response = strict.post(
        reverse("roadmaps:measure-status", args=[measure.pk]),
        {"status": "in_progress", "version": 1},
    )
    assert response.status_code == 403
    assert Measure.objects.get(pk=measure.pk).status == "not_started"
    page = strict.get(measure.get_absolute_url()).content.decode()
    assert page.count("csrfmiddlewaretoken") >= page.count('method="post"')


def test_coordinator_flag_makes_region_editor(client, personas):
    coordinator = personas.coordinator
    coordinator.can_edit_region = True
    coordinator.save()
    client.force_login(coordinator)
    measure = _measure("other_agency")
    response = client.post(
        reverse("roadmaps:measure-status", args=[measure.pk]),
        {"status": "in_progress", "version": 1},
    )
    assert response.status_code == 302


def test_collective_responsible_counts_for_ministry(persona_client):
    """1.1 «Исполнительные органы … и их подведомственные организации» — every ministry."""
    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="1.1")
    for persona in ("ministry_user", "other_agency_user"):
        response = persona_client(persona).post(
            reverse("roadmaps:measure-status", args=[measure.pk]),
            {
                "status": "in_progress",
                "version": Measure.objects.get(pk=measure.pk).version,
                "comment": f"Начали ({persona})",
            },
        )
        assert response.status_code == 302
