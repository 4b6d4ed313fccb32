"""The roadmap import pages and command: who may use them, upload -> preview -> confirm."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from agencies.models import Region
from roadmaps.choices import RoadmapVersionStatus
from roadmaps.models import Measure, Roadmap, RoadmapVersion
from roadmaps.services.roadmap_import import roadmap_version_apply, roadmap_version_upload
from tests.roadmaps.roadmap_docs import build_docx, build_xlsx

SVERDLOVSK_MINOBR = "Министерство образования Свердловской области"
DIP = "Департамент информационной политики Свердловской области"
ROWS = [
    ("section", "1. Общие мероприятия"),
    ("1.1", "Создать каналы\n– определить ответственных\n– создать каналы", "31.08.2025", DIP),
    ("header",),
    ("1.2", "Обучить педагогов", "сентябрь-октябрь 2025", SVERDLOVSK_MINOBR),
    ("1.3", "Подвести итоги", "до 15 декабря", f"{SVERDLOVSK_MINOBR}, {DIP}"),
]
TITLE = ("Утверждена распоряжением от 01.09.2025 № 7-р", "Дорожная карта Свердловской области")


def _upload_url(code="66"):
    return reverse("roadmaps:roadmap-import", args=[code])


@pytest.fixture
def draft(personas):
    region = Region.objects.get(code="66")
    return roadmap_version_upload(
        region=region, name="карта.docx", data=build_docx(ROWS, title_block=TITLE), actor=None
    )


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("coordinator", 200),
        ("admin", 200),
        ("outsider", 404),
        ("ministry_user", 403),
        ("analyst", 403),
        ("anonymous", 302),
    ],
)
def test_upload_page_access(persona_client, persona, code):
    response = persona_client(persona).get(_upload_url())
    assert response.status_code == code
    if persona == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("coordinator", 200),
        ("admin", 200),
        ("outsider", 404),
        ("ministry_user", 403),
        ("analyst", 403),
        ("anonymous", 302),
    ],
)
def test_preview_and_confirm_access(persona_client, draft, persona, code):
    client = persona_client(persona)
    url = reverse("roadmaps:roadmap-import-preview", args=[draft.pk])
    assert client.get(url).status_code == code
    response = client.post(url, {})
    if code == 200:
        assert response.status_code == 302  # confirmed
    else:
        assert response.status_code == code
        draft.refresh_from_db()
        assert draft.status == RoadmapVersionStatus.DRAFT


def test_measure_list_links_the_import_for_coordinators_only(persona_client):
    link = 'data-testid="roadmap-import-link"'
    assert link in persona_client("coordinator").get(reverse("roadmaps:measure-list")).text
    assert link not in persona_client("ministry_user").get(reverse("roadmaps:measure-list")).text


def test_choose_sends_coordinator_to_own_region(persona_client):
    response = persona_client("coordinator").get(reverse("roadmaps:roadmap-import-choose"))
    assert response["Location"] == _upload_url("66")
    assert (
        persona_client("analyst").get(reverse("roadmaps:roadmap-import-choose")).status_code == 403
    )


def test_upload_preview_confirm_flow(persona_client, personas):
    client = persona_client("coordinator")
    upload = SimpleUploadedFile("карта.docx", build_docx(ROWS, title_block=TITLE))
    response = client.post(_upload_url(), {"file": upload, "roadmap": ""})
    assert response.status_code == 302
    version = RoadmapVersion.objects.get(region__code="66", status=RoadmapVersionStatus.DRAFT)
    preview = client.get(response["Location"])
    text = preview.text
    assert preview.status_code == 200
    assert "Новая дорожная карта субъекта" in text
    assert "01.09.2025" in text  # the approval date read from the title block
    assert "сентябрь-октябрь 2025" in text and "31.10.2025" in text  # printed and parsed
    assert "15.12.2025" in text
    assert "определить ответственных" in text
    assert 'data-testid="confirm"' in text
    assert not Roadmap.objects.filter(versions=version).exists()  # nothing written yet

    confirmed = client.post(response["Location"], {})
    assert confirmed.status_code == 302
    version.refresh_from_db()
    assert version.status == RoadmapVersionStatus.APPLIED and version.number == 1
    roadmap = version.roadmap
    assert roadmap.region.code == "66" and roadmap.approved_on.isoformat() == "2025-09-01"
    assert confirmed["Location"].endswith(f"?roadmap={roadmap.pk}")
    measure = Measure.objects.get(roadmap=roadmap, number="1.3")
    assert [r.agency.name for r in measure.ordered_responsibilities] == [SVERDLOVSK_MINOBR, DIP]
    # a second confirm of the same draft does nothing
    client.post(response["Location"], {})
    assert RoadmapVersion.objects.filter(roadmap=roadmap).count() == 1


def test_broken_upload_shows_row_errors_and_no_confirm(persona_client):
    client = persona_client("coordinator")
    rows = [("1.1", "Первое", "когда-нибудь", DIP)]
    upload = SimpleUploadedFile("карта.xlsx", build_xlsx(rows, title_block=TITLE))
    response = client.post(_upload_url(), {"file": upload, "roadmap": ""}, follow=True)
    text = response.text
    assert "Строка 5, столбец «Срок»: Не удалось разобрать срок: «когда-нибудь»" in text
    assert 'data-testid="confirm"' not in text

    import io

    import docx

    document = docx.Document()
    document.add_paragraph("Нет таблицы")
    buffer = io.BytesIO()
    document.save(buffer)
    response = client.post(
        _upload_url(), {"file": SimpleUploadedFile("x.docx", buffer.getvalue()), "roadmap": ""}
    )
    assert response.status_code == 400
    assert "В документе нет таблицы" in response.text


def test_archived_measure_page_stays_read_only(persona_client, personas):
    region = Region.objects.get(code="66")
    first = roadmap_version_upload(
        region=region, name="v1.docx", data=build_docx(ROWS, title_block=TITLE), actor=None
    )
    roadmap = roadmap_version_apply(version=first, actor=None).roadmap
    dropped = Measure.objects.get(roadmap=roadmap, number="1.3")
    second = roadmap_version_upload(
        region=region,
        name="v2.docx",
        data=build_docx(ROWS[:-1], title_block=TITLE),
        actor=None,
        roadmap=roadmap,
    )
    roadmap_version_apply(version=second, actor=None)
    client = persona_client("coordinator")
    page = client.get(dropped.get_absolute_url())
    assert page.status_code == 200 and 'data-testid="archived"' in page.text
    listing = client.get(reverse("roadmaps:measure-list") + f"?roadmap={roadmap.pk}")
    assert "Подвести итоги" not in listing.text and "Обучить педагогов" in listing.text


def test_command_dry_run_then_import(tmp_path, seeded, capsys):
    path = tmp_path / "карта.docx"
    path.write_bytes(build_docx(ROWS, title_block=TITLE))
    call_command("import_roadmap", str(path), region="66", new_roadmap=True, dry_run=True)
    assert "ничего не записано" in capsys.readouterr().out
    assert not RoadmapVersion.objects.exists()
    call_command("import_roadmap", str(path), region="66", new_roadmap=True)
    assert "Записана версия 1" in capsys.readouterr().out
    roadmap = RoadmapVersion.objects.get().roadmap
    call_command("import_roadmap", str(path), region="66", roadmap=roadmap.code)
    assert "ничего не изменено" in capsys.readouterr().out


def test_command_refuses_broken_document(tmp_path, seeded):
    path = tmp_path / "карта.xlsx"
    path.write_bytes(build_xlsx([("1.1", "Первое", "когда-нибудь", DIP)], title_block=TITLE))
    with pytest.raises(CommandError) as error:
        call_command("import_roadmap", str(path), region="66", new_roadmap=True)
    assert "Строка 5, столбец «Срок»" in str(error.value)
    assert not RoadmapVersion.objects.exists()


def test_admin_chooses_the_region(persona_client):
    client = persona_client("admin")
    page = client.get(reverse("roadmaps:roadmap-import-choose"))
    assert page.status_code == 200 and "Калужская область" in page.text
    chosen = client.get(reverse("roadmaps:roadmap-import-choose") + "?region=40")
    assert chosen["Location"] == _upload_url("40")


def test_close_match_confirmed_or_replaced_in_the_preview(persona_client, personas):
    from agencies.models import Agency

    client = persona_client("coordinator")
    rows = [("1.1", "Первое", "31.08.2025", "Департамент информационной политики Свердл. обл.")]
    upload = SimpleUploadedFile("карта.docx", build_docx(rows, title_block=TITLE))
    url = client.post(_upload_url(), {"file": upload, "roadmap": ""})["Location"]
    preview = client.get(url)
    assert "близкое совпадение — подтвердите" in preview.text
    assert preview.context["form"].fields["agency_0"].initial == str(
        Agency.objects.get(name=DIP).pk
    )
    client.post(url, {"agency_0": "new"})
    measure = Measure.objects.get(roadmap__versions__file_name="карта.docx", number="1.1")
    created = measure.lead_agency
    assert created.name == "Департамент информационной политики Свердл. обл"
    assert created.region.code == "66"
