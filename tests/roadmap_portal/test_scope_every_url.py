"""Nobody sees or edits what is not theirs, on every URL the portal has.

The URLs are read from the resolver, not listed by hand: a URL that names an object must
be in `OBJECT_URLS` (else `test_every_url_is_in_the_matrix` fails), so a new page, API
route or download cannot escape the matrix. Every object of the matrix belongs to
Sverdlovsk oblast (66) and carries the marker `SECRET`. Those who must not reach them
(anonymous, a coordinator of Moscow oblast, an inactive Sverdlovsk coordinator, a
coordinator with no region, a staff member with no agency):

- every URL naming one of those objects answers exactly as the same URL naming an object
  that does not exist (out of scope is 404, as a page that does not exist; the 403 of a
  page their role may not use whatever the object; the login page), never with the object;
- every list, page and API list, asked with filters, searches, orderings and page sizes
  naming the hidden rows, never shows one of them, and answers a filter naming a hidden row
  exactly as one naming no row;
- nothing Sverdlovsk gets changes a count, total or chart another region's coordinator sees
  (but the index ranking, which places every region by design).

The same-region matrix (staff of another agency: visible, not editable, 403) is
tests/roadmaps/test_permissions.py and the API's tests/api/.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from agencies.choices import Role
from agencies.models import Region, User, normalise_region_code
from tests.factories import make_user
from tests.url_matrix import (
    NOT_OBJECTS,
    OBJECT_URLS,
    SECRET,
    World,
    build_world,
    object_url,
    portal_urls,
)


def test_every_url_is_in_the_matrix():
    """A URL naming an object is in OBJECT_URLS with exactly its arguments."""
    missing, wrong = [], []
    for name, params in portal_urls().items():
        if not params or name in NOT_OBJECTS:
            continue
        if name not in OBJECT_URLS:
            missing.append(name)
        elif set(OBJECT_URLS[name]) != params:
            wrong.append(name)
    assert missing == [], f"URLs with objects not in the scope matrix: {missing}"
    assert wrong == [], f"URLs whose arguments changed: {wrong}"
    assert not (set(OBJECT_URLS) - set(portal_urls())), "URLs of the matrix gone"


@pytest.fixture
def world(personas) -> World:
    return build_world(personas)


def _others(personas) -> dict[str, User | None]:
    """Who must not reach Sverdlovsk's objects."""
    region = Region.objects.get(code="66")
    return {
        "anonymous": None,
        "outsider": personas.outsider,
        "inactive": make_user(Role.COORDINATOR, region=region, is_active=False),
        "no_region": make_user(Role.COORDINATOR),
        "no_agency": make_user(Role.STAFF),
        # the widest scoped people: the country overview, the federal view, the ranking
        "analyst": make_user(Role.ANALYST, region=Region.objects.get(code="50")),
        "coordinator_of_two": _with_extra(
            make_user(Role.COORDINATOR, region=Region.objects.get(code="50")), "77"
        ),
    }


def _with_extra(user: User, code: str) -> User:
    user.extra_regions.add(Region.objects.get(code=code))
    return user


