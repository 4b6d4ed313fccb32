"""Measure writes through the API: status (If-Match / ETag), sub-steps, monthly reports,
evidence; the same service and the same permission matrix as the measure page."""

from __future__ import annotations

import pytest

from roadmaps.models import Measure, MeasureChange
from tests.roadmaps.helpers import PDF_BYTES, pdf
from tests.roadmaps.test_permissions import PERSONAS, TARGETS, WRITE, _measure

pytestmark = pytest.mark.django_db

CASES = [(p, t) for p in PERSONAS for t in TARGETS]
# the page answers a saved write with a redirect (302); the API with 200
API_WRITE = {p: {t: 200 if c == 302 else c for t, c in row.items()} for p, row in WRITE.items()}


def _status(client, measure: Measure, etag: str | None = None, **data):
    headers = {"HTTP_IF_MATCH": etag} if etag is not None else {}
    body = {"status": "in_progress", "comment": "Начали", **data}
    return client.post(f"/api/v1/measures/{measure.pk}/status/", body, format="json", **headers)


@pytest.mark.parametrize(("persona", "target"), CASES)
def test_status_update_matrix(api_as, persona, target):
    measure = _measure(target)
    response = _status(api_as(persona), measure, f'"{measure.version}"')
    assert response.status_code == API_WRITE[persona][target], response.content
    measure.refresh_from_db()
    saved = API_WRITE[persona][target] == 200
    assert (measure.status == "in_progress") is saved
    if saved:
        assert response["ETag"] == f'"{measure.version}"'
        assert response.json()["status"] == "in_progress"
    else:
        assert response.json()["code"] in ("permission_denied", "not_found")


def test_status_update_anonymous(api_as):
    response = _status(api_as("anonymous"), _measure("own_agency"), '"1"')
    assert response.status_code == 401


def test_etag_round_trip_and_stale_if_match_is_412(api_as):
    client = api_as("ministry_user")
    measure = _measure("own_agency")
    etag = client.get(f"/api/v1/measures/{measure.pk}/")["ETag"]
    first = _status(client, measure, etag)
    assert first.status_code == 200
    assert first["ETag"] != etag
    # a second client still holding the old ETag is refused, and nothing is saved
    stale = _status(client, measure, etag, status="done", comment="Готово")
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    measure.refresh_from_db()
    assert measure.status == "in_progress"
    assert MeasureChange.objects.filter(measure=measure).count() == 1
    # with the fresh ETag it goes through
    fresh = _status(client, measure, first["ETag"], status="done", comment="Готово")
    assert fresh.status_code == 200, fresh.content


@pytest.mark.parametrize("header", [None, "", "*"])
def test_missing_if_match_is_428(api_as, header):
    measure = _measure("own_agency")
    response = _status(api_as("ministry_user"), measure, header)
    assert response.status_code == 428
    body = response.json()
    assert body["code"] == "precondition_required" and "If-Match" in body["detail"]


@pytest.mark.parametrize("header", ['W/"1"', '"7", "1"', "1"])
def test_if_match_forms(api_as, header):
    response = _status(api_as("ministry_user"), _measure("own_agency"), header)
    assert response.status_code == 200


def test_if_match_naming_no_version_is_412(api_as):
    response = _status(api_as("ministry_user"), _measure("own_agency"), '"abc"')
    assert response.status_code == 412


def test_service_rules_come_back_as_russian_field_errors(api_as):
    measure = _measure("own_agency")
    response = _status(api_as("ministry_user"), measure, '"1"', status="done", comment="")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "комментарий" in body["fields"]["comment"][0].lower()
    measure.refresh_from_db()
    assert measure.status == "not_started" and measure.version == 1


def test_unknown_status_is_400(api_as):
    response = _status(api_as("ministry_user"), _measure("own_agency"), '"1"', status="late")
    assert response.status_code == 400
    assert "status" in response.json()["fields"]


