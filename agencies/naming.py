"""THE spelling rules of a municipality's name and an organisation's code against what is
stored: one place for every way they enter the database.

The rules themselves are `roadmap_portal.tables` (`single_spaced`, `name_twin_key`,
`code_twin_key`, `code_problem`); this module applies them to the stored rows of a region:

- a municipality's name is stored single-spaced (`municipality_name`), and a name that is a
  twin of another municipality of the region (differs only by letter case or «ё»/«е») is
  refused (`municipality_twin`);
- an organisation's code is refused when a spreadsheet could not have kept it
  (`tables.code_problem`) or when it is a twin of another organisation's code of the region
  (differs only by leading zeros, letter case or a Cyrillic look-alike letter:
  `organisation_code_twin`).

Who calls it: `Municipality.clean` / `Organisation.clean` (so every model form of the admin,
the admin's import — its resource cleans each instance — and `municipality_get_or_create`,
the one function seeds, demo data and the admin import create a municipality with), and
`Municipality.save` single-spaces whatever reaches it. The monitoring import writes set-based
SQL and checks the same keys there (`indicators.services.staging.Staging.twin_conflicts`,
`municipality_twins`), the roster import in `indicators.services.rosters`. Why the model's
clean and not each path's own check: a path added tomorrow (a form, a command) that saves
through a model form or `full_clean` gets the rule without knowing about it; a test
(`tests/agencies/test_naming.py`) walks every path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from roadmap_portal.tables import (
    code_problem,
    code_twin_key,
    code_twin_problem,
    name_twin_key,
    shown,
    single_spaced,
)

if TYPE_CHECKING:
    from .models import Municipality


def municipality_name(name: str) -> str:
    """A municipality's name as stored: `tables.single_spaced`."""
    return single_spaced(name or "")


def _stored_twin(
    model: str,
    field: str,
    twin_key: Callable[[str], str],
    *,
    region_id: int,
    value: str,
    exclude_pk: int | None,
) -> str | None:
    """The stored `field` of another row of `model` in the region whose `twin_key` is the
    one of `value` (an exact namesake is the same row, not a twin), or None."""
    key = twin_key(value)
    for other in _region_values(model, field, region_id=region_id, exclude_pk=exclude_pk):
        if other != value and twin_key(other) == key:
            return other
    return None


def _region_values(
    model: str, field: str, *, region_id: int, exclude_pk: int | None = None
) -> Iterator[str]:
    """The stored `field` of every row of `model` in the region, in order, streamed."""
    rows = apps.get_model("agencies", model).objects.filter(region_id=region_id)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    for value in rows.order_by(field).values_list(field, flat=True).iterator():
        yield str(value)


def municipality_twin(*, region_id: int, name: str, exclude_pk: int | None = None) -> str | None:
    """The stored name of another municipality of the region that is a twin of `name`
    (`tables.name_twin_key`: they differ only by white space, letter case or «ё»/«е»),
    or None (an exact namesake is the same municipality, not a twin)."""
    return _stored_twin(
        "Municipality",
        "name",
        name_twin_key,
        region_id=region_id,
        value=name,
        exclude_pk=exclude_pk,
    )


def municipality_twins(*, region_id: int, names: list[str]) -> dict[str, str]:
    """Of the NEW single-spaced `names` (not stored yet), those that are twins of another:
    name → the stored name of the region or an earlier name of `names`. A set-at-once form
    of `municipality_twin` for the paths that bring many names (demo data)."""
    stored: dict[str, str] = {}
    exact: set[str] = set()
    for name in _region_values("Municipality", "name", region_id=region_id):
        exact.add(name)
        stored.setdefault(name_twin_key(name), name)
    listed: dict[str, str] = {}
    twins: dict[str, str] = {}
    for name in names:
        if name in exact:
            continue
        key = name_twin_key(name)
        other = stored.get(key) or listed.setdefault(key, name)
        if other != name:
            twins[name] = other
    return twins


def municipality_twin_problem(name: str, other: str) -> str:
    """The Russian problem of a municipality name that is a twin of a known one."""
    return _(
        "муниципальное образование «%(name)s» отличается от уже известного в субъекте "
        "«%(other)s» только регистром букв, буквой «ё» или пробелами: это одно муниципальное "
        "образование или два? Напишите название так же, как оно известно порталу"
    ) % {"name": shown(name), "other": shown(other)}


def municipality_get_or_create(*, region_id: int, name: str) -> tuple[Municipality, bool]:
    """The municipality of the region named `name` (single-spaced), created when new; a
    name that is a twin of another municipality of the region is refused
    (`ValidationError` on «name», in Russian)."""
    model = apps.get_model("agencies", "Municipality")
    spelled = municipality_name(name)
    found = model.objects.filter(region_id=region_id, name=spelled).first()
    if found is not None:
        return found, False
    municipality = model(region_id=region_id, name=spelled)
    municipality.full_clean()
    municipality.save()
    return municipality, True


def organisation_code_twin(
    *, region_id: int, code: str, exclude_pk: int | None = None
) -> str | None:
    """The code of another organisation of the region that is a twin of `code`
    (`tables.code_twin_key`), or None."""
    return _stored_twin(
        "Organisation",
        "code",
        code_twin_key,
        region_id=region_id,
        value=code,
        exclude_pk=exclude_pk,
    )


def organisation_code_twins(*, region_id: int, codes: list[str]) -> dict[str, tuple[str, bool]]:
    """Of the NEW codes among `codes` (not stored yet), those that are twins of another:
    code → (the other code, True when it is a stored code of the region; else an earlier
    code of `codes`). A set-at-once form of `organisation_code_twin` for the paths that
    bring many codes (the roster, demo data): the region's codes are read once."""
    known: dict[str, str] = {}
    stored: set[str] = set()
    for code in _region_values("Organisation", "code", region_id=region_id):
        stored.add(code)
        known.setdefault(code_twin_key(code), code)
    listed: dict[str, str] = {}
    twins: dict[str, tuple[str, bool]] = {}
    for code in codes:
        if code in stored:
            continue
        key = code_twin_key(code)
        twin = known.get(key)
        if twin is not None and twin != code:
            twins[code] = (twin, True)
            continue
        first = listed.setdefault(key, code)
        if first != code:
            twins[code] = (first, False)
    return twins


def organisation_code_problem(
    *, region_id: int | None, code: str, exclude_pk: int | None = None
) -> str | None:
    """Why `code` cannot be stored as an organisation's code of the region (Russian), else
    None: `tables.code_problem`, or a twin of another organisation's code of the region."""
    if problem := code_problem(code):
        return problem
    if region_id is None or not code:
        return None
    twin = organisation_code_twin(region_id=region_id, code=code, exclude_pk=exclude_pk)
    return code_twin_problem(code, twin) if twin is not None else None


def capitalised(problem: str) -> str:
    return problem[:1].upper() + problem[1:]


def municipality_clean(municipality: Municipality) -> None:
    """`Municipality.clean`: the name single-spaced, a twin refused."""
    municipality.name = municipality_name(municipality.name)
    if not municipality.region_id or not municipality.name:
        return
    twin = municipality_twin(
        region_id=municipality.region_id, name=municipality.name, exclude_pk=municipality.pk
    )
    if twin is not None:
        raise ValidationError(
            {"name": capitalised(municipality_twin_problem(municipality.name, twin))}
        )
