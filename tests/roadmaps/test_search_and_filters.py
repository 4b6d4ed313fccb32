"""Search folds case, «ё» and Latin/Cyrillic look-alikes on both databases; filters say «Все»;
the agency filter lists each body once. The PostgreSQL run of CI runs these same tests."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from agencies.models import Agency
from roadmap_portal.search import FOLD_FROM, FOLD_TO, fold
from roadmaps.models import Measure

pytestmark = pytest.mark.django_db


def test_fold_table():
    assert len(FOLD_FROM) == len(FOLD_TO)
    assert fold("MAX") == fold("МАХ") == fold("max") == fold("Мах") == "мах"
    assert fold("Ёлка") == fold("елка") == "елка"
    assert fold("Сферум 2025") == "сферум 2025"
    assert fold(None) is None


def _search(client, text):
    response = client.get(reverse("roadmaps:measure-list"), {"q": text})
    return {row.measure.pk for row in response.context["rows"]}


def test_search_finds_max_in_latin_and_cyrillic_and_yo(persona_client):
    client = persona_client("analyst")
    measure = Measure.objects.filter(roadmap__code="sverdlovsk-2025").order_by("pk").first()
    Measure.objects.filter(pk=measure.pk).update(
        title="Перевод чатов в МАХ (кириллицей) и учёт пользователей"
    )
    other = Measure.objects.filter(roadmap__code="moscow-oblast-2025").order_by("pk").first()
    other = other or Measure.objects.exclude(pk=measure.pk).order_by("pk").first()
    Measure.objects.filter(pk=other.pk).update(title="Подключение к MAX латиницей")
    latin, cyrillic = _search(client, "MAX"), _search(client, "мах")
    assert {measure.pk, other.pk} <= latin
    assert latin == cyrillic == _search(client, "Мax")  # mixed scripts too
    assert measure.pk in _search(client, "учет") and measure.pk in _search(client, "УЧЁТ")
    assert measure.pk not in _search(client, "чатов в мир")
    assert _search(client, "   ") == _search(client, "")


def test_search_keeps_the_scope(persona_client):
    outsider = persona_client("outsider")
    found = _search(outsider, "мах")
    assert found
    assert not Measure.objects.filter(pk__in=found, roadmap__region__code="66").exists()


def test_organisation_api_search_folds_too(persona_client, personas):
    from agencies.models import Organisation, Region

    org = Organisation.objects.create(
        code="FOLD1",
        name="Школа «Ёлочка» MAX",
        org_type="school",
        region=Region.objects.get(code="66"),
    )
    client = persona_client("analyst")
    for text in ("елочка", "ЁЛОЧКА", "мах"):
        body = client.get("/api/v1/organisations/", {"q": text}).json()
        rows = body["results"] if isinstance(body, dict) else body
        assert org.code in {row["code"] for row in rows}, text


def _selects(html):
    return {
        name: re.findall(r"<option[^>]*>(.*?)</option>", options, re.S)
        for name, options in re.findall(r'<select name="(\w+)"[^>]*>(.*?)</select>', html, re.S)
    }


@pytest.mark.parametrize("url", ["roadmaps:measure-list", "alerts:alert-list"])
def test_filters_say_all(persona_client, url):
    html = persona_client("analyst").get(reverse(url)).content.decode()
    selects = _selects(html)
    assert selects
    for name, options in selects.items():
        assert "---------" not in options and "Неизвестно" not in options, name
    assert "Все" in selects["region"]


def test_agency_filter_lists_each_body_once(persona_client):
    client = persona_client("coordinator")
    html = client.get(reverse("roadmaps:measure-list")).content.decode()
    options = _selects(html)["agency"]
    assert len(options) == len(set(options))
    # «Исполнительные органы … и их подведомственные организации» and «… и подведомственные
    # им организации» are one body: listed once, and choosing it finds the measures of both
    bodies = Agency.objects.filter(
        region__code="66", kind="collective", collective_scope="roiv", includes_subordinates=True
    )
    assert bodies.count() == 2
    listed = [a for a in bodies if a.name in options]
    assert len(listed) == 1
    rows = client.get(reverse("roadmaps:measure-list"), {"agency": listed[0].pk}).context["rows"]
    expected = set(
        Measure.objects.filter(responsibilities__agency__in=bodies).values_list("pk", flat=True)
    )
    assert {r.measure.pk for r in rows} == expected and expected
