import datetime as dt

import pytest
from django.utils import timezone

from agencies.models import Agency, Organisation, Region
from reports.dashboards import roadmap as sel
from roadmaps.models import Cascade, CascadeProgress, Measure, MeasureChange, MeasureStep
from tests.factories import make_organisation

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 11, 1)


@pytest.fixture
def sverdlovsk(seeded):
    return Region.objects.get(code="66")


def test_completion_by_section_counts_overdue_first(sverdlovsk, django_assert_num_queries):
    Measure.objects.filter(roadmap__code="sverdlovsk-2025", number="1.1").update(status="done")
    Measure.objects.filter(roadmap__code="sverdlovsk-2025", number="1.5").update(
        status="in_progress"
    )
    with django_assert_num_queries(1):
        sections = sel.completion_by_section(region=sverdlovsk, today=TODAY)
    assert [s.total for s in sections] == [6, 6, 22, 8, 2]
    first = sections[0]
    # 1.1 done; 1.2 (31.08), 1.3, 1.4, 1.6 (31.10) overdue on 01.11; 1.5 (26.12) in progress
    assert (first.done, first.overdue, first.in_progress, first.not_started) == (1, 4, 1, 0)
    assert first.label == "1. Общие мероприятия для органов власти"


def test_overdue_and_upcoming(sverdlovsk, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        total, lines = sel.overdue_measures(region=sverdlovsk, today=TODAY, limit=5)
        first = lines[0]
        lead = first.lead.name
    due_before = Measure.objects.filter(roadmap__region=sverdlovsk, due_date__lt=TODAY).count()
    assert total == due_before
    assert first.measure.number == "3.3" and first.days == 93  # due 31.07.2025
    assert lead == "Министерство образования Свердловской области"
    upcoming = sel.upcoming_deadlines(region=sverdlovsk, today=dt.date(2025, 11, 20))
    assert {line.measure.number for line in upcoming} == {"2.3", "3.18", "3.19", "4.1", "4.3"}
    assert all(0 <= line.days <= 14 for line in upcoming)


def test_cascade_share_counts_organisations_with_every_step(seeded, django_assert_num_queries):
    khabarovsk = Region.objects.get(code="27")
    cascade = Cascade.objects.get(document_number="01-15-1250")
    schools = [make_organisation(khabarovsk, cascade.municipality) for _ in range(4)]
    from roadmaps.services.cascades import cascade_targets_sync

    cascade_targets_sync(cascade)
    step_a = MeasureStep.objects.create(measure=cascade.measure, position=0, title="a")
    step_b = MeasureStep.objects.create(measure=cascade.measure, position=1, title="b")
    for org in schools[:2]:
        for step in (step_a, step_b):
            CascadeProgress.objects.create(
                cascade=cascade, organisation=org, step=step, done_on=TODAY
            )
    CascadeProgress.objects.create(
        cascade=cascade, organisation=schools[2], step=step_a, done_on=TODAY
    )
    with django_assert_num_queries(1):  # the cascades with their counts
        lines = sel.cascades(region=khabarovsk)
    # the district's letter (the ministry's, the level above, goes to authorities)
    line = next(line for line in lines if line.cascade == cascade)
    assert (line.targets, line.done, line.share) == (4, 2, 0.5)
    assert Organisation.objects.filter(region=khabarovsk).count() == 4


def test_silent_agencies_and_recent_changes(sverdlovsk, personas, django_assert_max_num_queries):
    now = timezone.now()
    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="1.6")  # so-dip only
    MeasureChange.objects.create(measure=measure, kind="status", actor=personas.other_agency_user)
    with django_assert_max_num_queries(3):
        silent = sel.silent_agencies(region=sverdlovsk, now=now)
    names = [entry.agency.name for entry in silent]
    assert "Министерство образования Свердловской области" in names
    assert "Департамент информационной политики Свердловской области" not in names
    minobr = next(e for e in silent if e.agency.code == "so-minobr")
    assert (
        len(minobr.open_measures)
        == Measure.objects.filter(
            roadmap__region=sverdlovsk, responsibilities__agency__code="so-minobr"
        ).count()
    )
    changes = sel.status_changes_since(region=sverdlovsk, since=now - dt.timedelta(days=7))
    assert [c.measure.number for c in changes] == ["1.6"]
    assert Agency.objects.filter(code="so-dip").exists()
