"""Every date a person or a file gives the portal lies in the programme's years
(`roadmap_portal.dates.FIRST_DAY` … `LAST_DAY`), else it is refused with one message:
files (monitoring, index inputs, cascade progress, the roadmap document), forms, the API,
the admin (the models' validator) and query strings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.forms import modelform_factory
from django.urls import reverse

from roadmap_portal.dates import FIRST_DAY, LAST_DAY, implausible, parse_date
from roadmap_portal.formfields import PortalDateField, PortalDateSerializerField, plausible_date
from roadmaps.imports.document import roadmap_document_read
from tests.indicators.conftest import import_file  # noqa: F401  (the monitoring pipeline)
from tests.roadmaps.roadmap_docs import MINOBR, build_csv, build_docx, build_xlsx

MESSAGE = "невозможна: портал принимает даты с 01.01.2024 по 31.12.2030."

# stored dates no person or file gives: each is computed from a date that was checked
COMPUTED = {
    ("indicators", "MonitoringRow", "week_start"),  # the import's week rules
    ("indicators", "MonitoringRollup", "week_start"),
    ("indicators", "IndexScore", "on_date"),
    ("indicators", "WeekApproval", "week_start"),
}


def test_the_window_is_the_programmes_years():
    assert dt.date(2024, 1, 1) == FIRST_DAY and dt.date(2030, 12, 31) == LAST_DAY
    assert implausible(FIRST_DAY) is None and implausible(LAST_DAY) is None
    assert implausible(dt.date(9999, 12, 31)) == (
        "Дата 31.12.9999 невозможна: портал принимает даты с 01.01.2024 по 31.12.2030."
    )


@pytest.mark.parametrize("value", ["31.12.9999", "31.12.2098", "2031-01-01", "31.12.2023", 73000])
def test_a_file_date_outside_the_window_is_refused_with_the_message(value):
    with pytest.raises(ValueError, match=MESSAGE):
        parse_date(value)


@pytest.mark.parametrize("deadline", ["31.12.9999", "до 31.12.2098", "ежемесячно до 26.12.2099"])
@pytest.mark.parametrize("build", [build_docx, build_xlsx, build_csv])
def test_the_roadmap_import_refuses_a_deadline_that_cannot_be_real(build, deadline):
    rows = [("section", "1. Общие"), ("1.1", "Первое", deadline, MINOBR)]
    name = {build_docx: "x.docx", build_xlsx: "x.xlsx", build_csv: "x.csv"}[build]
    parsed = roadmap_document_read(name=name, data=build(rows))
    assert len(parsed.errors) == 1, parsed.errors
    assert "столбец «Срок»" in parsed.errors[0] and MESSAGE in parsed.errors[0]


def test_the_roadmap_import_refuses_an_approval_date_that_cannot_be_real():
    rows = [("section", "1. Общие"), ("1.1", "Первое", "31.08.2025", MINOBR)]
    title = ("ДОРОЖНАЯ КАРТА", "утверждена от 22.08.2099 № 412-рп")
    parsed = roadmap_document_read(name="x.docx", data=build_docx(rows, title_block=title))
    assert any(MESSAGE in error for error in parsed.errors), parsed.errors


def test_a_real_date_cell_outside_the_window_is_refused():
    rows = [("section", "1. Общие"), ("1.1", "Первое", dt.datetime(9999, 12, 31), MINOBR)]
    parsed = roadmap_document_read(name="x.xlsx", data=build_xlsx(rows))
    assert len(parsed.errors) == 1 and MESSAGE in parsed.errors[0], parsed.errors


@pytest.mark.parametrize("typed", ["31.12.2098", "9999-12-31", "01.01.2000"])
def test_a_form_date_outside_the_window_is_refused(typed):
    field = PortalDateField()
    with pytest.raises(Exception, match=MESSAGE):
        field.clean(typed)


def test_an_api_date_outside_the_window_is_refused():
    from rest_framework.exceptions import ValidationError

    with pytest.raises(ValidationError, match=MESSAGE):
        PortalDateSerializerField().run_validation("2098-12-31")


def _date_fields():
    for model in apps.get_models():
        if model._meta.app_label not in {"agencies", "alerts", "indicators", "reports", "roadmaps"}:
            continue
        for field in model._meta.concrete_fields:
            if type(field) is models.DateField and field.editable:
                yield model, field


def test_every_stored_date_a_person_gives_has_the_models_validator():
    """The admin's forms, its imports and every service's `full_clean` read it."""
    missing = [
        f"{model.__name__}.{field.name}"
        for model, field in _date_fields()
        if (model._meta.app_label, model.__name__, field.name) not in COMPUTED
        and plausible_date not in field.validators
    ]
    assert missing == []


def test_the_admin_refuses_a_date_that_cannot_be_real(seeded):
    from roadmaps.models import Measure

    model_admin = admin.site._registry[Measure]
    form_class = modelform_factory(Measure, form=model_admin.form, fields=["due_date"])
    form = form_class(data={"due_date": "31.12.9999"}, instance=Measure())
    assert not form.is_valid()
    assert MESSAGE in str(form.errors["due_date"])


def test_an_index_input_file_names_the_row_and_the_message(seeded):
    import io

    from indicators.index.inputs import index_inputs_read

    header = "region_code;criterion;input;value;as_of;evidence\n"
    data = (header + "66;mfc_bot;;1;31.12.2098;x\n").encode()
    errors = index_inputs_read(io.BytesIO(data)).errors
    assert errors == [
        "Строка 2, столбец «as_of»: Дата 31.12.2098 невозможна: портал принимает даты "
        "с 01.01.2024 по 31.12.2030."
    ]


def test_a_monitoring_file_names_the_row_and_the_message(import_file):  # noqa: F811
    from tests.indicators.conftest import csv_bytes, row

    upload = import_file(csv_bytes([row("ORG1", week="29.12.2098")]))
    assert upload.status == "refused"
    assert any(MESSAGE in str(error) for error in upload.errors), upload.errors


def test_a_command_line_date_outside_the_window_is_refused():
    from django.core.management.base import CommandError

    from agencies.commands import PortalCommand

    with pytest.raises(CommandError, match=MESSAGE):
        PortalCommand.date_option("31.12.9999")


def test_an_api_query_date_outside_the_window_is_refused(client, personas):
    client.force_login(personas.analyst)
    response = client.get(reverse("api:index-ranking") + "?date=2098-12-31")
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()
