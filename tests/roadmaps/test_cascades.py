import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.choices import OrgType, Role
from agencies.models import Region
from roadmaps.models import Cascade, CascadeProgress, Measure
from roadmaps.selectors import cascade_summary
from roadmaps.services.cascades import (
    CascadeImportError,
    cascade_create,
    cascade_progress_import,
    cascade_progress_set,
)
from tests.factories import make_municipality, make_organisation, make_user

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 11, 1)


@pytest.fixture
def world(seeded, personas):
    """Measure 3.9 (four sub-steps) of Sverdlovsk; two municipalities with schools."""
    region = Region.objects.get(code="66")
    north = make_municipality(region, "Североуральский ГО")
    south = make_municipality(region, "Сысертский ГО")
    schools = [
        make_organisation(region, north, code="660001"),
        make_organisation(region, north, code="660002"),
        make_organisation(region, south, code="660003"),
    ]
    make_organisation(region, north, code="660009", org_type=OrgType.PRESCHOOL)
    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.9")
    return {"region": region, "north": north, "south": south, "schools": schools, "m": measure}


def _region_cascade(world, personas):
    return cascade_create(
        measure=world["m"],
        scope="region",
        org_types=[OrgType.SCHOOL],
        actor=personas.ministry_user,
        subject="Переход на Сферум в MAX",
    )


def test_cascade_to_municipality_schools(world, personas):
    cascade = cascade_create(
        measure=world["m"],
        scope="municipality",
        municipality=world["north"],
        org_types=[OrgType.SCHOOL],
        actor=personas.ministry_user,
    )
    codes = set(cascade.organisations.values_list("code", flat=True))
    assert codes == {"660001", "660002"}  # the preschool and the other municipality left out
    assert world["m"].changes.filter(kind="cascade").exists()


def test_cascade_chosen_and_region(world, personas):
    chosen = cascade_create(
        measure=world["m"],
        scope="chosen",
        organisations=[world["schools"][2]],
        actor=personas.ministry_user,
    )
    assert list(chosen.organisations.values_list("code", flat=True)) == ["660003"]
    region = _region_cascade(world, personas)
    assert region.targets.count() == 3
    with pytest.raises(ValidationError):
        cascade_create(measure=world["m"], scope="chosen", actor=personas.ministry_user)
    with pytest.raises(ValidationError):
        cascade_create(measure=world["m"], scope="municipality", actor=personas.ministry_user)


def test_progress_by_municipality_and_organisation_staff(world, personas):
    cascade = _region_cascade(world, personas)
    steps = list(world["m"].steps.all())
    muni_user = make_user(Role.STAFF, region=world["region"], municipality=world["north"])
    org_user = make_user(Role.STAFF, region=world["region"], organisation=world["schools"][2])
    for step in steps:
        cascade_progress_set(
            cascade=cascade,
            organisation=world["schools"][0],
            step=step,
            done_on=dt.date(2025, 10, 1),
            actor=muni_user,
            today=TODAY,
        )
    cascade_progress_set(
        cascade=cascade,
        organisation=world["schools"][2],
        step=steps[0],
        done_on=dt.date(2025, 10, 2),
        actor=org_user,
        today=TODAY,
    )
    with pytest.raises(PermissionError):  # another municipality's school
        cascade_progress_set(
            cascade=cascade,
            organisation=world["schools"][2],
            step=steps[0],
            done_on=dt.date(2025, 10, 2),
            actor=muni_user,
            today=TODAY,
        )
    with pytest.raises(PermissionError):  # another school
        cascade_progress_set(
            cascade=cascade,
            organisation=world["schools"][1],
            step=steps[0],
            done_on=dt.date(2025, 10, 2),
            actor=org_user,
            today=TODAY,
        )
    summary = cascade_summary(cascade)
    assert (summary.done, summary.total) == (1, 3)
    shares = {m.name: (m.done, m.total) for m in summary.by_municipality}
    assert shares == {"Североуральский ГО": (1, 2), "Сысертский ГО": (0, 1)}
    assert [o.organisation.code for o in summary.not_done] == ["660002", "660003"]


