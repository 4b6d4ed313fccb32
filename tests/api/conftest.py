"""API test helpers: a client per persona and one object of each resource per region."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from agencies.models import Municipality, Organisation, Region
from indicators.index.services import index_compute
from indicators.models import IndexFact, IndexScore, Indicator, MonitoringRollup, RegionBaseline
from roadmaps.choices import CascadeScope, ChangeKind
from roadmaps.models import (
    Cascade,
    CascadeProgress,
    CascadeTarget,
    Measure,
    MeasureChange,
    Roadmap,
)
from tests.factories import make_municipality, make_organisation

WEEK = dt.date(2025, 9, 1)


@pytest.fixture
def api_as(personas):
    """`api_as("coordinator")`: an API client authenticated as that persona (session)."""

    def make(name: str) -> APIClient:
        client = APIClient()
        if name != "anonymous":
            client.force_authenticate(getattr(personas, name))
        return client

    return make


@dataclass
class RegionData:
    region: Region
    roadmap: Roadmap
    measure: Measure
    municipality: Municipality
    organisation: Organisation
    rollup: MonitoringRollup
    cascade: Cascade
    progress: CascadeProgress
    change: MeasureChange
    baseline: RegionBaseline
    fact: IndexFact
    score: IndexScore


def _region_data(code: str, personas) -> RegionData:
    region = Region.objects.get(code=code)
    roadmap = Roadmap.objects.get(region=region)
    measure = roadmap.measures.order_by("position").first()
    municipality = make_municipality(region, f"Тестовый округ {code}")
    organisation = make_organisation(region, municipality)
    rollup = MonitoringRollup.objects.create(
        region=region,
        week_start=WEEK,
        organisations=1,
        edu_staff_total=40,
        edu_staff_writers=30,
        edu_students_total=100,
        edu_learners_active=50,
        np_sferum_users=200,
        np_max_only_users=0,
        vkm_users=10,
        vkm_and_max_users=5,
    )
    cascade = Cascade.objects.create(
        measure=measure, scope=CascadeScope.CHOSEN, subject=f"Каскад {code}"
    )
    CascadeTarget.objects.create(cascade=cascade, organisation=organisation)
    progress = CascadeProgress.objects.create(
        cascade=cascade, organisation=organisation, done_on=WEEK
    )
    change = MeasureChange.objects.create(
        measure=measure, kind=ChangeKind.STATUS, comment=f"Комментарий {code}"
    )
    baseline = RegionBaseline.objects.create(
        region=region, indicator=Indicator.objects.get(code="i1"), value=40, source="тест"
    )
    fact = IndexFact.objects.create(
        region=region, criterion_code="mfc_bot", value=1, as_of=WEEK, evidence_text="акт"
    )
    score = index_compute(region=region, on_date=WEEK)
    return RegionData(
        region,
        roadmap,
        measure,
        municipality,
        organisation,
        rollup,
        cascade,
        progress,
        change,
        baseline,
        fact,
        score,
    )


@pytest.fixture
def sverdlovsk(personas) -> RegionData:
    return _region_data("66", personas)


@pytest.fixture
def moscow_oblast(personas) -> RegionData:
    return _region_data("50", personas)
