"""A report of «every region the author sees» is the author's only while they still see
each region it holds (a review found a coordinator downloading region 50's rows after 50
was taken from him)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.choices import Role
from agencies.models import Region
from reports.choices_exports import ExportStatus
from reports.exports import jobs as export_jobs
from reports.exports.registry import ExportParams
from reports.models import GeneratedExport
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_region_coordinator(seeded):
    user = make_user(Role.COORDINATOR, region=Region.objects.get(code="66"))
    user.extra_regions.add(Region.objects.get(code="50"))
    return user


def _all_regions_export(user, capture):
    with capture(execute=True):
        export = export_jobs.export_create(
            user=user, kind="roadmap_status", params=ExportParams(region=""), fmt="csv"
        )
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE and export.region is None
    return export


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # no cached scope


def test_the_file_holds_the_authors_regions_and_is_theirs_while_they_see_them(
    client, two_region_coordinator, django_capture_on_commit_callbacks
):
    user = two_region_coordinator
    export = _all_regions_export(user, django_capture_on_commit_callbacks)
    ids = sorted(Region.objects.filter(code__in=["66", "50"]).values_list("pk", flat=True))
    assert export.scope_region_ids == ids
    client.force_login(user)
    download = reverse("reports:export-download", args=[export.pk])
    assert client.get(download, secure=True).status_code == 200
    api = f"/api/v1/exports/{export.pk}/download/"
    assert client.get(api, secure=True).status_code == 200

    user.extra_regions.remove(Region.objects.get(code="50"))
    client.force_login(_fresh(user))
    assert client.get(download, secure=True).status_code == 404
    assert client.get(api, secure=True).status_code == 404
    assert export.pk not in GeneratedExport.objects.visible_to(_fresh(user)).values_list(
        "pk", flat=True
    )
    # given back: theirs again; a wider scope also keeps it
    user.extra_regions.add(Region.objects.get(code="50"), Region.objects.get(code="77"))
    client.force_login(_fresh(user))
    assert client.get(download, secure=True).status_code == 200


def test_a_report_of_every_region_is_not_kept_by_an_analyst_who_loses_all_regions(
    client, personas, django_capture_on_commit_callbacks
):
    analyst = personas.analyst
    export = _all_regions_export(analyst, django_capture_on_commit_callbacks)
    assert export.scope_region_ids is None  # every region
    analyst.all_regions = False
    analyst.region = Region.objects.get(code="66")
    analyst.save()
    assert not GeneratedExport.objects.visible_to(_fresh(analyst)).filter(pk=export.pk).exists()