def test_organisation_staff_records_through_page(world, personas, client):
    cascade = _region_cascade(world, personas)
    org_user = make_user(Role.STAFF, region=world["region"], organisation=world["schools"][2])
    client.force_login(org_user)
    page = client.get(reverse("roadmaps:cascade-detail", args=[cascade.pk]))
    assert page.status_code == 200
    step = world["m"].steps.first()
    url = reverse("roadmaps:cascade-progress", args=[cascade.pk])
    ok = client.post(
        url, {"organisation": world["schools"][2].pk, "step": step.pk, "done_on": "2025-10-01"}
    )
    assert ok.status_code == 302
    refused = client.post(
        url, {"organisation": world["schools"][0].pk, "step": step.pk, "done_on": "2025-10-01"}
    )
    assert refused.status_code == 403
    assert CascadeProgress.objects.filter(cascade=cascade).count() == 1


CSV_OK = (
    "Код организации;Подэтап;Дата выполнения\r\n"
    "660001;1;01.10.2025\r\n660001;2;02.10.2025\r\n660001;3;03.10.2025\r\n"
    "660001;4;04.10.2025\r\n660003;1;05.10.2025\r\n;;\r\n"
)


def test_import_csv_cp1251(world, personas):
    cascade = _region_cascade(world, personas)
    count = cascade_progress_import(
        cascade=cascade,
        name="progress.csv",
        data=CSV_OK.encode("cp1251"),
        actor=personas.ministry_user,
        today=TODAY,
    )
    assert count == 5
    summary = cascade_summary(cascade)
    assert summary.done == 1
    # same file twice: same result (upsert), no duplicates
    cascade_progress_import(
        cascade=cascade,
        name="progress.csv",
        data=CSV_OK.encode("utf-8-sig"),
        actor=personas.ministry_user,
        today=TODAY,
    )
    assert CascadeProgress.objects.filter(cascade=cascade).count() == 5


