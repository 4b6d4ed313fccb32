"""Every uploaded file has a cap from settings, one check and one Russian message with the
limit in МБ (`roadmap_portal.uploads`), on the pages, in the API and in the admin; a request
over DATA_UPLOAD_MAX_MEMORY_SIZE is the Russian 413, never a bare 400 or a 500."""

from __future__ import annotations

import importlib
import inspect
import json

import pytest
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import reverse
from rest_framework import serializers

from indicators.models import IndexFact, IndexUpload, MonitoringUpload
from roadmap_portal.formfields import CappedFileField, CappedFileSerializerField
from roadmap_portal.uploads import LIMITS, megabytes, size_problem

MODULES = [
    "indicators.forms",
    "indicators.index.forms",
    "roadmaps.forms",
    "reports.forms_exports",
    "indicators.api.serializers",
    "roadmaps.api.serializers",
    "reports.api.serializers",
    "alerts.api.serializers",
    "agencies.api.serializers",
]


def test_one_message_with_the_limit_in_megabytes(settings):
    settings.INDEX_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    assert size_problem(20 * 1024 * 1024, "index") is None
    assert size_problem(20 * 1024 * 1024 + 1, "index") == (
        "Файл больше допустимого размера: не более 20 МБ."
    )
    assert megabytes(1536 * 1024) == "1,5"
    assert megabytes(10) == "0,1"  # rounded up: never a limit below the real one


def test_every_kind_has_its_cap_in_settings(settings):
    for setting in LIMITS.values():
        assert isinstance(getattr(settings, setting), int) and getattr(settings, setting) > 0


def _classes():
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and issubclass(cls, forms.BaseForm | serializers.Serializer):
                yield cls


def test_every_file_field_of_the_forms_and_the_api_is_capped():
    uncapped = []
    for cls in _classes():
        declared = getattr(cls, "base_fields", None) or getattr(cls, "_declared_fields", {})
        for name, field in declared.items():
            if isinstance(field, forms.FileField) and not isinstance(field, CappedFileField):
                uncapped.append(f"{cls.__name__}.{name}")
            if isinstance(field, serializers.FileField) and not isinstance(
                field, CappedFileSerializerField
            ):
                uncapped.append(f"{cls.__name__}.{name}")
    assert uncapped == []


def test_every_file_the_admin_takes_is_capped(rf, personas):
    """A file field the admin can change, and the admin's import form."""
    request = rf.get("/")
    request.user = personas.admin
    uncapped = []
    for model, model_admin in admin.site._registry.items():
        files = [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        if not files or not model_admin.has_change_permission(request):
            continue
        form = model_admin.get_form(request)
        for field in files:
            formfield = form.base_fields.get(field.name)
            if formfield is not None and not isinstance(formfield, CappedFileField):
                uncapped.append(f"{model.__name__}.{field.name}")
    assert uncapped == []
    from agencies.admin_io import PortalImportExportAdmin, PortalImportForm

    assert PortalImportExportAdmin.import_form_class is PortalImportForm


def test_the_admin_import_refuses_a_file_over_its_cap(settings):
    from agencies.admin_io import PortalImportForm

    settings.ADMIN_IMPORT_MAX_BYTES = 10
    field = PortalImportForm.base_fields["import_file"]
    with pytest.raises(ValidationError, match="не более 0,1 МБ"):
        field.clean(SimpleUploadedFile("a.csv", b"name\n" + b"x" * 20))


def test_the_index_import_page_refuses_a_file_over_its_cap(client, personas, settings):
    settings.INDEX_UPLOAD_MAX_BYTES = 10
    client.force_login(personas.analyst)
    data = b"region_code;criterion;input;value;as_of;evidence\n66;mfc_bot;;1;01.10.2025;x\n"
    response = client.post(reverse("index:import"), {"file": SimpleUploadedFile("i.csv", data)})
    assert "Файл больше допустимого размера: не более 0,1 МБ." in response.content.decode()
    assert not IndexUpload.objects.exists()


def test_the_api_refuses_an_index_file_over_its_cap(client, personas, settings):
    settings.INDEX_UPLOAD_MAX_BYTES = 10
    client.force_login(personas.analyst)
    data = b"region_code;criterion;input;value;as_of;evidence\n66;mfc_bot;;1;01.10.2025;x\n"
    response = client.post(
        reverse("api:index-import-list"), {"file": SimpleUploadedFile("i.csv", data)}
    )
    assert response.status_code == 400
    assert "не более 0,1 МБ" in response.content.decode()
    assert not IndexUpload.objects.exists()


def test_the_api_refuses_a_monitoring_file_over_its_cap(client, personas, settings):
    settings.MONITORING_UPLOAD_MAX_BYTES = 10
    client.force_login(personas.coordinator)
    response = client.post(
        reverse("api:monitoring-upload-list"),
        {"file": SimpleUploadedFile("m.csv", b"x" * 100), "region": "66"},
    )
    assert response.status_code == 400
    assert "не более 0,1 МБ" in response.content.decode()
    assert not MonitoringUpload.objects.exists()


def test_an_index_fact_evidence_over_its_cap_is_refused_by_the_service(seeded, settings):
    import datetime as dt

    from agencies.models import Region
    from indicators.index.services import index_fact_create

    settings.EVIDENCE_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="не более 0,1 МБ"):
        index_fact_create(
            region=Region.objects.get(code="66"),
            criterion_code="mfc_bot",
            value=1,
            as_of=dt.date(2025, 10, 1),
            evidence_file=SimpleUploadedFile("a.pdf", b"%PDF-1.4" + b"x" * 100),
        )
    assert not IndexFact.objects.exists()


@pytest.mark.parametrize("where", ["page", "admin"])
def test_a_request_over_the_data_limit_is_the_russian_413_page(client, personas, settings, where):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(personas.admin)
    url = {
        "page": reverse("indicators:upload-create", kwargs={"code": "66"}),
        "admin": reverse("admin:agencies_agency_import"),
    }[where]
    response = client.post(url, {"comment": "x" * 5000, "file": SimpleUploadedFile("m.csv", b"x")})
    assert response.status_code == 413
    assert "Слишком большой запрос" in response.content.decode()


def test_an_api_multipart_request_over_the_data_limit_is_the_json_413(client, personas, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(personas.coordinator)
    response = client.post(
        reverse("api:monitoring-upload-list"),
        {"region": "66", "note": "x" * 5000, "file": SimpleUploadedFile("m.csv", b"x")},
    )
    assert response.status_code == 413
    assert json.loads(response.content)["code"] == "request_too_large"
