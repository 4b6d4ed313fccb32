"""Every way a municipality or an organisation enters the database follows one spelling rule
(`agencies.naming`): names single-spaced, a twin of a stored name or code refused with a
Russian message naming the row and column (files) or the field (forms)."""

from __future__ import annotations

import io

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from agencies.models import Municipality, Organisation, Region
from agencies.naming import municipality_get_or_create, municipality_twins
from agencies.resources import OrganisationResource

pytestmark = pytest.mark.django_db


@pytest.fixture
def region(seeded):
    return Region.objects.get(code="66")


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "x")


# --- the model: every ORM path ------------------------------------------------------------


def test_save_single_spaces_a_municipality_name(region):
    municipality = Municipality.objects.create(region=region, name="  Новая\u00a0  Ляля ")
    municipality.refresh_from_db()
    assert municipality.name == "Новая Ляля"


@pytest.mark.parametrize("name", ["ИРБИТ", "ирбит", "Ирбит "])
def test_full_clean_refuses_a_municipality_twin(region, name):
    Municipality.objects.create(region=region, name="Ирбит")
    twin = Municipality(region=region, name=name)
    if name.strip() == "Ирбит":  # the same name: the unique constraint speaks
        with pytest.raises(ValidationError):
            twin.full_clean()
        return
    with pytest.raises(ValidationError) as caught:
        twin.full_clean()
    assert "«Ирбит»" in caught.value.message_dict["name"][0]


@pytest.mark.parametrize("code", ["org9", "0ORG9", "ОRG9"])  # the last with a Cyrillic «О»
def test_full_clean_refuses_an_organisation_code_twin(region, code):
    Organisation.objects.create(code="ORG9", name="Школа", org_type="school", region=region)
    twin = Organisation(code=code, name="Школа", org_type="school", region=region)
    with pytest.raises(ValidationError) as caught:
        twin.full_clean()
    assert "«ORG9»" in caught.value.message_dict["code"][0]


def test_a_code_twin_in_another_region_is_another_organisation(region):
    Organisation.objects.create(code="ORG9", name="Школа", org_type="school", region=region)
    other = Organisation(
        code="org9", name="Школа", org_type="school", region=Region.objects.get(code="50")
    )
    other.full_clean()


def test_get_or_create_reuses_the_single_spaced_name_and_refuses_a_twin(region):
    first, created = municipality_get_or_create(region_id=region.pk, name="Верхняя  Салда")
    assert created and first.name == "Верхняя Салда"
    again, created = municipality_get_or_create(region_id=region.pk, name=" Верхняя Салда")
    assert (again.pk, created) == (first.pk, False)
    with pytest.raises(ValidationError) as caught:
        municipality_get_or_create(region_id=region.pk, name="верхняя салда")
    assert "«Верхняя Салда»" in caught.value.messages[0]


# --- the admin's forms --------------------------------------------------------------------


def test_admin_municipality_form_refuses_a_twin_on_its_field(client, superuser, region):
    Municipality.objects.create(region=region, name="Берёзовский")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:agencies_municipality_add"), {"region": region.pk, "name": "Березовский"}
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "«Берёзовский»" in errors["name"][0]
    assert Municipality.objects.filter(region=region, name__icontains="березовский").count() == 0


def test_admin_municipality_form_single_spaces(client, superuser, region):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:agencies_municipality_add"), {"region": region.pk, "name": " Новая  Ляля "}
    )
    assert response.status_code == 302
    assert Municipality.objects.filter(region=region, name="Новая Ляля").exists()


