"""«Сколько организаций выполнили каскад» is counted once: the cascade's page, the region
dashboard and the «каскад отстаёт» alert count the same organisations.

The dashboard counted an organisation's progress rows (any sub-step, the whole-measure
row too), the alert its distinct sub-steps, the page checked every sub-step of the measure
among the cascade's organisations. They disagreed when an organisation left the cascade
after recording progress, and when a measure gained sub-steps after a whole-measure mark.
"""

from __future__ import annotations

import datetime as dt

import pytest

from alerts.choices import AlertKind
from alerts.models import Alert
from alerts.services import alerts_sync
from reports.dashboards.roadmap import cascades
from roadmaps.models import Cascade, CascadeProgress, CascadeTarget
from roadmaps.selectors import cascade_summary
from tests.factories import (
    make_measure,
    make_municipality,
    make_organisation,
    make_region,
    make_roadmap,
)

pytestmark = pytest.mark.django_db

DONE_ON = dt.date(2025, 10, 1)
TODAY = dt.date(2025, 11, 1)


def _cascade(steps: int):
    region = make_region("94")
    muni = make_municipality(region)
    measure = make_measure(make_roadmap(region), due_date=dt.date(2025, 12, 31))
    for position in range(steps):
        measure.steps.create(position=position, title=f"шаг {position + 1}")
    cascade = Cascade.objects.create(
        measure=measure, scope="chosen", municipality=muni, document_date=dt.date(2025, 9, 1)
    )
    orgs = [make_organisation(region, muni) for _ in range(4)]
    for org in orgs:
        CascadeTarget.objects.create(cascade=cascade, organisation=org)
    return region, measure, cascade, orgs


def _counted(region, cascade):
    """(done, total) on the cascade's page, the region dashboard and the alert."""
    summary = cascade_summary(cascade)
    page = (sum(1 for org in summary.orgs if org.is_done), len(summary.orgs))
    line = next(line for line in cascades(region=region) if line.cascade == cascade)
    alerts_sync(region=region, on_date=TODAY)
    alert = Alert.objects.open().filter(kind=AlertKind.CASCADE_LAGGING, region=region).first()
    alerted = (alert.details["done"], alert.details["total"]) if alert else None
    return {"page": page, "dashboard": (line.done, line.targets), "alert": alerted}


def _progress(cascade, org, step=None):
    CascadeProgress.objects.create(cascade=cascade, organisation=org, step=step, done_on=DONE_ON)


def test_an_organisation_that_left_the_cascade_is_counted_by_nobody(seeded):
    region, measure, cascade, orgs = _cascade(steps=2)
    for org in orgs[:2]:
        for step in measure.steps.all():
            _progress(cascade, org, step)
    # the second organisation leaves the cascade (a closed school, removed in the admin)
    CascadeTarget.objects.filter(cascade=cascade, organisation=orgs[1]).delete()
    seen = _counted(region, cascade)
    assert seen["page"] == seen["dashboard"] == seen["alert"] == (1, 3)


def test_a_sub_step_added_later_must_be_done_too(seeded):
    region, measure, cascade, orgs = _cascade(steps=0)
    _progress(cascade, orgs[0])  # the whole measure, while it had no sub-steps
    _progress(cascade, orgs[1])
    first = measure.steps.create(position=0, title="шаг 1")
    measure.steps.create(position=1, title="шаг 2")
    _progress(cascade, orgs[0], first)  # one of the two sub-steps, besides the old mark
    seen = _counted(region, cascade)
    assert seen["page"] == seen["dashboard"] == seen["alert"] == (0, 4)
