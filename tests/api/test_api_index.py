"""The index through the API: breakdown per region and date, ranking, history, inputs
(create, verify, bulk import) — the index services and the index pages' rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.models import Region
from indicators.index.services import index_compute
from indicators.models import IndexFact, IndexScore
from tests.indicators.index_helpers import fact

pytestmark = pytest.mark.django_db

ON = dt.date(2025, 10, 15)


@pytest.fixture
def scored(seeded):
    sverdlovsk = Region.objects.get(code="66")
    fact(sverdlovsk, "mfc_bot", 1, dt.date(2025, 9, 1))
    fact(sverdlovsk, "offline_qr", 3, dt.date(2025, 9, 1))
    moscow_oblast = Region.objects.get(code="50")
    fact(moscow_oblast, "offline_qr", 1, dt.date(2025, 9, 1))
    index_compute(region=sverdlovsk, on_date=ON)
    index_compute(region=moscow_oblast, on_date=ON)
    return sverdlovsk


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("ministry_user", 200),
        ("coordinator", 200),
        ("analyst", 200),
        ("admin", 200),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
def test_region_breakdown_access(api_as, scored, persona, code):
    response = api_as(persona).get("/api/v1/index/regions/66/?date=2025-10-15")
    assert response.status_code == code


def test_region_breakdown(api_as, scored):
    body = api_as("coordinator").get("/api/v1/index/regions/66/?date=2025-10-15").json()
    assert body["region_code"] == "66" and body["on_date"] == "2025-10-15"
    assert body["version"] == "stage1"
    components = {c["code"]: c for c in body["components"]}
    assert set(components) == {"services", "digital_id", "promotion"}
    criteria = {c["code"]: c for comp in body["components"] for c in comp["criteria"]}
    assert criteria["mfc_bot"]["points"] == "5.00"
    assert criteria["offline_qr"]["points"] == "3.00"
    assert body["total"] == "8.00"
    # before the facts' dates the region has no data: null («нет данных»), as the ranking
    early = api_as("coordinator").get("/api/v1/index/regions/66/?date=2025-08-01").json()
    assert early["has_data"] is False and early["total"] is None


def test_region_breakdown_bad_date(api_as, scored):
    response = api_as("coordinator").get("/api/v1/index/regions/66/?date=31.02.2025")
    assert response.status_code == 400
    assert "date" in response.json()["fields"]


def test_region_breakdown_reads_a_date_as_every_query_string(api_as, scored):
    """One date parser (roadmap_portal.dates) for pages, API and files: ДД.ММ.ГГГГ too."""
    dotted = api_as("coordinator").get("/api/v1/index/regions/66/?date=15.10.2025")
    iso = api_as("coordinator").get("/api/v1/index/regions/66/?date=2025-10-15")
    assert dotted.status_code == iso.status_code == 200
    assert dotted.json() == iso.json()


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("ministry_user", 403),
        ("coordinator", 200),
        ("analyst", 200),
        ("admin", 200),
        ("outsider", 200),
        ("anonymous", 401),
    ],
)
def test_ranking_access(api_as, scored, persona, code):
    assert api_as(persona).get("/api/v1/index/ranking/?date=2025-10-15").status_code == code


def test_ranking(api_as, scored):
    body = api_as("coordinator").get("/api/v1/index/ranking/?date=2025-10-15").json()
    assert body["version"] == "stage1" and len(body["rows"]) == 89
    first = body["rows"][0]
    assert first["region_code"] == "66" and first["place"] == 1 and first["highlighted"]
    assert not any(row["highlighted"] for row in body["rows"][1:])


@pytest.mark.parametrize(
    ("persona", "sees_66", "sees_50"),
    [
        ("coordinator", True, False),
        ("ministry_user", True, False),
        ("analyst", True, True),
        ("outsider", False, True),
    ],
)
def test_history_is_scoped(api_as, scored, persona, sees_66, sees_50):
    body = api_as(persona).get("/api/v1/index/?date_from=2025-10-01").json()
    codes = {row["region_code"] for row in body["results"]}
    assert ("66" in codes) is sees_66 and ("50" in codes) is sees_50


def test_history_detail_has_the_stored_breakdown(api_as, scored):
    score = IndexScore.objects.get(region=scored, on_date=ON)
    body = api_as("coordinator").get(f"/api/v1/index/{score.pk}/").json()
    assert body["total"] == "8.00" and "mfc_bot" in body["criteria"]
    assert api_as("outsider").get(f"/api/v1/index/{score.pk}/").status_code == 404


def _fact(client, **data):
    body = {"region": "66", "criterion": "mfc_notify", "value": "1", "as_of": "2025-10-01"}
    body.update(evidence_url="https://example.org/akt", **data)
    return client.post("/api/v1/index-inputs/", body, format="json")


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("ministry_user", 403),
        ("other_agency_user", 403),
        ("coordinator", 201),
        ("analyst", 201),
        ("admin", 201),
        ("outsider", 400),  # Sverdlovsk is not theirs: refused on `region`
        ("anonymous", 401),
    ],
)
def test_fact_create_matrix(api_as, seeded, persona, code):
    response = _fact(api_as(persona))
    assert response.status_code == code, response.content
    created = IndexFact.objects.filter(criterion_code="mfc_notify").exists()
    assert created is (code == 201)
    if code == 201:
        body = response.json()
        assert body["source"] == "api" and body["region_code"] == "66"
        # analysts' and administrators' facts are verified as they land
        assert body["is_verified"] is (persona in ("analyst", "admin"))


def test_fact_region_is_read_as_files_write_it(api_as, seeded):
    """A code that lost its leading zero, «7», is region 07, as in every file."""
    response = _fact(api_as("analyst"), region="7")
    assert response.status_code == 201, response.content
    assert response.json()["region_code"] == "07"


def test_fact_for_another_region_is_refused(api_as, seeded):
    response = _fact(api_as("coordinator"), region="50")
    assert response.status_code == 400
    assert "region" in response.json()["fields"]
    assert not IndexFact.objects.filter(region__code="50").exists()


def test_fact_value_checked_by_the_service(api_as, seeded):
    response = _fact(api_as("coordinator"), value="7")
    assert response.status_code == 400
    assert "value" in response.json()["fields"]
    response = _fact(api_as("coordinator"), criterion="sferum_migration")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("persona", "code"),
    [("coordinator", 403), ("analyst", 200), ("admin", 200), ("outsider", 404)],
)
def test_fact_verify_matrix(api_as, seeded, persona, code):
    item = fact(Region.objects.get(code="66"), "mfc_bot", 1, dt.date(2025, 9, 1), verified=False)
    response = api_as(persona).post(f"/api/v1/index-inputs/{item.pk}/verify/")
    assert response.status_code == code
    item.refresh_from_db()
    assert item.is_verified is (code == 200)


HEADER = "Код региона;Критерий;Вход;Значение;Дата;Подтверждение\n"


def _table(*rows: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("inputs.csv", (HEADER + "\n".join(rows) + "\n").encode())


def test_bulk_import_dry_run_then_apply(api_as, seeded):
    client = api_as("coordinator")
    table = _table("66;mfc_bot;;1;01.10.2025;акт", "66;offline_qr;;4;01.10.2025;фото")
    checked = client.post("/api/v1/index-imports/", {"file": table, "dry_run": True})
    assert checked.status_code == 201, checked.content
    body = checked.json()
    assert body["status"] == "pending" and body["rows_read"] == 2
    assert not IndexFact.objects.filter(region__code="66").exists()
    applied = client.post(f"/api/v1/index-imports/{body['id']}/apply/")
    assert applied.json()["status"] == "done" and applied.json()["rows_created"] == 2
    assert IndexFact.objects.filter(region__code="66", source="api").count() == 2
    # the same file again is a no-op
    again = client.post(
        "/api/v1/index-imports/",
        {"file": _table("66;mfc_bot;;1;01.10.2025;акт", "66;offline_qr;;4;01.10.2025;фото")},
    )
    assert again.json()["status"] == "repeat"


def test_bulk_import_with_another_region_is_refused_whole(api_as, seeded):
    table = _table("66;mfc_bot;;1;01.10.2025;акт", "50;mfc_bot;;1;01.10.2025;чужой")
    response = api_as("coordinator").post("/api/v1/index-imports/", {"file": table})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "refused" and body["errors"]
    assert not IndexFact.objects.exists()


@pytest.mark.parametrize(
    ("persona", "code"),
    [("ministry_user", 403), ("coordinator", 201), ("analyst", 201), ("anonymous", 401)],
)
def test_bulk_import_access(api_as, seeded, persona, code):
    table = _table("66;mfc_bot;;1;01.10.2025;акт")
    assert api_as(persona).post("/api/v1/index-imports/", {"file": table}).status_code == code


def test_imports_are_the_callers_own(api_as, seeded):
    api_as("coordinator").post(
        "/api/v1/index-imports/", {"file": _table("66;mfc_bot;;1;01.10.2025;x")}
    )
    assert api_as("coordinator").get("/api/v1/index-imports/").json()["count"] == 1
    assert api_as("analyst").get("/api/v1/index-imports/").json()["count"] == 0
    assert api_as("admin").get("/api/v1/index-imports/").json()["count"] == 1


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("ministry_user", 403),
        ("coordinator", 200),  # the author
        ("analyst", 404),  # another user's import
        ("admin", 200),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
def test_bulk_import_apply_matrix(api_as, seeded, persona, code):
    checked = api_as("coordinator").post(
        "/api/v1/index-imports/",
        {"file": _table("66;mfc_bot;;1;01.10.2025;акт"), "dry_run": True},
    )
    response = api_as(persona).post(f"/api/v1/index-imports/{checked.json()['id']}/apply/")
    assert response.status_code == code
    assert IndexFact.objects.exists() is (code == 200)


def test_api_refuses_a_part_above_its_whole(api_as, seeded):
    """As the file, the form and the admin (tests/indicators/test_index_parts.py)."""
    fact(
        Region.objects.get(code="66"), "housing_uk_chats", 40, dt.date(2025, 9, 1), input="uk_total"
    )
    response = api_as("coordinator").post(
        "/api/v1/index-inputs/",
        {
            "region": "66",
            "criterion": "housing_uk_chats",
            "input": "uk_with_chat",
            "value": "50",
            "as_of": "2025-10-01",
            "evidence_url": "https://example.org/akt",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "часть не может быть больше целого" in str(response.json()["fields"]["value"])
    assert IndexFact.objects.count() == 1
