"""Hostile requests (from a review): path parameters, approval weeks, tokens."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.conftest import sverdlovsk  # noqa: F401
from tests.roadmap_portal.test_hostile_input import _no_throttle  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]


@pytest.mark.parametrize("persona", ["admin", "coordinator"])
def test_misc(persona, personas, sverdlovsk):  # noqa: F811
    client = Client(raise_request_exception=False)
    client.force_login(getattr(personas, persona))
    m = sverdlovsk.measure.pk
    problems = []
    gets = [
        "/reports/subscriptions/files/s/garbage/",
        "/reports/subscriptions/files/s/a:b:c/",
        "/reports/subscriptions/files/s/" + "x" * 3000 + "/",
        "/reports/subscriptions/files/1/",
        f"/measures/{m}/evidence/change/1/",
        f"/measures/{m}/evidence/x/1/",
        "/indicators/uploads/template.exe",
        "/indicators/uploads/template.",
        "/indicators/regions/XX/",
        "/indicators/regions/%C2%B2/",
        "/index/%C2%B2/",
        "/dashboard/%C2%B2/",
        "/dashboard/66/municipalities/99999999999999999999999/",
        "/measures/99999999999999999999999/",
        "/api/v1/regions/%C2%B2/",
        "/api/v1/measures/99999999999999999999999/",
        "/api/v1/index/region/%C2%B2/",
        f"/api/v1/measures/{m}/history/99999999999999999999/evidence/",
        "/indicators/regions/66/approval/2025-09-02/",
        "/indicators/regions/66/approval/x/",
        "/reports/exports/99999999999999999999/download/",
        "/healthz",
        "/login/?next=%00",
        "/login/?next=" + "x" * 5000,
    ]
    for url in gets:
        r = client.get(url)
        if r.status_code >= 500:
            problems.append(f"GET {url[:80]} {r.status_code}")
    for week in ["0001-01-01", "9999-12-27", "2025-09-01"]:
        for action in ["submit", "approve", "return", "reopen", "x"]:
            url = f"/indicators/regions/66/approval/{week}/{action}/"
            for text in ["", "к" * 10000, "ok"]:
                r = client.post(url, {"text": text})
                if r.status_code >= 500:
                    problems.append(f"POST {url} text={len(text)} {r.status_code}")
    print("\n".join(problems))
    assert not problems


@pytest.mark.parametrize("depth", [5000, 100000])
@pytest.mark.parametrize("url", ["/api/v1/index-inputs/", "/api/v1/exports/"])
def test_deeply_nested_json(depth, url, personas):
    client = Client(raise_request_exception=False)
    client.force_login(personas.admin)
    body = "[" * depth + "]" * depth
    resp = client.post(url, body, content_type="application/json")
    assert resp.status_code < 500, resp.content[:300]
    assert "Ошибка" not in resp.content.decode() or resp.status_code == 400


def test_deeply_nested_json_anonymous(client):
    c = Client(raise_request_exception=False)
    resp = c.post("/login/", "[" * 5000 + "]" * 5000, content_type="application/json")
    assert resp.status_code < 500


def test_malformed_json_detail_is_russian_not_python_text(personas):
    client = Client(raise_request_exception=False)
    client.force_login(personas.admin)
    resp = client.post("/api/v1/exports/", "{bad", content_type="application/json")
    assert resp.status_code == 400
    body = resp.json()
    assert "JSON parse error" not in body["detail"], body  # English json-module text leaks
    assert "Expecting" not in body["detail"], body


@pytest.mark.parametrize("name", ["Я" * 140 + ".csv", "x" * 252 + ".csv"])
@pytest.mark.parametrize(
    "url,field", [("/api/v1/index-imports/", "file"), ("/index/import/", "file")]
)
def test_long_upload_name_index_import(name, url, field, personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client(raise_request_exception=False)
    client.force_login(personas.admin)
    resp = client.post(url, {field: SimpleUploadedFile(name, b"a;b\n1;2\n"), "dry_run": "true"})
    assert resp.status_code < 500


def test_long_evidence_name_index_fact(personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client(raise_request_exception=False)
    client.force_login(personas.admin)
    resp = client.post(
        "/api/v1/index-inputs/",
        {
            "region": "66",
            "criterion": "mfc_bot",
            "value": "1",
            "as_of": "2025-09-01",
            "evidence_file": SimpleUploadedFile("Акт" * 45 + ".pdf", b"%PDF-1.4 x"),
        },
    )
    assert resp.status_code < 500


def test_verify_fact_in_locked_week_page(personas, sverdlovsk):  # noqa: F811
    """An analyst presses «Подтвердить» on a fact of an approved (locked) week."""
    import datetime as dt

    from indicators.services.approval import week_approve, week_submit

    week_submit(
        region=sverdlovsk.region,
        week_start=dt.date(2025, 9, 1),
        actor=personas.admin,
        comment="на утверждение",
    )
    week_approve(region=sverdlovsk.region, week_start=dt.date(2025, 9, 1), actor=personas.admin)
    client = Client(raise_request_exception=False)
    client.force_login(personas.analyst)
    resp = client.post(f"/index/facts/{sverdlovsk.fact.pk}/verify/")
    assert resp.status_code < 500, resp.status_code


@pytest.mark.parametrize("value", [str(10**30), str(-(10**22))])
def test_cascade_create_huge_organisation_id(value, personas, sverdlovsk):  # noqa: F811
    client = Client(raise_request_exception=False)
    client.force_login(personas.admin)
    resp = client.post(
        f"/measures/{sverdlovsk.measure.pk}/cascades/new/",
        {"scope": "chosen", "organisations": value, "subject": "т"},
    )
    assert resp.status_code < 500, resp.status_code