def test_import_xlsx_with_title_row(world, personas):
    from openpyxl import Workbook

    cascade = _region_cascade(world, personas)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Отчёт о ходе каскада"])
    sheet.append(["Код организации", "Подэтап", "Дата выполнения"])
    sheet.append([660002, 1, dt.datetime(2025, 10, 1)])
    sheet.append(["660002", "2", "02.10.2025"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    count = cascade_progress_import(
        cascade=cascade,
        name="progress.xlsx",
        data=buffer.getvalue(),
        actor=personas.ministry_user,
        today=TODAY,
    )
    assert count == 2
    assert CascadeProgress.objects.filter(cascade=cascade, organisation__code="660002").count() == 2


def test_import_is_all_or_nothing_with_russian_errors(world, personas):
    cascade = _region_cascade(world, personas)
    data = (
        "Код организации,Подэтап,Дата выполнения\n"
        "660001,1,01.10.2025\n"
        "999999,1,01.10.2025\n"
        "660002,7,01.10.2025\n"
        "660003,1,32.13.2025\n"
        "660003,2,01.12.2025\n"
    ).encode()
    with pytest.raises(CascadeImportError) as error:
        cascade_progress_import(
            cascade=cascade, name="p.csv", data=data, actor=personas.ministry_user, today=TODAY
        )
    messages = error.value.messages
    assert messages == [
        "Строка 3, столбец «Код организации»: организация «999999» не входит в каскад.",
        "Строка 4, столбец «Подэтап»: нужен номер подэтапа от 1 до 4, указано «7».",
        "Строка 5, столбец «Дата выполнения»: дата «32.13.2025» не распознана "
        "(ожидается ДД.ММ.ГГГГ или ГГГГ-ММ-ДД).",
        "Строка 6, столбец «Дата выполнения»: дата выполнения не может быть в будущем.",
    ]
    assert not CascadeProgress.objects.filter(cascade=cascade).exists()


@pytest.mark.parametrize("written", ["²", "\u0662", "2,5", "1 2"])
def test_a_step_that_is_no_whole_number_is_a_row_error(world, personas, written):
    """«²».isdigit() is true and int("²") raised: the import failed with a Python error."""
    cascade = _region_cascade(world, personas)
    data = f"Код организации;Подэтап;Дата выполнения\n660001;{written};01.10.2025\n".encode()
    with pytest.raises(CascadeImportError) as error:
        cascade_progress_import(
            cascade=cascade, name="p.csv", data=data, actor=personas.ministry_user, today=TODAY
        )
    assert error.value.messages == [
        f"Строка 2, столбец «Подэтап»: нужен номер подэтапа от 1 до 4, указано «{written}»."
    ]


def test_import_missing_column(world, personas):
    cascade = _region_cascade(world, personas)
    with pytest.raises(CascadeImportError, match="нет столбца «Дата выполнения»"):
        cascade_progress_import(
            cascade=cascade,
            name="p.csv",
            data="Код организации;Подэтап\n660001;1\n".encode(),
            actor=personas.ministry_user,
        )


def test_import_refuses_a_zip_bomb_before_reading(world, personas, settings):
    """The cascade import goes through the shared reader and its XLSX checks."""
    import io
    import zipfile

    settings.XLSX_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * (5 * 1024 * 1024) + b"</a>")
    cascade = _region_cascade(world, personas)
    with pytest.raises(CascadeImportError, match="слишком велик"):
        cascade_progress_import(
            cascade=cascade, name="p.xlsx", data=bomb.getvalue(), actor=personas.ministry_user
        )
    assert not CascadeProgress.objects.filter(cascade=cascade).exists()


def test_import_through_page(world, personas, persona_client):
    cascade = _region_cascade(world, personas)
    client = persona_client("ministry_user")
    url = reverse("roadmaps:cascade-import", args=[cascade.pk])
    bad = client.post(
        url,
        {
            "file": SimpleUploadedFile(
                "p.csv", "Код организации;Подэтап;Дата выполнения\n1;1;x\n".encode()
            )
        },
    )
    assert bad.status_code == 400
    assert "Строка 2" in bad.content.decode()
    good = client.post(
        url, {"file": SimpleUploadedFile("p.csv", CSV_OK.replace("2025", "2024").encode())}
    )
    assert good.status_code == 302
    page = client.get(reverse("roadmaps:cascade-detail", args=[cascade.pk])).content.decode()
    assert "Сысертский ГО" in page
    detail = client.get(world["m"].get_absolute_url()).content.decode()
    assert "Выполнили: 1 из 3" in detail


def test_cascade_create_page(world, persona_client):
    client = persona_client("ministry_user")
    url = reverse("roadmaps:cascade-create", args=[world["m"].pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"scope": "municipality", "municipality": world["south"].pk, "org_types": ["school"]}
    )
    assert response.status_code == 302
    cascade = Cascade.objects.filter(measure=world["m"]).latest("pk")
    assert list(cascade.organisations.values_list("code", flat=True)) == ["660003"]
    error = client.post(url, {"scope": "municipality"})
    assert "Выберите муниципальное образование" in error.content.decode()


def test_seed_cascade_shows_on_khabarovsk_measure(persona_client):
    cascade = Cascade.objects.first()
    response = persona_client("admin").get(reverse("roadmaps:cascade-detail", args=[cascade.pk]))
    assert response.status_code == 200


def test_the_cascade_form_sent_twice_creates_one_cascade(world, persona_client):
    """A double click on «Создать каскад» handed the measure down twice: two identical
    letters, each organisation listed twice on the measure page. The same cascade of the
    same measure is created once; the second request lands on it."""
    client = persona_client("ministry_user")
    url = reverse("roadmaps:cascade-create", args=[world["m"].pk])
    data = {
        "scope": "municipality",
        "municipality": world["south"].pk,
        "org_types": ["school"],
        "subject": "Письмо о переходе",
    }
    first = client.post(url, data)
    again = client.post(url, data)
    cascades = Cascade.objects.filter(measure=world["m"], subject="Письмо о переходе")
    assert cascades.count() == 1
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert world["m"].changes.filter(kind="cascade").count() == 1
    # a different letter (another due date) is a cascade of its own
    client.post(url, {**data, "due_date": "2025-12-01"})
    assert Cascade.objects.filter(measure=world["m"], subject="Письмо о переходе").count() == 2
