"""Query-string parameters: a value that cannot be read is refused in Russian, never replaced.

Every page, API call and list that reads a parameter deciding WHICH figures or rows it
shows answers a value it cannot read with 400: the page names the parameter, the value and
what is accepted, and links to the same page without that parameter; the API answers its
refusal body with the parameter as the field (roadmap_portal.params,
roadmap_portal.filtersets). The scope is checked first: a region the user may not see is
404 as before, whatever the parameters.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from agencies.models import Region
from roadmap_portal import params
from roadmaps.models import Roadmap

PYTHON_TEXT = ("Traceback", "ValueError", "Exception", "object at 0x", "NoneType", "errors.py")

BAD_DATES = [
    ("31.02.2025", "Такой даты нет"),  # impossible day
    ("garbage", "Такой даты нет"),  # text
    ("01.01.2099", "невозможна: портал принимает даты с 01.01.2024 по 31.12.2030"),  # window
    ("2025-13-01", "Такой даты нет"),
]

# (persona, url name, url args, parameter, value, what the message must say is accepted)
PAGE_CASES = [
    *[
        ("coordinator", "reports:region-dashboard", ["66"], "date", value, accepted)
        for value, accepted in BAD_DATES
    ],
    *[
        ("coordinator", "reports:region-dashboard-pdf", ["66"], "date", value, accepted)
        for value, accepted in BAD_DATES[:2]
    ],
    *[
        ("analyst", "reports:country-overview", [], "date", value, accepted)
        for value, accepted in BAD_DATES
    ],
    ("analyst", "reports:country-overview", [], "lagging", "yes", "1 или 0"),
    ("analyst", "reports:country-overview", [], "map", "i9", "index, i1, i2, i3, i4"),
    *[
        ("coordinator", "index:region", ["66"], "date", value, accepted)
        for value, accepted in BAD_DATES
    ],
    ("analyst", "index:ranking", [], "date", "31.02.2025", "Такой даты нет"),
    ("analyst", "index:ranking", [], "since", "01.01.2099", "невозможна"),
    ("analyst", "index:ranking", [], "approved", "yes", "1 или 0"),
    ("coordinator", "index:fact-create", ["66"], "criterion", "nope", "mfc_bot"),
    ("coordinator", "index:fact-create", ["66"], "criterion", "sferum_migration", "mfc_bot"),
    ("coordinator", "roadmaps:measure-list", [], "status", "donee", "not_started"),
    ("coordinator", "roadmaps:measure-list", [], "overdue", "yes", "1 или 0"),
    ("coordinator", "roadmaps:measure-list", [], "mine", "maybe", "1 или 0"),
    ("coordinator", "roadmaps:measure-list", [], "due_within", "abc", "от 0 до 366"),
    ("coordinator", "roadmaps:measure-list", [], "due_within", "1.5", "от 0 до 366"),
    ("coordinator", "roadmaps:measure-list", [], "due_within", "999", "от 0 до 366"),
    ("coordinator", "roadmaps:measure-list", [], "region", "abc", "номер (id)"),
    ("coordinator", "roadmaps:measure-list", [], "ordering", "bogus", "due_date"),
    ("coordinator", "reports:roadmap-timeline", [], "roadmap", "abc", "целое число"),
    ("coordinator", "reports:roadmap-timeline", [], "status", "donee", "not_started"),
    ("coordinator", "alerts:alert-list", [], "kind", "nope", "measure_overdue"),
    ("coordinator", "alerts:alert-list", [], "state", "zzz", "open, closed"),
    ("coordinator", "alerts:alert-list", [], "severity", "huge", "Допустимые значения"),
    ("analyst", "reports:export-page", [], "region", "garbage", "двух цифр"),
    ("admin", "roadmaps:roadmap-import-choose", [], "region", "garbage", "двух цифр"),
]


def _case_id(case) -> str:
    return f"{case[1]}-{case[3]}={case[4]}"


def _error_section(text: str) -> str:
    found = re.search(r'<section[^>]*data-testid="error-page".*?</section>', text, re.S)
    assert found, text[:2000]
    return found[0]


@pytest.mark.parametrize(
    ("persona", "name", "args", "param", "value", "accepted"),
    PAGE_CASES,
    ids=[_case_id(case) for case in PAGE_CASES],
)
def test_a_page_refuses_a_parameter_it_cannot_read(
    persona_client, persona, name, args, param, value, accepted
):
    client = persona_client(persona)
    base = reverse(name, args=args)
    keep = {"msort": "name"} if name == "reports:region-dashboard" else {}
    response = client.get(base + "?" + urlencode({**keep, param: value}))
    assert response.status_code == 400, response.content.decode()[:500]
    text = response.content.decode()
    section = html.unescape(_error_section(text))
    assert f"Параметр «{param}»: значение «{value}» не принято." in section
    assert accepted in section
    assert not any(marker in text for marker in PYTHON_TEXT)
    # the way back: the same page without that parameter, the others kept
    back = re.search(r'href="([^"]*)"[^>]*data-testid="error-back"', text)
    assert back, section
    assert html.unescape(back[1]) == base + ("?" + urlencode(keep) if keep else "")
    assert f"без параметра «{param}»" in section


# (persona, url, what the page must show): good values still work
GOOD_PAGES = [
    ("coordinator", "/dashboard/66/?date=01.10.2025", "01.10.2025"),
    ("coordinator", "/dashboard/66/?date=2025-10-01", "01.10.2025"),
    ("coordinator", "/dashboard/66/?date=", ""),
    ("analyst", "/dashboard/?date=01.10.2025&lagging=1&map=i1", ""),
    ("analyst", "/dashboard/?lagging=0&map=index", ""),
    ("coordinator", "/index/66/?date=01.10.2025", "01.10.2025"),
    ("analyst", "/index/ranking/?date=01.10.2025&since=01.09.2025&approved=1", "2025-10-01"),
    ("analyst", "/index/ranking/?approved=true", ""),
    ("coordinator", "/index/66/facts/new/?criterion=mfc_bot", ""),
    ("coordinator", "/index/66/facts/new/", ""),
    ("coordinator", "/measures/?status=done&overdue=true&mine=unknown&due_within=30", ""),
    ("coordinator", "/measures/?overdue=1&ordering=-due_date&page=abc", ""),
    ("coordinator", "/measures/?page=9999", ""),
    ("coordinator", "/alerts/?kind=measure_overdue&state=closed", ""),
    ("coordinator", "/dashboard/66/?msort=nonsense", ""),  # presentation only
    ("analyst", "/dashboard/?sort=nonsense", ""),  # presentation only
    ("analyst", "/reports/exports/?region=66", ""),
    ("analyst", "/reports/exports/?region=", ""),
]


@pytest.mark.parametrize(("persona", "url", "shown"), GOOD_PAGES)
def test_a_page_still_reads_good_values(persona_client, persona, url, shown):
    response = persona_client(persona).get(url)
    assert response.status_code == 200, response.content.decode()[:500]
    assert shown in response.content.decode()


def test_the_dashboard_shows_the_date_asked_not_today(persona_client):
    """The defect found from outside: 31.02.2025 showed today's figures as 200."""
    client = persona_client("coordinator")
    asked = client.get("/dashboard/66/?date=01.10.2025")
    assert asked.context["d"].today == dt.date(2025, 10, 1)
    assert client.get("/dashboard/66/?date=31.02.2025").status_code == 400


