"""The admin is not a side door: import/export need their own permissions, an import cannot
move a measure's status, every import is recorded, exports carry no formula."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import AdminImport, Organisation
from roadmap_portal.cells import starts_formula
from roadmap_portal.import_formats import PortalResource
from roadmaps.choices import MeasureStatus
from tests.factories import make_measure, make_organisation, make_roadmap

# the admin templates of django-import-export use undefined variables by design
pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]

ADMIN_PAGES = [
    ("agencies", "agency"),
    ("agencies", "organisation"),
    ("roadmaps", "measure"),
]


def _grant(user, *codenames: str) -> None:
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


@pytest.fixture
def superuser(personas):
    user = personas.admin
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.mark.parametrize(("app", "model"), ADMIN_PAGES)
@pytest.mark.parametrize("action", ["import", "export"])
def test_staff_with_view_permission_only_gets_403(client, personas, app, model, action):
    user = personas.admin  # an administrator who is not a superuser: model permissions apply
    _grant(user, f"view_{model}", f"change_{model}", f"add_{model}")
    client.force_login(user)
    url = reverse(f"admin:{app}_{model}_{action}")
    assert client.get(url).status_code == 403
    assert client.post(url, {"format": "0"}).status_code == 403
    if action == "import":
        process = reverse(f"admin:{app}_{model}_process_import")
        assert client.post(process, {"format": "0"}).status_code == 403
    # the changelist offers neither button
    page = client.get(reverse(f"admin:{app}_{model}_changelist")).content.decode()
    assert url not in page


@pytest.mark.parametrize("action", ["import", "export"])
def test_the_explicit_permission_opens_the_page(client, personas, action):
    user = personas.admin
    _grant(user, "view_organisation", f"{action}_organisation")
    client.force_login(user)
    assert client.get(reverse(f"admin:agencies_organisation_{action}")).status_code == 200


PEOPLE_WHO_ARE_NOT_ADMINISTRATORS = ["ministry_user", "coordinator", "analyst"]


@pytest.mark.parametrize("persona", PEOPLE_WHO_ARE_NOT_ADMINISTRATORS)
def test_the_admin_is_for_administrators_only(client, personas, persona):
    """The admin's pages are not scoped by region or agency: an `is_staff` coordinator,
    staff member or analyst with every model permission still does not get in (a review
    found a coordinator of 66 renaming a measure of region 50 there)."""
    from roadmaps.models import Measure

    user = getattr(personas, persona)
    _grant(user, "view_measure", "change_measure", "export_measure", "view_organisation")
    client.force_login(user)
    other = Measure.objects.exclude(roadmap__region__code="66").first()
    change = reverse("admin:roadmaps_measure_change", args=[other.pk])
    for url in [
        reverse("admin:index"),
        reverse("admin:roadmaps_measure_changelist"),
        change,
        reverse("admin:roadmaps_measure_export"),
        reverse("admin:agencies_organisation_changelist"),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    title = other.title
    client.post(change, {"title": "Переименовано"})
    other.refresh_from_db()
    assert other.title == title
    # and the navigation does not offer it
    assert 'href="/admin/"' not in client.get(reverse("home"), follow=True).content.decode()


def test_an_administrator_gets_in_and_the_navigation_offers_it(client, personas):
    user = personas.admin
    _grant(user, "view_measure")
    client.force_login(user)
    assert client.get(reverse("admin:roadmaps_measure_changelist")).status_code == 200
    assert 'href="/admin/"' in client.get(reverse("home"), follow=True).content.decode()


def _import(client, app: str, model: str, content: bytes, name: str = "import.csv"):
    """The admin's two steps: upload (dry run) and confirm."""
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    response = client.post(
        reverse(f"admin:{app}_{model}_import"),
        {"format": "0", "import_file": upload, "resource": "0"},
    )
    assert response.status_code == 200
    confirm = response.context.get("confirm_form")
    assert confirm is not None, response.context["result"].base_errors or response.content
    data = {key: value for key, value in confirm.initial.items() if value is not None}
    return client.post(reverse(f"admin:{app}_{model}_process_import"), data)


def test_admin_import_cannot_change_a_measures_status(client, superuser, seeded):
    from agencies.models import Region

    roadmap = make_roadmap(Region.objects.get(code="66"))
    measure = make_measure(roadmap, title="Старое название", deadline_text="до 01.12.2025")
    version = measure.version
    rows = (
        "roadmap;section;number;title;deadline_text;status;completed_on;version\n"
        f"{roadmap.code};1;{measure.number};Новое название;до 01.12.2025;done;2025-11-01;99\n"
    )
    client.force_login(superuser)
    response = _import(client, "roadmaps", "measure", rows.encode("utf-8"), "measures.csv")
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.title == "Новое название"  # the import did run …
    assert measure.status == MeasureStatus.NOT_STARTED  # … but status is not its business
    assert measure.completed_on is None
    assert measure.version == version
    assert not measure.changes.filter(new_status=MeasureStatus.DONE).exists()

    record = AdminImport.objects.get()
    assert record.user == superuser
    assert record.model_label == "roadmaps.measure"
    assert record.file_name == "measures.csv"
    assert record.succeeded and record.rows_updated == 1
    record.file.open("rb")
    assert record.file.read() == rows.encode("utf-8")
    record.file.close()


def test_admin_import_is_recorded_even_when_refused_by_a_row_error(client, superuser, seeded):
    rows = "code;name;org_type;region;municipality\nX1;Школа;нет-такого-типа;66;\n"
    client.force_login(superuser)
    upload = SimpleUploadedFile("orgs.csv", rows.encode(), content_type="text/csv")
    response = client.post(
        reverse("admin:agencies_organisation_import"), {"format": "0", "import_file": upload}
    )
    # the dry run shows the row error; nothing is confirmed, nothing written
    assert response.status_code == 200
    assert "Неизвестный тип организации" in response.content.decode()
    assert not Organisation.objects.filter(code="X1").exists()


