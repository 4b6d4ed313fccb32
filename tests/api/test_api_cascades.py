"""Cascade progress through the API: the page's service and rules, including attempts to
record for an organisation of another region or another cascade (refused)."""

from __future__ import annotations

import pytest

from agencies.choices import Role
from roadmaps.choices import CascadeScope
from roadmaps.models import Cascade, CascadeProgress, CascadeTarget
from tests.factories import make_municipality, make_organisation, make_user
from tests.roadmaps.test_permissions import _measure

pytestmark = pytest.mark.django_db


@pytest.fixture
def cascade(seeded):
    """Sverdlovsk 3.1 (the ministry_user's agency) handed down to two schools of 66."""
    measure = _measure("own_agency")
    cascade = Cascade.objects.create(measure=measure, scope=CascadeScope.CHOSEN, subject="Школам")
    for name in ("Округ А", "Округ Б"):
        municipality = make_municipality(measure.roadmap.region, name)
        school = make_organisation(measure.roadmap.region, municipality)
        CascadeTarget.objects.create(cascade=cascade, organisation=school)
    return cascade


def _school(cascade, municipality_name: str):
    return cascade.organisations.get(municipality__name=municipality_name)


def _post(client, cascade, **data):
    body = {"organisation": _school(cascade, "Округ А").code, "done_on": "2025-09-10", **data}
    return client.post(f"/api/v1/cascades/{cascade.pk}/progress/", body, format="json")


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("ministry_user", 200),
        ("other_agency_user", 403),
        ("coordinator", 403),
        ("analyst", 403),
        ("admin", 200),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
def test_progress_matrix(api_as, cascade, persona, code):
    response = _post(api_as(persona), cascade)
    assert response.status_code == code, response.content
    saved = CascadeProgress.objects.filter(cascade=cascade).exists()
    assert saved is (code == 200)
    if code == 200:
        [row] = response.json()
        assert row["done_on"] == "2025-09-10"
        assert row["organisation_code"] == _school(cascade, "Округ А").code


def test_municipality_staff_records_only_their_schools(api_as, cascade, personas):
    from rest_framework.test import APIClient

    local = make_user(
        Role.STAFF,
        region=cascade.measure.roadmap.region,
        municipality=_school(cascade, "Округ А").municipality,
    )
    client = APIClient()
    client.force_authenticate(local)
    assert _post(client, cascade).status_code == 200
    other = _post(client, cascade, organisation=_school(cascade, "Округ Б").code)
    assert other.status_code == 403
    assert CascadeProgress.objects.filter(cascade=cascade).count() == 1


def test_organisation_of_another_region_is_refused(api_as, cascade):
    from agencies.models import Region

    foreign = make_organisation(Region.objects.get(code="50"))
    response = _post(api_as("admin"), cascade, organisation=foreign.code)
    assert response.status_code == 400
    assert "organisation" in response.json()["fields"]
    # even if it were (wrongly) an addressee, the ministry's user does not see it
    CascadeTarget.objects.create(cascade=cascade, organisation=foreign)
    response = _post(api_as("ministry_user"), cascade, organisation=foreign.code)
    assert response.status_code == 400
    assert not CascadeProgress.objects.filter(organisation=foreign).exists()


def test_step_of_another_measure_is_refused(api_as, cascade):
    from roadmaps.models import MeasureStep

    alien = MeasureStep.objects.exclude(measure=cascade.measure).first()
    response = _post(api_as("admin"), cascade, step=alien.pk)
    assert response.status_code == 400
    assert "step" in response.json()["fields"]


def test_future_date_is_a_service_error(api_as, cascade):
    response = _post(api_as("admin"), cascade, done_on="2030-12-31")  # in the window, ahead
    assert response.status_code == 400
    assert "будущем" in str(response.json()["fields"])


def test_null_date_clears(api_as, cascade):
    client = api_as("admin")
    assert _post(client, cascade).status_code == 200
    response = _post(client, cascade, done_on=None)
    assert response.status_code == 200 and response.json() == []
    assert not CascadeProgress.objects.filter(cascade=cascade).exists()


def test_progress_is_listed_in_cascade_progress(api_as, cascade):
    _post(api_as("admin"), cascade)
    body = api_as("coordinator").get(f"/api/v1/cascade-progress/?cascade={cascade.pk}").json()
    assert [row["organisation_code"] for row in body["results"]] == [
        _school(cascade, "Округ А").code
    ]
    assert (
        api_as("outsider").get(f"/api/v1/cascade-progress/?cascade={cascade.pk}").json()["count"]
        == 0
    )
