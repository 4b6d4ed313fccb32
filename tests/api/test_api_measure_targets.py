"""The value achieved on a countable target through the API (If-Match: the measure's ETag)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from roadmaps.models import Measure, MeasureTarget
from tests.roadmaps.test_permissions import CASES, WRITE, _measure

pytestmark = pytest.mark.django_db
API_WRITE = {p: {t: 200 if c == 302 else c for t, c in row.items()} for p, row in WRITE.items()}


def _target(measure: Measure) -> MeasureTarget:
    return MeasureTarget.objects.create(
        measure=measure, description="публикаций", quantity=Decimal(2)
    )


def _post(client, measure, target, etag=None, **data):
    headers = {"HTTP_IF_MATCH": etag} if etag is not None else {}
    body = {"achieved": "1", "comment": "Первая", **data}
    url = f"/api/v1/measures/{measure.pk}/targets/{target.pk}/"
    return client.post(url, body, format="json", **headers)


@pytest.mark.parametrize(("persona", "where"), CASES)
def test_matrix(api_as, persona, where):
    measure = _measure(where)
    target = _target(measure)
    response = _post(api_as(persona), measure, target, f'"{measure.version}"')
    assert response.status_code == API_WRITE[persona][where], response.content
    if response.status_code == 200:
        body = response.json()
        got = next(t for t in body["targets"] if t["id"] == target.pk)
        assert Decimal(got["achieved"]) == 1 and got["share"] == 0.5
        assert response["ETag"] == f'"{measure.version + 1}"'


def test_anonymous_is_401(api_as, seeded):
    measure = _measure("own_agency")
    assert _post(api_as("anonymous"), measure, _target(measure), '"1"').status_code == 401


def test_if_match_and_errors(api_as, seeded):
    measure = _measure("own_agency")
    target = _target(measure)
    client = api_as("ministry_user")
    assert _post(client, measure, target).status_code == 428
    assert _post(client, measure, target, '"99"').status_code == 412
    response = _post(client, measure, target, f'"{measure.version}"', achieved="-1")
    assert response.status_code == 400 and "achieved" in response.json()["fields"]
