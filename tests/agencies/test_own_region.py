"""A region a coordinator or staff member only sees (`extra_regions`) is read-only to them.

`access.can_edit_region_measures` and `access.can_import_roadmap` already said so
(tests/agencies/test_access.py::test_a_coordinator_edits_their_own_region_not_one_they_only_see);
every other write of a region's data asked only whether the user sees the region, so a
Sverdlovsk coordinator given Moscow oblast to read could change its baselines and roster,
enter its index facts, submit its monitoring weeks, acknowledge its alerts and import its
monitoring rows. Analysts and administrators keep every region they see.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agencies import access
from agencies.choices import Role
from agencies.models import Region, User
from alerts.choices import AlertKind
from alerts.models import Alert
from indicators.index.inputs import index_inputs_read
from indicators.models import IndexFact, MonitoringUpload, WeekApproval
from tests.factories import make_user

WRITES = {
    "upload_monitoring": lambda user, region: access.can_upload_monitoring(user, region),
    "edit_baselines": lambda user, region: access.can_edit_baselines(user, region),
    "edit_roster": lambda user, region: access.can_edit_roster(user, region),
    "enter_facts": lambda user, region: access.can_enter_facts(user, region.pk),
    "submit_week": lambda user, region: access.can_submit_week(user, region.pk),
}


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # no scope cached from before the extra region


@pytest.fixture
def sverdlovsk(seeded) -> Region:
    return Region.objects.get(code="66")


@pytest.fixture
def moscow_oblast(seeded) -> Region:
    return Region.objects.get(code="50")


@pytest.fixture
def reader(personas, moscow_oblast) -> User:
    """Sverdlovsk's coordinator, given Moscow oblast to read."""
    personas.coordinator.extra_regions.add(moscow_oblast)
    return _fresh(personas.coordinator)


@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_coordinator_writes_in_their_own_region_only(reader, sverdlovsk, moscow_oblast, write):
    assert access.can_see_region(reader, moscow_oblast.pk)
    assert WRITES[write](reader, sverdlovsk)
    assert not WRITES[write](reader, moscow_oblast)


def test_staff_upload_for_their_own_region_only(personas, sverdlovsk, moscow_oblast):
    personas.ministry_user.extra_regions.add(moscow_oblast)
    staff = _fresh(personas.ministry_user)
    assert access.can_upload_monitoring(staff, sverdlovsk)
    assert not access.can_upload_monitoring(staff, moscow_oblast)
    assert access.monitoring_scope(staff) == frozenset({sverdlovsk.pk})


def test_analysts_and_administrators_keep_every_region_they_see(personas, moscow_oblast):
    analyst = make_user(Role.ANALYST, region=Region.objects.get(code="77"))
    analyst.extra_regions.add(moscow_oblast)
    analyst = _fresh(analyst)
    assert access.can_upload_monitoring(analyst, moscow_oblast)
    assert access.can_enter_facts(analyst, moscow_oblast.pk)
    assert access.monitoring_scope(analyst) == {moscow_oblast.pk, analyst.region_id}
    assert access.monitoring_scope(personas.admin) is None
    for write in WRITES.values():
        assert write(personas.admin, moscow_oblast)


def test_a_coordinator_acknowledges_their_own_regions_alerts_only(reader, moscow_oblast):
    alert = Alert.objects.create(
        region=moscow_oblast,
        kind=AlertKind.DATA_STALE,
        cause_key="stale-50",
        message="Данные устарели",
        opened_at=timezone.now(),
    )
    assert not access.can_acknowledge(reader, alert)
    alert.region = Region.objects.get(code="66")
    assert access.can_acknowledge(reader, alert)


# --- through the pages and the API ----------------------------------------------------


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("indicators:baselines", {"indicator": "i1", "value": "40", "source": "x"}),
        ("indicators:roster", {}),
        ("indicators:upload-create", {}),
        ("index:fact-create", {}),
    ],
)
def test_the_pages_of_a_region_only_seen_refuse_its_writes(client, reader, url, data):
    client.force_login(reader)
    assert client.get(reverse(url, kwargs={"code": "50"})).status_code == 403
    assert client.post(reverse(url, kwargs={"code": "50"}), data).status_code == 403
    assert client.get(reverse(url, kwargs={"code": "66"})).status_code == 200