def test_admin_organisation_form_refuses_a_code_twin_on_its_field(client, superuser, region):
    Organisation.objects.create(code="ORG9", name="Школа", org_type="school", region=region)
    client.force_login(superuser)
    response = client.post(
        reverse("admin:agencies_organisation_add"),
        {"code": "org9", "name": "Школа", "org_type": "school", "region": region.pk},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "«ORG9»" in errors["code"][0] and "регистром" in errors["code"][0]
    assert not Organisation.objects.filter(code="org9").exists()


# --- the admin's organisation import ------------------------------------------------------


def _import(rows):
    data = tablib.Dataset(headers=["code", "name", "org_type", "region", "municipality"])
    for item in rows:
        data.append(item)
    return OrganisationResource().import_data(data, dry_run=False)


def _messages(result):
    return [
        (number, key, message)
        for number, row in enumerate(result.rows, start=1)
        if row.validation_error is not None
        for key, messages in row.validation_error.message_dict.items()
        for message in messages
    ]


def test_admin_import_refuses_a_code_twin_of_a_known_code(region):
    Organisation.objects.create(code="ORG9", name="Школа", org_type="school", region=region)
    result = _import([["org9", "Школа", "ОО", "66", ""]])
    assert result.has_validation_errors()
    ((number, key, message),) = _messages(result)
    assert key == "code"
    assert message.startswith("Строка 2, столбец «code»: ")
    assert "«ORG9»" in message
    assert not Organisation.objects.filter(code="org9").exists()


def test_admin_import_refuses_two_spellings_of_one_code_in_the_file(region):
    result = _import([["0ORG7", "Школа", "ОО", "66", ""], ["ORG7", "Школа", "ОО", "66", ""]])
    assert result.has_validation_errors()
    messages = _messages(result)
    assert [(key, message.split(":")[0]) for _n, key, message in messages] == [
        ("code", "Строка 3, столбец «code»")
    ]
    assert "ведущими нулями" in messages[0][2]


def test_admin_import_refuses_a_municipality_twin_naming_row_and_column(region):
    Municipality.objects.create(region=region, name="Ирбит")
    result = _import([["ADM9", "Школа", "ОО", "66", "ИРБИТ"]])
    ((_number, key, message),) = _messages(result)
    assert key == "municipality__name"
    assert message.startswith("Строка 2, столбец «municipality»: ")
    assert "«Ирбит»" in message
    assert not Municipality.objects.filter(name="ИРБИТ").exists()


def test_admin_import_page_shows_the_located_message(client, superuser, region):
    Organisation.objects.create(code="ORG9", name="Школа", org_type="school", region=region)
    client.force_login(superuser)
    content = "code;name;org_type;region;municipality\norg9;Школа;ОО;66;Ирбит  \n"
    upload = SimpleUploadedFile("orgs.csv", content.encode(), content_type="text/csv")
    response = client.post(
        reverse("admin:agencies_organisation_import"), {"format": "0", "import_file": upload}
    )
    body = response.content.decode()
    assert "Строка 2, столбец «code»" in body and "«ORG9»" in body
    assert "Traceback" not in body
    assert not Organisation.objects.filter(code="org9").exists()


# --- seeds, demo data, commands -----------------------------------------------------------


def test_load_seeds_refuses_a_twin_of_its_municipality_in_russian(seeded):
    """The seeds name «Николаевский муниципальный район» (Khabarovsk): a stored twin of it
    stops the load with the rule's message, not a database error."""
    seeded_name = "Николаевский муниципальный район"
    Municipality.objects.filter(name=seeded_name).update(name=seeded_name.upper())
    with pytest.raises(CommandError) as caught:
        call_command("load_seeds", stdout=io.StringIO())
    assert "«НИКОЛАЕВСКИЙ МУНИЦИПАЛЬНЫЙ РАЙОН»" in str(caught.value)


def test_demo_world_save_refuses_a_twin_of_a_stored_name(seeded):
    from reports.demo import generator as g

    regions = [r for r in g.regions_from_fixture() if r.code == "66"]
    world = g.world_build(regions, seed=7, scale=0.001)
    name = world.regions[0].municipalities[0].name
    Municipality.objects.create(region=Region.objects.get(code="66"), name=name.upper())
    with pytest.raises(ValidationError) as caught:
        g.world_save(world)
    assert f"«{name.upper()}»" in caught.value.messages[0]
    assert not Municipality.objects.filter(name=name).exists()


def test_a_stored_spelling_is_known_as_itself_even_beside_its_legacy_twin(seeded):
    """Names and codes read alike: a name stored exactly is that municipality, even when a
    twin stored before the rules stands beside it (it waits for `repair_twins`); only new
    spellings are judged as twins."""
    region = Region.objects.get(code="66")
    Municipality.objects.bulk_create(
        [
            Municipality(region=region, name="Город Тест"),
            Municipality(region=region, name="город тест"),
        ]
    )
    assert municipality_twins(region_id=region.pk, names=["город тест", "Город Тест"]) == {}
    assert municipality_twins(region_id=region.pk, names=["ГОРОД ТЕСТ"]) == {
        "ГОРОД ТЕСТ": "Город Тест"
    }
