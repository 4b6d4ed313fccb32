"""Runs against the real PostgreSQL + Redis + Celery worker started by .ci/run."""

import time

import pytest
from django.db import connection

from indicators.tasks import seeds_load_task
from roadmaps.models import Measure

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_worker_reloads_seeds_in_the_shared_database(seeded):
    """The worker restores a printed title changed behind its back: it shares our database."""
    assert connection.vendor == "postgresql"
    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="1.1")
    printed = measure.title
    Measure.objects.filter(pk=measure.pk).update(title="испорчено")
    result = seeds_load_task.delay()
    assert result.id
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        measure.refresh_from_db()
        if measure.title == printed:
            break
        time.sleep(0.5)
    assert measure.title == printed