def test_a_region_only_seen_cannot_be_submitted(client, reader):
    client.force_login(reader)
    url = reverse(
        "indicators:approval-action",
        kwargs={"code": "50", "week": "2025-09-01", "action": "submit"},
    )
    assert client.post(url, {"comment": "готово"}).status_code == 403
    assert not WeekApproval.objects.filter(region__code="50").exists()


def test_the_api_refuses_a_region_only_seen(reader, moscow_oblast):
    api = APIClient()
    api.force_authenticate(reader)
    fact = {"region": "50", "criterion": "mfc_bot", "value": "1", "as_of": "2025-10-01",
            "evidence_text": "акт"}  # fmt: skip
    assert api.post("/api/v1/index-inputs/", fact).status_code == 403
    roster = SimpleUploadedFile("roster.csv", "Код организации\nORG1\n".encode())
    assert (
        api.post("/api/v1/monitoring/rosters/", {"region": "50", "file": roster}).status_code == 403
    )
    monitoring = SimpleUploadedFile("week.csv", b"x")
    answer = api.post("/api/v1/monitoring/uploads/", {"region": "50", "file": monitoring})
    assert answer.status_code == 403
    assert not IndexFact.objects.filter(region=moscow_oblast).exists()


def test_a_multi_region_monitoring_file_is_judged_by_the_regions_one_writes(reader):
    """With no region named, a coordinator's file is their own region's: rows of a region
    they only see are refused by the import, as any other region's."""
    api = APIClient()
    api.force_authenticate(reader)
    monitoring = SimpleUploadedFile("week.csv", b"x")
    answer = api.post("/api/v1/monitoring/uploads/", {"file": monitoring, "dry_run": "true"})
    assert answer.status_code == 202
    assert MonitoringUpload.objects.get().region.code == "66"


def test_an_index_input_file_refuses_the_rows_of_a_region_only_seen(reader):
    data = (
        "Код региона;Критерий;Вход;Значение;Дата;Подтверждение\n"
        "66;mfc_bot;;1;01.10.2025;акт\n"
        "50;mfc_bot;;1;01.10.2025;акт\n"
    ).encode()
    result = index_inputs_read(io.BytesIO(data), user=reader)
    assert [r.region_code for r in result.rows] == ["66"]
    assert len(result.errors) == 1 and "50" in str(result.errors[0])


def test_an_index_import_is_its_authors_while_they_see_its_regions(client, personas):
    """As a report's file (`GeneratedExport.objects.visible_to`): a coordinator moved to
    another region no longer opens the preview of Sverdlovsk's figures they imported."""
    from django.core.files.base import ContentFile

    from indicators.index.uploads import index_upload_create
    from indicators.models import IndexUpload

    coordinator = personas.coordinator
    data = (
        "Код региона;Критерий;Вход;Значение;Дата;Подтверждение\n66;mfc_bot;;1;01.10.2025;акт\n"
    ).encode()
    upload = index_upload_create(file=ContentFile(data, name="c.csv"), user=coordinator)
    assert upload.regions == ["66"]
    page = reverse("index:upload", kwargs={"pk": upload.pk})
    api = f"/api/v1/index-imports/{upload.pk}/"
    client.force_login(coordinator)
    assert client.get(page).status_code == 200 and client.get(api).status_code == 200
    coordinator.region = Region.objects.get(code="50")
    coordinator.save()
    client.force_login(coordinator)
    assert client.get(page).status_code == 404
    assert client.get(api).status_code == 404
    assert client.post(reverse("index:upload-confirm", kwargs={"pk": upload.pk})).status_code == 404
    listed = client.get("/api/v1/index-imports/").json()["results"]
    assert upload.pk not in [row["id"] for row in listed]
    assert set(IndexUpload.objects.visible_to(personas.admin)) == {upload}
