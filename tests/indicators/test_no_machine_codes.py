"""Pages show Russian titles, never the codes behind them (criterion, input, methodology
codes; I1-I4): the index and indicators pages, facts and the index file preview."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import Region
from indicators.index.services import index_fact_create
from indicators.models import MethodologyVersion

pytestmark = pytest.mark.django_db

CODE = re.compile(r"\b[a-z]+_[a-z_]+\b|\bstage\d\b|\(notify\)|\bI[1-4]\b")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|head)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return unescape(html)


@pytest.fixture
def facts(seeded):
    if not MethodologyVersion.objects.exists():
        pytest.skip("no methodology in the seeds")
    region = Region.objects.get(code="66")
    for criterion, input_code, value in (
        ("housing_uk_chats", "uk_total", 100),
        ("housing_uk_chats", "uk_with_chat", 40),
        ("mfc_notify", "", 1),
    ):
        index_fact_create(
            region=region,
            criterion_code=criterion,
            input=input_code,
            value=value,
            as_of=dt.date(2025, 10, 1),
            evidence_url="https://example.gov.ru/fakty",
            evidence_file=None,
            evidence_text="Проверка",
            entered_by=None,
            source="form",
        )


def test_index_and_indicator_pages_have_no_codes(persona_client, facts):
    client = persona_client("analyst")
    for url in (
        reverse("index:region", args=["66"]),
        reverse("index:ranking"),
        reverse("indicators:region", args=["66"]),
        reverse("reports:region-dashboard", args=["66"]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        assert not CODE.findall(text), (url, CODE.findall(text)[:5])
    page = visible_text(client.get(reverse("index:region", args=["66"])).content.decode())
    assert "ЖКХ: запущены чаты управляющих компаний" in page
    assert "П1" in visible_text(
        client.get(reverse("indicators:region", args=["66"])).content.decode()
    )


def test_fact_pick_has_no_codes(persona_client, seeded):
    response = persona_client("coordinator").get(reverse("index:fact-create", args=["66"]))
    assert response.status_code == 200
    assert not CODE.findall(visible_text(response.content.decode()))


def test_index_file_preview_shows_titles(persona_client, personas, seeded):
    client = persona_client("analyst")
    data = (
        "region_code;criterion;input;value;as_of;evidence\r\n"
        "66;housing_uk_chats;uk_with_chat;12;01.10.2025;https://example.gov.ru\r\n"
        "66;mfc_notify;;1;01.10.2025;Акт ввода\r\n"
    ).encode()
    response = client.post(
        reverse("index:import"), {"file": SimpleUploadedFile("facts.csv", data)}, follow=True
    )
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert "Предпросмотр" in text, text[:500]
    assert not CODE.findall(text), CODE.findall(text)[:5]
