"""Helpers shared by the index tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from indicators.choices import FactSource
from indicators.models import IndexFact, MonitoringRollup


def fact(region, code, value, as_of, *, input="", verified=True, **kwargs) -> IndexFact:
    return IndexFact.objects.create(
        region=region,
        criterion_code=code,
        input=input,
        value=Decimal(str(value)),
        as_of=as_of,
        evidence_text="test",
        source=kwargs.pop("source", FactSource.COMMAND),
        verified_at=dt.datetime(2025, 9, 1, tzinfo=dt.UTC) if verified else None,
        **kwargs,
    )


def rollup(region, week_start, vkm_users, vkm_and_max_users) -> MonitoringRollup:
    return MonitoringRollup.objects.create(
        region=region,
        week_start=week_start,
        vkm_users=vkm_users,
        vkm_and_max_users=vkm_and_max_users,
    )
