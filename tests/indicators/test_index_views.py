from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from agencies.models import Region
from indicators.models import IndexFact
from tests.indicators.index_helpers import fact, rollup

pytestmark = pytest.mark.django_db

REGION_URL = reverse("index:region", args=["66"])


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("anonymous", 302),
        ("ministry_user", 200),
        ("coordinator", 200),
        ("analyst", 200),
        ("admin", 200),
        ("outsider", 404),
    ],
)
def test_region_page_access(persona_client, persona, code):
    assert persona_client(persona).get(REGION_URL).status_code == code


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("anonymous", 302),
        ("ministry_user", 403),
        ("coordinator", 200),
        ("analyst", 200),
        ("admin", 200),
        ("outsider", 200),
    ],
)
def test_ranking_access(persona_client, persona, code):
    assert persona_client(persona).get(reverse("index:ranking")).status_code == code


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("anonymous", 302),
        ("ministry_user", 403),
        ("other_agency_user", 403),
        ("coordinator", 200),
        ("analyst", 200),
        ("admin", 200),
        ("outsider", 404),
    ],
)
def test_fact_form_access(persona_client, persona, code):
    url = reverse("index:fact-create", args=["66"]) + "?criterion=mfc_bot"
    assert persona_client(persona).get(url).status_code == code


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("ministry_user", 403),
        ("coordinator", 403),
        ("analyst", 302),
        ("admin", 302),
        ("outsider", 404),
    ],
)
def test_fact_verify_access(persona_client, persona, code):
    item = fact(Region.objects.get(code="66"), "mfc_bot", 1, dt.date(2025, 9, 1), verified=False)
    response = persona_client(persona).post(reverse("index:fact-verify", args=[item.pk]))
    assert response.status_code == code
    item.refresh_from_db()
    assert item.is_verified == (code == 302)


def test_fact_verify_is_post_only(persona_client):
    item = fact(Region.objects.get(code="66"), "mfc_bot", 1, dt.date(2025, 9, 1), verified=False)
    assert (
        persona_client("analyst").get(reverse("index:fact-verify", args=[item.pk])).status_code
        == 405
    )


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("anonymous", 302),
        ("ministry_user", 403),
        ("coordinator", 200),
        ("analyst", 200),
        ("admin", 200),
    ],
)
def test_import_page_access(persona_client, persona, code):
    assert persona_client(persona).get(reverse("index:import")).status_code == code


def test_region_page_shows_breakdown_potential_and_totals(
    persona_client, django_assert_max_num_queries
):
    region = Region.objects.get(code="33")
    rollup(region, dt.date(2025, 9, 22), 1000, 570)
    fact(region, "mfc_bot", 1, dt.date(2025, 9, 1), verified=False)
    fact(region, "housing_uk_chats", 100, dt.date(2025, 9, 1), input="uk_total")
    fact(region, "housing_uk_chats", 34, dt.date(2025, 9, 1), input="uk_with_chat")
    client = persona_client("analyst")
    with django_assert_max_num_queries(16):
        response = client.get(reverse("index:region", args=["33"]) + "?date=2025-10-01")
    html = response.content.decode()
    assert response.status_code == 200
    assert "10,5" in html  # verified: 7.5 + 3
    assert "15,5" in html  # claimed: + 5 for the unverified bot
    assert "7,5 из 15: доля 57\u00a0%" in html
    assert "3 из 5: 34\u00a0% ≥ 30\u00a0%" in html
    # Vladimir measure 9 serves mfc_notify (no points yet): part of the potential
    assert "Обеспечение направления уведомлений о готовности документов в МФЦ" in html
    assert "Подтвердить" in html


def test_coordinator_enters_fact_unverified(persona_client):
    client = persona_client("coordinator")
    url = reverse("index:fact-create", args=["66"]) + "?criterion=media_reach"
    page = client.get(url).content.decode()
    assert "Менее 2 публикаций — 0" in page  # the rule next to the field
    response = client.post(
        url,
        {
            "input": "reach_percent",
            "value": "34,5",
            "as_of": "01.10.2025",
            "evidence_url": "https://example.org/x",
        },
    )
    assert response.status_code == 302
    item = IndexFact.objects.get()
    assert (item.input, str(item.value), item.is_verified) == ("reach_percent", "34.50", False)


