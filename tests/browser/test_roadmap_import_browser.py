"""A coordinator loads the region's roadmap document in a real browser: preview, confirm."""

from __future__ import annotations

import pytest

from agencies.choices import Role
from agencies.models import Region
from roadmaps.models import Measure, RoadmapVersion
from tests.factories import make_user
from tests.roadmaps.roadmap_docs import build_docx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MINOBR = "Министерство образования Свердловской области"
DIP = "Департамент информационной политики Свердловской области"
ROWS = [
    ("numbers",),
    ("section", "1. Общие мероприятия"),
    (
        "1.1",
        "Создать официальные каналы органов власти в MAX\n– определить ответственных\n"
        "– создать каналы",
        "31.08.2025",
        DIP,
        "Каналы созданы",
    ),
    ("1.2", "Перевести рабочие чаты в MAX", "до 15 сентября", f"{MINOBR}, Минцифры СО"),
    ("header",),
    ("section", "2. Образование"),
    (
        "2.1",
        "Провести обучение педагогов",
        "сентябрь-октябрь 2025",
        "Министерство образованя Свердловской обл.",
    ),
]
TITLE = (
    "УТВЕРЖДЕНА распоряжением Правительства Свердловской области от 22.08.2025 № 412-рп",
    "ДОРОЖНАЯ КАРТА внедрения национального мессенджера MAX",
)


def test_coordinator_imports_roadmap_document(page, live_server, seeded, artifacts, tmp_path):
    make_user(Role.COORDINATOR, username="coord", region=Region.objects.get(code="66"))
    document = tmp_path / "Дорожная карта.docx"
    document.write_bytes(build_docx(ROWS, title_block=TITLE))

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "coord")
    page.fill("input[name=password]", "pass")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)

    # 1. from the measure list to the upload page of the region
    page.goto(f"{live_server.url}/measures/")
    page.click("[data-testid=roadmap-import-link]")
    page.wait_for_url("**/measures/import/66/")
    page.set_input_files("#id_file", str(document))
    page.select_option("#id_roadmap", "")  # a new roadmap, not a version of the seeded one
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/measures/import/drafts/*/")

    # 2. the preview: parsed deadlines, sub-steps, a close match to confirm, a new body
    table = page.inner_text("[data-testid=preview-table]")
    assert "до 15 сентября" in table and "15.09.2025" in table
    assert "определить ответственных" in table
    choices = page.locator("[data-testid=agency-choice]")
    assert choices.count() == 2
    assert "близкое совпадение" in page.inner_text("form.stacked")
    page.screenshot(path=str(artifacts / "roadmap_import_preview.jpg"), full_page=True)
    assert RoadmapVersion.objects.get().roadmap is None  # nothing written yet

    # 3. confirm: the measures are in the list
    page.click("[data-testid=confirm]")
    page.wait_for_url("**/measures/?roadmap=*")
    assert "Загружена версия 1" in page.inner_text(".messages")
    assert "Перевести рабочие чаты в MAX" in page.inner_text("table.measures")
    page.screenshot(path=str(artifacts / "roadmap_import_done.jpg"), full_page=True)
    version = RoadmapVersion.objects.get()
    measure = Measure.objects.get(roadmap=version.roadmap, number="2.1")
    assert [r.agency.name for r in measure.ordered_responsibilities] == [MINOBR]