def test_the_timeline_reads_a_roadmap_id(persona_client):
    roadmap = Roadmap.objects.get(code="sverdlovsk-2025")
    client = persona_client("coordinator")
    assert client.get(f"/timeline/?roadmap={roadmap.pk}").status_code == 200
    moscow = Roadmap.objects.get(code="moscow-oblast-2025")
    assert client.get(f"/timeline/?roadmap={moscow.pk}").status_code == 404  # as before


@pytest.mark.parametrize(
    ("persona", "url", "code"),
    [
        # a region the user may not see stays 404 whatever the parameters: never a 400
        # that would tell it exists
        ("coordinator", "/dashboard/50/?date=garbage", 404),
        ("coordinator", "/dashboard/99/?date=garbage", 404),
        ("coordinator", "/dashboard/50/pdf/?date=garbage", 404),
        ("coordinator", "/index/50/?date=garbage", 404),
        ("coordinator", "/index/50/facts/new/?criterion=nope", 404),
        ("coordinator", "/dashboard/?date=garbage", 403),  # one region: no overview
        ("ministry_user", "/index/ranking/?approved=yes", 403),
        ("coordinator", "/reports/exports/?region=50", 404),
        ("coordinator", "/reports/exports/?region=99", 404),
        ("admin", "/measures/import/?region=99", 404),
    ],
)
def test_scope_comes_before_the_parameters(persona_client, persona, url, code):
    assert persona_client(persona).get(url).status_code == code


