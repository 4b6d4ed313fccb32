"""«Нет данных» is one decision (`RegionInputs.has_data`: neither a fact nor a monitoring
week valid on the date) and every surface that shows a region's index for a date reads it
the same way: null in the API and the files, «нет данных» on the pages, never 0.

The live breakdown (`/api/v1/index/regions/{code}/?date=…`, the region's index page, the
`index_report` command) showed 0.00 points for a date before the region's first input,
while the stored history and the ranking said «нет данных»; the ranking's «total on the
earlier date» read 0 for a region that had no data then.
"""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from agencies.models import Region
from indicators.index.selectors import index_ranking
from indicators.index.services import index_compute
from indicators.models import IndexScore
from tests.indicators.index_helpers import fact

pytestmark = pytest.mark.django_db

FIRST = dt.date(2025, 9, 1)  # the region's first input
BEFORE = dt.date(2025, 8, 1)
AFTER = dt.date(2025, 10, 15)


@pytest.fixture
def sverdlovsk(personas):
    region = Region.objects.get(code="66")
    fact(region, "mfc_bot", 1, FIRST)
    fact(region, "offline_qr", 3, FIRST)
    index_compute(region=region, on_date=BEFORE)
    index_compute(region=region, on_date=AFTER)
    return region


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_breakdown_api_before_the_first_input_is_null_not_zero(personas, sverdlovsk):
    api = _api(personas.coordinator)
    early = api.get(f"/api/v1/index/regions/66/?date={BEFORE.isoformat()}").json()
    assert early["has_data"] is False
    assert early["total"] is None and early["claimed_total"] is None
    assert early["components"], "the methodology's structure is still shown"
    for component in early["components"]:
        assert component["points"] is None and component["claimed"] is None
        for criterion in component["criteria"]:
            assert criterion["points"] is None and criterion["claimed"] is None
    later = api.get(f"/api/v1/index/regions/66/?date={AFTER.isoformat()}").json()
    assert later["has_data"] is True and later["total"] == "8.00"


def test_history_api_and_ranking_agree_with_the_breakdown(personas, sverdlovsk):
    """The history holds no score for the date without data; the ranking has no total."""
    assert not IndexScore.objects.filter(region=sverdlovsk, on_date=BEFORE).exists()
    history = _api(personas.coordinator).get("/api/v1/index/?region=66").json()
    assert [row["on_date"] for row in history["results"]] == [AFTER.isoformat()]
    _v, rows = index_ranking(on_date=BEFORE)
    assert next(r for r in rows if r.region == sverdlovsk).total is None


def test_index_page_before_the_first_input_says_no_data(client, personas, sverdlovsk):
    client.force_login(personas.coordinator)
    url = reverse("index:region", args=["66"])
    html = client.get(url, {"date": BEFORE.isoformat()}).content.decode()
    card = html.split('class="card index-total"')[1].split("</div>\n</div>")[0]
    assert "нет данных" in card
    assert ">0<" not in card
    later = client.get(url, {"date": AFTER.isoformat()}).content.decode()
    card = later.split('class="card index-total"')[1].split("</div>\n</div>")[0]
    assert "нет данных" not in card and ">8<" in card


def test_ranking_change_from_a_date_without_data_is_no_data(personas, sverdlovsk):
    """«Итого на дату сравнения» of a region without data then is «нет данных», not 0, and
    its change is therefore unknown (a total from nothing is not a gain)."""
    _v, rows = index_ranking(on_date=AFTER, since=BEFORE)
    row = next(r for r in rows if r.region == sverdlovsk)
    assert row.total == 8
    assert row.earlier is None and row.change is None
    _v, rows = index_ranking(on_date=AFTER, since=dt.date(2025, 9, 15))
    row = next(r for r in rows if r.region == sverdlovsk)
    assert row.earlier == 8 and row.change == 0


def test_index_report_command_prints_null_without_data(sverdlovsk):
    out = StringIO()
    call_command("index_report", "--region", "66", "--date", BEFORE.isoformat(), stdout=out)
    (row,) = json.loads(out.getvalue())
    assert row["total"] is None and row["claimed_total"] is None
    assert all(c["points"] is None for c in row["components"].values())
    out = StringIO()
    call_command("index_report", "--region", "66", "--date", AFTER.isoformat(), stdout=out)
    (row,) = json.loads(out.getvalue())
    assert row["total"] == 8


def test_sferum_indicators_without_a_denominator_are_no_data_everywhere(client, personas):
    """The same class of figure for П1–П4: a week with staff figures only has no П2–П4
    (zero denominators). The region dashboard, the country overview, the region's
    indicators page and the API say «нет данных» / null for them, never 0 %."""
    from indicators.models import MonitoringRollup
    from tests.factories import make_municipality

    region = Region.objects.get(code="66")
    municipality = make_municipality(region, "Тестовый округ")
    for where in (None, municipality):
        MonitoringRollup.objects.create(
            region=region,
            municipality=where,
            week_start=dt.date(2025, 11, 3),
            organisations=3,
            edu_staff_total=100,
            edu_staff_writers=50,
        )
    client.force_login(personas.admin)
    day = {"date": "2025-11-10"}
    dashboard = client.get(reverse("reports:region-dashboard", args=["66"]), day)
    html = dashboard.content.decode()
    for code in ("i2", "i3", "i4"):
        assert f'data-testid="indicator-{code}-value">нет данных<' in html
    overview = client.get(reverse("reports:country-overview"), day).content.decode()
    row = overview.split('data-testid="region-row" data-code="66"')[1].split("</tr>")[0]
    for code in ("i2", "i3", "i4"):
        cell = row.split(f'data-testid="ind-{code}"')[1].split("</td>")[0]
        assert 'title="нет данных">—' in cell and "%" not in cell.split(">", 1)[1]
    page = client.get(reverse("indicators:region", args=["66"]), day).content.decode()
    assert "0,0 %" not in page and "0 %" not in page
    values = _api(personas.admin).get("/api/v1/indicator-values/?region=66").json()["results"]
    assert len(values) == 2
    for value in values:
        assert value["i1"]["value"] == "50.00"
        assert all(value[code]["value"] is None for code in ("i2", "i3", "i4", "m"))
