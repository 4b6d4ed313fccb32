from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from agencies.models import Region
from indicators.index.services import index_compute, index_fact_create
from indicators.models import Criterion, IndexScore, MethodologyVersion

pytestmark = pytest.mark.django_db


def test_locked_criterion_is_read_only_in_admin(persona_client, personas):
    personas.admin.is_staff = True
    personas.admin.is_superuser = True
    personas.admin.save()
    client = persona_client("admin")
    criterion = Criterion.objects.get(code="mfc_bot")
    url = reverse("admin:indicators_criterion_change", args=[criterion.pk])
    assert 'name="max_points"' in client.get(url).content.decode()  # not used yet: editable
    index_compute(region=Region.objects.get(code="66"), on_date=dt.date(2025, 10, 1))
    html = client.get(url).content.decode()
    assert 'name="max_points"' not in html and 'name="counts_from"' in html
    version = MethodologyVersion.objects.get(code="stage1")
    html = client.get(reverse("admin:indicators_methodologyversion_change", args=[version.pk]))
    assert 'name="valid_to"' in html.content.decode()
    assert 'name="name"' not in html.content.decode()


def test_fact_entry_recomputes_after_commit(seeded, personas, django_capture_on_commit_callbacks):
    region = Region.objects.get(code="66")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        index_fact_create(
            region=region,
            criterion_code="digital_id_acts",
            value=1,
            as_of=dt.date(2025, 9, 1),
            entered_by=personas.coordinator,
        )
    # the recompute (and the page cache's data version bump) run once the fact is committed
    # (published after commit: roadmap_portal.jobs.publish_after_commit)
    recomputes = [c for c in callbacks if "index_recompute" in getattr(c, "__qualname__", "")]
    assert len(recomputes) == 1
    score = IndexScore.objects.get(region=region, on_date=region.local_today())
    assert score.criteria["digital_id_acts"]["points"] == "5.00"
