"""Read resources: every list and detail scoped exactly like the pages (permission matrix)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

# resource -> how to get the object of a region from the RegionData fixture
RESOURCES = {
    "regions": lambda d: d.region.pk,
    "municipalities": lambda d: d.municipality.pk,
    "organisations": lambda d: d.organisation.pk,
    "roadmaps": lambda d: d.roadmap.pk,
    "sections": lambda d: d.measure.section_id,
    "measures": lambda d: d.measure.pk,
    "cascades": lambda d: d.cascade.pk,
    "cascade-progress": lambda d: d.progress.pk,
    "indicator-values": lambda d: d.rollup.pk,
    "indicator-baselines": lambda d: d.baseline.pk,
    "index": lambda d: d.score.pk,
    "index-inputs": lambda d: d.fact.pk,
}

# persona -> (sees Sverdlovsk 66, sees Moscow oblast 50)
SCOPES = {
    "ministry_user": (True, False),
    "other_agency_user": (True, False),
    "coordinator": (True, False),
    "analyst": (True, True),
    "admin": (True, True),
    "outsider": (False, True),
}


def _all_ids(client, url: str) -> set[int]:
    ids: set[int] = set()
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        ids |= {row["id"] for row in body["results"]}
        url = body["next"]
    return ids


@pytest.mark.parametrize("resource", sorted(RESOURCES))
@pytest.mark.parametrize("persona", sorted(SCOPES))
def test_list_is_scoped(api_as, sverdlovsk, moscow_oblast, resource, persona):
    ids = _all_ids(api_as(persona), f"/api/v1/{resource}/")
    sees_66, sees_50 = SCOPES[persona]
    assert (RESOURCES[resource](sverdlovsk) in ids) is sees_66
    assert (RESOURCES[resource](moscow_oblast) in ids) is sees_50


@pytest.mark.parametrize("resource", sorted(RESOURCES))
@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("ministry_user", 200),
        ("other_agency_user", 200),
        ("coordinator", 200),
        ("analyst", 200),
        ("admin", 200),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
def test_detail_access(api_as, sverdlovsk, resource, persona, code):
    response = api_as(persona).get(f"/api/v1/{resource}/{RESOURCES[resource](sverdlovsk)}/")
    assert response.status_code == code
    if code != 200:
        assert response.json()["code"] in ("not_found", "not_authenticated")


@pytest.mark.parametrize(
    ("persona", "code"), [("coordinator", 200), ("analyst", 200), ("outsider", 404)]
)
def test_measure_history_access(api_as, sverdlovsk, persona, code):
    response = api_as(persona).get(f"/api/v1/measures/{sverdlovsk.measure.pk}/history/")
    assert response.status_code == code
    if code == 200:
        comments = [row["comment"] for row in response.json()["results"]]
        assert "Комментарий 66" in comments


def test_measure_detail_carries_version_as_etag(api_as, sverdlovsk):
    response = api_as("coordinator").get(f"/api/v1/measures/{sverdlovsk.measure.pk}/")
    assert response["ETag"] == f'"{sverdlovsk.measure.version}"'
    assert response.json()["version"] == sverdlovsk.measure.version


def test_indicators_are_reference_data(api_as, seeded):
    body = api_as("outsider").get("/api/v1/indicators/").json()
    assert [row["code"] for row in body["results"]] == ["i1", "i2", "i3", "i4"]
    assert {s["stage"] for s in body["results"][0]["stages"]} == {1, 2}


def test_indicator_values_carry_numerators_and_no_data(api_as, sverdlovsk):
    body = api_as("coordinator").get("/api/v1/indicator-values/?region=66&week=2025-09-01").json()
    [row] = body["results"]
    assert row["week_start"] == "2025-09-01"
    assert row["i1"] == {"value": "75.00", "numerator": 30, "denominator": 40}
    assert row["i2"] == {"value": "25.00", "numerator": 50, "denominator": 200}
    assert row["i3"] == {"value": "0.00", "numerator": 0, "denominator": 200}
    # a zero denominator is "no data", never 0 %
    assert row["i4"] == {"value": None, "numerator": 0, "denominator": 0}


def test_indicator_values_by_level(api_as, sverdlovsk):
    from indicators.models import MonitoringRollup

    MonitoringRollup.objects.create(
        region=sverdlovsk.region,
        municipality=sverdlovsk.municipality,
        week_start=sverdlovsk.rollup.week_start,
    )
    client = api_as("coordinator")
    regional = client.get("/api/v1/indicator-values/?level=region").json()["results"]
    local = client.get("/api/v1/indicator-values/?level=municipality").json()["results"]
    assert [r["municipality"] for r in regional] == [None]
    assert [r["municipality_name"] for r in local] == ["Тестовый округ 66"]


def test_measure_filters_are_those_of_the_page(api_as, sverdlovsk):
    client = api_as("analyst")
    body = client.get(f"/api/v1/measures/?region={sverdlovsk.region.pk}&ordering=-due_date").json()
    assert body["count"] == 44
    dues = [row["due_date"] for row in body["results"] if row["due_date"]]
    assert dues == sorted(dues, reverse=True)
    assert client.get("/api/v1/measures/?status=done").json()["count"] == 0


def test_filter_choice_outside_scope_is_a_russian_400(api_as, sverdlovsk, moscow_oblast):
    response = api_as("coordinator").get(f"/api/v1/measures/?region={moscow_oblast.region.pk}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "region" in body["fields"]


def test_bad_date_filter_is_a_400(api_as, sverdlovsk):
    response = api_as("coordinator").get("/api/v1/indicator-values/?week=вчера")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_measure_list_query_count(api_as, sverdlovsk, django_assert_max_num_queries):
    client = api_as("coordinator")
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/measures/")
    assert response.status_code == 200 and len(response.json()["results"]) > 40


@pytest.mark.parametrize("pk", ["null,null", "abc", "1.5"])
def test_malformed_id_is_a_404_not_a_500(api_as, sverdlovsk, pk):
    response = api_as("analyst").get(f"/api/v1/measures/{pk}/history/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/indicator-values/?municipality=-3785990862931947962761216",
        "/api/v1/organisations/?municipality=99999999999999999999999",
        "/api/v1/cascade-progress/?cascade=1.5",
        "/api/v1/measures/?region=-3785990862931947962761216",
        "/api/v1/alerts/?region=99999999999999999999999",
    ],
)
def test_out_of_range_ids_are_a_400_not_a_500(api_as, seeded, url):
    response = api_as("analyst").get(url)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_list_query_count_is_bounded(
    api_as, sverdlovsk, moscow_oblast, django_assert_max_num_queries, resource
):
    client = api_as("analyst")
    with django_assert_max_num_queries(12):
        response = client.get(f"/api/v1/{resource}/")
    assert response.status_code == 200 and response.json()["count"] >= 2


def _filtersets_with_a_region_filter():
    import django_filters

    from agencies.api import filters as agencies_filters
    from indicators.api import filters as indicators_filters
    from roadmaps.api import filters as roadmaps_filters

    for module in (agencies_filters, indicators_filters, roadmaps_filters):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, django_filters.FilterSet)
                and "region" in value.base_filters
            ):
                yield value


def test_every_region_filter_reads_codes_by_the_one_rule():
    from agencies.api.filters import RegionCodeFilter

    filtersets = list(_filtersets_with_a_region_filter())
    assert len(filtersets) >= 9
    for filterset in filtersets:
        assert isinstance(filterset.base_filters["region"], RegionCodeFilter), filterset


# the lists that filter by region code (a section or a cascade's progress is found by its
# parent; measures share the page's FilterSet, whose `region` is the region's id)
@pytest.mark.parametrize(
    "resource", sorted(set(RESOURCES) - {"regions", "sections", "cascade-progress", "measures"})
)
def test_region_filter_takes_a_code_as_files_write_it(api_as, sverdlovsk, moscow_oblast, resource):
    """`?region=066` and `?region= 66` are region 66, as in every file and form (a code with
    a lost leading zero, «7», is region 07); before, the API silently answered nothing."""
    client = api_as("analyst")
    exact = _all_ids(client, f"/api/v1/{resource}/?region=66")
    assert exact == _all_ids(client, f"/api/v1/{resource}/?region=066")
    assert exact == _all_ids(client, f"/api/v1/{resource}/?region=%2066%20")
    assert not _all_ids(client, f"/api/v1/{resource}/?region=6")
