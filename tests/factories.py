"""Plain factories for tests (Weblate style): make_* functions with sensible defaults."""

from __future__ import annotations

import itertools

from agencies.choices import AgencyKind, OrgType, Role
from agencies.models import Agency, Municipality, Organisation, Region, User
from roadmaps.models import Measure, MeasureResponsibility, Roadmap, Section

_seq = itertools.count(1)


def make_region(code: str | None = None, **kwargs) -> Region:
    code = code or f"{90 + next(_seq) % 9}"
    defaults = {"name": f"Регион {code}", "timezone": "Europe/Moscow"}
    defaults.update(kwargs)
    region, _ = Region.objects.get_or_create(code=code, defaults=defaults)
    return region


def make_agency(region: Region | None, **kwargs) -> Agency:
    n = next(_seq)
    defaults = {"name": f"Министерство {n}", "kind": AgencyKind.ROIV, "code": f"test-ag-{n}"}
    defaults.update(kwargs)
    return Agency.objects.create(region=region, **defaults)


def make_user(role: str = Role.STAFF, **kwargs) -> User:
    n = next(_seq)
    user = User(username=kwargs.pop("username", f"user{n}"), role=role, **kwargs)
    user.set_password("pass")
    user.save()
    return user


def make_roadmap(region: Region | None, **kwargs) -> Roadmap:
    n = next(_seq)
    defaults = {"code": f"test-roadmap-{n}", "title": f"Дорожная карта {n}"}
    defaults.update(kwargs)
    return Roadmap.objects.create(region=region, **defaults)


def make_measure(roadmap: Roadmap, *, agencies=(), **kwargs) -> Measure:
    n = next(_seq)
    section = (
        kwargs.pop("section", None)
        or Section.objects.get_or_create(
            roadmap=roadmap, position=0, defaults={"number": "1", "title": "Раздел"}
        )[0]
    )
    defaults = {"number": f"9.{n}", "title": f"Мероприятие {n}", "position": n}
    defaults.update(kwargs)
    measure = Measure.objects.create(roadmap=roadmap, section=section, **defaults)
    for position, agency in enumerate(agencies):
        MeasureResponsibility.objects.create(measure=measure, agency=agency, position=position)
    return measure


def make_municipality(region: Region, name: str | None = None) -> Municipality:
    return Municipality.objects.get_or_create(
        region=region, name=name or f"Муниципалитет {next(_seq)}"
    )[0]


def make_organisation(region: Region, municipality=None, **kwargs) -> Organisation:
    n = next(_seq)
    defaults = {"code": f"ORG{n:06d}", "name": f"Школа № {n}", "org_type": OrgType.SCHOOL}
    defaults.update(kwargs)
    return Organisation.objects.create(region=region, municipality=municipality, **defaults)