def test_fact_form_errors_in_russian(persona_client):
    client = persona_client("coordinator")
    url = reverse("index:fact-create", args=["66"]) + "?criterion=mfc_bot"
    response = client.post(url, {"value": "3", "as_of": "2025-13-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Значение не может быть больше 1." in html
    assert "Укажите подтверждение" in html
    assert not IndexFact.objects.exists()


def test_ranking_highlights_coordinator_region_and_change(
    persona_client, django_assert_max_num_queries
):
    sverdlovsk = Region.objects.get(code="66")
    fact(sverdlovsk, "offline_qr", 0, dt.date(2025, 8, 15))  # data on 01.09: 0 points
    fact(sverdlovsk, "digital_id_age", 1, dt.date(2025, 9, 15))
    client = persona_client("coordinator")
    with django_assert_max_num_queries(20):
        response = client.get(reverse("index:ranking") + "?date=2025-10-01&since=2025-09-01")
    html = response.content.decode()
    rows = response.context["rows"]
    assert rows[0].region == sverdlovsk and rows[0].highlighted and rows[0].change == 10
    assert len(rows) == 89 and sum(r.highlighted for r in rows) == 1
    assert 'class="highlight"' in html and "+10" in html


def test_upload_dry_run_then_confirm(persona_client):
    client = persona_client("analyst")
    content = (
        "region_code;criterion;input;value;as_of;evidence\n"
        "66;mfc_bot;;1;01.10.2025;https://example.org/bot\n"
        "66;housing_uk_chats;uk_total;100;01.10.2025;реестр\n"
    ).encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(reverse("index:import"), {"file": SimpleUploadedFile("in.csv", content)})
    assert response.status_code == 302
    assert not IndexFact.objects.exists()  # a dry run first
    page = client.get(response["Location"])
    assert "Предпросмотр" in page.content.decode()
    upload = page.context["upload"]
    other = persona_client("coordinator").get(reverse("index:upload", args=[upload.pk]))
    assert other.status_code == 404  # somebody else's upload
    client = persona_client("analyst")
    confirm = client.post(reverse("index:upload-confirm", args=[upload.pk]))
    assert confirm.status_code == 302
    assert IndexFact.objects.count() == 2
    assert all(f.is_verified for f in IndexFact.objects.all())


@pytest.mark.parametrize(
    ("persona", "code"),
    [("coordinator", 200), ("ministry_user", 200), ("analyst", 200), ("outsider", 404)],
)
def test_evidence_file_access(persona_client, persona, code):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from indicators.index.services import index_fact_create

    item = index_fact_create(
        region=Region.objects.get(code="66"),
        criterion_code="mfc_notify",
        value=1,
        as_of=dt.date(2025, 9, 1),
        evidence_file=SimpleUploadedFile("act.pdf", b"%PDF-1.4 test"),
    )
    response = persona_client(persona).get(reverse("index:fact-evidence", args=[item.pk]))
    assert response.status_code == code
    if code == 200:
        assert b"".join(response.streaming_content) == b"%PDF-1.4 test"


def test_upload_confirm_is_post_only_and_scoped(persona_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = persona_client("coordinator")
    content = "region_code;criterion;input;value;as_of;evidence\n50;mfc_bot;;1;01.10.2025;x\n"
    response = client.post(
        reverse("index:import"), {"file": SimpleUploadedFile("in.csv", content.encode())}
    )
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Строка 2, столбец «region_code»: нет доступа к субъекту 50." in html
    assert "Загрузить</button>" not in html  # refused: nothing to confirm
    upload = page.context["upload"]
    confirm_url = reverse("index:upload-confirm", args=[upload.pk])
    assert client.get(confirm_url).status_code == 405
    assert client.post(confirm_url).status_code == 302
    assert not IndexFact.objects.exists()


@pytest.mark.parametrize(
    ("persona", "target"),
    [
        ("coordinator", "/index/66/"),
        ("outsider", "/index/50/"),
        ("ministry_user", "/index/66/"),
        ("analyst", "/index/ranking/"),
        ("admin", "/index/ranking/"),
    ],
)
def test_index_home_redirects(persona_client, persona, target):
    response = persona_client(persona).get(reverse("index:home"))
    assert response.status_code == 302 and response["Location"] == target