def test_an_export_page_reads_a_region_code_as_files_write_it(persona_client):
    response = persona_client("analyst").get("/reports/exports/?region=7")
    assert response.context["form"].initial["region"] == "07"
    sverdlovsk = persona_client("analyst").get("/reports/exports/?region=066")
    assert sverdlovsk.context["form"].initial["region"] == "66"


def test_the_roadmap_import_choice_redirects_to_a_region(persona_client):
    response = persona_client("admin").get("/measures/import/?region=066")
    assert response.status_code == 302
    assert response["Location"] == reverse("roadmaps:roadmap-import", args=["66"])


# --- the API ---------------------------------------------------------------------------

# (persona, url, parameter, value, what the message must say is accepted)
API_CASES = [
    *[
        ("coordinator", "/api/v1/index/regions/66/", "date", value, accepted)
        for value, accepted in BAD_DATES
    ],
    ("analyst", "/api/v1/index/ranking/", "date", "31.02.2025", "Такой даты нет"),
    ("analyst", "/api/v1/index/ranking/", "since", "garbage", "Такой даты нет"),
    ("analyst", "/api/v1/index/ranking/", "approved", "yes", "1 или 0"),
    ("coordinator", "/api/v1/measures/", "status", "donee", "not_started"),
    ("coordinator", "/api/v1/measures/", "overdue", "yes", "1 или 0"),
    ("coordinator", "/api/v1/measures/", "due_within", "1.5", "от 0 до 366"),
    ("coordinator", "/api/v1/measures/", "region", "abc", "номер (id)"),
    ("coordinator", "/api/v1/alerts/", "kind", "nope", "measure_overdue"),
    ("coordinator", "/api/v1/indicator-values/", "week", "31.02.2025", "Такой даты нет"),
    ("coordinator", "/api/v1/indicator-values/", "week_from", "2099-01-01", "невозможна"),
    ("coordinator", "/api/v1/indicator-values/", "complete", "yes", "1 или 0"),
    ("coordinator", "/api/v1/indicator-values/", "level", "zz", "region, municipality"),
    ("coordinator", "/api/v1/indicator-values/", "region", "abc", "двух цифр"),
    ("coordinator", "/api/v1/indicator-values/", "municipality", "abc", "целое число"),
    ("coordinator", "/api/v1/index/", "on_date", "garbage", "Такой даты нет"),
    ("coordinator", "/api/v1/index-inputs/", "verified", "yes", "1 или 0"),
    ("coordinator", "/api/v1/index-inputs/", "as_of_from", "31.12.9999", "невозможна"),
    ("coordinator", "/api/v1/monitoring/uploads/", "dry_run", "yes", "1 или 0"),
    ("coordinator", "/api/v1/monitoring/uploads/", "uploaded_from", "31.02.2025", "Такой даты"),
    ("coordinator", "/api/v1/roadmaps/", "federal", "maybe", "1 или 0"),
    ("coordinator", "/api/v1/cascade-progress/", "done_from", "31.02.2025", "Такой даты нет"),
    ("coordinator", "/api/v1/organisations/", "org_type", "zz", "Допустимые значения"),
    ("coordinator", "/api/v1/sections/", "roadmap", "-1", "не меньше 1"),
]


@pytest.mark.parametrize(
    ("persona", "url", "param", "value", "accepted"),
    API_CASES,
    ids=[f"{c[1]}-{c[2]}={c[3]}" for c in API_CASES],
)
def test_the_api_refuses_a_parameter_it_cannot_read(personas, persona, url, param, value, accepted):
    client = APIClient()
    client.force_authenticate(getattr(personas, persona))
    response = client.get(url + "?" + urlencode({param: value}))
    assert response.status_code == 400, response.content.decode()[:500]
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"] == "Данные не прошли проверку."
    (message,) = body["fields"][param]
    assert f"Параметр «{param}»: значение «{value}» не принято." in message
    assert accepted in message
    assert not any(marker in response.content.decode() for marker in PYTHON_TEXT)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/index/regions/66/?date=01.10.2025",
        "/api/v1/index/regions/66/?date=2025-10-01",
        "/api/v1/index/ranking/?date=2025-10-01&since=2025-09-01&approved=false",
        "/api/v1/measures/?status=done&overdue=false&due_within=30",
        "/api/v1/indicator-values/?week_from=01.09.2025&complete=true&level=region&region=66",
        "/api/v1/indicator-values/?region=7",  # a code as files write it
        "/api/v1/monitoring/uploads/?dry_run=false&uploaded_from=2025-09-01",
        "/api/v1/roadmaps/?federal=true",
        "/api/v1/index/?on_date=2025-10-01",
        "/api/v1/regions/?ordering=nonsense",  # presentation only: DRF's default order
    ],
)
def test_the_api_still_reads_good_values(personas, url):
    client = APIClient()
    client.force_authenticate(personas.coordinator)
    assert client.get(url).status_code == 200, client.get(url).content[:500]