def _shows(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _login(client, user) -> None:
    if user is not None:
        client.force_login(user)


@pytest.mark.parametrize("who", ["anonymous", "outsider", "inactive", "no_region", "no_agency"])
def test_objects_of_another_region_answer_as_if_they_did_not_exist(client, personas, world, who):
    """Every URL naming a Sverdlovsk object answers these people exactly as the same URL
    naming an object that does not exist (404, or the 403 of a page their role may not
    use whatever the object, or the login page), never with the object."""
    _login(client, _others(personas)[who])
    wrong = []
    for name in sorted(OBJECT_URLS):
        url, nowhere = object_url(name, world), object_url(name, world, missing=True)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            expected = getattr(client, method)(nowhere).status_code
            leaked = SECRET in _shows(response)
            if response.status_code != expected or expected == 200 or leaked:
                wrong.append((method.upper(), url, response.status_code, expected, leaked))
    assert wrong == [], "\n".join(map(str, wrong))


def _hostile_queries(world: World) -> list[str]:
    """Query strings naming Sverdlovsk's objects by every filter name the portal uses."""
    o = world.objects
    ids = {
        "region": [world.region.pk, world.region.code],
        "region_code": [world.region.code],
        "code": [world.region.code],
        "agency": [o["agency"].pk],
        "municipality": [o["municipality"].pk],
        "organisation": [o["organisation"].pk, o["organisation"].code],
        "measure": [o["measure"].pk],
        "roadmap": [o["roadmap"].pk],
        "section": [o["section"].pk],
        "cascade": [o["cascade"].pk],
        "upload": [o["upload"].pk],
        # a part of the marker: the search box shows what was asked
        "q": [SECRET[:-2]],
        "search": [SECRET[:-2]],
        "text": [SECRET[:-2]],
    }
    queries = [f"{key}={value}" for key, values in ids.items() for value in values]
    queries += ["page_size=100000", "ordering=-region", "sort=region", "mine=0", "all=1"]
    return queries


def _lists() -> list[str]:
    return sorted(name for name, params in portal_urls().items() if not params)


@pytest.mark.parametrize(
    "who", ["outsider", "no_region", "no_agency", "analyst", "coordinator_of_two"]
)
def test_no_list_shows_another_regions_rows_whatever_it_is_asked(client, personas, world, who):
    """Every page and API list without arguments, asked with filters, searches, orderings
    and page sizes naming Sverdlovsk's rows, never shows one of them."""
    _login(client, _others(personas)[who])
    queries = _hostile_queries(world)
    wrong = []
    for name in _lists():
        if name in ("logout", "api:schema", "api:docs", "api:redoc"):
            continue
        url = reverse(name)
        for query in [""] + queries:
            response = client.get(f"{url}?{query}" if query else url)
            if SECRET in _shows(response) or response.status_code >= 500:
                wrong.append((f"{url}?{query}", response.status_code))
    assert wrong == [], "\n".join(map(str, wrong))


_VOLATILE = re.compile(
    r'(csrfmiddlewaretoken" value="[^"]*"|nonce="[^"]*"|\d{2}:\d{2}(:\d{2})?|'
    r'"(generated_at|created_at|recorded_at)": ?"[^"]*"|'
    r'(?<=id=")[a-z]+\d[-\w]*|(?<=url\(#)[a-z]+\d[-\w]*)'
)  # per-request tokens, clocks, ids of SVG patterns numbered per process

# the index ranking places every region (`access.can_see_ranking`: the places count every
# region): a Sverdlovsk score shows there by design
NATIONAL = {"index:ranking", "api:index-ranking"}


def _seen(client, url: str) -> tuple[int, str]:
    from django.core.cache import cache

    cache.clear()
    response = client.get(url)
    if response.get("Content-Type", "").startswith("application/pdf"):
        return response.status_code, ""  # dated to the second; the page it prints is compared
    return response.status_code, _VOLATILE.sub("", _shows(response))


@pytest.mark.parametrize("who", ["outsider", "analyst", "coordinator_of_two"])
def test_another_regions_rows_change_nothing_on_any_list(client, personas, who):
    """Counts, totals, charts and pages: what Moscow oblast's coordinator sees on every
    list is the same before and after Sverdlovsk gets one more object of every kind."""
    _login(client, _others(personas)[who])
    skip = {"logout", "api:schema", "api:docs", "api:redoc", "login", "healthz", *NATIONAL}
    urls = [reverse(name) for name in _lists() if name not in skip]
    # and the outsider's own region's pages
    urls += [
        reverse(name, kwargs={"code": "50"})
        for name, params in portal_urls().items()
        if params == {"code"} and name not in skip
    ]
    before = {url: _seen(client, url) for url in urls}
    build_world(personas)
    changed = [url for url in urls if _seen(client, url) != before[url]]
    assert changed == [], changed


@pytest.mark.parametrize("who", ["outsider", "analyst", "coordinator_of_two"])
def test_a_filter_naming_a_hidden_row_answers_as_one_naming_no_row(client, personas, world, who):
    """`?agency=<Sverdlovsk's>` on every list answers exactly as `?agency=<no such id>`:
    no count, no error message, no empty-but-different page tells the row exists."""
    _login(client, _others(personas)[who])
    o = world.objects
    hidden = {
        "region": world.region.pk,
        "agency": o["agency"].pk,
        "municipality": o["municipality"].pk,
        "organisation": o["organisation"].pk,
        "measure": o["measure"].pk,
        "roadmap": o["roadmap"].pk,
        "section": o["section"].pk,
        "cascade": o["cascade"].pk,
        "upload": o["upload"].pk,
    }
    # «no row» of the same shape as the hidden one (as many digits): a region is named by its
    # code on some lists and by its id on others, so no region may have that number as either; a
    # text that cannot be a code at all is refused as such (roadmap_portal.params), which
    # tells nothing of what exists
    digits = len(str(world.region.pk))
    no_region = next(
        n
        for n in range(10 ** (digits - 1), 10**digits)
        if not Region.objects.filter(pk=n).exists()
        and not Region.objects.filter(code=normalise_region_code(n)).exists()
    )
    skip = {"logout", "api:schema", "api:docs", "api:redoc", "login", "healthz", *NATIONAL}
    wrong = []
    for name in _lists():
        if name in skip:
            continue
        url = reverse(name)
        for key, pk in hidden.items():
            missing = no_region if key == "region" else 10**8
            # the links of the page repeat the query string: the value asked is not data
            # (and a refusal quotes it: «Параметр «region»: значение «7» не принято», the same
            # words for a hidden row and for no row, roadmap_portal.params)
            asked = [re.compile(rf"\b{key}={value}\b|«{value}»") for value in (pk, missing)]
            seen = [
                (status, pattern.sub(f"{key}=?", body))
                for pattern, (status, body) in zip(
                    asked,
                    (_seen(client, f"{url}?{key}={v}") for v in (pk, missing)),
                    strict=True,
                )
            ]
            if seen[0] != seen[1]:
                wrong.append(f"{url}?{key}={pk}")
    assert wrong == [], "\n".join(wrong)
