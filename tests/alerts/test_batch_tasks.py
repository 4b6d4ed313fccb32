"""The batch tasks a multi-region monitoring import enqueues (one per consumer)."""

import datetime as dt

import pytest

from agencies.models import Region
from alerts.models import Alert
from alerts.tasks import alerts_sync_regions
from indicators.models import IndexScore
from indicators.tasks import index_recompute_regions

pytestmark = pytest.mark.django_db


def test_alerts_sync_regions_covers_each_region_once_and_is_idempotent(seeded):
    ids = list(Region.objects.filter(code__in=["66", "33"]).values_list("id", flat=True))
    opened = alerts_sync_regions(ids, "2025-11-01")
    open_alerts = Alert.objects.filter(resolved_at__isnull=True)
    assert opened == open_alerts.count() > 0
    assert set(open_alerts.values_list("region__code", flat=True)) == {"66", "33"}
    assert alerts_sync_regions(ids, "2025-11-01") == 0  # a second run opens nothing


def test_index_recompute_regions_scores_each_region(seeded, django_assert_max_num_queries):
    ids = list(Region.objects.filter(code__in=["66", "33", "50"]).values_list("id", flat=True))
    with django_assert_max_num_queries(20):
        assert index_recompute_regions(ids, "2025-12-01") == 3
    assert IndexScore.objects.filter(on_date=dt.date(2025, 12, 1)).count() == 3
