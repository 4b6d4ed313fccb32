"""A share's part never exceeds its whole (indicators.index.scoring.parts), on every path
(the API: tests/api/test_api_index.py).

«Управляющих компаний с чатом в МАХ» 50 of 40 companies was stored and scored as 100 % (5
points of housing): the file, the fact form, the API and the admin accepted it."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse

from agencies.models import Region
from indicators.index.inputs import index_inputs_read
from indicators.index.scoring.parts import Reading, part_over_whole
from indicators.models import IndexFact
from tests.indicators.index_helpers import fact

HEADER = "Код региона;Критерий;Вход;Значение;Дата;Подтверждение\n"
SEP, OCT, NOV = dt.date(2025, 9, 1), dt.date(2025, 10, 1), dt.date(2025, 11, 1)


def _read(*rows: str):
    return index_inputs_read(io.BytesIO((HEADER + "\n".join(rows) + "\n").encode()))


def _r(name, day, value, ref=0):
    return Reading(name, day, D(value), new=bool(ref), ref=ref)


# ------------------------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    ("readings", "refused"),
    [
        # both new, the part above the whole: the part's row (the later entry that day)
        ([_r("w", OCT, 40, 2), _r("p", OCT, 50, 3)], [(3, OCT)]),
        # equal is allowed; a part of 0 of 0 too
        ([_r("w", OCT, 40, 2), _r("p", OCT, 40, 3)], []),
        ([_r("w", OCT, 0, 2), _r("p", OCT, 0, 3)], []),
        # a stored whole of 40, a new part of 50 a month later
        ([_r("w", SEP, 40), _r("p", OCT, 50, 2)], [(2, OCT)]),
        # a new whole lowered below the stored part: the whole is refused
        ([_r("p", SEP, 35), _r("w", SEP, 40), _r("w", OCT, 30, 2)], [(2, OCT)]),
        # a new whole that rises in time: in force from the same day, nothing refused
        ([_r("w", SEP, 40), _r("w", OCT, 60, 2), _r("p", OCT, 50, 3)], []),
        # ... but a part dated before its whole rose is above the old whole for a month
        ([_r("w", SEP, 40), _r("p", SEP, 50, 2), _r("w", OCT, 60, 3)], [(2, SEP)]),
        # a stored pair already wrong is not the new entry's doing; a new part is judged
        ([_r("w", SEP, 40), _r("p", SEP, 50), _r("x", OCT, 1, 2)], []),
        ([_r("w", SEP, 40), _r("p", SEP, 50), _r("p", OCT, 45, 2)], [(2, OCT)]),
        # no whole yet: nothing to judge (the score reads «нет данных»)
        ([_r("p", OCT, 50, 2)], []),
        # a later entry on the same day replaces the earlier: the stored 40 is replaced
        ([_r("w", OCT, 40), _r("w", OCT, 80, 2), _r("p", OCT, 50, 3)], []),
    ],
)
def test_part_over_whole(readings, refused):
    found = part_over_whole(readings, part="p", whole="w")
    assert [(f.reading.ref, f.day) for f in found] == refused


# --------------------------------------------------------------------------------- a file


@pytest.mark.django_db
def test_file_with_a_part_above_its_whole_is_refused_with_row_and_column(seeded):
    result = _read(
        "66;housing_uk_chats;uk_total;40;01.10.2025;реестр",
        "66;housing_uk_chats;uk_with_chat;50;01.10.2025;реестр",
    )
    assert result.errors == [
        "Строка 3, столбец «Значение»: «из них с чатом в МАХ» (50) больше, чем «Управляющих "
        "компаний в регионе» (40), с 01.10.2025: часть не может быть больше целого."
    ]


@pytest.mark.django_db
def test_file_is_judged_against_the_stored_facts(seeded):
    region = Region.objects.get(code="66")
    fact(region, "housing_uk_chats", 40, SEP, input="uk_total")
    fact(region, "housing_uk_chats", 35, SEP, input="uk_with_chat")
    raised = _read("66;housing_uk_chats;uk_with_chat;41;01.10.2025;реестр")
    assert [e.split(":")[0] for e in raised.errors] == ["Строка 2, столбец «Значение»"]
    lowered = _read("66;housing_uk_chats;uk_total;30;01.10.2025;реестр")
    assert "«Управляющих компаний в регионе» (30)" in lowered.errors[0]
    assert "«из них с чатом в МАХ» (35) больше" in lowered.errors[0]
    # both moving together is fine; another region's figures are not mixed in
    assert not _read(
        "66;housing_uk_chats;uk_total;60;01.10.2025;реестр",
        "66;housing_uk_chats;uk_with_chat;55;01.10.2025;реестр",
        "50;housing_uk_chats;uk_with_chat;39;01.10.2025;реестр",
    ).errors


# ---------------------------------------------------------------- the form, API and admin


@pytest.fixture
def stored_whole(seeded):
    region = Region.objects.get(code="66")
    return fact(region, "housing_uk_chats", 40, SEP, input="uk_total")


@pytest.mark.django_db
def test_fact_form_refuses_a_part_above_its_whole(persona_client, stored_whole):
    url = reverse("index:fact-create", args=["66"]) + "?criterion=housing_uk_chats"
    response = persona_client("coordinator").post(
        url,
        {
            "input": "uk_with_chat",
            "value": "50",
            "as_of": "01.10.2025",
            "evidence_url": "https://example.org/x",
        },
    )
    assert response.status_code == 200
    assert "часть не может быть больше целого" in response.content.decode()
    assert IndexFact.objects.count() == 1


def _admin_form(region, **data):
    form = {
        "region": region.pk,
        "criterion_code": "housing_uk_chats",
        "input": "uk_with_chat",
        "value": "50",
        "as_of": "01.10.2025",
        "evidence_text": "реестр",
        "source": "form",
    }
    form.update(data)
    return form


@pytest.mark.django_db
def test_admin_applies_the_same_checks(persona_client, personas, stored_whole):
    personas.admin.is_staff = personas.admin.is_superuser = True
    personas.admin.save()
    client = persona_client("admin")
    region = stored_whole.region
    add = reverse("admin:indicators_indexfact_add")
    for data, message in [
        ({}, "часть не может быть больше целого"),
        ({"criterion_code": "mfc_bot", "input": "", "value": "7"}, "не может быть больше 1"),
        ({"criterion_code": "nope"}, "Неизвестный критерий"),
    ]:
        response = client.post(add, _admin_form(region, **data))
        assert response.status_code == 200, data
        assert message in response.content.decode(), data
    assert IndexFact.objects.count() == 1
    # the edit of the stored whole is judged without its own old value
    part = fact(region, "housing_uk_chats", 40, OCT, input="uk_with_chat")
    change = reverse("admin:indicators_indexfact_change", args=[stored_whole.pk])
    response = client.post(
        change, _admin_form(region, input="uk_total", value="45", as_of="01.09.2025")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(
        change, _admin_form(region, input="uk_total", value="39", as_of="01.09.2025")
    )
    assert "часть не может быть больше целого" in response.content.decode()
    stored_whole.refresh_from_db()
    part.refresh_from_db()
    assert (stored_whole.value, part.value) == (D("45"), D("40"))
