"""Hostile input (from a review): hostile input never gives a 500 or leaks Python/DB text."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.api.conftest import api_as, sverdlovsk  # noqa: F401

pytestmark = pytest.mark.django_db

LEAK = re.compile(
    r"Traceback|Error\b|invalid literal|DoesNotExist|IntegrityError|value too long|out of range"
    r"|OverflowError|ValueError|TypeError|KeyError|Exception|This field|is required|"
    r"A valid integer|Enter a valid|Not found\.|Invalid page|not a valid|Expected a"
)

HUGE = str(10**30)
VALUES = [
    "0",
    "-1",
    HUGE,
    "abc",
    "2025-02-30",
    "0001-01-01",
    "0000-01-01",
    "9999-12-31",
    "99999-01-01",
    "32.13.2025",
    "__class__",
    "password",
    "-password",
    "²",
    "1e400",
    "x" * 10000,
    "1,2",
    "NaN",
    "inf",
    "2025-W40",
]
PARAMS = [
    "page",
    "page_size",
    "date",
    "since",
    "week",
    "week_start",
    "week_from",
    "week_to",
    "region",
    "ordering",
    "sort",
    "msort",
    "roadmap",
    "status",
    "q",
    "measure",
    "cascade",
    "indicator",
    "approved",
    "organisation",
    "municipality",
    "kind",
    "map",
    "criterion",
    "format",
    "due_within",
    "on_date",
    "date_from",
    "date_to",
    "as_of_from",
    "as_of_to",
    "uploaded_from",
    "done_from",
    "done_to",
    "level",
    "complete",
    "verified",
    "step",
    "section",
    "agency",
    "overdue",
    "mine",
    "scope",
    "state",
    "severity",
    "year",
    "federal",
    "code",
    "name",
    "org_type",
    "version",
    "input",
    "stage",
    "dry_run",
    "organisation_code",
    "next",
    "back",
    "fmt",
    "week_end",
    "limit",
    "offset",
]


def urls(d):
    r = d.region.code
    m = d.measure.pk
    c = d.cascade.pk
    mun = d.municipality.pk
    html = [
        "/",
        "/profile/tokens/",
        "/measures/",
        f"/measures/{m}/",
        "/measures/federal/",
        f"/measures/cascades/{c}/",
        "/measures/import/",
        f"/measures/import/{r}/",
        "/measures/import/drafts/1/",
        "/index/",
        "/index/ranking/",
        "/index/import/",
        "/index/import/1/",
        f"/index/{r}/",
        f"/index/{r}/facts/new/",
        "/alerts/",
        "/alerts/preferences/",
        "/alerts/1/",
        "/indicators/",
        f"/indicators/regions/{r}/",
        f"/indicators/regions/{r}/baselines/",
        f"/indicators/regions/{r}/roster/",
        f"/indicators/regions/{r}/uploads/",
        f"/indicators/regions/{r}/uploads/new/",
        f"/indicators/regions/{r}/approval/",
        f"/indicators/regions/{r}/approval/2025-09-01/",
        "/indicators/uploads/template.xlsx",
        "/indicators/uploads/template.csv",
        "/indicators/uploads/1/",
        "/indicators/uploads/1/status/",
        "/reports/exports/",
        "/reports/exports/new/",
        "/reports/exports/1/",
        "/reports/subscriptions/",
        "/reports/subscriptions/new/",
        "/reports/subscriptions/lists/new/",
        "/reports/subscriptions/1/",
        "/timeline/",
        f"/timeline/?roadmap={d.roadmap.pk}",
        "/dashboard/",
        f"/dashboard/{r}/",
        f"/dashboard/{r}/pdf/",
        f"/dashboard/{r}/municipalities/{mun}/",
        f"/measures/{m}/cascades/new/",
        f"/measures/cascades/{c}/import/",
        f"/index/facts/{d.fact.pk}/evidence/",
    ]
    api = [
        "regions/",
        f"regions/{r}/",
        "agencies/",
        "municipalities/",
        f"municipalities/{mun}/",
        "organisations/",
        "roadmaps/",
        f"roadmaps/{d.roadmap.pk}/",
        "sections/",
        "measures/",
        f"measures/{m}/",
        f"measures/{m}/history/",
        "measure-parts/",
        "cascades/",
        f"cascades/{c}/",
        "cascade-progress/",
        "indicators/",
        "indicator-targets/",
        "indicator-baselines/",
        "indicator-values/",
        "monitoring/uploads/",
        "monitoring/rosters/",
        "index/",
        f"index/region/{r}/",
        "index/ranking/",
        "index-inputs/",
        "index-imports/",
        "alerts/",
        "exports/",
        "exports/1/download/",
    ]
    return html, ["/api/v1/" + a for a in api]


def problems_of(resp, label, is_api):
    """What is wrong with an answer: a 500, or an API error body with Python or database
    text or no Russian at all (every hostile-input test asks this)."""
    if resp.status_code >= 500:
        return [f"{resp.status_code} {label[:200]}"]
    if is_api and resp.status_code >= 400 and "json" in resp.get("Content-Type", ""):
        body = resp.content.decode(errors="replace")
        if LEAK.search(body) or not re.search("[А-Яа-я]", body):
            return [f"{resp.status_code} {label[:200]} -> {body[:300]}"]
    return []


# the widest scope and a scoped one (every persona's pages are the same code; ~35 s each)
@pytest.mark.parametrize("persona", ["admin", "coordinator"])
def test_get_fuzz(persona, personas, sverdlovsk):  # noqa: F811
    html, api = urls(sverdlovsk)
    client = Client(raise_request_exception=False)
    client.force_login(getattr(personas, persona))
    problems = []
    for url in html + api:
        is_api = url.startswith("/api/")
        sep = "&" if "?" in url else "?"
        for value in VALUES:
            from urllib.parse import urlencode

            qs = urlencode({p: value for p in PARAMS})
            resp = client.get(url + sep + qs)
            found = problems_of(resp, f"{url} all={value[:30]}", is_api)
            if found:
                # bisect: which param
                for p in PARAMS:
                    r2 = client.get(url + sep + urlencode({p: value}))
                    f2 = problems_of(r2, f"{url} {p}={value[:30]}", is_api)
                    problems += f2
                if not any(url in x for x in problems):
                    problems += found
    print("\n".join(sorted(set(problems))))
    assert not problems


@pytest.fixture(autouse=True)
def _no_throttle(monkeypatch):
    from roadmap_portal.api import throttling

    monkeypatch.setattr(throttling.AtomicRateThrottle, "allow_request", lambda *a, **k: True)
