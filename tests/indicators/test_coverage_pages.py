"""The issue's scenario end to end: 218 organisations, then a week with 5 rows.

The week is «неполная неделя» with 5 / 218 everywhere it is shown (dry run page and API,
region and country dashboards, export, API, indicator_report) and never judged: the cards,
the index and the alerts keep reading the complete week."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from agencies.models import Region
from indicators.models import MonitoringRollup
from tests.indicators.conftest import csv_bytes, row

pytestmark = pytest.mark.django_db

W1, W2 = dt.date(2025, 10, 6), dt.date(2025, 10, 13)
ON = dt.date(2025, 10, 15)


def _full_week():
    # two municipalities: 118 + 100 organisations, I1 = 50 %, M = 66.7 %
    return [
        row(f"ORG{i}", municipality="Екатеринбург" if i < 118 else "Нижний Тагил")
        for i in range(218)
    ]


def _five_rows():
    # five organisations of Екатеринбург at 100 % everywhere
    return [
        row(f"ORG{i}", week="13.10.2025", counts=(100, 100, 400, 800, 500, 500, 450, 450))
        for i in range(5)
    ]


@pytest.fixture
def api_client_as(personas):
    from rest_framework.test import APIClient

    def make(name: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(getattr(personas, name))
        return client

    return make


@pytest.fixture
def scenario(import_file):
    assert import_file(csv_bytes(_full_week())).status == "done"
    assert import_file(csv_bytes(_five_rows())).status == "done"
    return Region.objects.get(code="66")


def test_dry_run_shows_coverage_and_biggest_drops_before_writing(import_file, persona_client):
    import_file(csv_bytes(_full_week()))
    upload = import_file(csv_bytes(_five_rows()), dry_run=True)
    assert not MonitoringRollup.objects.filter(week_start=W2).exists()  # nothing written
    [week] = upload.preview["coverage"]["weeks"]
    assert (week["reported"], week["expected"], week["complete"]) == (5, 218, False)
    assert week["basis"] == "weeks" and week["percent"] == "2.2"
    drops = [(m["name"], m["missing"], m["expected"]) for m in week["municipalities"]]
    assert drops == [("Екатеринбург", 113, 118), ("Нижний Тагил", 100, 100)]
    assert upload.preview["coverage"]["incomplete"] == 1
    page = persona_client("coordinator").get(f"/indicators/uploads/{upload.pk}/").content.decode()
    assert 'data-testid="coverage"' in page and "неполная неделя" in page
    assert "Екатеринбург: 113 из 118" in page
    # the threshold as every percent of the pages: «%» after a no-break space
    assert "охватом ниже 90\u00a0% — «неполная неделя»" in page
    assert "2,2\u00a0%" in page


def test_dry_run_preview_in_the_api(import_file, api_client_as):
    import_file(csv_bytes(_full_week()))
    upload = import_file(csv_bytes(_five_rows()), dry_run=True)
    body = api_client_as("coordinator").get(f"/api/v1/monitoring/uploads/{upload.pk}/").json()
    [week] = body["coverage"]["weeks"]
    assert (week["reported"], week["expected"], week["share"]) == (5, 218, round(5 / 218, 4))


def test_region_dashboard_shows_the_partial_week_and_judges_the_complete_one(
    scenario, persona_client
):
    page = persona_client("coordinator").get("/dashboard/66/?date=2025-10-15")
    text = page.content.decode()
    assert 'data-testid="partial-week"' in text
    assert "отчитались 5 из 218 организаций" in text
    cards = page.context["d"].indicators
    assert {c.latest_week for c in cards} == {W1}  # the cards judge the complete week
    i1 = next(c for c in cards if c.code == "i1")
    assert i1.latest == 50


def test_country_dashboard_marks_the_partial_week(scenario, persona_client):
    page = persona_client("analyst").get("/dashboard/?date=2025-10-15")
    row_ = next(r for r in page.context["o"].rows if r.region.code == "66")
    assert row_.partial is not None and row_.partial.week_start == W2
    assert row_.indicator("i1") == 50  # not 100 % of five organisations
    assert "неполная неделя 5/218" in page.content.decode()


def test_indicators_page_judges_the_complete_week(scenario, persona_client):
    text = persona_client("coordinator").get("/indicators/regions/66/").content.decode()
    assert "Последняя полная неделя" in text and "06.10.2025" in text
    assert "отчитались 5 из 218 организаций" in text


def test_api_values_carry_coverage_and_completeness(scenario, api_client_as):
    client = api_client_as("coordinator")
    body = client.get("/api/v1/indicator-values/?region=66&level=region").json()
    by_week = {r["week_start"]: r for r in body["results"]}
    assert by_week["2025-10-13"]["complete"] is False
    assert by_week["2025-10-13"]["coverage"]["reported"] == 5
    assert by_week["2025-10-13"]["coverage"]["expected"] == 218
    assert by_week["2025-10-06"]["complete"] is True
    assert by_week["2025-10-06"]["coverage"]["basis"] == "none"
    complete = client.get("/api/v1/indicator-values/?region=66&level=region&complete=true")
    assert [r["week_start"] for r in complete.json()["results"]] == ["2025-10-06"]
    partial = client.get("/api/v1/indicator-values/?region=66&level=region&complete=false")
    assert [r["week_start"] for r in partial.json()["results"]] == ["2025-10-13"]


def test_indicator_report_json_has_coverage(scenario):
    out = io.StringIO()
    call_command("indicator_report", region="66", week="2025-10-13", format="json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["week_start"] == "2025-10-13"
    assert report["coverage"]["reported"] == 5 and report["coverage"]["expected"] == 218
    assert report["coverage"]["share"] == round(5 / 218, 4)
    assert report["complete"] is False and report["judged_week"] == "2025-10-06"


def test_export_shows_coverage_and_no_gap_for_the_partial_week(scenario, personas, tmp_path):
    from reports.exports.jobs import export_write
    from reports.exports.registry import ExportParams
    from tests.reports.conftest import by_header, open_xlsx, table

    path = tmp_path / "ind.xlsx"
    export_write(
        kind="indicators",
        params=ExportParams(region="66"),
        user=personas.analyst,
        fmt="xlsx",
        path=str(path),
    )
    headers, rows = table(open_xlsx(str(path))["Показатели"])
    region_rows = [by_header(headers, r) for r in rows if r[1].value == "субъект"]
    partial = next(r for r in region_rows if r["Начало недели"].value == dt.datetime(2025, 10, 13))
    assert partial["Организаций"].value == 5 and partial["Ожидалось организаций"].value == 218
    assert "неполная неделя" in partial["Полнота недели"].value
    assert partial["П1: отклонение, п.п."].value is None


def test_alerts_judge_the_complete_week(scenario):
    from alerts.causes import alert_causes

    causes = alert_causes(region=scenario, on_date=ON)
    below = [c for c in causes if c.kind == "indicator_below"]
    assert all(c.details["week"] == W1.isoformat() for c in below)


def test_index_page_says_the_partial_week_is_not_counted(scenario, persona_client):
    text = persona_client("coordinator").get("/index/66/?date=2025-10-15")
    assert "отчитались 5 из 218 организаций" in text.content.decode()