def test_unreadable_file_gets_a_russian_message(client, superuser, seeded):
    client.force_login(superuser)
    upload = SimpleUploadedFile("orgs.xlsx", b"not a workbook", content_type="application/zip")
    response = client.post(
        reverse("admin:agencies_organisation_import"), {"format": "1", "import_file": upload}
    )
    body = response.content.decode()
    assert "Файл не удалось прочитать" in body
    assert "BadZipFile" not in body


@pytest.fixture
def hostile_org(seeded):
    from agencies.models import Region

    return make_organisation(
        Region.objects.get(code="66"), name='=HYPERLINK("http://evil.example","нажми")'
    )


def test_admin_xlsx_export_has_no_formula_cell(client, superuser, hostile_org):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:agencies_organisation_export"),
        {"format": "1", "resource": "0"}
        | {f"organisationresource_{f}": "on" for f in ("code", "name", "org_type", "region")},
    )
    assert response.status_code == 200, response.content[:500]
    assert "no-store" in response["Cache-Control"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    values = []
    for row in book.active.iter_rows():
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
            values.append(cell.value)
    assert '\'=HYPERLINK("http://evil.example","нажми")' in values


def test_admin_csv_export_has_no_dangerous_first_character(client, superuser, hostile_org):
    make_organisation(hostile_org.region, name="+7 (343) 000-00-00")
    make_organisation(hostile_org.region, name="@SUM(A1)")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:agencies_organisation_export"),
        {"format": "0", "resource": "0"}
        | {f"organisationresource_{f}": "on" for f in ("code", "name", "org_type", "region")},
    )
    assert response.status_code == 200
    # the reports' CSV: UTF-8 with BOM, ";" (what Russian Excel opens in columns), CRLF
    assert response.content.startswith(b"\xef\xbb\xbfcode;name;org_type;region\r\n")
    text = response.content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]
    assert cells
    assert not [cell for cell in cells if starts_formula(cell)]
    assert '\'=HYPERLINK("http://evil.example","нажми")' in cells


ORG_FIELDS = {f"organisationresource_{f}": "on" for f in ("code", "name", "org_type", "region")}


@pytest.mark.parametrize("fmt", ["0", "1"])
def test_admin_export_of_control_characters(client, superuser, seeded, fmt):
    """A name stored with a control character (an import's file contents are not checked by
    TextInputMiddleware) used to end the XLSX export in a 500 (IllegalCharacterError) and to
    go raw into the CSV; one in front of a formula let the formula through."""
    from agencies.models import Region

    region = Region.objects.get(code="66")
    make_organisation(region, name="Школа\x0b№ 5")
    make_organisation(region, name='\x01=HYPERLINK("http://evil.example","x")')
    make_organisation(region, name="\xa0＝1+1")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:agencies_organisation_export"), {"format": fmt, "resource": "0"} | ORG_FIELDS
    )
    assert response.status_code == 200
    if fmt == "1":
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        cells = [cell for row in book.active.iter_rows() for cell in row]
        assert not [c for c in cells if c.data_type == "f"]
        names = [str(c.value) for c in cells]
    else:
        text = response.content.decode("utf-8-sig")
        names = [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]
    assert not [name for name in names if starts_formula(name)]
    assert {"Школа№ 5", '\'=HYPERLINK("http://evil.example","x")', "'\xa0＝1+1"} <= set(names)


def test_admin_xlsx_export_is_typed(client, superuser, seeded):
    """Dates as dates, numbers as numbers (django-import-export 4 made every cell text)."""
    from agencies.models import Region

    roadmap = make_roadmap(Region.objects.get(code="66"))
    make_measure(roadmap, due_date=dt.date(2025, 8, 31), deadline_text="31.08.2025")
    client.force_login(superuser)
    fields = ("roadmap", "number", "title", "due_date", "version")
    response = client.post(
        reverse("admin:roadmaps_measure_export"),
        {"format": "1", "resource": "0"} | {f"measureresource_{f}": "on" for f in fields},
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers = [c.value for c in sheet[1]]
    rows = [dict(zip(headers, cells, strict=True)) for cells in sheet.iter_rows(min_row=2)]
    row = next(r for r in rows if r["roadmap"].value == roadmap.code)
    assert row["due_date"].value == dt.datetime(2025, 8, 31)
    assert row["due_date"].number_format == "dd.mm.yyyy"
    assert row["version"].value == 1 and row["version"].data_type == "n"


def test_every_admin_resource_exports_native_values():
    """The typed export is set once, in the base resource: every admin resource has it."""
    from django.contrib import admin

    from agencies.admin_io import PortalImportExportAdmin

    admins = [a for a in admin.site._registry.values() if isinstance(a, PortalImportExportAdmin)]
    assert len(admins) >= 3
    for model_admin in admins:
        for resource in model_admin.resource_classes:
            assert issubclass(resource, PortalResource), resource


def test_import_row_errors_show_no_python_text(client, superuser, seeded):
    rows = "code;name;org_type;region;municipality\nX2;Школа;ОО;no-such-region;\n"
    client.force_login(superuser)
    upload = SimpleUploadedFile("orgs.csv", rows.encode(), content_type="text/csv")
    response = client.post(
        reverse("admin:agencies_organisation_import"), {"format": "0", "import_file": upload}
    )
    body = response.content.decode()
    assert "Не найден связанный объект" in body
    assert "matching query does not exist" not in body and "Traceback" not in body
    assert not Organisation.objects.filter(code="X2").exists()
