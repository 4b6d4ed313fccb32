"""The batch tasks a multi-region monitoring import enqueues (one per consumer)."""

import datetime as dt

import pytest

from agencies.models import Region
from alerts.models import Alert
from alerts.tasks import alerts_sync_regions
from indicators.models import IndexScore
from indicators.tasks import index_recompute_regions
from tests.indicators.index_helpers import fact

pytestmark = pytest.mark.django_db


def test_alerts_sync_regions_covers_each_region_once_and_is_idempotent(seeded):
    ids = list(Region.objects.filter(code__in=["66", "33"]).values_list("id", flat=True))
    opened = alerts_sync_regions(ids, "2025-11-01")
    open_alerts = Alert.objects.filter(resolved_at__isnull=True)
    assert opened == open_alerts.count() > 0
    assert set(open_alerts.values_list("region__code", flat=True)) == {"66", "33"}
    assert alerts_sync_regions(ids, "2025-11-01") == 0  # a second run opens nothing


def test_index_recompute_regions_scores_each_region(seeded, django_assert_max_num_queries):
    regions = list(Region.objects.filter(code__in=["66", "33", "50"]))
    for region in regions:  # a region without any data has no score to store
        fact(region, "offline_qr", 1, dt.date(2025, 9, 1))
    ids = [region.id for region in regions]
    with django_assert_max_num_queries(20):
        assert index_recompute_regions(ids, "2025-12-01") == 3
    assert IndexScore.objects.filter(on_date=dt.date(2025, 12, 1)).count() == 3


def _open(region_code: str) -> dict[tuple[str, str], tuple]:
    return {
        (a.kind, a.cause_key): (a.severity, a.message, a.updated_at)
        for a in Alert.objects.filter(region__code=region_code, resolved_at__isnull=True)
    }


def test_alerts_sync_monitoring_syncs_only_monitoring_alerts_of_its_regions(seeded):
    """What a monitoring import enqueues: the monitoring alerts of the file's regions, the
    same ones a full sync opens; the measure and cascade alerts and other regions untouched."""
    from django.utils import timezone

    from alerts.choices import MONITORING_KINDS
    from alerts.tasks import alerts_sync_monitoring
    from indicators.models import MonitoringUpload

    ids = dict(Region.objects.filter(code__in=["66", "33"]).values_list("code", "id"))
    refused = MonitoringUpload.objects.create(
        region_id=ids["66"],
        original_name="export.csv",
        size=1,
        sha256="0" * 64,
        status="refused",
        errors=[{"row": 2, "column": "", "message": "Строка 2: пример"}],
    )
    MonitoringUpload.objects.filter(pk=refused.pk).update(
        uploaded_at=timezone.make_aware(dt.datetime(2025, 10, 30, 12))
    )
    alerts_sync_regions([ids["33"]], "2025-11-01")
    other_region = _open("33")
    assert other_region

    alerts_sync_monitoring([ids["66"]], "2025-11-01")
    monitoring_only = _open("66")
    assert ("upload_failed", f"upload:{refused.pk}") in monitoring_only
    assert {kind for kind, _key in monitoring_only} <= set(MONITORING_KINDS)
    assert _open("33") == other_region

    alerts_sync_regions([ids["66"]], "2025-11-01")
    full = _open("66")
    assert {key for key in full if key[0] in MONITORING_KINDS} == set(monitoring_only)
    others = {key for key in full if key[0] not in MONITORING_KINDS}
    assert others  # the seeds have overdue measures

    # a measure alert whose cause changed is left to the full sync; a second monitoring sync
    # neither closes, updates nor reopens anything
    Alert.objects.filter(region__code="66").exclude(kind__in=MONITORING_KINDS).update(
        message="старый текст"
    )
    before = _open("66")
    assert alerts_sync_monitoring([ids["66"]], "2025-11-01") == 0
    assert _open("66") == before


def test_alerts_sync_monitoring_runs_on_the_notifications_queue():
    from roadmap_portal.celery import app

    route = app.amqp.router.route({}, "alerts.tasks.alerts_sync_monitoring")
    assert route["queue"].name == "notifications"
