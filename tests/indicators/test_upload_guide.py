"""The upload page's column guide and templates; dry runs shown and alerted as what they are."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from alerts.choices import AlertKind
from alerts.models import Alert
from alerts.services import alerts_sync
from indicators.imports import columns
from indicators.imports.template import template_columns, template_csv
from roadmap_portal.tables import normalize_header
from tests.indicators.conftest import csv_bytes, row


def test_guide_covers_every_column_of_the_reader():
    guide = template_columns()
    assert [c.key for c in guide] == list(columns.TITLES)
    assert {c.key for c in guide if c.required} == set(columns.REQUIRED)
    for column in guide:
        assert column.example
        for variant in column.variants:
            assert columns.ALIASES[variant] == column.key
    week = next(c for c in guide if c.key == "week_start")
    assert "неделя" in week.variants and "week_start" not in week.variants


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_templates_download_and_import_clean(persona_client, import_file, fmt):
    client = persona_client("coordinator")
    response = client.get(reverse("indicators:upload-template", args=[fmt]))
    assert response.status_code == 200
    assert f"monitoring_template.{fmt}" in response["Content-Disposition"]
    data = response.content
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(data)).active
        header = [cell.value for cell in sheet[1]]
        assert sheet["A2"].value.date() == dt.date(2025, 10, 6)
    else:
        assert data.startswith(b"\xef\xbb\xbf")
        header = data.decode("utf-8-sig").splitlines()[0].split(";")
    assert [columns.ALIASES[normalize_header(h)] for h in header] == list(columns.TITLES)
    # the example line is a valid row of the reader (a dry run accepts it)
    upload = import_file(data, dry_run=True, name=f"template.{fmt}")
    assert upload.status == "done", upload.errors
    assert client.get(reverse("indicators:upload-template", args=["pdf"])).status_code == 404


def test_template_csv_is_the_canonical_header():
    assert template_csv().decode("utf-8-sig").splitlines()[0] == ";".join(columns.TITLES.values())


@pytest.mark.django_db
def test_upload_page_lists_columns_with_examples(persona_client):
    response = persona_client("coordinator").get(reverse("indicators:upload-create", args=["66"]))
    text = response.content.decode()
    assert response.status_code == 200
    for column in template_columns():
        assert column.title in text
    assert "6606001234" in text and "шаблон XLSX" in text and "шаблон CSV" in text
    assert "дата начала недели" in text  # an accepted variant


@pytest.mark.django_db
def test_dry_run_is_checked_not_loaded(persona_client, import_file, personas):
    upload = import_file(csv_bytes([row("ORG1")]), dry_run=True, user=personas.coordinator)
    assert upload.state == "checked"
    assert upload.state_display == "Проверено, не записано"
    client = persona_client("coordinator")
    for url in (
        reverse("indicators:upload-detail", args=[upload.pk]),
        reverse("indicators:upload-list", args=["66"]),
    ):
        text = client.get(url).content.decode()
        assert "Проверено, не записано" in text and "upload-checked" in text
        assert "Загружен<" not in text and "upload-done" not in text
    status = client.get(reverse("indicators:upload-status", args=[upload.pk])).json()
    assert status["status_display"] == "Проверено, не записано"


@pytest.mark.django_db
def test_refused_dry_run_raises_no_alert(import_file):
    from agencies.models import Region

    upload = import_file(csv_bytes([row("ORG1", region="99")]), dry_run=True)
    assert upload.status == "refused"
    region = Region.objects.get(code="66")
    alerts_sync(region=region)
    assert not Alert.objects.filter(region=region, kind=AlertKind.UPLOAD_FAILED).exists()
    refused = import_file(csv_bytes([row("ORG2", region="99")]))
    assert refused.status == "refused"
    alerts_sync(region=region)
    assert Alert.objects.filter(region=region, kind=AlertKind.UPLOAD_FAILED).open().count() == 1
