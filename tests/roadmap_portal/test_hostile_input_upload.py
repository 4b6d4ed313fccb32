"""Absurd uploads on every upload endpoint and extreme dates (from a review): no 500."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from roadmaps.models import Measure
from tests.api.conftest import api_as, sverdlovsk  # noqa: F401
from tests.roadmap_portal.test_hostile_input import _no_throttle, problems_of  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.ignore_template_errors]


def _zip(names):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n in names:
            z.writestr(n, "hello")
    return buf.getvalue()


def _bomb_xml():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<not xml")
    return buf.getvalue()


FILES = [
    ("empty.csv", b""),
    ("empty.xlsx", b""),
    ("empty.docx", b""),
    ("zip.xlsx", _zip(["a.txt"])),
    ("broken.xlsx", _bomb_xml()),
    ("text.docx", b"hello world"),
    ("zip.docx", _zip(["word/x.txt"])),
    ("rand.xlsx", b"\x00\x01garbage" * 50),
    ("bad.csv", b"\xff\xfe\x00\x00garbage\x00"),
    ("cp1251.csv", "Код;Имя\n1;Школа\n".encode("cp1251")),
    ("nul.csv", b"a;b\n1\x002;3\n"),
    ("huge.csv", b"a;b;c\n" + b"9" * 400 + b";1;2\n"),
    ("../../x.csv", b"a;b\n1;2\n"),
    ("x" * 300 + ".csv", b"a;b\n1;2\n"),
    ("noext", b"a;b\n1;2\n"),
    ("x.xls", b"\xd0\xcf\x11\xe0garbage"),
    ("x.ods", _zip(["content.xml"])),
    ("x.pdf", b"%PDF-1.4 garbage"),
    ('quote".csv', b"a;b\n1;2\n"),
    ("Сведения" * 20 + ".csv", b"a;b\n1;2\n"),
    ("Я" * 140 + ".xlsx", b"garbage"),
    ("utf16.csv", "Код;Имя\n1;Школа\n".encode("utf-16")),
]


def _endpoints(d):
    m = d.measure
    r = d.region.code
    return [
        (f"/indicators/regions/{r}/uploads/new/", "file", {}),
        (f"/indicators/regions/{r}/uploads/new/", "file", {"dry_run": "on"}),
        (f"/indicators/regions/{r}/roster/", "file", {}),
        (f"/measures/cascades/{d.cascade.pk}/import/", "file", {}),
        (f"/measures/import/{r}/", "file", {"roadmap": str(d.roadmap.pk)}),
        (f"/measures/import/{r}/", "file", {}),
        ("/index/import/", "file", {}),
        (
            f"/index/{r}/facts/new/?criterion=mfc_bot",
            "evidence_file",
            {"value": "1", "as_of": "2025-09-01", "evidence_text": "акт"},
        ),
        (
            f"/measures/{m.pk}/status/",
            "evidence",
            {"status": "in_progress", "version": str(m.version), "comment": "к"},
        ),
        ("/api/v1/monitoring/uploads/", "file", {"region": r}),
        ("/api/v1/monitoring/uploads/", "file", {"region": r, "dry_run": "true"}),
        ("/api/v1/monitoring/rosters/", "file", {"region": r}),
        ("/api/v1/index-imports/", "file", {"dry_run": "true"}),
        ("/api/v1/index-imports/", "file", {}),
        (
            "/api/v1/index-inputs/",
            "evidence_file",
            {"region": r, "criterion": "mfc_bot", "value": "1", "as_of": "2025-09-01"},
        ),
        (f"/api/v1/measures/{m.pk}/status/", "evidence", {"status": "in_progress"}),
    ]


@pytest.mark.parametrize("persona", ["admin", "coordinator"])
def test_upload_fuzz(persona, personas, sverdlovsk):  # noqa: F811
    client = Client(raise_request_exception=False)
    client.force_login(getattr(personas, persona))
    problems = []
    for url, field, extra in _endpoints(sverdlovsk):
        for name, content in FILES:
            m = Measure.objects.get(pk=sverdlovsk.measure.pk)
            data = dict(extra)
            if "version" in data:
                data["version"] = str(m.version)
            data[field] = SimpleUploadedFile(name, content, content_type="application/octet-stream")
            resp = client.post(url, data, HTTP_IF_MATCH=f'"{m.version}"')
            problems += problems_of(
                resp, f"POST {url} {field}={name[:40]}", url.startswith("/api/")
            )
    print("\n".join(sorted(set(problems))))
    assert not problems


ADMIN_MODELS = [("agencies", "agency"), ("agencies", "organisation"), ("roadmaps", "measure")]


def test_admin_import_fuzz(personas, seeded):
    user = personas.admin
    user.is_staff = user.is_superuser = True
    user.save()
    client = Client(raise_request_exception=False)
    client.force_login(user)
    problems = []
    for app, model in ADMIN_MODELS:
        for name, content in FILES:
            for fmt in ("0", "1"):
                resp = client.post(
                    f"/admin/{app}/{model}/import/",
                    {
                        "format": fmt,
                        "resource": "0",
                        "import_file": SimpleUploadedFile(name, content),
                    },
                )
                problems += problems_of(resp, f"admin import {model} fmt={fmt} {name[:40]}", False)
        for data in [
            {"format": "abc", "import_file_name": "x", "original_file_name": "x"},
            {"format": "99", "import_file_name": "x", "original_file_name": "x"},
            {"format": "0", "import_file_name": "nonexistent", "original_file_name": "x"},
            {"format": "0", "import_file_name": "../../etc/passwd", "original_file_name": "x"},
        ]:
            resp = client.post(f"/admin/{app}/{model}/process_import/", data)
            problems += problems_of(resp, f"admin process_import {model} {data}", False)
        for q in [
            "?o=abc",
            "?o=999",
            "?p=abc",
            "?p=-1",
            "?p=99999999",
            "?q=" + "x" * 5000,
            "?e=1",
            "?region__id__exact=abc",
            "?all=&page=abc",
        ]:
            resp = client.get(f"/admin/{app}/{model}/" + q)
            problems += problems_of(resp, f"admin changelist {model} {q[:40]}", False)
        for pk in ["abc", "99999999999999999999999", "-1"]:
            resp = client.get(f"/admin/{app}/{model}/{pk}/change/")
            problems += problems_of(resp, f"admin change {model} {pk}", False)
    print("\n".join(sorted(set(problems))))
    assert not problems


DATE_GETS = [
    "/dashboard/66/?date={d}",
    "/dashboard/66/pdf/?date={d}",
    "/index/?date={d}",
    "/index/66/?date={d}",
    "/index/ranking/?date={d}&since={d}",
    "/api/v1/index/region/66/?date={d}",
    "/api/v1/index/ranking/?date={d}&since={d}",
    "/api/v1/indicator-values/?week={d}",
    "/api/v1/indicator-values/?week_from={d}&week_to={d}",
    "/indicators/regions/66/approval/{d}/",
    "/indicators/regions/66/?date={d}",
    "/dashboard/?date={d}",
    "/measures/?due_within=366",
]


@pytest.mark.parametrize("persona", ["admin", "coordinator"])
def test_date_extremes(persona, personas, sverdlovsk):  # noqa: F811
    client = Client(raise_request_exception=False)
    client.force_login(getattr(personas, persona))
    problems = []
    for tpl in DATE_GETS:
        for d in [
            "0001-01-01",
            "9999-12-27",
            "9999-12-31",
            "0001-01-08",
            "1900-01-01",
            "2200-01-06",
        ]:
            url = tpl.format(d=d)
            problems += problems_of(client.get(url), f"GET {url}", url.startswith("/api/"))
    print("\n".join(sorted(set(problems))))
    assert not problems


@pytest.mark.parametrize("ext", ["csv", "xlsx", "docx"])
def test_roadmap_document_with_superscript_numbers_row(ext, personas, sverdlovsk):  # noqa: F811
    """A row of «column numbers» written with superscripts: '¹'.isdigit() but int('¹') fails."""
    rows = [
        ["№ п/п", "Мероприятие", "Срок", "Ответственный"],
        ["¹", "²", "³", "⁴"],
        ["1", "Провести совещание", "до 01.12.2025", "Министерство образования"],
    ]
    if ext == "csv":
        data = "\n".join(";".join(r) for r in rows).encode("utf-8")
    elif ext == "xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        for r in rows:
            wb.active.append(r)
        buf = io.BytesIO()
        wb.save(buf)
        data = buf.getvalue()
    else:
        import docx

        doc = docx.Document()
        table = doc.add_table(rows=0, cols=4)
        for r in rows:
            cells = table.add_row().cells
            for i, text in enumerate(r):
                cells[i].text = text
        buf = io.BytesIO()
        doc.save(buf)
        data = buf.getvalue()
    client = Client(raise_request_exception=False)
    client.force_login(personas.coordinator)
    resp = client.post(
        "/measures/import/66/",
        {"file": SimpleUploadedFile(f"plan.{ext}", data), "roadmap": str(sverdlovsk.roadmap.pk)},
    )
    assert resp.status_code < 500, resp.status_code


def test_timeline_superscript_roadmap(personas, sverdlovsk):  # noqa: F811
    client = Client(raise_request_exception=False)
    client.force_login(personas.coordinator)
    assert client.get("/timeline/?roadmap=%C2%B2").status_code < 500


@pytest.mark.parametrize("tag", ['"²"', '"¹"', "²"])
def test_if_match_superscript(tag, personas, sverdlovsk):  # noqa: F811
    client = Client(raise_request_exception=False)
    client.force_login(personas.ministry_user)
    m = sverdlovsk.measure
    resp = client.post(
        f"/api/v1/measures/{m.pk}/status/",
        {"status": "in_progress"},
        content_type="application/json",
        HTTP_IF_MATCH=tag,
    )
    assert resp.status_code < 500, resp.content