def test_the_api_region_filter_does_not_tell_which_regions_exist(personas):
    client = APIClient()
    client.force_authenticate(personas.coordinator)
    other = client.get("/api/v1/indicator-values/?region=50").json()
    none = client.get("/api/v1/indicator-values/?region=99").json()
    assert other["count"] == none["count"] == 0


@pytest.mark.parametrize("url", ["/api/v1/index/regions/50/?date=garbage"])
def test_the_api_checks_the_scope_first(personas, url):
    client = APIClient()
    client.force_authenticate(personas.coordinator)
    assert client.get(url).status_code == 404


# --- the readers themselves --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("01.10.2025", dt.date(2025, 10, 1)), ("2025-10-01", dt.date(2025, 10, 1)), ("", None)],
)
def test_the_date_reader(value, expected):
    assert params.date({"date": value}, "date") == expected


def test_the_readers_refuse_with_one_error_type():
    cases = [
        lambda: params.date({"d": "31.02.2025"}, "d"),
        lambda: params.choice({"c": "x"}, "c", ["a", "b"]),
        lambda: params.flag({"f": "yes"}, "f"),
        lambda: params.integer({"i": "١٢"}, "i"),  # Arabic-Indic digits: not 0-9
        lambda: params.integer({"i": "0"}, "i"),
        lambda: params.region_code({"r": "abc"}, "r"),
    ]
    for case in cases:
        with pytest.raises(params.BadParameter) as refused:
            case()
        assert "Параметр «" in refused.value.message


def test_a_long_or_odd_value_is_quoted_safely():
    with pytest.raises(params.BadParameter) as refused:
        params.date({"date": "x" * 500 + "\u200b"}, "date")
    assert len(refused.value.message) < 400
    assert "…" in refused.value.message


@pytest.mark.django_db
def test_the_region_reader_answers_404_out_of_scope(seeded):
    from django.http import Http404

    visible = Region.objects.filter(code="66")
    assert params.region({"region": "66"}, "region", visible).code == "66"
    for code in ("50", "99"):
        with pytest.raises(Http404):
            params.region({"region": code}, "region", visible)


# --- the audit: every FilterSet of the portal refuses -------------------------------------


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_filterset_of_the_portal_is_a_portal_filterset():
    import django_filters

    from roadmap_portal.filtersets import PortalFilterSet
    from roadmap_portal.urls import urlpatterns  # noqa: F401 - imports every FilterSet

    ours = ("agencies", "alerts", "indicators", "reports", "roadmaps", "roadmap_portal")
    found = [
        cls
        for cls in _all_subclasses(django_filters.FilterSet)
        if cls.__module__.split(".")[0] in ours
    ]
    assert len(found) >= 10
    for cls in found:
        assert issubclass(cls, PortalFilterSet), cls
        for name, item in cls.base_filters.items():
            lenient = (
                type(item) in (django_filters.DateFilter, django_filters.BooleanFilter)
                or type(item) is django_filters.NumberFilter
            )
            assert not lenient, f"{cls.__name__}.{name} reads its value leniently"


def test_every_api_list_filters_through_a_portal_filterset():
    from roadmap_portal.api.urls import router
    from roadmap_portal.api.viewsets import ScopedFilterBackend
    from roadmap_portal.filtersets import PortalFilterSet

    backend = ScopedFilterBackend()
    for _prefix, viewset, _basename in router.registry:
        view = viewset()
        backends = getattr(viewset, "filter_backends", [])
        if not getattr(view, "filterset_class", None) and not getattr(
            view, "filterset_fields", None
        ):
            continue
        assert ScopedFilterBackend in backends, viewset
        model = viewset.serializer_class.Meta.model
        filterset = backend.get_filterset_class(view, model.objects.none())
        assert issubclass(filterset, PortalFilterSet), viewset