def test_evidence_upload_and_download(api_as, persona_client):
    client = api_as("ministry_user")
    measure = _measure("own_agency")
    response = client.post(
        f"/api/v1/measures/{measure.pk}/status/",
        {"status": "in_progress", "comment": "Акт", "evidence": pdf("akt.pdf")},
        format="multipart",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.content
    [entry] = client.get(f"/api/v1/measures/{measure.pk}/history/").json()["results"]
    assert entry["version"] == 2 and entry["comment"] == "Акт"
    download = client.get(entry["evidence_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    # the file is served to those who see the measure only
    assert api_as("outsider").get(entry["evidence_url"]).status_code == 404


def test_evidence_with_wrong_content_is_refused(api_as):
    measure = _measure("own_agency")
    response = api_as("ministry_user").post(
        f"/api/v1/measures/{measure.pk}/status/",
        {"status": "in_progress", "comment": "Акт", "evidence": pdf("akt.pdf", b"MZ\x90\x00")},
        format="multipart",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 400
    assert "evidence" in response.json()["fields"]
    assert not MeasureChange.objects.filter(measure=measure).exists()


def _with_steps() -> Measure:
    return Measure.objects.filter(roadmap__code="sverdlovsk-2025", steps__isnull=False).first()


def test_step_tick_with_if_match(api_as, personas):
    from roadmaps.models import MeasureStep

    measure = _with_steps()
    step = measure.steps.order_by("position").first()
    client = api_as("admin")
    url = f"/api/v1/measures/{measure.pk}/steps/{step.pk}/"
    assert client.post(url, {"done": True}, format="json").status_code == 428
    response = client.post(url, {"done": True}, format="json", HTTP_IF_MATCH=f'"{measure.version}"')
    assert response.status_code == 200, response.content
    assert MeasureStep.objects.get(pk=step.pk).done_on is not None
    stale = client.post(url, {"done": False}, format="json", HTTP_IF_MATCH=f'"{measure.version}"')
    assert stale.status_code == 412


def test_step_of_another_measure_is_404(api_as):
    measure = _with_steps()
    other = _measure("own_agency")
    step = measure.steps.first()
    response = api_as("admin").post(
        f"/api/v1/measures/{other.pk}/steps/{step.pk}/",
        {"done": True},
        format="json",
        HTTP_IF_MATCH=f'"{other.version}"',
    )
    assert response.status_code == 404


def test_monthly_report_of_a_measure_without_months_is_refused(api_as):
    measure = _measure("own_agency")
    response = api_as("ministry_user").post(
        f"/api/v1/measures/{measure.pk}/reports/",
        {"period": "2025-09-01", "status": "done", "comment": "Отчёт"},
        format="json",
    )
    assert response.status_code == 400
    assert "period" in response.json()["fields"]


def test_monthly_report(api_as):
    from roadmaps.choices import Recurrence
    from roadmaps.selectors import measure_report_months

    measure = Measure.objects.filter(recurrence=Recurrence.MONTHLY).exclude(due_date=None).first()

    period = measure_report_months(measure)[0].period
    response = api_as("admin").post(
        f"/api/v1/measures/{measure.pk}/reports/",
        {"period": period.isoformat(), "status": "done", "comment": "Отчёт"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["period"] == period.isoformat()


def test_get_on_a_write_action_is_405(api_as):
    measure = _measure("own_agency")
    response = api_as("ministry_user").get(f"/api/v1/measures/{measure.pk}/status/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize(("persona", "target"), CASES)
def test_step_matrix(api_as, persona, target):
    from roadmaps.models import MeasureStep

    measure = _measure(target)
    step = MeasureStep.objects.create(measure=measure, position=90, title="Подэтап для API")
    response = api_as(persona).post(
        f"/api/v1/measures/{measure.pk}/steps/{step.pk}/",
        {"done": True, "done_on": "2025-09-01"},
        format="json",
        HTTP_IF_MATCH=f'"{measure.version}"',
    )
    assert response.status_code == API_WRITE[persona][target], response.content
    step.refresh_from_db()
    assert (step.done_on is not None) is (response.status_code == 200)


@pytest.mark.parametrize(("persona", "target"), CASES)
def test_monthly_report_matrix(api_as, persona, target):
    import datetime as dt

    from roadmaps.choices import Recurrence
    from roadmaps.models import MeasureReport

    measure = _measure(target)
    Measure.objects.filter(pk=measure.pk).update(
        recurrence=Recurrence.MONTHLY,
        start_date=dt.date(2025, 9, 1),
        due_date=dt.date(2025, 12, 26),
    )
    response = api_as(persona).post(
        f"/api/v1/measures/{measure.pk}/reports/",
        {"period": "2025-09-01", "status": "done", "comment": "Отчёт за сентябрь"},
        format="json",
    )
    assert response.status_code == API_WRITE[persona][target], response.content
    saved = MeasureReport.objects.filter(measure=measure).exists()
    assert saved is (response.status_code == 200)
