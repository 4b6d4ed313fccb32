"""A region's baseline of an indicator (the stage 1 target of baseline-relative indicators)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from agencies import dataversion
from agencies.models import Region, User

from ..models import Indicator, RegionBaseline


@transaction.atomic
def region_baseline_set(
    *, region: Region, indicator: Indicator, value: Decimal, source: str, actor: User
) -> RegionBaseline:
    """Enters (or replaces) a region's stage 1 baseline with its source."""
    baseline = RegionBaseline.objects.filter(region=region, indicator=indicator).first()
    if baseline is None:
        baseline = RegionBaseline(region=region, indicator=indicator)
    baseline.value = value
    baseline.source = source
    baseline.entered_by = actor
    baseline.full_clean()
    baseline.save()
    dataversion.bump(region_ids=[region.pk])  # the targets that count, on every page
    return baseline
