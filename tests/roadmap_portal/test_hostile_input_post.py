"""Hostile POST and API bodies (from a review): no 500, no Python or database text."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from roadmaps.models import Measure, MeasurePart, MeasureStep, MeasureTarget
from tests.api.conftest import api_as, sverdlovsk  # noqa: F401
from tests.roadmap_portal.test_hostile_input import _no_throttle, problems_of  # noqa: F401

pytestmark = pytest.mark.django_db

HUGE = 10**30
STR_VALUES = [
    "0",
    "-1",
    str(HUGE),
    "abc",
    "2025-02-30",
    "0001-01-01",
    "0000-01-01",
    "9999-12-31",
    "99999-01-01",
    "32.13.2025",
    "²",
    "x" * 10000,
    "NaN",
    "1e400",
    "-9999999999999999999999",
]
JSON_VALUES = STR_VALUES + [
    HUGE,
    -HUGE,
    10**20,
    None,
    [],
    {},
    [1, 2],
    {"a": 1},
    True,
    1.5,
    float("1e308"),
]
FIELDS = [
    "status",
    "comment",
    "completed_on",
    "evidence_link",
    "confirm_open_steps",
    "version",
    "achieved",
    "federal_item",
    "done",
    "done_on",
    "period",
    "scope",
    "municipality",
    "org_types",
    "organisations",
    "subject",
    "document_number",
    "document_date",
    "due_date",
    "parent",
    "organisation",
    "step",
    "roadmap",
    "approved_on",
    "indicator",
    "value",
    "source",
    "text",
    "input",
    "as_of",
    "evidence_url",
    "evidence_text",
    "kind",
    "region",
    "date_from",
    "date_to",
    "orgs",
    "fmt",
    "frequency",
    "weekday",
    "day_of_month",
    "hour",
    "by_email",
    "by_max",
    "address",
    "kinds",
    "name",
    "action",
    "dry_run",
    "criterion",
    "confirm",
    "mode",
]


def _ids(d):
    m = d.measure
    step = MeasureStep.objects.filter(measure=m).first()
    target = MeasureTarget.objects.filter(measure__roadmap=d.roadmap).first()
    part = MeasurePart.objects.filter(measure__roadmap=d.roadmap).first()
    return m, step, target, part


def html_posts(d):
    m, step, target, part = _ids(d)
    r = d.region.code
    urls = [
        f"/measures/{m.pk}/status/",
        f"/measures/{m.pk}/federal/",
        f"/measures/{m.pk}/reports/",
        f"/measures/{m.pk}/cascades/new/",
        f"/measures/cascades/{d.cascade.pk}/progress/",
        f"/measures/cascades/{d.cascade.pk}/import/",
        f"/measures/import/{r}/",
        "/measures/import/drafts/1/",
        f"/indicators/regions/{r}/baselines/",
        f"/indicators/regions/{r}/roster/",
        f"/indicators/regions/{r}/uploads/new/",
        f"/indicators/regions/{r}/approval/2025-09-01/submit/",
        f"/indicators/regions/{r}/approval/2025-09-01/approve/",
        f"/indicators/regions/{r}/approval/2025-09-01/return/",
        "/indicators/uploads/1/confirm/",
        "/indicators/uploads/1/rerun/",
        f"/index/{r}/facts/new/",
        f"/index/facts/{d.fact.pk}/verify/",
        "/index/import/",
        "/index/import/1/confirm/",
        "/reports/exports/new/",
        "/reports/subscriptions/new/",
        "/reports/subscriptions/lists/new/",
        "/reports/subscriptions/1/pause/",
        "/reports/subscriptions/1/delete/",
        "/alerts/preferences/",
        "/alerts/1/acknowledge/",
        "/profile/tokens/",
        "/profile/tokens/1/revoke/",
        "/login/",
    ]
    if step:
        urls.append(f"/measures/{m.pk}/steps/{step.pk}/")
    if target:
        urls.append(f"/measures/{target.measure_id}/targets/{target.pk}/")
    if part:
        urls.append(f"/measures/{part.measure_id}/parts/{part.pk}/")
    return urls


def api_posts(d):
    m, step, target, part = _ids(d)
    urls = [
        f"measures/{m.pk}/status/",
        f"measures/{m.pk}/reports/",
        f"cascades/{d.cascade.pk}/progress/",
        "index-inputs/",
        f"index-inputs/{d.fact.pk}/verify/",
        "index-imports/",
        "monitoring/uploads/",
        "monitoring/rosters/",
        "exports/",
        "alerts/1/acknowledge/",
        "index-imports/1/apply/",
        "monitoring/uploads/1/rerun/",
    ]
    if step:
        urls.append(f"measures/{m.pk}/steps/{step.pk}/")
    if target:
        urls.append(f"measures/{target.measure_id}/targets/{target.pk}/")
    if part:
        urls.append(f"measure-parts/{part.pk}/status/")
    return ["/api/v1/" + u for u in urls]


@pytest.mark.parametrize("persona", ["admin", "coordinator", "ministry_user", "analyst"])
def test_html_post_fuzz(persona, personas, sverdlovsk):  # noqa: F811
    client = Client(raise_request_exception=False)
    client.force_login(getattr(personas, persona))
    problems = []
    for url in html_posts(sverdlovsk):
        for value in STR_VALUES:
            resp = client.post(url, {f: value for f in FIELDS})
            found = problems_of(resp, f"POST {url} all={value[:30]}", False)
            if found:
                for f in FIELDS:
                    problems += problems_of(
                        client.post(url, {f: value}), f"POST {url} {f}={value[:30]}", False
                    )
                problems += found
    print("\n".join(sorted(set(problems))))
    assert not problems


BASE = {
    "status": {"status": "in_progress", "comment": "к"},
    "reports": {"period": "2025-09-01", "status": "in_progress"},
    "steps": {"done": True, "done_on": "2025-09-01"},
    "targets": {"achieved": "1", "comment": "к"},
    "progress": {"organisation": "x", "done_on": "2025-09-01"},
    "index-inputs/": {"region": "66", "criterion": "mfc_bot", "value": "1", "as_of": "2025-09-01"},
    "exports/": {"kind": "x", "fmt": "xlsx"},
    "monitoring/rosters/": {"region": "66"},
}
FIELDS_OF = {
    "status": ["status", "comment", "completed_on", "evidence_link", "confirm_open_steps"],
    "reports": ["period", "status", "comment", "evidence_link"],
    "steps": ["done", "done_on"],
    "targets": ["achieved", "comment", "evidence_link"],
    "progress": ["organisation", "step", "done_on"],
    "index-inputs/": [
        "region",
        "criterion",
        "input",
        "value",
        "as_of",
        "evidence_url",
        "evidence_text",
    ],
    "exports/": ["kind", "region", "date_from", "date_to", "orgs", "fmt"],
    "monitoring/rosters/": ["region"],
    "monitoring/uploads/": ["region", "dry_run"],
    "index-imports/": ["dry_run"],
}


def _kind(url):
    for k in (
        "index-inputs/",
        "exports/",
        "monitoring/rosters/",
        "monitoring/uploads/",
        "index-imports/",
    ):
        if url.endswith("/api/v1/" + k):
            return k
    for k in ("status", "reports", "progress"):
        if url.endswith(f"/{k}/"):
            return k
    if "/steps/" in url:
        return "steps"
    if "/targets/" in url:
        return "targets"
    return ""


def _fields_for(url):
    return FIELDS_OF.get(_kind(url), [])


@pytest.mark.parametrize("persona", ["admin", "coordinator", "ministry_user", "analyst"])
def test_api_post_fuzz(persona, personas, sverdlovsk):  # noqa: F811
    client = Client(raise_request_exception=False)
    client.force_login(getattr(personas, persona))
    version = Measure.objects.get(pk=sverdlovsk.measure.pk).version
    problems = []
    for url in api_posts(sverdlovsk):
        hdr = {"HTTP_IF_MATCH": f'"{version}"'}
        for value in JSON_VALUES:
            body = json.dumps({f: value for f in FIELDS})
            resp = client.post(url, body, content_type="application/json", **hdr)
            problems += problems_of(resp, f"POST {url} all={str(value)[:30]}", True)
            for f in _fields_for(url):
                base = dict(BASE.get(_kind(url), {}))
                base[f] = value
                resp = client.post(url, json.dumps(base), content_type="application/json", **hdr)
                problems += problems_of(resp, f"POST {url} {f}={str(value)[:30]}", True)
        for raw, ctype in [
            ("[1,2]", "application/json"),
            ('"x"', "application/json"),
            ("null", "application/json"),
            ("{bad", "application/json"),
            ("a=1", "text/plain"),
            ("\xff", "application/json"),
            ("1", "application/xml"),
        ]:
            resp = client.post(url, raw, content_type=ctype, **hdr)
            problems += problems_of(resp, f"POST {url} raw={raw!r} {ctype}", True)
        for hv in ["garbage", '"²"', "W/", '"99999999999999999999999999"', "*", '"-1"']:
            resp = client.post(url, "{}", content_type="application/json", HTTP_IF_MATCH=hv)
            problems += problems_of(resp, f"POST {url} If-Match={hv}", True)
        for method in ("put", "patch", "delete"):
            resp = getattr(client, method)(url, "{}", content_type="application/json")
            problems += problems_of(resp, f"{method} {url}", True)
    print("\n".join(sorted(set(problems))))
    assert not problems
